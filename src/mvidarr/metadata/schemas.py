from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from mvidarr.artists.schemas import ArtistRef
from mvidarr.kit.params import MAX_ID
from mvidarr.kit.schemas import Clean, InputSchema, Schema, UTCDatetime, conflict, limit
from mvidarr.library.bulk_schemas import VideoSelection

VideoProvider = Literal["imvdb", "musicbrainz", "youtube"]
ArtistProvider = Literal["musicbrainz", "imvdb", "theaudiodb", "spotify", "wikidata", "youtube"]
ProviderId = Annotated[str, limit(128, 1), Clean]
_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_FORMATS: dict[str, tuple[str, str]] = {
    "imvdb:video": (r"^[0-9]{1,15}$", "an IMVDb video id is a number"),
    "musicbrainz": (_UUID, "a MusicBrainz id is a lower-case UUID"),
    "youtube:video": (r"^[A-Za-z0-9_-]{11}$", "a YouTube video id has 11 characters"),
    "youtube:artist": (r"^UC[A-Za-z0-9_-]{22}$", "a YouTube channel id starts with UC and has 24 characters"),
    "wikidata": (r"^Q[0-9]{1,12}$", "a Wikidata id looks like Q1299"),
    "imvdb:artist": (r"^[A-Za-z0-9._-]{1,64}$", "an IMVDb artist is its slug or number"),
    "spotify": (r"^[A-Za-z0-9]{22}$", "a Spotify artist id has 22 letters and digits"),
    "theaudiodb": (r"^[0-9]{1,12}$", "a TheAudioDB artist id is a number"),
}


def _check(provider: str, value: str, what: str) -> None:
    pattern, message = _FORMATS.get(f"{provider}:{what}") or _FORMATS[provider]
    if not re.match(pattern, value):
        raise conflict(message)


class VideoMatch(InputSchema):
    """The provider record a video is, chosen by a person."""

    provider: VideoProvider
    provider_id: ProviderId = Field(description="IMVDb video number, MusicBrainz recording id or YouTube video id.")

    @model_validator(mode="after")
    def _valid_id(self) -> VideoMatch:
        _check(self.provider, self.provider_id, "video")
        return self


class ArtistMatch(InputSchema):
    """The provider record an artist is, chosen by a person."""

    provider: ArtistProvider
    provider_id: ProviderId = Field(
        description="MusicBrainz artist id, IMVDb slug or number, TheAudioDB number, Spotify id, Wikidata id "
        "or YouTube channel id."
    )

    @model_validator(mode="after")
    def _valid_id(self) -> ArtistMatch:
        _check(self.provider, self.provider_id, "artist")
        return self


class MatchApplied(Schema):
    kind: Literal["video", "artist"]
    id: int
    provider: str
    provider_id: str
    field: str = Field(description="The id field that was set (and locked).")
    job_id: int = Field(description="The enrichment job fetching the rest from that record.")


class ReviewCandidate(Schema):
    provider: str
    provider_id: str
    confidence: float = Field(ge=0, le=1)
    artist: str | None = None
    title: str | None = None
    name: str | None = Field(default=None, description="Artist candidates: the name.")
    disambiguation: str | None = None
    country: str | None = None
    year: int | None = None
    duration_s: float | None = None
    url: str | None = None
    thumb: str | None = None
    reason: str | None = Field(
        default=None,
        description="Why this candidate cannot be applied on its own (another version, artist and title swapped).",
    )


class VideoRef(Schema):
    id: int
    title: str
    artist: ArtistRef


class ReviewItem(Schema):
    id: int
    kind: Literal["video", "artist"]
    video: VideoRef | None
    artist: ArtistRef | None
    query: dict[str, object] = Field(description="What was searched for.")
    best_confidence: float
    candidates: list[ReviewCandidate] = Field(description="Ranked, best first.")
    created_at: UTCDatetime
    updated_at: UTCDatetime


class LookupIds(Schema):
    musicbrainz: str | None = None
    imvdb: str | None = None
    spotify: str | None = None
    audiodb: str | None = None
    wikidata: str | None = None
    youtube_channel: str | None = None


class ArtistCandidate(Schema):
    """One artist found at the providers, merged across them."""

    name: str
    disambiguation: str | None
    country: str | None
    begin_year: int | None
    end_year: int | None
    image: str | None
    ids: LookupIds
    video_count: int | None = Field(description="How many videos IMVDb knows, when it was asked.")
    providers: list[str] = Field(description="The providers that know this artist.")
    confidence: float = Field(ge=0, le=1, description="How well the name matches the query.")
    artist_id: int | None = Field(description="The library artist this already is, if any.")


class ArtistLookup(Schema):
    items: list[ArtistCandidate]
    failed_providers: dict[str, str] = Field(description="Providers that could not be asked, with the reason.")


class LibraryEnrichRequest(InputSchema):
    only_due: bool = Field(
        default=True, description="Only what was never enriched or is due again (the whole library only)."
    )
    video_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None, min_length=1, max_length=1000, description="Only these videos, due or not."
    )
    filter: VideoSelection | None = Field(
        default=None,
        description="Only the videos matching the video list's filters (as `PATCH /videos` takes them), due or not.",
    )

    @model_validator(mode="after")
    def _one_selection(self) -> Self:
        if self.video_ids is not None and self.filter is not None:
            raise conflict("send video_ids or filter, not both")
        if (self.video_ids is not None or self.filter is not None) and "only_due" in self.model_fields_set:
            raise conflict("only_due is for the whole library; a selection is enriched due or not")
        return self
