"""Clients of the media servers' own APIs: a refresh of the changed paths, and a connection test.

- Jellyfin: `POST /Library/Media/Updated` with `{"Updates": [{"Path", "UpdateType"}]}` (Created,
  Modified, Deleted); the API key in `Authorization: MediaBrowser Token="..."`. Test: `GET /System/Info`.
- Plex: the sections from `GET /library/sections` (XML: Directory key=..., Location path=...), then a
  partial scan per changed folder, `GET /library/sections/{key}/refresh?path=<folder>`, token in
  `X-Plex-Token`. Test: `GET /identity`.
- Kodi: JSON-RPC 2.0 at `/jsonrpc`, `VideoLibrary.Scan` with `{"directory": "<folder>/"}` (HTTP basic
  auth); errors come as a JSON-RPC `error` object with status 200. Test: `JSONRPC.Ping`.

Watched state (decision 0055), per user account: Jellyfin `GET /Users/{user}/Items` (UserData: Played,
PlaybackPositionTicks, LastPlayedDate), `POST`/`DELETE /Users/{user}/PlayedItems/{item}`, `POST
/Users/{user}/Items/{item}/UserData`; Plex `GET /library/sections/{key}/all` (viewCount, viewOffset,
lastViewedAt, Part file), `/:/scrobble`, `/:/unscrobble`, `/:/progress`; Kodi
`VideoLibrary.GetMusicVideos` (file, playcount, resume, lastplayed), `VideoLibrary.SetMusicVideoDetails`.

Paths are mapped (the library as MVidarr sees it -> as the server sees it) before they are sent.
Every request goes through the network policy: a server on the LAN must be allowed by an admin.

One module past 400 lines on purpose: one client per media server API (Jellyfin, Plex, Kodi) behind one
interface, each a short class beside the others so the three stay alike.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import orjson

from mvidarr.models import MediaServerConnection
from mvidarr.network.fetch import Answer, Fetcher, FetchLimits
from mvidarr.network.policy import FetchFailed, FetchRefused, NetworkPolicy
from mvidarr.notifications.senders import SendFailed, Sent

TIMEOUT_S = 15.0
MAX_FOLDERS = 20
"""More changed folders than this in one refresh: the whole section/library is scanned instead."""
KINDS = ("jellyfin", "plex", "kodi")
PAGE = 200
"""Items asked per page when reading a server's library (a page of Plex XML stays well under the cap)."""
TICKS_PER_S = 10_000_000
PLEX_LIBRARY = "com.plexapp.plugins.library"


@dataclass(frozen=True, slots=True)
class RemoteItem:
    """One video as a media server knows it, with the linked account's state of it."""

    key: str
    path: str
    watched: bool
    position_s: float
    last_played_at: datetime | None
    play_count: int = 0
    duration_s: float | None = None


class WatchAccount:
    """Whose state is read and written: the server's user (Jellyfin) or the account's token (Plex)."""

    def __init__(self, remote_user: str | None = None, token: str | None = None) -> None:
        self.remote_user = remote_user
        self.token = token


def map_path(path: str, mappings: Sequence[dict[str, str]]) -> str:
    """The path as the media server sees it: the longest matching `from` prefix replaced by its `to`."""
    best: tuple[int, str] | None = None
    for mapping in mappings:
        source = mapping.get("from", "").rstrip("/")
        matches = source and (path == source or path.startswith(source + "/"))
        if matches and (best is None or len(source) > best[0]):
            best = (len(source), mapping.get("to", "").rstrip("/") + path[len(source) :])
    return best[1] if best is not None else path


def _folders(paths: Sequence[str]) -> list[str]:
    return sorted({posixpath.dirname(p) or "/" for p in paths})


