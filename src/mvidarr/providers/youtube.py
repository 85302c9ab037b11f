"""YouTube: the Data API v3 (search.list, videos.list) when a key is set; keyless search and
details through yt-dlp (`ytsearchN:` with flat extraction) otherwise, run in a thread."""

# Wire models keep the field names the provider documents (camelCase).
# ruff: noqa: N815

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from mvidarr.providers.base import ProviderClient, Wire
from mvidarr.providers.errors import ProviderCredentialsError, ProviderNotFound, ProviderUnavailable
from mvidarr.providers.models import Capability, Link, VideoInfo
from mvidarr.providers.parsing import YOUTUBE_ID, date_of, iso_duration_s
from mvidarr.providers.upstream import CallKind

YTDLP_TIMEOUT_S = 60.0


class _Thumb(Wire):
    url: str


class _Snippet(Wire):
    title: str
    description: str | None = None
    channelTitle: str | None = None
    channelId: str | None = None
    publishedAt: str | None = None
    thumbnails: dict[str, _Thumb] = Field(default_factory=dict)


class _SearchId(Wire):
    videoId: str | None = None


class _SearchItem(Wire):
    id: _SearchId
    snippet: _Snippet


class _Search(Wire):
    items: list[_SearchItem] = Field(default_factory=list)


class _Details(Wire):
    duration: str | None = None


class _Stats(Wire):
    viewCount: str | int | None = None
    likeCount: str | int | None = None


class _Video(Wire):
    id: str
    snippet: _Snippet
    contentDetails: _Details | None = None
    statistics: _Stats | None = None


class _Videos(Wire):
    items: list[_Video] = Field(default_factory=list)


def _thumb(snippet: _Snippet) -> str | None:
    for size in ("maxres", "standard", "high", "medium", "default"):
        if size in snippet.thumbnails:
            return snippet.thumbnails[size].url
    return None


def _int(value: str | int | None) -> int | None:
    if isinstance(value, int):
        return value
    return int(value) if value and value.isdigit() else None


def _from_api(video_id: str, snippet: _Snippet, details: _Details | None, stats: _Stats | None) -> VideoInfo:
    released = date_of(snippet.publishedAt)
    # The uploading channel is the only artist hint YouTube gives; matching cleans the title.
    channel = (snippet.channelTitle or "").removesuffix(" - Topic").removesuffix("VEVO").strip()
    return VideoInfo(
        provider="youtube",
        provider_id=video_id,
        artist=channel,
        title=snippet.title,
        year=released.year if released else None,
        release_date=released,
        duration_s=iso_duration_s(details.duration) if details else None,
        youtube_ids=[video_id],
        source_urls=[Link(kind="youtube", url=f"https://www.youtube.com/watch?v={video_id}")],
        description=snippet.description,
        thumb=_thumb(snippet),
        view_count=_int(stats.viewCount) if stats else None,
        like_count=_int(stats.likeCount) if stats else None,
        channel=snippet.channelTitle,
        channel_id=snippet.channelId,
        url=f"https://www.youtube.com/watch?v={video_id}",
    )


def _from_ytdlp(entry: dict[str, Any]) -> VideoInfo | None:
    video_id = entry.get("id")
    if not isinstance(video_id, str) or not YOUTUBE_ID.match(video_id):
        return None
    upload = entry.get("upload_date")
    released = (
        datetime.strptime(upload, "%Y%m%d").replace(tzinfo=UTC).date()
        if isinstance(upload, str) and len(upload) == 8 and upload.isdigit()
        else None
    )
    channel = entry.get("channel") or entry.get("uploader") or ""
    thumbs = entry.get("thumbnails") or []
    thumb = entry.get("thumbnail") or (thumbs[-1].get("url") if thumbs and isinstance(thumbs[-1], dict) else None)
    duration = entry.get("duration")
    return VideoInfo(
        provider="youtube",
        provider_id=video_id,
        artist=str(entry.get("artist") or channel).removesuffix(" - Topic").removesuffix("VEVO").strip(),
        title=str(entry.get("title") or ""),
        year=released.year if released else None,
        release_date=released,
        duration_s=float(duration) if isinstance(duration, int | float) else None,
        youtube_ids=[video_id],
        source_urls=[Link(kind="youtube", url=f"https://www.youtube.com/watch?v={video_id}")],
        description=entry.get("description") if isinstance(entry.get("description"), str) else None,
        thumb=thumb if isinstance(thumb, str) else None,
        view_count=entry.get("view_count") if isinstance(entry.get("view_count"), int) else None,
        channel=channel or None,
        channel_id=entry.get("channel_id") if isinstance(entry.get("channel_id"), str) else None,
        url=f"https://www.youtube.com/watch?v={video_id}",
    )


