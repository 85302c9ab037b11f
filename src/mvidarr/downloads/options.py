"""What one download attempt is told: the format and limits from the quality profile and the
`downloads.*` settings, and where its temp folder and cookies live under the data dir."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mvidarr.downloads import settings as keys
from mvidarr.downloads.formats import choose_format
from mvidarr.jobs.context import JobContext
from mvidarr.kit.sealing import Sealer
from mvidarr.models import QualityProfile
from mvidarr.settings import service as runtime_settings


def temp_root(data_dir: Path) -> Path:
    """Where downloads are written until they are complete and probed."""
    return data_dir / "tmp" / "downloads"


def cookies_path(data_dir: Path) -> Path:
    return data_dir / "cookies" / "cookies.txt"


@dataclass(slots=True)
class Options:
    format: str
    merge_format: str
    rate_limit: int | None
    subtitles: bool
    subtitle_languages: list[str]
    embed_metadata: bool
    min_free_mb: int
    search_results: int
    po_token: str | None = None
    per_host: int = 0
    backoff_base_s: float = 60.0
    backoff_max_s: float = 6 * 3600.0
    sponsorblock: dict[str, Any] | None = None


async def load_options(ctx: JobContext, profile: QualityProfile | None, rate_limit_kib_s: int | None = None) -> Options:
    async with ctx.reader() as session:
        values = {key: await runtime_settings.get_value(session, key) for key in _SETTING_KEYS}
        values[keys.PO_TOKEN] = await runtime_settings.get_value(
            session, keys.PO_TOKEN, sealer=Sealer.from_secret(ctx.settings.resolve_secret_key())
        )
    choice = choose_format(profile, compatibility=bool(values[keys.COMPATIBILITY]))
    rate = rate_limit_kib_s or values[keys.RATE_LIMIT]
    return Options(
        format=choice.expression,
        merge_format=choice.merge_format,
        rate_limit=int(rate) * 1024 if rate else None,
        subtitles=bool(values[keys.SUBTITLES]),
        subtitle_languages=list(values[keys.SUBTITLE_LANGUAGES] or ["en"]),
        embed_metadata=bool(values[keys.EMBED_METADATA]),
        min_free_mb=int(values[keys.MIN_FREE_MB]),
        search_results=int(values[keys.SEARCH_RESULTS]),
        po_token=str(values[keys.PO_TOKEN]) if values[keys.PO_TOKEN] else None,
        per_host=int(values[keys.PER_HOST]),
        backoff_base_s=float(values[keys.BACKOFF_BASE]),
        backoff_max_s=float(values[keys.BACKOFF_MAX]),
        sponsorblock=_sponsorblock(profile, str(values[keys.SPONSORBLOCK_API])),
    )


def _sponsorblock(profile: QualityProfile | None, api: str) -> dict[str, Any] | None:
    """What the worker does with SponsorBlock's segments for this profile (None: nothing asked)."""
    if profile is None or profile.sponsorblock not in ("cut", "mark") or not profile.sponsorblock_categories:
        return None
    return {"mode": profile.sponsorblock, "categories": list(profile.sponsorblock_categories), "api": api}


_SETTING_KEYS = (
    keys.COMPATIBILITY,
    keys.RATE_LIMIT,
    keys.SUBTITLES,
    keys.SUBTITLE_LANGUAGES,
    keys.EMBED_METADATA,
    keys.MIN_FREE_MB,
    keys.SEARCH_RESULTS,
    keys.PER_HOST,
    keys.BACKOFF_BASE,
    keys.BACKOFF_MAX,
    keys.SPONSORBLOCK_API,
)


def po_token_argument(token: str) -> str:
    """yt-dlp's `youtube:po_token` value: CLIENT.CONTEXT+TOKEN as given, a bare token for web's streams."""
    return token if "+" in token else f"web.gvs+{token}"


def free_mb(path: Path) -> float:
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return shutil.disk_usage(probe).free / 1_000_000


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def clear_job_leftovers(root: Path, job_id: int) -> int:
    """Temp folders earlier attempts of this job left (a killed worker): removed before starting."""
    if not root.exists():
        return 0
    stale = list(root.glob(f"job-{job_id}-*"))
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return len(stale)
