"""Provider pictures for the browser. The pages' CSP allows only our own images, so the artwork a
provider names (artist candidates, match candidates) is fetched here and served from our origin.

Only through the guarded fetcher (private addresses refused unless `network.allowed_private_hosts` lists them),
only from the hosts providers serve pictures from plus the origins of the configured provider base
URLs (every redirect hop checked against the same list), only JPEG, PNG, GIF, WebP or AVIF (judged
by the bytes, never SVG, which can carry script), at most `MAX_BYTES`, cached on disk under
`<data>/cache/provider-images` for `CACHE_TTL_S`.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.errors import MvidarrError
from mvidarr.kit.atomic import write_atomic
from mvidarr.network.fetch import Fetcher, FetchLimits, FetchRefused
from mvidarr.network.settings import policy_from_settings
from mvidarr.providers.settings import load_configs

if TYPE_CHECKING:
    import httpx

    from mvidarr.providers.hub import ProviderHub

CACHE_DIR = Path("cache") / "provider-images"
CACHE_TTL_S = 7 * 24 * 3600
CACHE_MAX_FILES = 5000
PRUNE_EVERY = 100
"""Pictures stored between two prunes of the cache folder."""
MAX_BYTES = 5 * 1024 * 1024
MAX_URL_LENGTH = 2048
# Hosts (with their subdomains) that provider answers name pictures on: IMVDb, TheAudioDB, Spotify's
# CDNs, Wikimedia (Wikipedia thumbnails; Commons' Special:FilePath redirects to upload.wikimedia.org),
# YouTube thumbnails and channel avatars, Last.fm's picture CDN.
IMAGE_HOSTS = (
    "imvdb.com",
    "theaudiodb.com",
    "scdn.co",
    "spotifycdn.com",
    "wikimedia.org",
    "ytimg.com",
    "ggpht.com",
    "yt3.googleusercontent.com",
    "lastfm.freetls.fastly.net",
)
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp", "image/avif": "avif"}
_MEDIA_TYPES = {extension: media_type for media_type, extension in EXTENSIONS.items()}


class NotAnImage(MvidarrError):
    """The URL answered something other than a JPEG, PNG, GIF, WebP or AVIF picture: 422."""

    status, kind, title = 422, "not-an-image", "Not a picture"


@dataclass(frozen=True, slots=True)
class Picture:
    body: bytes
    media_type: str
    etag: str


def sniff(body: bytes) -> str | None:
    """The picture type the bytes are, by their signature; None for anything else."""
    if body.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if body.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if body[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp"
    if body[4:8] == b"ftyp" and body[8:12] in (b"avif", b"avis"):
        return "image/avif"
    return None


Origin = tuple[str, str, int]


def _origin(url: httpx.URL) -> Origin:
    return url.scheme, url.host.lower().rstrip("."), url.port or (443 if url.scheme == "https" else 80)


def allowed_by(base_urls: list[str]) -> Callable[[httpx.URL], bool]:
    """The rule for one fetch: a picture host, or the origin of a configured provider base URL."""
    import httpx

    origins: set[Origin] = set()
    for base in base_urls:
        try:
            origins.add(_origin(httpx.URL(base)))
        except (httpx.InvalidURL, ValueError):
            continue

    def allowed(url: httpx.URL) -> bool:
        scheme, host, _port = origin = _origin(url)
        if origin in origins:
            return True
        default_port = url.port is None or url.port == (443 if scheme == "https" else 80)
        return default_port and any(host == known or host.endswith("." + known) for known in IMAGE_HOSTS)

    return allowed


def parse(raw: str) -> httpx.URL:
    """The URL asked for, if it can name a picture here at all; FetchRefused (422) if not."""
    import httpx

    if len(raw) > MAX_URL_LENGTH:
        raise FetchRefused(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, ValueError) as exc:
        raise FetchRefused(f"not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise FetchRefused("only absolute http and https URLs name provider pictures")
    if url.userinfo:
        raise FetchRefused("URLs with credentials are not fetched")
    return url


def _key(url: httpx.URL) -> str:
    return hashlib.sha256(str(url).encode()).hexdigest()


def _read_cached(folder: Path, key: str, now: float) -> Picture | None:
    for extension, media_type in _MEDIA_TYPES.items():
        path = folder / f"{key}.{extension}"
        try:
            stat = path.stat()
            if now - stat.st_mtime > CACHE_TTL_S:
                return None
            return Picture(path.read_bytes(), media_type, f'"{key[:24]}-{stat.st_mtime_ns:x}"')
        except FileNotFoundError:
            continue
    return None


def _write_cached(folder: Path, key: str, picture_type: str, body: bytes) -> Picture:
    path = folder / f"{key}.{EXTENSIONS[picture_type]}"
    write_atomic(path, body, durable=False)  # a cache: a lost picture is fetched again
    return Picture(body, picture_type, f'"{key[:24]}-{path.stat().st_mtime_ns:x}"')


def prune(folder: Path, now: float, max_files: int = CACHE_MAX_FILES) -> int:
    """Delete expired pictures, then the oldest beyond `max_files`; returns how many went."""
    try:
        entries = [(entry.stat().st_mtime, entry) for entry in os.scandir(folder) if entry.is_file()]
    except FileNotFoundError:
        return 0
    entries.sort(key=lambda pair: pair[0], reverse=True)
    doomed = [entry for index, (mtime, entry) in enumerate(entries) if index >= max_files or now - mtime > CACHE_TTL_S]
    for entry in doomed:
        Path(entry.path).unlink(missing_ok=True)
    return len(doomed)


async def picture(session: AsyncSession, providers: ProviderHub, data_dir: Path, raw_url: str) -> Picture:
    """The picture at `raw_url`, from the cache or fetched now; 422 for what may not or is not a picture."""
    url = parse(raw_url)
    configs = await load_configs(session, None)
    allowed = allowed_by([config.base_url for config in configs.values()])
    if not allowed(url):
        raise FetchRefused(f"{url.host} is not a host the metadata providers serve pictures from")
    folder, key = data_dir / CACHE_DIR, _key(url)
    cached = await asyncio.to_thread(_read_cached, folder, key, time.time())
    if cached is not None:
        return cached
    # Any content type is read (capped): the bytes decide, so a picture served as octet-stream still works.
    fetcher = Fetcher(
        policy=await policy_from_settings(session),
        url_allowed=allowed,
        limits=FetchLimits(max_bytes=MAX_BYTES, content_types=("",)),
    )
    fetched = await fetcher.fetch(str(url))
    picture_type = sniff(fetched.body)
    if picture_type is None:
        raise NotAnImage(f"{url} sent {fetched.content_type or 'no content type'}, not a JPEG, PNG, GIF, WebP or AVIF")
    stored = await asyncio.to_thread(_write_cached, folder, key, picture_type, fetched.body)
    providers.pictures_stored += 1
    if providers.pictures_stored % PRUNE_EVERY == 0:
        await asyncio.to_thread(prune, folder, time.time())
    return stored
