"""What this installation runs: versions of the app, Python, yt-dlp, PyAV with its FFmpeg libraries,
the ffmpeg binary used for remuxing, and the database server."""

from __future__ import annotations

import asyncio
import platform
from importlib import metadata

from sqlalchemy import text

from mvidarr import __version__
from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.media.ffmpeg import ffmpeg_binary
from mvidarr.system.schemas import About

PROBE_TIMEOUT_S = 5.0
# A program's version does not change while the process runs; asking once spares a subprocess per view.
_ffmpeg_versions: dict[str, str | None] = {}


def _package(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


async def _ffmpeg_version(binary: str) -> str | None:
    """First line of `ffmpeg -version`, e.g. `ffmpeg version 7.0.2-static`; None when it does not run."""
    try:
        process = await asyncio.create_subprocess_exec(
            binary, "-version", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
    except OSError:
        return None
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            out, _ = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        return None
    line = out.decode(errors="replace").splitlines()[0] if out else ""
    return line.removeprefix("ffmpeg version ").split(" Copyright")[0].strip() or None


async def _remember(binary: str) -> str | None:
    version = await _ffmpeg_version(binary)
    if version is not None:
        _ffmpeg_versions[binary] = version
    return version


async def _database_version(db: Database) -> str | None:
    query = "SELECT sqlite_version()" if db.engine.dialect.name == "sqlite" else "SHOW server_version"
    try:
        async with db.reader() as session:
            return str(await session.scalar(text(query)))
    except Exception:  # a version we cannot read is shown as unknown, not as an error page
        return None


async def about(db: Database, settings: Settings) -> About:
    binary = await asyncio.to_thread(ffmpeg_binary, settings.ffmpeg_path)
    libraries: str | None = None
    try:
        import av

        libraries = str(av.ffmpeg_version_info)
    except (ImportError, AttributeError):
        libraries = None
    return About(
        version=__version__,
        python=platform.python_version(),
        platform=platform.platform(terse=True),
        yt_dlp=_package("yt-dlp"),
        pyav=_package("av"),
        ffmpeg_libraries=libraries,
        ffmpeg_binary=binary,
        ffmpeg=_ffmpeg_versions[binary] if binary in _ffmpeg_versions else await _remember(binary),
        database=db.engine.dialect.name,
        database_version=await _database_version(db),
    )
