"""Runtime settings of downloads, `downloads.*` (edited in the UI, read by every job run)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.kit.schemas import Clean, limit
from mvidarr.kit.sealing import Sealer
from mvidarr.settings import service as runtime_settings
from mvidarr.settings.registry import OUTBOUND, Secret, SettingDefinition, define

MAX_CONCURRENT: SettingDefinition[int] = define(
    "downloads.max_concurrent",
    Annotated[int, Field(ge=0, le=32)],
    2,
    "Downloads running at once, over all workers.",
    label="Downloads at once",
)
RATE_LIMIT: SettingDefinition[int | None] = define(
    "downloads.rate_limit_kib_s",
    Annotated[int, Field(ge=1, le=10_000_000)] | None,
    None,
    "Bandwidth limit per download in KiB/s (yt-dlp's ratelimit); unset is unlimited. A download may set its own.",
    label="Bandwidth limit per download (KiB/s)",
)
MIN_FREE_MB: SettingDefinition[int] = define(
    "downloads.min_free_disk_mb",
    Annotated[int, Field(ge=0, le=10_000_000)],
    1024,
    "A download does not start when the library or temp folder has less free space than this (MB).",
    label="Minimum free disk space (MB)",
)
COMPATIBILITY: SettingDefinition[bool] = define(
    "downloads.compatibility_mode",
    bool,
    False,
    "Prefer H.264 video and AAC audio in MP4 (for devices that cannot play VP9, AV1 or MKV).",
    label="Compatibility mode (H.264/AAC in MP4)",
)
SUBTITLES: SettingDefinition[bool] = define(
    "downloads.subtitles",
    bool,
    False,
    "Download subtitles next to the video when the source has them.",
    label="Download subtitles",
)
SUBTITLE_LANGUAGES: SettingDefinition[list[str]] = define(
    "downloads.subtitle_languages",
    Annotated[list[Annotated[str, limit(20, 1), Clean]], Field(max_length=20)],
    ["en"],
    "Subtitle languages to fetch (yt-dlp language codes or patterns such as 'en.*').",
    label="Subtitle languages",
)
EMBED_METADATA: SettingDefinition[bool] = define(
    "downloads.embed_metadata",
    bool,
    True,
    "Write title, artist and date into the downloaded file's tags.",
    label="Write tags into downloaded files",
)
SEARCH_RESULTS: SettingDefinition[int] = define(
    "downloads.search_results",
    Annotated[int, Field(ge=1, le=25)],
    8,
    "Search results ranked when a video has no known source.",
    label="Search results to rank",
)
AUTO_LIMIT: SettingDefinition[int] = define(
    "downloads.auto_download_limit",
    Annotated[int, Field(ge=0, le=1000)],
    20,
    "Wanted videos the auto-download schedule queues per run (oldest wanted first); 0 turns it off.",
    label="Auto-downloads per run",
)
UPGRADE_SEARCH: SettingDefinition[bool] = define(
    "downloads.upgrade_search_enabled",
    bool,
    False,
    "Let the weekly upgrade search look for better versions of videos below their profile's cutoff.",
    label="Search for better versions",
)
UPGRADE_LIMIT: SettingDefinition[int] = define(
    "downloads.upgrade_search_limit",
    Annotated[int, Field(ge=1, le=1000)],
    50,
    "Videos the upgrade search checks per run.",
    label="Videos checked per upgrade search",
)
PO_TOKEN: SettingDefinition[str | None] = define(
    "downloads.youtube_po_token",
    Secret,
    None,
    "YouTube PO token handed to yt-dlp when YouTube asks for one: the token alone (used for the web "
    "client's video streams) or yt-dlp's CLIENT.CONTEXT+TOKEN form. Write-only.",
    secret=True,
)
BACKOFF_BASE: SettingDefinition[int] = define(
    "downloads.backoff_base_s",
    Annotated[int, Field(ge=1, le=86_400)],
    60,
    "First wait (seconds) after a source host rate-limits us or asks for a bot check without saying how "
    "long; it doubles with each refusal in a row. A host's Retry-After is honoured as it is.",
)
BACKOFF_MAX: SettingDefinition[int] = define(
    "downloads.backoff_max_s",
    Annotated[int, Field(ge=60, le=7 * 86_400)],
    6 * 3600,
    "Longest wait (seconds) before downloads from a host that refused us try again.",
)
PER_HOST: SettingDefinition[int] = define(
    "downloads.per_host_concurrency",
    Annotated[int, Field(ge=0, le=32)],
    2,
    "Downloads from one source host (youtube.com, vimeo.com) running at once; 0 is no limit beyond "
    "downloads.max_concurrent.",
)
WINDOW_START: SettingDefinition[int | None] = define(
    "downloads.window_start_hour",
    Annotated[int, Field(ge=0, le=23)] | None,
    None,
    "Download window: scheduled and automatic downloads start only from this hour (UTC, like schedules). "
    "Unset (with the end) is any time. Downloads you start yourself are not held back.",
)
WINDOW_END: SettingDefinition[int | None] = define(
    "downloads.window_end_hour",
    Annotated[int, Field(ge=0, le=23)] | None,
    None,
    "Download window: the hour (UTC) from which no new scheduled download starts; may be before the start "
    "hour for a window over midnight (22 to 6).",
)
SPONSORBLOCK_API: SettingDefinition[str] = define(
    "downloads.sponsorblock_api",
    Annotated[str, limit(500, 1), Clean, Field(pattern=r"^https?://[^\s]+$"), OUTBOUND],
    "https://sponsor.ajay.app",
    "SponsorBlock API that downloads ask for segments (quality profiles choose to cut or mark them); "
    "another instance or mirror may be given.",
)
YTDLP_UPDATES: SettingDefinition[str] = define(
    "downloads.ytdlp_updates",
    Literal["notify", "auto", "pinned"],
    "notify",
    "yt-dlp updates: notify (a daily check; a health warning while a newer release is out; update from the "
    "System page), auto (the check also installs it, self-tested, rolled back on failure) or pinned (no check, "
    "no update: the installed version stays).",
)
YTDLP_PYPI: SettingDefinition[str] = define(
    "downloads.ytdlp_pypi_url",
    Annotated[str, limit(500, 1), Clean, Field(pattern=r"^https?://[^\s]+$"), OUTBOUND],
    "https://pypi.org/pypi",
    "PyPI JSON API the yt-dlp check asks (<url>/yt-dlp/json).",
)
YTDLP_INDEX: SettingDefinition[str | None] = define(
    "downloads.ytdlp_package_index",
    Annotated[str, limit(500, 1), Clean, Field(pattern=r"^https?://[^\s]+$"), OUTBOUND] | None,
    None,
    "Package index (PEP 503 simple API) pip installs yt-dlp from; unset is pip's own (PyPI or pip.conf).",
)


@dataclass(frozen=True, slots=True)
class DownloadSettings:
    """What a download job reads of the settings above, read once per job."""

    compatibility: bool
    rate_limit_kib_s: int | None
    subtitles: bool
    subtitle_languages: list[str]
    embed_metadata: bool
    min_free_mb: int
    search_results: int
    po_token: str | None
    per_host: int
    backoff_base_s: int
    backoff_max_s: int
    sponsorblock_api: str


async def load(session: AsyncSession, sealer: Sealer) -> DownloadSettings:
    """The download settings in force (the PO token opened with the app's sealer)."""
    return DownloadSettings(
        compatibility=await runtime_settings.get(session, COMPATIBILITY),
        rate_limit_kib_s=await runtime_settings.get(session, RATE_LIMIT),
        subtitles=await runtime_settings.get(session, SUBTITLES),
        subtitle_languages=await runtime_settings.get(session, SUBTITLE_LANGUAGES),
        embed_metadata=await runtime_settings.get(session, EMBED_METADATA),
        min_free_mb=await runtime_settings.get(session, MIN_FREE_MB),
        search_results=await runtime_settings.get(session, SEARCH_RESULTS),
        po_token=await runtime_settings.get(session, PO_TOKEN, sealer=sealer),
        per_host=await runtime_settings.get(session, PER_HOST),
        backoff_base_s=await runtime_settings.get(session, BACKOFF_BASE),
        backoff_max_s=await runtime_settings.get(session, BACKOFF_MAX),
        sponsorblock_api=await runtime_settings.get(session, SPONSORBLOCK_API),
    )
