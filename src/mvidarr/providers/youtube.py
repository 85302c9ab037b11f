"""YouTube: the Data API v3 (search.list, videos.list, channels.list, playlistItems.list) when a
key is set; keyless search, details and channel uploads through yt-dlp (`ytsearchN:` / flat
extraction) otherwise, run in a thread."""

# Wire models keep the field names the provider documents (camelCase).
# ruff: noqa: N815

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from mvidarr.providers.base import ProviderClient, Wire
from mvidarr.providers.errors import ProviderCredentialsError, ProviderNotFound, ProviderUnavailable
from mvidarr.providers.models import Capability, Link, VideoInfo
from mvidarr.providers.parsing import YOUTUBE_ID, date_of, iso_duration_s, youtube_id
from mvidarr.providers.upstream import CallKind

YTDLP_TIMEOUT_S = 60.0
PLAYLIST_PAGE = 50  # playlistItems.list's maxResults ceiling
_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_CHANNEL_URL = re.compile(r"youtube\.com/channel/(UC[A-Za-z0-9_-]{22})")
_HANDLE = re.compile(r"^@[A-Za-z0-9_.-]{3,30}$")
_HANDLE_URL = re.compile(r"youtube\.com/(@[A-Za-z0-9_.-]{3,30})")
_PLAYLIST_URL = re.compile(r"[?&]list=([A-Za-z0-9_-]{10,64})")


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


class _Related(Wire):
    uploads: str | None = None


class _ChannelDetails(Wire):
    relatedPlaylists: _Related = Field(default_factory=_Related)


class _Channel(Wire):
    id: str
    contentDetails: _ChannelDetails | None = None


class _Channels(Wire):
    items: list[_Channel] = Field(default_factory=list)


class _ResourceId(Wire):
    videoId: str | None = None


class _ItemSnippet(_Snippet):
    resourceId: _ResourceId | None = None
    videoOwnerChannelTitle: str | None = None
    videoOwnerChannelId: str | None = None


class _ItemDetails(Wire):
    videoId: str | None = None
    videoPublishedAt: str | None = None


class _PlaylistItem(Wire):
    snippet: _ItemSnippet
    contentDetails: _ItemDetails | None = None


class _PlaylistItems(Wire):
    items: list[_PlaylistItem] = Field(default_factory=list)
    nextPageToken: str | None = None


def _from_playlist_item(item: _PlaylistItem) -> VideoInfo | None:
    """An upload as playlistItems.list gives it (private and deleted entries have no video id)."""
    details = item.contentDetails
    video_id = (details.videoId if details else None) or (
        item.snippet.resourceId.videoId if item.snippet.resourceId else None
    )
    if not video_id or not YOUTUBE_ID.match(video_id):
        return None
    snippet = item.snippet.model_copy()
    # The playlist's snippet names the playlist owner; the video's own channel is the owner fields.
    snippet.channelTitle = item.snippet.videoOwnerChannelTitle or snippet.channelTitle
    snippet.channelId = item.snippet.videoOwnerChannelId or snippet.channelId
    if details and details.videoPublishedAt:
        snippet.publishedAt = details.videoPublishedAt
    return _from_api(video_id, snippet, None, None)


def channel_target(value: str) -> tuple[str, str] | None:
    """("id", UC…) or ("handle", @name) for a channel id, handle or channel URL; None otherwise."""
    value = value.strip()
    if _CHANNEL_ID.match(value):
        return ("id", value)
    if _HANDLE.match(value):
        return ("handle", value)
    if found := _CHANNEL_URL.search(value):
        return ("id", found.group(1))
    if found := _HANDLE_URL.search(value):
        return ("handle", found.group(1))
    return None


