"""Listing a channel's or playlist's items with yt-dlp flat extraction (no video page is fetched).

Blocking: call `list_items` in a thread. Works for YouTube channels and playlists and for anything
yt-dlp's extractors read as a playlist (an RSS/Atom feed through the generic extractor).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

_YOUTUBE_ID = re.compile(r"(?:v=|youtu\.be/|/shorts/|/embed/)([A-Za-z0-9_-]{11})")
MAX_ITEMS = 500


class ExtractionFailed(Exception):
    """yt-dlp could not read the URL as a list of videos."""


@dataclass(frozen=True, slots=True)
class ListedItem:
    item_id: str
    title: str
    url: str | None
    youtube_id: str | None
    release_date: date | None
    duration_s: float | None
    uploader: str | None


def youtube_id_of(url: str | None) -> str | None:
    if not url:
        return None
    found = _YOUTUBE_ID.search(url)
    return found.group(1) if found else None


def _release(entry: dict[str, Any]) -> date | None:
    raw = entry.get("upload_date") or entry.get("release_date")
    if isinstance(raw, str) and len(raw) == 8 and raw.isdigit():
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    stamp = entry.get("timestamp") or entry.get("release_timestamp")
    if isinstance(stamp, int | float):
        return datetime.fromtimestamp(stamp, UTC).date()
    return None


def _item(entry: dict[str, Any]) -> ListedItem | None:
    from yt_dlp.utils import unsmuggle_url  # yt-dlp is large: loaded by the threads that list, not at start

    raw_url = entry.get("url") or entry.get("webpage_url")
    url = unsmuggle_url(raw_url)[0] if isinstance(raw_url, str) else None
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        return None
    youtube_id = youtube_id_of(url)
    if youtube_id is None and entry.get("ie_key") == "Youtube" and isinstance(entry.get("id"), str):
        youtube_id = entry["id"]
    item_id = youtube_id or (entry["id"] if isinstance(entry.get("id"), str) and entry["id"] else None) or url
    if not item_id:
        return None
    duration = entry.get("duration")
    uploader = entry.get("channel") or entry.get("uploader")
    return ListedItem(
        item_id=str(item_id)[:255],
        title=title.strip()[:500],
        url=url[:2048] if url else None,
        youtube_id=youtube_id,
        release_date=_release(entry),
        duration_s=float(duration) if isinstance(duration, int | float) else None,
        uploader=uploader if isinstance(uploader, str) else None,
    )


def list_items(url: str, *, proxy: str, limit: int = MAX_ITEMS, timeout_s: float = 30.0) -> list[ListedItem]:
    """The items of a channel/playlist/feed, newest first as the source orders them; every connection
    through `proxy` (a GuardedProxy's URL, so the network policy holds for redirects too)."""
    import yt_dlp

    options: dict[str, Any] = {
        "extract_flat": "in_playlist",
        "quiet": True,
        "no_warnings": True,
        "skip_download": True,
        "playlistend": limit,
        "socket_timeout": timeout_s,
        "noprogress": True,
        "proxy": proxy,
        "enable_file_urls": False,
    }
    try:
        with yt_dlp.YoutubeDL(options) as ydl:
            info = ydl.extract_info(url, download=False)
    except yt_dlp.utils.DownloadError as exc:
        raise ExtractionFailed(str(exc).removeprefix("ERROR: ")[:400]) from None
    if not isinstance(info, dict):
        raise ExtractionFailed("yt-dlp returned nothing for this URL")
    entries = info.get("entries")
    if entries is None:
        single = _item(info)
        return [single] if single is not None else []
    items: list[ListedItem] = []
    for entry in entries:
        if isinstance(entry, dict):
            found = _item(entry)
            if found is not None:
                items.append(found)
        if len(items) >= limit:
            break
    return items
