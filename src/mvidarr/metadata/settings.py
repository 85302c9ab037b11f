"""Runtime settings of enrichment: the match threshold, field orders, refresh age, batches."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from mvidarr.providers.models import ProviderName
from mvidarr.settings.registry import SettingDefinition, define

Order = list[ProviderName]

VideoField = Literal[
    "title",
    "year",
    "release_date",
    "album",
    "label",
    "description",
    "featured_artists",
    "directors",
    "producers",
    "duration_s",
    "imvdb_id",
    "musicbrainz_recording_id",
    "youtube_id",
    "sources",
    "view_count",
    "like_count",
    "genres",
    "thumbnail",
]
ArtistField = Literal[
    "sort_name",
    "disambiguation",
    "country",
    "begin_year",
    "biography",
    "genres",
    "imvdb_slug",
    "imvdb_id",
    "musicbrainz_id",
    "spotify_id",
    "youtube_channel_id",
    "wikidata_id",
    "audiodb_id",
    "image",
    "fanart",
]

_CREDITS: list[ProviderName] = ["imvdb", "musicbrainz", "youtube"]
_GENRES: list[ProviderName] = ["musicbrainz", "lastfm", "spotify", "theaudiodb"]
DEFAULT_VIDEO_ORDER: dict[str, list[ProviderName]] = {
    # IMVDb first for what it curates: directors, producers, release dates.
    "title": ["imvdb", "musicbrainz", "youtube"],
    "year": ["imvdb", "musicbrainz", "youtube"],
    "release_date": ["imvdb", "musicbrainz", "youtube"],
    "directors": _CREDITS,
    "producers": _CREDITS,
    "featured_artists": ["imvdb", "musicbrainz", "youtube"],
    "album": ["musicbrainz", "imvdb", "theaudiodb"],
    "label": ["musicbrainz", "imvdb"],
    "description": ["imvdb", "theaudiodb", "youtube"],
    "duration_s": ["musicbrainz", "youtube", "imvdb"],
    "imvdb_id": ["imvdb"],
    # MusicBrainz for ids and genres.
    "musicbrainz_recording_id": ["musicbrainz"],
    "youtube_id": ["imvdb", "musicbrainz", "youtube", "theaudiodb"],
    "sources": ["imvdb", "youtube", "theaudiodb"],
    "view_count": ["youtube"],
    "like_count": ["youtube"],
    "genres": _GENRES,
    # Downloaded for a video that has no thumbnail (IMVDb's stills are larger than YouTube's).
    "thumbnail": ["imvdb", "youtube", "theaudiodb"],
}
DEFAULT_ARTIST_ORDER: dict[str, list[ProviderName]] = {
    "sort_name": ["musicbrainz"],
    "disambiguation": ["musicbrainz"],
    "country": ["musicbrainz", "theaudiodb", "wikidata"],
    "begin_year": ["musicbrainz", "theaudiodb", "wikidata"],
    # Wikipedia and TheAudioDB for biographies and images.
    "biography": ["wikipedia", "theaudiodb", "lastfm"],
    "image": ["theaudiodb", "wikipedia", "spotify"],
    "fanart": ["theaudiodb"],
    "genres": _GENRES,
    "imvdb_slug": ["imvdb"],
    "imvdb_id": ["imvdb"],
    "musicbrainz_id": ["musicbrainz", "theaudiodb", "wikidata"],
    "spotify_id": ["spotify", "musicbrainz", "wikidata"],
    "youtube_channel_id": ["musicbrainz", "youtube", "wikidata"],
    "wikidata_id": ["musicbrainz", "wikidata", "wikipedia"],
    "audiodb_id": ["theaudiodb"],
}
VIDEO_FIELD_PROVIDERS: SettingDefinition[dict[str, Order]] = define(
    "metadata.video_field_providers",
    dict[VideoField, Annotated[Order, Field(max_length=8)]],
    DEFAULT_VIDEO_ORDER,
    "For each video field, the providers asked in order; the first with a value wins. "
    "Fields left out keep their default order.",
    label="Providers for each video field",
)
ARTIST_FIELD_PROVIDERS: SettingDefinition[dict[str, Order]] = define(
    "metadata.artist_field_providers",
    dict[ArtistField, Annotated[Order, Field(max_length=8)]],
    DEFAULT_ARTIST_ORDER,
    "For each artist field, the providers asked in order; the first with a value wins. "
    "Fields left out keep their default order.",
    label="Providers for each artist field",
)


MATCH_THRESHOLD: SettingDefinition[float] = define(
    "metadata.match_threshold",
    Annotated[float, Field(ge=0, le=1)],
    0.85,
    "A provider match at least this confident is applied; weaker ones wait in the review list.",
    label="Match confidence to apply automatically",
)
REFRESH_AFTER_DAYS: SettingDefinition[int] = define(
    "metadata.refresh_after_days",
    Annotated[int, Field(ge=0, le=3650)],
    30,
    "Bulk enrichment revisits videos and artists enriched longer ago than this; 0 only enriches new ones.",
    label="Refresh metadata older than (days)",
)
ENRICH_AFTER_SCAN: SettingDefinition[bool] = define(
    "metadata.enrich_after_scan",
    bool,
    False,
    "After a library scan, enrich the videos it found that were never enriched.",
    label="Enrich new videos after a scan",
)
ENRICH_AFTER_DOWNLOAD: SettingDefinition[bool] = define(
    "metadata.enrich_after_download",
    bool,
    False,
    "After a video is downloaded (not an upgrade of its file), enrich it.",
    label="Enrich videos after download",
)
BATCH_SIZE: SettingDefinition[int] = define(
    "metadata.batch_size",
    Annotated[int, Field(ge=1, le=1000)],
    50,
    "Videos per child job of a bulk enrichment.",
    label="Videos per enrichment batch",
)
CONCURRENCY: SettingDefinition[int] = define(
    "metadata.concurrency",
    Annotated[int, Field(ge=1, le=64)],
    16,
    "Enrichment jobs running at once over all workers (the provider rate limits pace them anyway).",
    label="Enrichment jobs at once",
)
