from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from mvidarr.kit.schemas import Clean, InputSchema, Schema, UTCDatetime, WebUrl, conflict, token, unset_or
from mvidarr.kit.schemas import limit as length

ImportSource = Literal["lidarr", "lastfm", "spotify"]


ListName = Annotated[str, length(100, 1), Clean]
Limit = Annotated[int, Field(ge=1, le=1000)]
Hours = Annotated[int, Field(ge=1, le=720)]
LidarrKey = Annotated[str, token(200)]
LastfmUser = Annotated[str, length(100, 1), Clean]
SpotifyToken = Annotated[str, token(2000)]
NEEDS = {"lidarr": ("url", "api_key"), "lastfm": ("user",), "spotify": ("access_token",)}


class ArtistImport(InputSchema):
    """Where to read the artists from; `dry_run` shows the list without adding anyone."""

    source: ImportSource
    url: WebUrl | None = Field(default=None, description="Lidarr: the instance's base URL, e.g. http://lidarr:8686.")
    api_key: Annotated[str, token(200)] | None = Field(default=None, description="Lidarr: its API key.")
    user: Annotated[str, length(100, 1), Clean] | None = Field(default=None, description="Last.fm: the user name.")
    access_token: Annotated[str, token(2000)] | None = Field(
        default=None,
        description="Spotify: a user access token with the `user-follow-read` scope (followed artists are private).",
    )
    limit: Annotated[int, Field(ge=1, le=1000)] = Field(default=200, description="At most this many artists.")
    dry_run: bool = Field(default=False, description="Only show what would be added.")

    @model_validator(mode="after")
    def _needs(self) -> ArtistImport:
        missing = [name for name in NEEDS[self.source] if getattr(self, name) is None]
        if missing:
            raise conflict(f"{self.source} needs {' and '.join(missing)}")
        return self


class ListedArtist(Schema):
    name: str
    musicbrainz_id: str | None = None
    spotify_id: str | None = None


class ImportedArtist(ListedArtist):
    action: Literal["add", "existing"] = Field(description="`existing`: already in the library (by id or name).")
    artist_id: int | None = Field(description="The library artist (null in a dry run for new ones).")


class ImportResult(Schema):
    source: ImportSource
    dry_run: bool
    added: int
    existing: int
    artists: list[ImportedArtist]
    enrich_job_id: int | None = Field(description="The enrichment job started for the added artists, if any.")


class ImportListCreate(InputSchema):
    """A list kept and synced on a schedule; the fields its source needs as for a one-off import."""

    name: ListName
    source: ImportSource
    url: WebUrl | None = Field(default=None, description="Lidarr: the instance's base URL.")
    api_key: LidarrKey | None = Field(default=None, description="Lidarr: its API key (write-only).")
    user: LastfmUser | None = Field(default=None, description="Last.fm: the user name.")
    access_token: SpotifyToken | None = Field(
        default=None, description="Spotify: a user access token with `user-follow-read` (write-only)."
    )
    limit: Limit = Field(default=200, description="At most this many artists per sync.")
    enabled: bool = Field(default=True, description="Synced by the schedule (`imports.sync_due`).")
    sync_interval_hours: Hours = Field(default=24, description="Hours between scheduled syncs.")

    @model_validator(mode="after")
    def _needs(self) -> ImportListCreate:
        missing = [name for name in NEEDS[self.source] if getattr(self, name) is None]
        if missing:
            raise conflict(f"{self.source} needs {' and '.join(missing)}")
        return self


class ImportListUpdate(InputSchema):
    """Only the fields sent are changed; the source stays (make a new list for another source)."""

    name: ListName | None = unset_or()
    url: WebUrl | None = unset_or()
    api_key: LidarrKey | None = unset_or()
    user: LastfmUser | None = unset_or()
    access_token: SpotifyToken | None = unset_or()
    limit: Limit | None = unset_or()
    enabled: bool | None = unset_or()
    sync_interval_hours: Hours | None = unset_or()


class ImportListPublic(Schema):
    id: int
    name: str
    source: ImportSource
    url: str | None
    api_key_set: bool = Field(description="Lidarr: whether an API key is stored (it is never answered).")
    user: str | None
    access_token_set: bool = Field(description="Spotify: whether a token is stored (it is never answered).")
    limit: int
    enabled: bool
    sync_interval_hours: int
    last_synced_at: UTCDatetime | None
    last_added: int | None = Field(description="Artists the last sync added.")
    last_error: str | None = Field(description="Why the last sync failed; null when it worked.")


class ImportListSync(InputSchema):
    dry_run: bool = Field(default=False, description="Only show what a sync would add.")