class _Client:
    def __init__(self, connection: MediaServerConnection, policy: NetworkPolicy, transport: Any) -> None:
        self.connection = connection
        self.base = connection.url.rstrip("/")
        self.fetcher = Fetcher(policy=policy, limits=FetchLimits(max_bytes=2 * 1024 * 1024, timeout_s=TIMEOUT_S),
                               transport=transport)  # fmt: skip

    async def call(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        auth: tuple[str, str] | None = None,
    ) -> Answer:
        content = orjson.dumps(body) if body is not None else None
        all_headers = {"Accept": "application/json", **(headers or {})}
        if content is not None:
            all_headers["Content-Type"] = "application/json"
        try:
            answer = await self.fetcher.send(method, self.base + path, headers=all_headers, content=content, auth=auth)
        except FetchRefused as exc:
            raise SendFailed(str(exc), retry=False) from None
        except FetchFailed as exc:
            raise SendFailed(str(exc), retry=True) from None
        if answer.status in (401, 403):
            raise SendFailed(f"{self.connection.kind} refused the credentials ({answer.status})", retry=False,
                             status=answer.status, response=answer.text())  # fmt: skip
        if not answer.ok:
            retry = answer.status == 429 or answer.status >= 500
            raise SendFailed(f"{self.connection.kind} answered {answer.status}", retry=retry, status=answer.status,
                             response=answer.text())  # fmt: skip
        return answer


class Jellyfin(_Client):
    def __init__(self, connection: MediaServerConnection, policy: NetworkPolicy, transport: Any) -> None:
        super().__init__(connection, policy, transport)
        self._user_ids: dict[str, str] = {}

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f'MediaBrowser Client="MVidarr", Token="{self.connection.token or ""}"'}

    async def test(self) -> str:
        answer = await self.call("GET", "/System/Info", headers=self._headers())
        info = _json(answer)
        return f"Jellyfin {info.get('ServerName', '?')} {info.get('Version', '')}".strip()

    async def refresh(self, changed: Sequence[str], removed: Sequence[str], *, full: bool = False) -> Sent:
        if full:
            answer = await self.call("POST", "/Library/Refresh", headers=self._headers())
            return Sent(answer.status, "asked Jellyfin to scan every library (too many changes for a list)")
        updates = [{"Path": p, "UpdateType": "Created"} for p in changed]
        updates += [{"Path": p, "UpdateType": "Deleted"} for p in removed]
        answer = await self.call("POST", "/Library/Media/Updated", headers=self._headers(), body={"Updates": updates})
        return Sent(answer.status, f"told Jellyfin of {len(updates)} changed paths")

    async def _user_id(self, account: WatchAccount) -> str:
        """The Jellyfin user's id, from its name or id (asked once per client)."""
        wanted = (account.remote_user or "").strip()
        if wanted in self._user_ids:
            return self._user_ids[wanted]
        users = _json_list(await self.call("GET", "/Users", headers=self._headers()))
        for user in users:
            named = str(user.get("Name", "")).casefold() == wanted.casefold()
            if wanted and user.get("Id") and (wanted == user["Id"] or named):
                self._user_ids[wanted] = str(user["Id"])
                return self._user_ids[wanted]
        raise SendFailed(f"Jellyfin has no user {wanted!r}", retry=False)

    async def watch_items(self, account: WatchAccount) -> list[RemoteItem]:
        """Every music video, movie and video of the account's libraries, with its user data."""
        user = await self._user_id(account)
        items: list[RemoteItem] = []
        start = 0
        while True:
            query = urlencode({"Recursive": "true", "IncludeItemTypes": "MusicVideo,Movie,Video", "Fields": "Path",
                               "EnableUserData": "true", "StartIndex": start, "Limit": PAGE})  # fmt: skip
            page = _json(await self.call("GET", f"/Users/{quote(user)}/Items?{query}", headers=self._headers()))
            found = page.get("Items") or []
            for raw in found:
                data = raw.get("UserData") or {}
                if not raw.get("Path") or not raw.get("Id"):
                    continue
                ticks = raw.get("RunTimeTicks")
                items.append(RemoteItem(
                    key=str(raw["Id"]), path=str(raw["Path"]), watched=bool(data.get("Played")),
                    position_s=int(data.get("PlaybackPositionTicks") or 0) / TICKS_PER_S,
                    last_played_at=_iso(data.get("LastPlayedDate")), play_count=int(data.get("PlayCount") or 0),
                    duration_s=ticks / TICKS_PER_S if isinstance(ticks, int) else None,
                ))  # fmt: skip
            start += len(found)
            if not found or start >= int(page.get("TotalRecordCount") or 0):
                return items

    async def set_watch_state(self, account: WatchAccount, item: RemoteItem, watched: bool, position_s: float) -> None:
        user = quote(await self._user_id(account))
        if watched != item.watched:
            method = "POST" if watched else "DELETE"
            await self.call(method, f"/Users/{user}/PlayedItems/{quote(item.key)}", headers=self._headers())
        if not watched:
            body = {"PlaybackPositionTicks": round(position_s * TICKS_PER_S)}
            await self.call("POST", f"/Users/{user}/Items/{quote(item.key)}/UserData", headers=self._headers(),
                            body=body)  # fmt: skip


