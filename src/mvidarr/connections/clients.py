"""Clients of the media servers' own APIs: a refresh of the changed paths, and a connection test.

- Jellyfin: `POST /Library/Media/Updated` with `{"Updates": [{"Path", "UpdateType"}]}` (Created,
  Modified, Deleted); the API key in `Authorization: MediaBrowser Token="..."`. Test: `GET /System/Info`.
- Plex: the sections from `GET /library/sections` (XML: Directory key=..., Location path=...), then a
  partial scan per changed folder, `GET /library/sections/{key}/refresh?path=<folder>`, token in
  `X-Plex-Token`. Test: `GET /identity`.
- Kodi: JSON-RPC 2.0 at `/jsonrpc`, `VideoLibrary.Scan` with `{"directory": "<folder>/"}` (HTTP basic
  auth); errors come as a JSON-RPC `error` object with status 200. Test: `JSONRPC.Ping`.

Paths are mapped (the library as MVidarr sees it -> as the server sees it) before they are sent.
Every request goes through the network policy: a server on the LAN must be allowed by an admin.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import orjson

from mvidarr.models import MediaServerConnection
from mvidarr.network.fetch import Answer, Fetcher, FetchLimits
from mvidarr.network.policy import FetchFailed, FetchRefused, NetworkPolicy
from mvidarr.notifications.senders import SendFailed, Sent

TIMEOUT_S = 15.0
MAX_FOLDERS = 20
"""More changed folders than this in one refresh: the whole section/library is scanned instead."""
KINDS = ("jellyfin", "plex", "kodi")


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


def _json(answer: Answer) -> dict[str, Any]:
    try:
        value = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        raise SendFailed("the server's answer is not JSON", retry=False, status=answer.status,
                         response=answer.text()) from None  # fmt: skip
    return value if isinstance(value, dict) else {}


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
