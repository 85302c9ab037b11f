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
        values = await keys.load(session, Sealer.from_secret(ctx.settings.resolve_secret_key()))
    choice = choose_format(profile, compatibility=values.compatibility)
    rate = rate_limit_kib_s or values.rate_limit_kib_s
    return Options(
        format=choice.expression,
        merge_format=choice.merge_format,
        rate_limit=rate * 1024 if rate else None,
        subtitles=values.subtitles,
        subtitle_languages=values.subtitle_languages or ["en"],
        embed_metadata=values.embed_metadata,
        min_free_mb=values.min_free_mb,
        search_results=values.search_results,
        po_token=values.po_token or None,
        per_host=values.per_host,
        backoff_base_s=float(values.backoff_base_s),
        backoff_max_s=float(values.backoff_max_s),
        sponsorblock=_sponsorblock(profile, values.sponsorblock_api),
    )


def _sponsorblock(profile: QualityProfile | None, api: str) -> dict[str, Any] | None:
    """What the worker does with SponsorBlock's segments for this profile (None: nothing asked)."""
    if profile is None or profile.sponsorblock not in ("cut", "mark") or not profile.sponsorblock_categories:
        return None
    return {"mode": profile.sponsorblock, "categories": list(profile.sponsorblock_categories), "api": api}


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
