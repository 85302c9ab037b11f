"""Local servers that speak what MVidarr's integrations talk to: a webhook receiver that checks
signatures, Jellyfin, Plex (XML) and Kodi (JSON-RPC 2.0), each on a real 127.0.0.1 socket."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from xml.sax.saxutils import quoteattr

import orjson
import uvicorn
from starlette.requests import Request
from starlette.responses import Response

App = TypeVar("App", bound="_Fake")


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class _Fake:
    received: list[Received] = field(default_factory=list)
    base: str = ""

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        item = Received(
            request.method,
            request.url.path,
            dict(request.query_params),
            {k.lower(): v for k, v in request.headers.items()},
            body,
            time.time(),
        )
        self.received.append(item)
        response = await self.answer(item)
        await response(scope, receive, send)

    async def answer(self, item: Received) -> Response:
        raise NotImplementedError


@dataclass
class WebhookReceiver(_Fake):
    """Takes JSON POSTs; answers 401 when a secret is set and the signature is wrong; `fail_first`
    answers the first N requests with `fail_status`."""

    secret: str | None = None
    fail_first: int = 0
    fail_status: int = 500
    verified: int = 0

    def signature_ok(self, item: Received) -> bool:
        if self.secret is None:
            return True
        timestamp = item.headers.get("x-mvidarr-timestamp", "")
        expected = "sha256=" + hmac.new(self.secret.encode(), timestamp.encode() + b"." + item.body,
                                        hashlib.sha256).hexdigest()  # fmt: skip
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
        return fresh and hmac.compare_digest(expected, item.headers.get("x-mvidarr-signature", ""))

    async def answer(self, item: Received) -> Response:
        if not self.signature_ok(item):
            return Response(b'{"error": "bad signature"}', status_code=401, media_type="application/json")
        self.verified += 1
        if self.fail_first > 0:
            self.fail_first -= 1
            return Response(b"try later", status_code=self.fail_status)
        return Response(b'{"ok": true}', media_type="application/json")

    def events(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.received if r.method == "POST"]


JELLYFIN_KEY = "jellyfin-api-key"


JELLYFIN_USERS = {"0f1e2d3c4b5a69788796a5b4c3d2e1f0": "alice", "9a8b7c6d5e4f30211203f4e5d6c7b8a9": "bob"}
TICKS = 10_000_000


def jellyfin_now() -> str:
    """Jellyfin's date form: ISO 8601 with seven fractional digits and Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime())


