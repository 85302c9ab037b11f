"""The surface every provider client offers; a client answers the capabilities it lists."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from mvidarr.providers.errors import ProviderUnsupported
from mvidarr.providers.models import ArtistInfo, Capability, ProviderName, RecordingInfo, VideoInfo
from mvidarr.providers.settings import ProviderConfig
from mvidarr.providers.upstream import Upstream


class Wire(BaseModel):
    """Base for a provider's JSON as documented: unknown fields ignored, types checked."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ProviderClient:
    """One provider. Built per use by `ProviderHub.client()` with the settings in force."""

    name: ClassVar[ProviderName]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()

    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream

    @property
    def config(self) -> ProviderConfig:
        return self.upstream.config

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def _unsupported(self, what: str) -> ProviderUnsupported:
        return ProviderUnsupported(self.name, f"cannot {what}")

    async def check(self) -> str:
        """Make one cheap real call that proves the settings work; returns what was checked."""
        raise self._unsupported("be tested")

    async def search_artists(self, query: str, *, limit: int = 10) -> list[ArtistInfo]:
        raise self._unsupported("search artists")

    async def get_artist(self, provider_id: str) -> ArtistInfo:
        """The artist with everything the provider knows; ProviderNotFound when the id is unknown."""
        raise self._unsupported("look up artists")

    async def artist_videos(self, provider_id: str, *, limit: int = 200) -> list[VideoInfo]:
        raise self._unsupported("list an artist's videos")

    async def search_videos(self, artist: str, title: str | None = None, *, limit: int = 10) -> list[VideoInfo]:
        raise self._unsupported("search videos")

    async def get_video(self, provider_id: str) -> VideoInfo:
        raise self._unsupported("look up videos")

    async def search_recordings(
        self,
        artist: str,
        title: str,
        *,
        limit: int = 10,
        duration_s: float | None = None,
        artist_mbid: str | None = None,
    ) -> list[RecordingInfo]:
        """Recordings of `title` by `artist` (by the artist's MusicBrainz id instead when given)."""
        raise self._unsupported("search recordings")

    async def recording_for_url(self, url: str) -> list[RecordingInfo]:
        """Recordings linked to a video URL (e.g. a YouTube link), empty when none."""
        raise self._unsupported("look up URLs")

    async def get_artist_by_musicbrainz(self, mbid: str) -> ArtistInfo:
        """The artist this provider links to a MusicBrainz id."""
        raise self._unsupported("look up artists by MusicBrainz id")