class Plex(_Client):
    def _headers(self) -> dict[str, str]:
        # Plex answers XML unless asked for JSON; the sections are read as XML, its native form.
        return {"X-Plex-Token": self.connection.token or "", "Accept": "application/xml"}

    async def test(self) -> str:
        answer = await self.call("GET", "/identity", headers=self._headers())
        root = _xml(answer)
        return f"Plex {root.get('machineIdentifier', '?')} {root.get('version', '')}".strip()

    async def sections(self) -> list[tuple[str, list[str]]]:
        """(key, location paths) of every library section."""
        root = _xml(await self.call("GET", "/library/sections", headers=self._headers()))
        found: list[tuple[str, list[str]]] = []
        for directory in root.iter("Directory"):
            key = directory.get("key")
            if key:
                found.append((key, [loc.get("path", "") for loc in directory.iter("Location") if loc.get("path")]))
        return found

    async def refresh(self, changed: Sequence[str], removed: Sequence[str], *, full: bool = False) -> Sent:
        sections = await self.sections()
        if full:
            for section, _locations in sections:
                await self.call("GET", f"/library/sections/{section}/refresh", headers=self._headers())
            return Sent(200, f"scanned all {len(sections)} sections (too many changes for a list)")
        folders = _folders([*changed, *removed])
        asked: list[str] = []
        unplaced: list[str] = []
        by_section: dict[str, list[str]] = {}
        for folder in folders:
            key = _section_of(folder, sections)
            if key is None:
                unplaced.append(folder)
            else:
                by_section.setdefault(key, []).append(folder)
        for key, wanted in by_section.items():
            if len(wanted) > MAX_FOLDERS:
                await self.call("GET", f"/library/sections/{key}/refresh", headers=self._headers())
                asked.append(f"section {key} (all)")
                continue
            for folder in wanted:
                await self.call(
                    "GET", f"/library/sections/{key}/refresh?path={quote(folder, safe='')}", headers=self._headers()
                )
                asked.append(f"section {key}: {folder}")
        if not asked:
            raise SendFailed(f"no Plex library section holds {', '.join(unplaced[:3])}; check the path mapping",
                             retry=False)  # fmt: skip
        note = f"; not in any section: {', '.join(unplaced[:5])}" if unplaced else ""
        return Sent(200, "partial scans: " + "; ".join(asked[:20]) + note)

    def _account_headers(self, account: WatchAccount) -> dict[str, str]:
        return {**self._headers(), "X-Plex-Token": account.token or self.connection.token or ""}

    async def watch_items(self, account: WatchAccount) -> list[RemoteItem]:
        """Every video of the movie-type sections (where Plex keeps music videos), with the account's state."""
        root = _xml(await self.call("GET", "/library/sections", headers=self._account_headers(account)))
        keys = [d.get("key") for d in root.iter("Directory") if d.get("type") == "movie" and d.get("key")]
        items: list[RemoteItem] = []
        for key in keys:
            start = 0
            while True:
                query = urlencode({"type": 1, "X-Plex-Container-Start": start, "X-Plex-Container-Size": PAGE})
                page = _xml(await self.call("GET", f"/library/sections/{key}/all?{query}",
                                            headers=self._account_headers(account)))  # fmt: skip
                videos = list(page.iter("Video"))
                for video in videos:
                    part = next(video.iter("Part"), None)
                    rating_key = video.get("ratingKey")
                    if part is None or not part.get("file") or not rating_key:
                        continue
                    viewed = video.get("lastViewedAt")
                    duration = video.get("duration")
                    items.append(RemoteItem(
                        key=rating_key, path=str(part.get("file")), watched=int(video.get("viewCount") or 0) > 0,
                        position_s=int(video.get("viewOffset") or 0) / 1000,
                        last_played_at=datetime.fromtimestamp(int(viewed), UTC) if viewed else None,
                        play_count=int(video.get("viewCount") or 0),
                        duration_s=int(duration) / 1000 if duration else None,
                    ))  # fmt: skip
                start += len(videos)
                total = int(page.get("totalSize") or page.get("size") or 0)
                if not videos or start >= total:
                    break
        return items

    async def set_watch_state(self, account: WatchAccount, item: RemoteItem, watched: bool, position_s: float) -> None:
        headers = self._account_headers(account)
        identifier = {"identifier": PLEX_LIBRARY, "key": item.key}
        if watched:
            if not item.watched:
                await self.call("GET", "/:/scrobble?" + urlencode(identifier), headers=headers)
            return
        if item.watched or position_s < 1:
            # Unscrobbling clears both the view count and the resume point.
            await self.call("GET", "/:/unscrobble?" + urlencode(identifier), headers=headers)
        if position_s >= 1:
            query = urlencode({**identifier, "time": round(position_s * 1000), "state": "stopped"})
            await self.call("GET", "/:/progress?" + query, headers=headers)


