"""Runtime settings of downloads, `downloads.*` (edited in the UI, read by every job run)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from mvidarr.kit.schemas import Clean, limit
from mvidarr.settings.registry import OUTBOUND, Secret, define

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
PO_TOKEN = "downloads.youtube_po_token"
BACKOFF_BASE = "downloads.backoff_base_s"
BACKOFF_MAX = "downloads.backoff_max_s"
PER_HOST = "downloads.per_host_concurrency"
WINDOW_START = "downloads.window_start_hour"
WINDOW_END = "downloads.window_end_hour"
SPONSORBLOCK_API = "downloads.sponsorblock_api"
YTDLP_UPDATES = "downloads.ytdlp_updates"
YTDLP_PYPI = "downloads.ytdlp_pypi_url"
YTDLP_INDEX = "downloads.ytdlp_package_index"

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
    "Bandwidth limit per download in KiB/s (yt-dlp's ratelimit); unset is unlimited. A download may set its own.",
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
define(
    PO_TOKEN,
    Secret,
    None,
    "YouTube PO token handed to yt-dlp when YouTube asks for one: the token alone (used for the web "
    "client's video streams) or yt-dlp's CLIENT.CONTEXT+TOKEN form. Write-only.",
    secret=True,
)
define(
    BACKOFF_BASE,
    Annotated[int, Field(ge=1, le=86_400)],
    60,
    "First wait (seconds) after a source host rate-limits us or asks for a bot check without saying how "
    "long; it doubles with each refusal in a row. A host's Retry-After is honoured as it is.",
)
define(
    BACKOFF_MAX,
    Annotated[int, Field(ge=60, le=7 * 86_400)],
    6 * 3600,
    "Longest wait (seconds) before downloads from a host that refused us try again.",
)
define(
    PER_HOST,
    Annotated[int, Field(ge=0, le=32)],
    2,
    "Downloads from one source host (youtube.com, vimeo.com) running at once; 0 is no limit beyond "
    "downloads.max_concurrent.",
)
define(
    WINDOW_START,
    Annotated[int, Field(ge=0, le=23)] | None,
    None,
    "Download window: scheduled and automatic downloads start only from this hour (UTC, like schedules). "
    "Unset (with the end) is any time. Downloads you start yourself are not held back.",
)
define(
    WINDOW_END,
    Annotated[int, Field(ge=0, le=23)] | None,
    None,
    "Download window: the hour (UTC) from which no new scheduled download starts; may be before the start "
    "hour for a window over midnight (22 to 6).",
)
define(
    SPONSORBLOCK_API,
    Annotated[str, limit(500, 1), Clean, Field(pattern=r"^https?://[^\s]+$"), OUTBOUND],
    "https://sponsor.ajay.app",
    "SponsorBlock API that downloads ask for segments (quality profiles choose to cut or mark them); "
    "another instance or mirror may be given.",
)
define(
    YTDLP_UPDATES,
    Literal["notify", "auto", "pinned"],
    "notify",
    "yt-dlp updates: notify (a daily check; a health warning while a newer release is out; update from the "
    "System page), auto (the check also installs it, self-tested, rolled back on failure) or pinned (no check, "
    "no update: the installed version stays).",
)
define(
    YTDLP_PYPI,
    Annotated[str, limit(500, 1), Clean, Field(pattern=r"^https?://[^\s]+$"), OUTBOUND],
    "https://pypi.org/pypi",
    "PyPI JSON API the yt-dlp check asks (<url>/yt-dlp/json).",
)
define(
    YTDLP_INDEX,
    Annotated[str, limit(500, 1), Clean, Field(pattern=r"^https?://[^\s]+$"), OUTBOUND] | None,
    None,
    "Package index (PEP 503 simple API) pip installs yt-dlp from; unset is pip's own (PyPI or pip.conf).",
)