@dataclass
class FakeJellyfin(_Fake):
    """Jellyfin 10.x: the key in `X-Emby-Token` or `Authorization: MediaBrowser Token="..."`.

    `items` are the library's videos (Id, Name, Type, Path, RunTimeTicks); `user_data[(user id, item id)]`
    each user's UserData (Played, PlaybackPositionTicks, PlayCount, LastPlayedDate)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    user_data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    refuse: set[str] = field(default_factory=set)
    """Item ids whose user data cannot be written (answered 500, as a failing database would)."""

    def data(self, user: str, item: str) -> dict[str, Any]:
        return self.user_data.setdefault(
            (user, item), {"PlaybackPositionTicks": 0, "PlayCount": 0, "IsFavorite": False, "Played": False}
        )

    def _user_routes(self, item: Received) -> Response | None:
        found = re.fullmatch(r"/Users/([0-9a-f]+)/(Items|PlayedItems/([^/]+)|Items/([^/]+)/UserData)", item.path)
        if found is None:
            return None
        user = found.group(1)
        if user not in JELLYFIN_USERS:
            return Response(b"", status_code=404)
        if found.group(2) == "Items" and item.method == "GET":
            start, limit = int(item.query.get("StartIndex", 0)), int(item.query.get("Limit", 100_000))
            kinds = set(item.query.get("IncludeItemTypes", "").split(","))
            chosen = [i for i in self.items if not kinds - {""} or i["Type"] in kinds]
            window = chosen[start : start + limit]
            page = [{**i, "UserData": {**self.data(user, i["Id"]), "Key": i["Id"]}} for i in window]
            if "Path" not in item.query.get("Fields", ""):
                page = [{k: v for k, v in i.items() if k != "Path"} for i in page]
            body = {"Items": page, "TotalRecordCount": len(chosen), "StartIndex": start}
            return Response(orjson.dumps(body), media_type="application/json")
        item_id = found.group(3) or found.group(4)
        if item_id not in {i["Id"] for i in self.items}:
            return Response(b"", status_code=404)
        if item_id in self.refuse:
            return Response(b"Error processing request.", status_code=500)
        data = self.data(user, item_id)
        if found.group(3) and item.method == "POST":
            data.update(Played=True, PlaybackPositionTicks=0, PlayCount=data["PlayCount"] + 1,
                        LastPlayedDate=jellyfin_now())  # fmt: skip
        elif found.group(3) and item.method == "DELETE":
            data.update(Played=False, PlaybackPositionTicks=0, PlayCount=0)
            data.pop("LastPlayedDate", None)
        elif found.group(4) and item.method == "POST":
            update = item.json()
            if "PlaybackPositionTicks" in update:
                data["PlaybackPositionTicks"] = int(update["PlaybackPositionTicks"])
        else:
            return Response(b"", status_code=405)
        return Response(orjson.dumps({**data, "Key": item_id, "ItemId": item_id}), media_type="application/json")

    def writes(self) -> list[tuple[str, str]]:
        """The watched-state writes received, as (method, path)."""
        return [(r.method, r.path) for r in self.received if "PlayedItems" in r.path or r.path.endswith("/UserData")]

    def _authorised(self, item: Received) -> bool:
        if item.headers.get("x-emby-token") == JELLYFIN_KEY:
            return True
        found = re.search(r'Token="([^"]*)"', item.headers.get("authorization", ""))
        return found is not None and found.group(1) == JELLYFIN_KEY

    async def answer(self, item: Received) -> Response:
        if not self._authorised(item):
            return Response(b"", status_code=401)
        if item.method == "GET" and item.path == "/System/Info":
            info = {"ServerName": "den", "Version": "10.10.3", "Id": "f0e1d2", "OperatingSystem": "Linux"}
            return Response(orjson.dumps(info), media_type="application/json")
        if item.method == "POST" and item.path == "/Library/Media/Updated":
            updates = item.json().get("Updates")
            if not isinstance(updates, list) or not all("Path" in u for u in updates):
                return Response(b'{"title":"One or more validation errors occurred."}', status_code=400)
            return Response(status_code=204)
        if item.method == "POST" and item.path == "/Library/Refresh":
            return Response(status_code=204)
        if item.method == "GET" and item.path == "/Users":
            users = [{"Name": name, "Id": uid, "HasPassword": True} for uid, name in JELLYFIN_USERS.items()]
            return Response(orjson.dumps(users), media_type="application/json")
        routed = self._user_routes(item)
        if routed is not None:
            return routed
        return Response(b"", status_code=404)

    def updates(self) -> list[list[dict[str, str]]]:
        return [r.json()["Updates"] for r in self.received if r.path == "/Library/Media/Updated"]


PLEX_TOKEN = "plex-token"
PLEX_FRIEND_TOKEN = "plex-friend-token"


@dataclass
class FakePlex(_Fake):
    """Plex Media Server: XML answers (no Accept: JSON asked), token in `X-Plex-Token` (header or query).

    `videos[section key]` are a section's videos (ratingKey, title, file, duration ms); `views[(token,
    ratingKey)]` each account's viewCount, viewOffset (ms) and lastViewedAt (Unix s), as Plex keeps them."""

    sections: list[tuple[str, str, list[str]]] = field(
        default_factory=lambda: [("1", "Movies", ["/data/movies"]), ("4", "Music Videos", ["/data/musicvideos"])]
    )
    videos: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    views: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)

    def _all(self, token: str, key: str, item: Received) -> Response:
        def param(name: str) -> int:
            return int(item.query.get(name) or item.headers.get(name.lower()) or 0)

        start, size = param("X-Plex-Container-Start"), param("X-Plex-Container-Size") or 100_000
        listed = self.videos.get(key, [])
        page = listed[start : start + size]
        parts = [f'<MediaContainer size="{len(page)}" totalSize="{len(listed)}" offset="{start}" '
                 f'librarySectionID="{key}" viewGroup="movie">']  # fmt: skip
        for video in page:
            seen = self.views.get((token, video["ratingKey"]), {})
            extra = "".join(f' {name}="{value}"' for name, value in seen.items() if value)
            parts.append(f'<Video ratingKey="{video["ratingKey"]}" key="/library/metadata/{video["ratingKey"]}" '
                         f'type="movie" title={quoteattr(video["title"])} duration="{video["duration"]}"{extra}>'
                         f'<Media id="{video["ratingKey"]}0" duration="{video["duration"]}" container="mp4">'
                         f'<Part id="{video["ratingKey"]}1" key="/library/parts/{video["ratingKey"]}1/file.mp4" '
                         f'file={quoteattr(video["file"])} size="1000" /></Media></Video>')  # fmt: skip
        parts.append("</MediaContainer>")
        return Response(('<?xml version="1.0" encoding="UTF-8"?>\n' + "".join(parts)).encode(),
                        media_type="text/xml;charset=utf-8")  # fmt: skip

    def _view_change(self, token: str, item: Received) -> Response:
        if item.query.get("identifier") != "com.plexapp.plugins.library":
            return Response(b"", status_code=400)
        key = item.query.get("key", "")
        if key not in {v["ratingKey"] for videos in self.videos.values() for v in videos}:
            return Response(b"", status_code=404)
        seen = self.views.setdefault((token, key), {})
        if item.path == "/:/scrobble":
            seen.update(viewCount=seen.get("viewCount", 0) + 1, lastViewedAt=int(time.time()))
            seen.pop("viewOffset", None)
        elif item.path == "/:/unscrobble":
            seen.pop("viewCount", None)
            seen.pop("viewOffset", None)
        else:
            seen.update(viewOffset=int(item.query["time"]), lastViewedAt=int(time.time()))
        return Response(b"", status_code=200)

    def view_changes(self) -> list[tuple[str, str, str | None]]:
        """(path, ratingKey, time) of the scrobbles, unscrobbles and progress reports received."""
        changes = [r for r in self.received if r.path.startswith("/:/")]
        return [(r.path, r.query.get("key", ""), r.query.get("time")) for r in changes]

    async def answer(self, item: Received) -> Response:
        token = item.headers.get("x-plex-token") or item.query.get("X-Plex-Token")
        if token not in (PLEX_TOKEN, PLEX_FRIEND_TOKEN):
            return Response(b"<html><head><title>Unauthorized</title></head></html>", status_code=401,
                            media_type="text/html")  # fmt: skip
        found_all = re.fullmatch(r"/library/sections/(\d+)/all", item.path)
        if found_all and item.method == "GET":
            return self._all(token, found_all.group(1), item)
        if item.path in ("/:/scrobble", "/:/unscrobble", "/:/progress") and item.method == "GET":
            return self._view_change(token, item)
        if item.path == "/identity":
            xml = '<?xml version="1.0" encoding="UTF-8"?>\n<MediaContainer size="0" claimed="1" '
            xml += 'machineIdentifier="abc123" version="1.41.3.9314-a0bfb8370"> </MediaContainer>'
            return Response(xml.encode(), media_type="text/xml;charset=utf-8")
        if item.path == "/library/sections":
            parts = [f'<MediaContainer size="{len(self.sections)}" allowSync="0" title1="Plex Library">']
            for key, title, locations in self.sections:
                parts.append(f'<Directory allowSync="1" key="{key}" type="movie" title={quoteattr(title)} agent="x">')
                parts += [f'<Location id="{i}" path={quoteattr(p)} />' for i, p in enumerate(locations, 1)]
                parts.append("</Directory>")
            parts.append("</MediaContainer>")
            return Response(('<?xml version="1.0" encoding="UTF-8"?>\n' + "".join(parts)).encode(),
                            media_type="text/xml;charset=utf-8")  # fmt: skip
        found = re.fullmatch(r"/library/sections/(\d+)/refresh", item.path)
        if found and item.method == "GET":
            if found.group(1) not in {key for key, _t, _l in self.sections}:
                return Response(b"", status_code=404)
            return Response(b"", status_code=200)
        return Response(b"", status_code=404)

    def refreshes(self) -> list[tuple[str, str | None]]:
        out = []
        for r in self.received:
            found = re.fullmatch(r"/library/sections/(\d+)/refresh", r.path)
            if found:
                out.append((found.group(1), r.query.get("path")))
        return out


KODI_USER, KODI_PASSWORD = "kodi", "kodi-pass"


@dataclass
class FakeKodi(_Fake):
    """Kodi's JSON-RPC 2.0 over HTTP (`/jsonrpc`, basic auth); errors are JSON-RPC error objects with 200."""

    sources: list[str] = field(default_factory=lambda: ["/storage/videos/"])
    musicvideos: list[dict[str, Any]] = field(default_factory=list)
    """The library's music videos: musicvideoid, label, file, playcount, resume {position, total}, lastplayed."""

    def _get_music_videos(self, params: dict[str, Any]) -> dict[str, Any]:
        limits = params.get("limits") or {}
        start, end = int(limits.get("start", 0)), int(limits.get("end", -1))
        chosen = self.musicvideos[start:] if end < 0 else self.musicvideos[start:end]
        wanted = set(params.get("properties") or [])
        page = [{k: v for k, v in mv.items() if k in wanted or k in ("musicvideoid", "label")} for mv in chosen]
        return {"limits": {"start": start, "end": start + len(page), "total": len(self.musicvideos)},
                "musicvideos": page}  # fmt: skip

    def _set_music_video(self, params: dict[str, Any]) -> bool:
        found = next((mv for mv in self.musicvideos if mv["musicvideoid"] == params.get("musicvideoid")), None)
        if found is None:
            return False
        if "playcount" in params:
            found["playcount"] = int(params["playcount"])
            if found["playcount"] > 0:
                found["lastplayed"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        if "resume" in params:
            found["resume"] = {"position": float(params["resume"]["position"]),
                               "total": float(params["resume"].get("total", 0))}  # fmt: skip
        return True

    async def answer(self, item: Received) -> Response:
        expected = "Basic " + base64.b64encode(f"{KODI_USER}:{KODI_PASSWORD}".encode()).decode()
        if item.headers.get("authorization") != expected:
            return Response(b"401 Unauthorized", status_code=401)
        if item.path != "/jsonrpc" or item.method != "POST":
            return Response(b"", status_code=404)
        call = item.json()
        reply: dict[str, Any] = {"id": call.get("id"), "jsonrpc": "2.0"}
        method, params = call.get("method"), call.get("params") or {}
        if method == "JSONRPC.Ping":
            reply["result"] = "pong"
        elif method == "VideoLibrary.Scan":
            directory = params.get("directory", "")
            if directory and not any(directory.startswith(s) for s in self.sources):
                reply["error"] = {"code": -32602, "message": "Invalid params."}
            else:
                reply["result"] = "OK"
        elif method == "VideoLibrary.Clean":
            reply["result"] = "OK"
        elif method == "VideoLibrary.GetMusicVideos":
            reply["result"] = self._get_music_videos(params)
        elif method == "VideoLibrary.SetMusicVideoDetails":
            if self._set_music_video(params):
                reply["result"] = "OK"
            else:
                reply["error"] = {"code": -32602, "message": "Invalid params."}
        else:
            reply["error"] = {"code": -32601, "message": "Method not found."}
        return Response(orjson.dumps(reply), media_type="application/json")

    def calls(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.received if r.path == "/jsonrpc" and r.body]


@contextmanager
def serve(fake: App) -> Iterator[App]:
    """Serve `fake` on 127.0.0.1 (a free port) in a background thread until the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(fake, log_level="warning", lifespan="off", access_log=False, timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="fake-receiver")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("fake receiver did not start")
        time.sleep(0.01)
    fake.base = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
