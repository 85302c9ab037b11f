"""Runtime settings of downloads, `downloads.*` (edited in the UI, read by every job run)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mvidarr.kit.schemas import Clean, limit
from mvidarr.settings.registry import define

MAX_CONCURRENT = "downloads.max_concurrent"
RATE_LIMIT = "downloads.rate_limit_kib_s"
MIN_FREE_MB = "downloads.min_free_disk_mb"
COMPATIBILITY = "downloads.compatibility_mode"
SUBTITLES = "downloads.subtitles"
SUBTITLE_LANGUAGES = "downloads.subtitle_languages"
EMBED_METADATA = "downloads.embed_metadata"
SEARCH_RESULTS = "downloads.search_results"
AUTO_LIMIT = "downloads.auto_download_limit"
UPGRADE_SEARCH = "downloads.upgrade_search_enabled"
UPGRADE_LIMIT = "downloads.upgrade_search_limit"

define(
    MAX_CONCURRENT,
    Annotated[int, Field(ge=0, le=32)],
    2,
    "Downloads running at once, over all workers.",
    label="Downloads at once",
)
define(
    RATE_LIMIT,
    Annotated[int, Field(ge=1, le=10_000_000)] | None,
    None,
    "Bandwidth limit per download in KiB/s; unset is unlimited.",
    label="Bandwidth limit per download (KiB/s)",
)
define(
    MIN_FREE_MB,
    Annotated[int, Field(ge=0, le=10_000_000)],
    1024,
    "A download does not start when the library or temp folder has less free space than this (MB).",
    label="Minimum free disk space (MB)",
)
define(
    COMPATIBILITY,
    bool,
    False,
    "Prefer H.264 video and AAC audio in MP4 (for devices that cannot play VP9, AV1 or MKV).",
    label="Compatibility mode (H.264/AAC in MP4)",
)
define(
    SUBTITLES, bool, False, "Download subtitles next to the video when the source has them.", label="Download subtitles"
)
define(
    SUBTITLE_LANGUAGES,
    Annotated[list[Annotated[str, limit(20, 1), Clean]], Field(max_length=20)],
    ["en"],
    "Subtitle languages to fetch (yt-dlp language codes or patterns such as 'en.*').",
    label="Subtitle languages",
)
define(
    EMBED_METADATA,
    bool,
    True,
    "Write title, artist and date into the downloaded file's tags.",
    label="Write tags into downloaded files",
)
define(
    SEARCH_RESULTS,
    Annotated[int, Field(ge=1, le=25)],
    8,
    "Search results ranked when a video has no known source.",
    label="Search results to rank",
)
define(
    AUTO_LIMIT,
    Annotated[int, Field(ge=0, le=1000)],
    20,
    "Wanted videos the auto-download schedule queues per run (oldest wanted first); 0 turns it off.",
    label="Auto-downloads per run",
)
define(
    UPGRADE_SEARCH,
    bool,
    False,
    "Let the weekly upgrade search look for better versions of videos below their profile's cutoff.",
    label="Search for better versions",
)
define(
    UPGRADE_LIMIT,
    Annotated[int, Field(ge=1, le=1000)],
    50,
    "Videos the upgrade search checks per run.",
    label="Videos checked per upgrade search",
)
