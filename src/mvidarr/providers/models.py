"""Provider-neutral results and the client surface every metadata provider offers.

The metadata, discovery and download code reads these types only; each provider module maps
its own JSON onto them. Fields are added, never renamed or removed.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ProviderName = Literal["imvdb", "musicbrainz", "wikipedia", "wikidata", "theaudiodb", "lastfm", "spotify", "youtube"]
PROVIDER_NAMES: tuple[ProviderName, ...] = (
    "imvdb",
    "musicbrainz",
    "wikipedia",
    "wikidata",
    "theaudiodb",
    "lastfm",
    "spotify",
    "youtube",
)


class Capability(StrEnum):
    """What a client can be asked; `ProviderClient.capabilities` lists the ones it answers."""

    SEARCH_ARTISTS = "search_artists"
    GET_ARTIST = "get_artist"
    ARTIST_BY_MUSICBRAINZ = "get_artist_by_musicbrainz"
    ARTIST_VIDEOS = "artist_videos"
    SEARCH_VIDEOS = "search_videos"
    GET_VIDEO = "get_video"
    SEARCH_RECORDINGS = "search_recordings"
    RECORDING_FOR_URL = "recording_for_url"


class _Result(BaseModel):
    model_config = ConfigDict(frozen=False, extra="forbid")


class Images(_Result):
    """Artwork URLs as the provider gives them (not downloaded)."""

    thumb: str | None = Field(default=None, description="Portrait or square picture of the artist / video still.")
    fanart: str | None = Field(default=None, description="Wide background picture.")
    logo: str | None = None
    banner: str | None = None


class ExternalIds(_Result):
    """Ids of the same artist or video at other services, when the provider knows them."""

    musicbrainz: str | None = Field(default=None, description="MusicBrainz artist (or recording) MBID.")
    wikidata: str | None = Field(default=None, description="Wikidata item id, e.g. Q1299.")
    imvdb: str | None = None
    spotify: str | None = None
    audiodb: str | None = None
    youtube_channel: str | None = Field(default=None, description="YouTube channel id (UC…) or channel URL.")
    lastfm: str | None = Field(default=None, description="Last.fm page URL.")
    wikipedia: str | None = Field(default=None, description="Wikipedia page title, with its language as 'en:Title'.")

    def merged(self, other: ExternalIds) -> ExternalIds:
        """These ids with the gaps filled from `other`."""
        mine = self.model_dump()
        return ExternalIds(**{k: mine[k] if mine[k] is not None else v for k, v in other.model_dump().items()})


class Link(_Result):
    kind: str = Field(description="What the link is, e.g. 'official', 'wikidata', 'youtube', 'wikipedia', 'social'.")
    url: str


class ArtistInfo(_Result):
    """One artist as one provider describes it."""

    provider: ProviderName
    provider_id: str = Field(description="The artist's id at that provider.")
    name: str
    sort_name: str | None = None
    disambiguation: str | None = None
    kind: str | None = Field(default=None, description="Person, Group, … as the provider says.")
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 when the provider gives one.")
    begin_year: int | None = None
    end_year: int | None = None
    genres: list[str] = Field(default_factory=list, description="Genres, as the provider spells them.")
    tags: list[str] = Field(default_factory=list, description="Free tags (may include genres), most used first.")
    biography: str | None = None
    biography_source: str | None = Field(default=None, description="URL the biography was taken from.")
    images: Images = Field(default_factory=Images)
    ids: ExternalIds = Field(default_factory=ExternalIds)
    urls: list[Link] = Field(default_factory=list)
    video_count: int | None = Field(default=None, description="How many music videos the provider lists.")
    score: float | None = Field(default=None, description="The provider's own search relevance, 0..1, if any.")
    aliases: list[str] = Field(
        default_factory=list, description="Other names (other scripts, spellings), as MusicBrainz lists them."
    )


class VideoInfo(_Result):
    """One music video as one provider describes it."""

    provider: ProviderName
    provider_id: str
    artist: str = Field(description="The primary artist's name (credited names joined when several).")
    artists: list[str] = Field(default_factory=list, description="Primary artists, in credit order.")
    featured_artists: list[str] = Field(default_factory=list)
    artist_provider_id: str | None = Field(default=None, description="The primary artist's id at the provider.")
    title: str
    version: str | None = Field(default=None, description="e.g. 'explicit', 'director's cut', 'live'.")
    year: int | None = None
    release_date: date | None = None
    duration_s: float | None = None
    album: str | None = None
    label: str | None = None
    directors: list[str] = Field(default_factory=list)
    producers: list[str] = Field(default_factory=list)
    youtube_ids: list[str] = Field(default_factory=list, description="YouTube video ids of this video, best first.")
    source_urls: list[Link] = Field(default_factory=list, description="Where the video can be watched.")
    description: str | None = None
    thumb: str | None = None
    view_count: int | None = None
    like_count: int | None = None
    channel: str | None = Field(default=None, description="Uploading channel's name (YouTube).")
    channel_id: str | None = None
    ids: ExternalIds = Field(default_factory=ExternalIds)
    musicbrainz_recording_id: str | None = None
    url: str | None = Field(default=None, description="The video's page at the provider.")
    score: float | None = None


class RecordingInfo(_Result):
    """A MusicBrainz recording: the song a video belongs to."""

    provider: ProviderName = "musicbrainz"
    provider_id: str
    title: str
    artist: str
    artists: list[str] = Field(default_factory=list)
    artist_ids: list[str] = Field(default_factory=list)
    featured_artists: list[str] = Field(default_factory=list)
    disambiguation: str | None = None
    duration_s: float | None = None
    first_release_date: date | None = None
    year: int | None = None
    album: str | None = None
    label: str | None = None
    isrcs: list[str] = Field(default_factory=list)
    is_video: bool = False
    genres: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    score: float | None = None


BreakerState = Literal["closed", "open", "half_open"]
ProviderState = Literal["ok", "degraded", "down", "disabled", "unconfigured"]


class ProviderStatus(_Result):
    """What `GET /api/v1/providers` and the readiness check show for one provider."""

    name: ProviderName
    label: str = Field(description="The provider's name for people, e.g. 'Last.fm'.")
    enabled: bool
    configured: bool = Field(description="Has the credentials it needs (always true for keyless providers).")
    state: ProviderState
    breaker: BreakerState
    consecutive_failures: int
    open_until: float | None = Field(default=None, description="Epoch seconds when a paused provider is tried again.")
    last_error: str | None = None
    last_error_at: float | None = None
    last_success_at: float | None = None
    rate_limit_per_s: float
    requests: int = Field(description="Upstream requests sent by this process since start.")
    cache_hits: int
    quota_remaining: int | None = Field(default=None, description="Remaining quota, when the provider reports one.")