def _section_of(folder: str, sections: list[tuple[str, list[str]]]) -> str | None:
    best: tuple[int, str] | None = None
    for key, locations in sections:
        for location in locations:
            base = location.rstrip("/")
            inside = folder == base or folder.startswith(base + "/")
            if inside and (best is None or len(base) > best[0]):
                best = (len(base), key)
    return best[1] if best else None


class Kodi(_Client):
    def _auth(self) -> tuple[str, str] | None:
        if self.connection.username:
            return (self.connection.username, self.connection.password or "")
        return None

    async def rpc(self, method: str, params: dict[str, Any] | None = None) -> Any:
        body: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": 1}
        if params is not None:
            body["params"] = params
        answer = await self.call("POST", "/jsonrpc", body=body, auth=self._auth())
        reply = _json(answer)
        error = reply.get("error")
        if isinstance(error, dict):
            raise SendFailed(f"Kodi {method}: {error.get('message', 'error')} ({error.get('code')})", retry=False,
                             status=answer.status, response=answer.text())  # fmt: skip
        return reply.get("result")

    async def test(self) -> str:
        result = await self.rpc("JSONRPC.Ping")
        if result != "pong":
            raise SendFailed(f"Kodi answered {result!r} to a ping", retry=False)
        return "Kodi answered the ping"

    async def refresh(self, changed: Sequence[str], removed: Sequence[str], *, full: bool = False) -> Sent:
        done: list[str] = []
        if full:
            await self.rpc("VideoLibrary.Clean", {"showdialogs": False})
            await self.rpc("VideoLibrary.Scan", {"showdialogs": False})
            return Sent(200, "cleaned and scanned the whole library (too many changes for a list)")
        if removed:
            # A scan only adds; removed files go with a clean, which has no folder form.
            await self.rpc("VideoLibrary.Clean", {"showdialogs": False})
            done.append("cleaned the library")
        folders = _folders(changed)
        if len(folders) > MAX_FOLDERS:
            await self.rpc("VideoLibrary.Scan", {"showdialogs": False})
            done.append(f"full scan ({len(folders)} folders changed)")
        else:
            for folder in folders:
                # Kodi matches the directory against its sources as a prefix with a trailing slash.
                await self.rpc("VideoLibrary.Scan", {"directory": folder.rstrip("/") + "/", "showdialogs": False})
                done.append(f"scanned {folder}")
        return Sent(200, "; ".join(done[:20]))

    async def watch_items(self, _account: WatchAccount) -> list[RemoteItem]:
        """Every music video of Kodi's library (Kodi has one state per profile, not per user)."""
        items: list[RemoteItem] = []
        start = 0
        while True:
            result = await self.rpc("VideoLibrary.GetMusicVideos", {
                "properties": ["file", "playcount", "resume", "lastplayed"],
                "limits": {"start": start, "end": start + PAGE},
            })  # fmt: skip
            found = (result or {}).get("musicvideos") or []
            for raw in found:
                resume = raw.get("resume") or {}
                count = int(raw.get("playcount") or 0)
                if not raw.get("file"):
                    continue
                items.append(RemoteItem(
                    key=str(raw["musicvideoid"]), path=str(raw["file"]), watched=count > 0,
                    position_s=float(resume.get("position") or 0.0), last_played_at=_kodi_time(raw.get("lastplayed")),
                    play_count=count, duration_s=float(resume["total"]) if resume.get("total") else None,
                ))  # fmt: skip
            start += len(found)
            total = int(((result or {}).get("limits") or {}).get("total") or 0)
            if not found or start >= total:
                return items

    async def set_watch_state(self, _account: WatchAccount, item: RemoteItem, watched: bool, position_s: float) -> None:
        params: dict[str, Any] = {
            "musicvideoid": int(item.key),
            "playcount": max(1, item.play_count) if watched else 0,
            "resume": {"position": 0.0 if watched else position_s, "total": item.duration_s or 0.0},
        }
        await self.rpc("VideoLibrary.SetMusicVideoDetails", params)


