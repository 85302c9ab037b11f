from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from mvidarr.kit.schemas import Clean, InputSchema, Schema, WebUrl, conflict, token
from mvidarr.kit.schemas import limit as length

ImportSource = Literal["lidarr", "lastfm", "spotify"]


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
        needed = {"lidarr": ("url", "api_key"), "lastfm": ("user",), "spotify": ("access_token",)}[self.source]
        missing = [name for name in needed if getattr(self, name) is None]
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
