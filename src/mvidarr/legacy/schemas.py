"""The import's request and its report (the same report for a dry run and a real run)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mvidarr.kit.schemas import InputSchema, Schema

KINDS = (
    "settings",
    "users",
    "themes",
    "artists",
    "videos",
    "files",
    "downloads",
    "playlists",
    "playlist_entries",
    "blocklist",
    "monitors",
)


class LegacyImportRequest(InputSchema):
    url: Annotated[str, Field(min_length=8, max_length=2048)] = Field(
        description="The 0.9.7 database: `mysql://user:password@host:3306/database` (MariaDB or MySQL). "
        "Its host must pass the network policy (a private address only when listed in "
        "`network.allowed_private_hosts`). The password is sealed at rest and never shown."
    )
    password: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="The database password, when it is not in the URL (it replaces the URL's)."
    )
    dry_run: bool = Field(default=True, description="Report what would happen and change nothing.")
    path_maps: list[Annotated[str, Field(min_length=3, max_length=4096)]] = Field(
        default_factory=list,
        max_length=50,
        description="`OLD=NEW`: 0.9.7's library folder (absolute, or relative to its working directory, "
        "e.g. `data/musicvideos`) and where those files are here (inside a root folder).",
    )


class Example(Schema):
    legacy_id: str
    name: str
    detail: str


class KindReport(Schema):
    """One kind of 0.9.7 row: every row counted once under one outcome."""

    total: int = 0
    imported: int = Field(default=0, description="New rows here.")
    linked: int = Field(default=0, description="Matched a row already here (by id, name or file); gaps filled.")
    merged: int = Field(default=0, description="Went into the same row as another 0.9.7 row (duplicates).")
    unchanged: int = Field(default=0, description="Brought across by an earlier import; nothing to carry.")
    updated: int = Field(
        default=0,
        description="Brought across by an earlier import and changed in 0.9.7 since: its changes carried, except "
        "fields changed or locked here since (`reasons` names them).",
    )
    skipped: int = Field(default=0, description="Not brought across; `reasons` says why.")
    maps_to: str = Field(default="", description="Where this kind lands here.")
    reasons: dict[str, int] = Field(default_factory=dict, description="Why rows were skipped or changed, counted.")
    examples: list[Example] = Field(default_factory=list, description="Up to 20 skipped or changed rows.")

    @property
    def accounted(self) -> int:
        return self.imported + self.linked + self.merged + self.unchanged + self.updated + self.skipped


class FileProblem(Schema):
    video_legacy_id: int
    title: str
    legacy_path: str
    looked_at: str | None
    problem: str


class LegacyReport(Schema):
    source: str = Field(description="The 0.9.7 database, without its password.")
    server_version: str
    dry_run: bool
    kinds: dict[str, KindReport]
    files_not_found: list[FileProblem] = Field(
        default_factory=list, description="Files that are not where 0.9.7 said (up to 500 listed)."
    )
    files_not_found_total: int = 0
    files_renamed: int = Field(default=0, description="Files found under the name 0.9.7's cleaner gave them.")
    users_to_set_password: list[str] = Field(
        default_factory=list,
        description="Imported users without a password: an admin resets each one's password; they change it "
        "at first sign-in.",
    )
    missing_tables: list[str] = Field(default_factory=list, description="Tables this 0.9.7 install lacks.")
    root_folders_to_scan: list[int] = Field(
        default_factory=list, description="Root folders with linked files: a scan of each is queued after the import."
    )
    thumbnails_to_fetch: int = Field(
        default=0,
        description="Imported artists and videos with a 0.9.7 thumbnail URL: a `legacy.thumbnails` job fetches them "
        "through the network policy after the import.",
    )
    queued_jobs: list[int] = Field(
        default_factory=list, description="Jobs queued after the import: root folder scans, the thumbnail fetch."
    )
    elapsed_s: float = 0.0
