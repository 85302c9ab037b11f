from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, model_validator

from mvidarr.kit.params import MAX_ID
from mvidarr.kit.schemas import Clean, InputSchema, Schema, UTCDatetime, limit

Kind = Literal["jellyfin", "plex", "kodi"]
ConnectionName = Annotated[str, limit(100, 1), Clean]
ServerUrl = Annotated[str, limit(2000, 1), Clean]
Token = Annotated[str, limit(500, 1), Clean]
Username = Annotated[str, limit(200, 1), Clean]
FolderPath = Annotated[str, limit(1000, 1), Clean]


class PathMapping(InputSchema):
    from_: FolderPath = Field(alias="from", description="A library folder as MVidarr sees it.")
    to: FolderPath = Field(description="The same folder as the media server sees it.")

    @model_validator(mode="after")
    def _absolute(self) -> PathMapping:
        if not self.from_.startswith("/"):
            raise ValueError("`from` must be an absolute path")
        return self


Mappings = Annotated[list[PathMapping], Field(max_length=50)]


class ConnectionCreate(InputSchema):
    name: ConnectionName
    kind: Kind
    url: ServerUrl = Field(
        description="The server's base URL (http://jellyfin:8096, http://plex:32400, http://kodi:8080)."
    )
    token: Token | None = Field(default=None, description="Jellyfin API key or Plex token (write-only).")
    username: Username | None = Field(default=None, description="Kodi: the web server user.")
    password: Token | None = Field(default=None, description="Kodi: the web server password (write-only).")
    path_mappings: Mappings = Field(default_factory=list)
    enabled: bool = True

    @model_validator(mode="after")
    def _credentials(self) -> ConnectionCreate:
        if self.kind in ("jellyfin", "plex") and not self.token:
            raise ValueError(f"a {self.kind} connection needs a token")
        return self


class ConnectionUpdate(InputSchema):
    """Fields left out stay as they are; `password: null` removes Kodi's password."""

    name: ConnectionName | None = None
    url: ServerUrl | None = None
    token: Token | None = None
    username: Username | None = None
    password: Token | None = None
    path_mappings: Mappings | None = None
    enabled: bool | None = None


class MappingPublic(Schema):
    from_: str = Field(serialization_alias="from")
    to: str


class ConnectionPublic(Schema):
    id: int
    name: str
    kind: Kind
    url: str
    has_token: bool
    username: str | None
    has_password: bool
    path_mappings: list[dict[str, str]]
    enabled: bool
    created_at: datetime
    updated_at: datetime


class ConnectionTest(Schema):
    ok: bool
    message: str = Field(description="What the server said (its name and version), or why it failed.")


class WatchLinkCreate(InputSchema):
    user_id: Annotated[int, Field(ge=1, le=MAX_ID, description="The MVidarr user whose watched state is synced.")]
    remote_user: Username | None = Field(
        default=None, description="Jellyfin: the server's user, by name or id (required). Plex and Kodi: unused."
    )
    token: Token | None = Field(
        default=None,
        description="Plex: the account's own token when it is not the connection's (write-only). Others: unused.",
    )
    enabled: bool = True


class WatchLinkUpdate(InputSchema):
    """Fields left out stay as they are; `token: null` falls back to the connection's token."""

    remote_user: Username | None = None
    token: Token | None = None
    enabled: bool | None = None


class WatchLinkPublic(Schema):
    id: int
    connection_id: int
    user_id: int
    username: str
    remote_user: str | None
    has_token: bool
    enabled: bool
    last_synced_at: UTCDatetime | None
    last_result: dict[str, int] | None = Field(
        description="Counts of the last sync: matched, unchanged, pushed (to the server), pulled (into MVidarr), "
        "conflicts, failed, server_items."
    )
    last_error: str | None = Field(description="Why the last sync failed, or which videos it could not write.")
    created_at: UTCDatetime