def playlist_of(url: str) -> str | None:
    """The playlist id in a YouTube playlist URL (`…?list=PL…`)."""
    if "youtube.com" not in url and "youtu.be" not in url:
        return None
    found = _PLAYLIST_URL.search(url)
    return found.group(1) if found else None


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
        # Feeds and generic playlists give the watch URL, their own id being e.g. a feed guid.
        link = entry.get("url") or entry.get("webpage_url")
        video_id = youtube_id(link) if isinstance(link, str) and "/" in link else None
        if video_id is None:
            return None
    upload = entry.get("upload_date")
    stamp = entry.get("timestamp")
    released = (
        datetime.strptime(upload, "%Y%m%d").replace(tzinfo=UTC).date()
        if isinstance(upload, str) and len(upload) == 8 and upload.isdigit()
        else datetime.fromtimestamp(stamp, UTC).date()
        if isinstance(stamp, int | float)
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


def _ytdlp_extract(target: str, flat: bool, limit: int | None = None) -> dict[str, Any]:
    import yt_dlp  # imported late: it is large and only the keyless path needs it

    options: dict[str, Any] = {
        "quiet": True,
        "no_warnings": True,
        "skip_download": True,
        "extract_flat": "in_playlist" if flat else False,
        "socket_timeout": 15,
        "noplaylist": True,
    }
    if limit is not None:
        options["playlistend"] = limit
    with yt_dlp.YoutubeDL(options) as ydl:
        info = ydl.extract_info(target, download=False)
    return dict(info or {})


class YouTubeClient(ProviderClient):
    name = "youtube"
    capabilities = frozenset({Capability.SEARCH_VIDEOS, Capability.GET_VIDEO, Capability.ARTIST_VIDEOS})

    @property
    def keyless(self) -> bool:
        return "api_key" not in self.config.credentials

    async def _api(self, path: str, model: type[Wire], params: dict[str, Any], **kw: Any) -> Any:
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

    async def _ytdlp(self, target: str, *, flat: bool, limit: int | None = None) -> dict[str, Any]:
        await self.upstream._take_slot()  # yt-dlp requests count against the same limit
        self.upstream.runtime.requests += 1
        try:
            async with asyncio.timeout(YTDLP_TIMEOUT_S):
                return await asyncio.to_thread(_ytdlp_extract, target, flat, limit)
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

    async def artist_videos(self, provider_id: str, *, limit: int = 200) -> list[VideoInfo]:
        """The uploads of the artist's official channel (a channel id, handle or URL), newest first.

        With a key: the channel's uploads playlist through playlistItems.list. Keyless: yt-dlp's flat
        extraction of the channel's videos page (or of the URL itself, e.g. a feed).
        """
        limit = max(1, limit)
        target = channel_target(provider_id)
        if self.keyless:
            if target is not None:
                kind, value = target
                url = f"https://www.youtube.com/{'channel/' + value if kind == 'id' else value}/videos"
            elif provider_id.startswith(("http://", "https://")):
                url = provider_id
            else:
                raise ProviderNotFound(self.name, f"{provider_id!r} is not a YouTube channel id, handle or URL")
            return await self._flat_list(url, limit)
        if target is None:
            raise ProviderNotFound(self.name, f"{provider_id!r} is not a YouTube channel id, handle or URL")
        uploads = await self.uploads_playlist(*target)
        return await self.playlist_videos(uploads, limit=limit)

    async def _flat_list(self, url: str, limit: int) -> list[VideoInfo]:
        info = await self._ytdlp(url, flat=True, limit=limit)
        entries = info.get("entries") or []
        videos = [v for e in entries if isinstance(e, dict) and (v := _from_ytdlp(e)) is not None]
        return videos[:limit]

    async def uploads_playlist(self, kind: str, value: str) -> str:
        """The id of a channel's uploads playlist (channels.list, `id` or `forHandle`)."""
        params = {"part": "contentDetails", "id" if kind == "id" else "forHandle": value}
        result: _Channels = await self._api("/channels", _Channels, params)
        uploads = result.items[0].contentDetails if result.items else None
        if uploads is None or not uploads.relatedPlaylists.uploads:
            raise ProviderNotFound(self.name, f"no channel {value}")
        return uploads.relatedPlaylists.uploads

    async def playlist_videos(self, playlist_id: str, *, limit: int = 200, cache: bool = True) -> list[VideoInfo]:
        """A playlist's videos through playlistItems.list, page by page (needs the API key).

        `cache=False` asks YouTube every time (monitors look for what is new since the last check).
        """
        videos: list[VideoInfo] = []
        token: str | None = None
        while len(videos) < limit:
            page: _PlaylistItems = await self._api(
                "/playlistItems",
                _PlaylistItems,
                {
                    "part": "snippet,contentDetails",
                    "playlistId": playlist_id,
                    "maxResults": PLAYLIST_PAGE,
                    "pageToken": token,
                },
                kind=CallKind.SEARCH,
                cache=cache,
            )
            videos.extend(v for item in page.items if (v := _from_playlist_item(item)) is not None)
            token = page.nextPageToken
            if not token or not page.items:
                break
        return videos[:limit]