def _ytdlp_extract(target: str, flat: bool) -> dict[str, Any]:
    import yt_dlp  # imported late: it is large and only the keyless path needs it

    options: dict[str, Any] = {
        "quiet": True,
        "no_warnings": True,
        "skip_download": True,
        "extract_flat": "in_playlist" if flat else False,
        "socket_timeout": 15,
        "noplaylist": True,
    }
    with yt_dlp.YoutubeDL(options) as ydl:
        info = ydl.extract_info(target, download=False)
    return dict(info or {})


class YouTubeClient(ProviderClient):
    name = "youtube"
    capabilities = frozenset({Capability.SEARCH_VIDEOS, Capability.GET_VIDEO})

    @property
    def keyless(self) -> bool:
        return "api_key" not in self.config.credentials

    async def _api(self, path: str, model: type[_Search] | type[_Videos], params: dict[str, Any], **kw: Any) -> Any:
        try:
            return await self.upstream.get(
                path, model, params={**params, "key": self.config.credentials["api_key"]}, secret_params=("key",), **kw
            )
        except ProviderCredentialsError as exc:
            if b"quotaExceeded" in exc.upstream_body or b"rateLimitExceeded" in exc.upstream_body:
                raise ProviderUnavailable(self.name, "daily API quota used up") from None
            raise
        except ProviderUnavailable:
            raise
        except Exception as exc:
            if getattr(exc, "upstream_status", None) == 400 and b"keyInvalid" in getattr(exc, "upstream_body", b""):
                raise ProviderCredentialsError(
                    self.name, "API key not valid; check providers.youtube.api_key"
                ) from None
            raise

    async def _ytdlp(self, target: str, *, flat: bool) -> dict[str, Any]:
        await self.upstream._take_slot()  # yt-dlp requests count against the same limit
        self.upstream.runtime.requests += 1
        try:
            async with asyncio.timeout(YTDLP_TIMEOUT_S):
                return await asyncio.to_thread(_ytdlp_extract, target, flat)
        except TimeoutError:
            raise ProviderUnavailable(self.name, f"yt-dlp gave no answer within {YTDLP_TIMEOUT_S:.0f} s") from None
        except Exception as exc:  # yt-dlp raises its own DownloadError for every failure
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if "unavailable" in message.lower() or "private" in message.lower():
                raise ProviderNotFound(self.name, message) from None
            raise ProviderUnavailable(self.name, f"yt-dlp: {message}") from None

    async def check(self) -> str:
        if self.keyless:
            return "no API key: keyless search through yt-dlp (not checked, it makes no API call)"
        await self._api(
            "/search", _Search, {"part": "snippet", "q": "music", "maxResults": 1, "type": "video"}, cache=False
        )
        return "API key accepted (search)"

    async def search_videos(self, artist: str, title: str | None = None, *, limit: int = 10) -> list[VideoInfo]:
        query = f"{artist} {title}" if title else artist
        limit = max(1, min(limit, 50))
        if self.keyless:
            info = await self._ytdlp(f"ytsearch{limit}:{query}", flat=True)
            entries = info.get("entries") or []
            return [v for e in entries if isinstance(e, dict) and (v := _from_ytdlp(e)) is not None][:limit]
        result = await self._api(
            "/search",
            _Search,
            {"part": "snippet", "q": query, "maxResults": limit, "type": "video", "videoCategoryId": "10"},
            kind=CallKind.SEARCH,
        )
        return [_from_api(i.id.videoId, i.snippet, None, None) for i in result.items if i.id.videoId][:limit]

    async def get_video(self, provider_id: str) -> VideoInfo:
        if not YOUTUBE_ID.match(provider_id):
            raise ProviderNotFound(self.name, f"{provider_id!r} is not a YouTube video id")
        if self.keyless:
            info = await self._ytdlp(f"https://www.youtube.com/watch?v={provider_id}", flat=False)
            video = _from_ytdlp(info)
            if video is None:
                raise ProviderNotFound(self.name, f"no video {provider_id}")
            return video
        result = await self._api("/videos", _Videos, {"part": "snippet,contentDetails,statistics", "id": provider_id})
        if not result.items:
            raise ProviderNotFound(self.name, f"no video {provider_id}")
        item = result.items[0]
        return _from_api(item.id, item.snippet, item.contentDetails, item.statistics)