def _json(answer: Answer) -> dict[str, Any]:
    try:
        value = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        raise SendFailed("the server's answer is not JSON", retry=False, status=answer.status,
                         response=answer.text()) from None  # fmt: skip
    return value if isinstance(value, dict) else {}


def _json_list(answer: Answer) -> list[dict[str, Any]]:
    try:
        value = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        raise SendFailed("the server's answer is not JSON", retry=False, status=answer.status,
                         response=answer.text()) from None  # fmt: skip
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _iso(text: Any) -> datetime | None:
    """Jellyfin's dates: ISO 8601 with up to 7 fractional digits (.NET ticks), UTC."""
    if not isinstance(text, str) or not text:
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _kodi_time(text: Any) -> datetime | None:
    """Kodi's `lastplayed` ("2024-05-01 20:15:00", empty when never); read as UTC."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _xml(answer: Answer) -> ET.Element:
    try:
        return ET.fromstring(answer.body)
    except ET.ParseError:
        raise SendFailed("the server's answer is not XML", retry=False, status=answer.status,
                         response=answer.text()) from None  # fmt: skip


def client(connection: MediaServerConnection, policy: NetworkPolicy, transport: Any = None) -> Jellyfin | Plex | Kodi:
    kinds: dict[str, type[Jellyfin | Plex | Kodi]] = {"jellyfin": Jellyfin, "plex": Plex, "kodi": Kodi}
    try:
        return kinds[connection.kind](connection, policy, transport)
    except KeyError:
        raise SendFailed(f"unknown media server kind {connection.kind}", retry=False) from None


async def refresh(
    connection: MediaServerConnection, payload: dict[str, Any], *, policy: NetworkPolicy, transport: Any = None
) -> Sent:
    """Ask the server to rescan the changed and removed paths (mapped to its view) of one burst."""
    mappings = connection.path_mappings or []
    changed = [map_path(p, mappings) for p in payload.get("paths", [])]
    removed = [map_path(p, mappings) for p in payload.get("removed", [])]
    return await client(connection, policy, transport).refresh(changed, removed, full=bool(payload.get("full")))


async def check(connection: MediaServerConnection, *, policy: NetworkPolicy, transport: Any = None) -> str:
    return await client(connection, policy, transport).test()
