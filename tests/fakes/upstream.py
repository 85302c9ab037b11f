"""A fake of every metadata provider, speaking each one's documented JSON for the artists in
`catalog.py`, on a real 127.0.0.1 socket (uvicorn in a background thread).

Each provider lives under its own prefix: `http://127.0.0.1:PORT/<provider>` is the value for
`providers.<provider>.base_url`. Knobs per provider: latency, a mode (`ok`, `500`, `timeout`,
`malformed`, `html`, `huge`, `empty`, `wrong_types`), scripted replies (e.g. a 429 with
`Retry-After` before the real answer), and the credentials it accepts. Every request is logged.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import unquote

import orjson
import uvicorn
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from tests.fakes.catalog import (
    ARTISTS,
    NAMESAKES,
    Band,
    FakeArtist,
    FakeVideo,
    bands_named,
    by_imvdb_video,
    by_youtube,
    matching_artists,
)

PROVIDERS = ("imvdb", "musicbrainz", "wikipedia", "wikidata", "theaudiodb", "lastfm", "spotify", "youtube")
KEYS = {
    "imvdb": "imvdb-test-key",
    "theaudiodb": "audiodb-test-key",
    "lastfm": "lastfm-test-key",
    "youtube": "youtube-test-key",
    "spotify_id": "spotify-client-id",
    "spotify_secret": "spotify-client-secret",
}
SPOTIFY_TOKEN = "fake-spotify-token"
FAKE_LASTFM_USER = "listener"
FAKE_SPOTIFY_USER_TOKEN = "spotify-user-token"
MODES = ("ok", "500", "timeout", "malformed", "html", "huge", "empty", "wrong_types")
# Hosts of the artwork URLs the providers answer with; with `serve_images` on they point here.
IMAGE_HOSTS = (
    "https://r2.theaudiodb.example/",
    "https://s.imvdb.example/",
    "https://i.ytimg.example/",
    "https://upload.example/",
    "https://i.scdn.example/",
)


@dataclass(frozen=True)
class Reply:
    """A scripted answer, sent before the provider's normal one."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedRequest:
    provider: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Knobs:
    latency_s: float = 0.0
    mode: str = "ok"
    script: list[Reply] = field(default_factory=list)
    huge_bytes: int = 2 * 1024 * 1024
    huge_declared: bool = True
    timeout_s: float = 30.0
    min_interval_s: float = 0.0
    """Answer 503 to a request sooner than this after the previous one (MusicBrainz: one a second)."""
    last_at: float = 0.0
    refused: int = 0


class FakeUpstream:
    """The ASGI app plus its knobs; `url(provider)` is that provider's base URL once served."""

    def __init__(self) -> None:
        self.knobs: dict[str, Knobs] = {p: Knobs() for p in PROVIDERS}
        self.requests: list[RecordedRequest] = []
        self.base = ""
        self.serve_images = True
        """Point artwork URLs at `/images/...` here, which answers a JPEG (a path with 'missing': 404).
        On by default, so no test sends a request (not even a DNS query) to the documented hosts."""
        self._lock = threading.Lock()

    # -- control, from the test thread ---------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.knobs = {p: Knobs() for p in PROVIDERS}
            self.requests.clear()
            self.serve_images = True

    def set(self, provider: str, **changes: Any) -> None:
        knobs = self.knobs[provider]
        for name, value in changes.items():
            if name == "mode" and value not in MODES:
                raise ValueError(f"unknown mode {value}")
            setattr(knobs, name, value)

    def script(self, provider: str, *replies: Reply) -> None:
        self.knobs[provider].script.extend(replies)

    def url(self, provider: str) -> str:
        return f"{self.base}/{provider}"

    def sent(self, provider: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.provider == provider]

    def settings(self, *, with_keys: bool = True) -> dict[str, Any]:
        """Runtime settings that point every provider here (and give them the accepted keys)."""
        values: dict[str, Any] = {}
        for provider in PROVIDERS:
            values[f"providers.{provider}.base_url"] = self.url(provider) + (
                "/ws/2" if provider == "musicbrainz" else ""
            )
            values[f"providers.{provider}.timeout_s"] = 2
            values[f"providers.{provider}.rate_limit_per_s"] = 1 if provider == "musicbrainz" else 50
        values["providers.spotify.base_url"] = self.url("spotify") + "/v1"
        values["providers.spotify.auth_url"] = self.url("spotify") + "/api/token"
        if with_keys:
            values |= {
                "providers.imvdb.api_key": KEYS["imvdb"],
                "providers.theaudiodb.api_key": KEYS["theaudiodb"],
                "providers.lastfm.api_key": KEYS["lastfm"],
                "providers.youtube.api_key": KEYS["youtube"],
                "providers.spotify.client_id": KEYS["spotify_id"],
                "providers.spotify.client_secret": KEYS["spotify_secret"],
                "providers.musicbrainz.contact": "tests@example.org",
            }
        return values

    # -- the ASGI app ----------------------------------------------------------------------------

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self._handle(request)
        if (
            self.serve_images
            and response.media_type == "application/json"
            and not isinstance(response, StreamingResponse)
        ):
            body = bytes(response.body)
            for host in IMAGE_HOSTS:
                body = body.replace(host.encode(), f"{self.base}/images/".encode())
            headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
            response = Response(body, response.status_code, headers, media_type="application/json")
        await response(scope, receive, send)

    async def _handle(self, request: Request) -> Response:
        parts = request.url.path.lstrip("/").split("/", 1)
        provider, rest = parts[0], "/" + (parts[1] if len(parts) > 1 else "")
        if provider == "images":
            with self._lock:
                self.requests.append(
                    RecordedRequest("images", request.method, rest, {}, dict(request.headers), b"", time.monotonic())
                )
            if "missing" in rest:
                return Response(b"", 404)
            return Response(fake_jpeg(rest), 200, media_type="image/jpeg")
        if provider not in self.knobs:
            return _json({"error": "no such fake"}, 404)
        body = await request.body()
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    provider=provider,
                    method=request.method,
                    path=unquote(rest),
                    query=dict(request.query_params),
                    headers={k.lower(): v for k, v in request.headers.items()},
                    body=body,
                    at=time.monotonic(),
                )
            )
        knobs = self.knobs[provider]
        now = time.monotonic()
        too_soon = knobs.min_interval_s and knobs.last_at and now - knobs.last_at < knobs.min_interval_s
        knobs.last_at = now
        if too_soon:
            # As musicbrainz.org does above its rate limit: 503 with a short explanation.
            knobs.refused += 1
            return _json({"error": "Your requests are exceeding the allowable rate limit."}, 503)
        if knobs.latency_s:
            await asyncio.sleep(knobs.latency_s)
        if knobs.script:
            reply = knobs.script.pop(0)
            return (
                _json(reply.body, reply.status, reply.headers)
                if reply.body is not None
                else Response(b"", reply.status, reply.headers)
            )
        if knobs.mode == "500":
            return _json({"error": "internal"}, 500)
        if knobs.mode == "timeout":
            await asyncio.sleep(knobs.timeout_s)
        if knobs.mode == "html":
            return Response(
                b"<!DOCTYPE html><html><body>Service maintenance</body></html>", 200, media_type="text/html"
            )
        if knobs.mode == "malformed":
            return Response(b'{"results": [ {"id": 1,', 200, media_type="application/json")
        if knobs.mode == "huge":
            return _huge(knobs)
        handler = getattr(self, f"_{provider}")
        return await handler(request, rest, knobs.mode)

    # -- the providers ---------------------------------------------------------------------------

    async def _imvdb(self, request: Request, path: str, mode: str) -> Response:
        if request.headers.get("IMVDB-APP-KEY") != KEYS["imvdb"]:
            return _json({"error": "Invalid API key"}, 401)
        q = request.query_params.get("q", "")
        if path == "/search/videos":
            found = [] if mode == "empty" else [_imvdb_video(a, v) for a in ARTISTS for v in a.videos if _hit(q, a, v)]
            if mode == "wrong_types" and found:
                found[0]["id"] = "not-a-number"
            return _json(
                {"total_results": len(found), "current_page": 1, "per_page": 25, "total_pages": 1, "results": found}
            )
        if path == "/search/entities":
            # IMVDb searches slugs too ("daft punk" finds daft-punk); some entities come without a name.
            found = (
                []
                if mode == "empty"
                else [
                    _imvdb_entity(a, search=True)
                    for a in ARTISTS
                    if a in matching_artists(q) or a.imvdb_slug.replace("-", " ") == q.casefold()
                ]
                + [_imvdb_band(b) for b, score in bands_named(q, provider="imvdb") if score == 100]
            )
            return _json({"total_results": len(found), "results": found})
        if m := re.fullmatch(r"/video/(\d+)", path):
            hit = by_imvdb_video(int(m.group(1)))
            if hit is None:
                return _json({"error": "not found"}, 404)
            return _json(_imvdb_video(*hit, detail=True))
        if m := re.fullmatch(r"/entity/(\d+)", path):
            artist = next((a for a in ARTISTS if a.imvdb_id == int(m.group(1))), None)
            if artist is None:
                return _json({"error": "not found"}, 404)
            entity = _imvdb_entity(artist)
            entity["artist_videos"] = {
                "total_videos": len(artist.videos),
                "videos": [_imvdb_video(artist, v) for v in artist.videos],
            }
            return _json(entity)
        return _json({"error": "no route"}, 404)

    async def _musicbrainz(self, request: Request, path: str, mode: str) -> Response:
        path = path.removeprefix("/ws/2")
        q = request.query_params
        if q.get("fmt") != "json":
            return Response(b"<metadata/>", 200, media_type="application/xml")
        if path == "/artist":
            query = q.get("query", "")
            found = [] if mode == "empty" else matching_artists(query, aliases=True)
            artists = [_mb_artist(a, score=100) for a in found]
            artists += [_mb_band(b, score) for b, score in bands_named(query, provider="musicbrainz")]
            if mode != "empty" and query.strip():
                artists += [_mb_namesake(n) for n in NAMESAKES if n.name.casefold().startswith(query.casefold())]
            return _json({"count": len(artists), "offset": 0, "artists": artists})
        if m := re.fullmatch(r"/artist/([0-9a-f-]{36})", path):
            artist = next((a for a in ARTISTS if a.mbid == m.group(1)), None)
            if artist is None:
                return _json({"error": "Not Found"}, 404)
            body = _mb_artist(artist)
            if mode == "wrong_types":
                body["genres"] = "electronic"
            return _json(body)
        if path == "/recording" and "artist" in q and "query" not in q:
            # Browse: every recording of the artist (audio and video), paged by limit/offset.
            artist = next((a for a in ARTISTS if a.mbid == q["artist"]), None)
            if artist is None:
                return _json({"error": "Not Found"}, 404)
            every = [] if mode == "empty" else [r for v in artist.videos for r in _mb_browse_recordings(artist, v)]
            offset, limit = int(q.get("offset", "0")), int(q.get("limit", "25"))
            return _json(
                {
                    "recording-count": len(every),
                    "recording-offset": offset,
                    "recordings": every[offset : offset + limit],
                }
            )
        if path == "/recording":
            query = q.get("query", "")
            # `arid:<mbid>` scopes the search to one artist's credits, as on musicbrainz.org.
            arid = re.search(r"arid:([0-9a-f-]{36})", query)
            found = (
                []
                if mode == "empty"
                else [
                    _mb_recording(a, v)
                    for a in ARTISTS
                    for v in a.videos
                    if (
                        (a.mbid == arid.group(1) and v.title.casefold() in query.casefold())
                        if arid
                        else _hit(query, a, v, both=True)
                    )
                ]
            )
            return _json({"count": len(found), "offset": 0, "recordings": found})
        if path == "/url":
            resource = q.get("resource", "")
            m2 = re.search(r"v=([A-Za-z0-9_-]{11})", resource)
            hit = by_youtube(m2.group(1)) if m2 else None
            if hit is None:
                return _json({"error": "Not Found"}, 404)
            return _json(
                {
                    "id": "0b7e5a2c-0000-4000-8000-000000000001",
                    "resource": resource,
                    "relations": [
                        {"type": "music video", "target-type": "recording", "recording": _mb_recording(*hit)}
                    ],
                }
            )
        return _json({"error": "no route"}, 404)

    async def _wikipedia(self, request: Request, path: str, mode: str) -> Response:
        if m := re.fullmatch(r"/api/rest_v1/page/summary/(.+)", path):
            title = m.group(1).replace("_", " ")
            artist = next((a for a in ARTISTS if a.wikipedia_title == title), None)
            if artist is None:
                return _json(
                    {"type": "https://mediawiki.org/wiki/HyperSwitch/errors/not_found", "title": "Not found."}, 404
                )
            page = f"https://en.wikipedia.org/wiki/{title.replace(' ', '_')}"
            return _json(
                {
                    "type": "standard",
                    "title": artist.wikipedia_title,
                    "description": artist.disambiguation or f"{artist.kind} from {artist.country}",
                    "extract": artist.biography,
                    "thumbnail": {
                        "source": f"https://upload.example/thumb/{artist.imvdb_id}.jpg",
                        "width": 320,
                        "height": 240,
                    },
                    "originalimage": {
                        "source": f"https://upload.example/{artist.imvdb_id}.jpg",
                        "width": 1600,
                        "height": 1200,
                    },
                    "content_urls": {"desktop": {"page": page}},
                    "wikibase_item": artist.wikidata_id,
                }
            )
        if path == "/w/api.php":
            query = request.query_params.get("srsearch", "")
            hits = (
                []
                if mode == "empty"
                else [{"ns": 0, "title": a.wikipedia_title, "pageid": a.imvdb_id} for a in matching_artists(query)]
            )
            return _json({"batchcomplete": "", "query": {"searchinfo": {"totalhits": len(hits)}, "search": hits}})
        return _json({"error": "no route"}, 404)

    async def _wikidata(self, request: Request, path: str, mode: str) -> Response:
        q = request.query_params
        if path != "/w/api.php":
            return _json({"error": "no route"}, 404)
        if q.get("action") == "wbsearchentities":
            found = [] if mode == "empty" else matching_artists(q.get("search", ""))
            return _json({"search": [{"id": a.wikidata_id, "label": a.name, "description": a.kind} for a in found]})
        if q.get("action") == "wbgetentities":
            qid = q.get("ids", "")
            artist = next((a for a in ARTISTS if a.wikidata_id == qid), None)
            if artist is None:
                return _json({"entities": {qid: {"id": qid, "missing": ""}}})
            return _json({"entities": {qid: _wikidata_entity(artist)}})
        return _json({"error": {"code": "badvalue"}}, 400)

    async def _theaudiodb(self, request: Request, path: str, mode: str) -> Response:
        m = re.fullmatch(r"/([^/]+)/([a-z-]+\.php)", path)
        if m is None:
            return _json({"error": "no route"}, 404)
        key, endpoint = m.groups()
        if key != KEYS["theaudiodb"]:
            # TheAudioDB answers a wrong key with an HTML error page and 401.
            return Response(b"<html>Unauthorized</html>", 401, media_type="text/html")
        q = request.query_params
        if endpoint == "search.php":
            found = [] if mode == "empty" else matching_artists(q.get("s", ""))
            return _json({"artists": [_audiodb_artist(a) for a in found] or None})
        if endpoint == "artist.php":
            found = [a for a in ARTISTS if a.audiodb_id == q.get("i")]
            return _json({"artists": [_audiodb_artist(a) for a in found] or None})
        if endpoint == "artist-mb.php":
            found = [a for a in ARTISTS if a.mbid == q.get("i")]
            return _json({"artists": [_audiodb_artist(a) for a in found] or None})
        if endpoint == "mvid.php":
            artist = next((a for a in ARTISTS if a.audiodb_id == q.get("i")), None)
            videos = artist.videos if artist and mode != "empty" else ()
            return _json(
                {
                    "mvids": [
                        {
                            "idArtist": artist.audiodb_id if artist else None,
                            "idAlbum": "2115888",
                            "idTrack": v.audiodb_track,
                            "strTrack": v.title,
                            "strTrackThumb": f"https://r2.theaudiodb.example/{v.audiodb_track}.jpg",
                            "strMusicVid": f"https://www.youtube.com/watch?v={v.youtube_id}",
                            "strDescriptionEN": f"The video for {v.title}.",
                        }
                        for v in videos
                    ]
                    or None
                }
            )
        return _json({"error": "no route"}, 404)

    async def _lastfm(self, request: Request, path: str, mode: str) -> Response:
        q = request.query_params
        if q.get("api_key") != KEYS["lastfm"]:
            return _json({"error": 10, "message": "Invalid API key - You must be granted a valid key by last.fm"}, 403)
        method = q.get("method", "")
        name = q.get("artist")
        artist = next((a for a in ARTISTS if a.name == name or (q.get("mbid") and a.mbid == q.get("mbid"))), None)
        if method == "artist.search":
            found = [] if mode == "empty" else matching_artists(q.get("artist", ""))
            matches = [
                {"name": a.name, "mbid": a.mbid, "url": f"https://www.last.fm/music/{a.name}", "listeners": "1000"}
                for a in found
            ]
            return _json(
                {"results": {"opensearch:totalResults": str(len(matches)), "artistmatches": {"artist": matches}}}
            )
        if method == "user.gettopartists":
            # Import lists: user "listener" has every catalog artist as a top artist.
            if q.get("user") != FAKE_LASTFM_USER:
                return _json({"error": 6, "message": "User not found"})
            top = [{"name": a.name, "mbid": a.mbid, "playcount": str(100 - i)} for i, a in enumerate(ARTISTS)]
            return _json({"topartists": {"artist": top[: int(q.get("limit", "50"))], "@attr": {"user": q["user"]}}})
        if artist is None:
            return _json({"error": 6, "message": "The artist you supplied could not be found"})
        if method == "artist.getinfo":
            return _json(
                {
                    "artist": {
                        "name": artist.name,
                        "mbid": artist.mbid,
                        "url": f"https://www.last.fm/music/{artist.name}",
                        "stats": {"listeners": "1000", "playcount": "5000"},
                        "tags": {"tag": [{"name": g, "url": "https://www.last.fm/tag/x"} for g in artist.genres[:5]]},
                        "bio": {
                            "summary": artist.biography,
                            "content": artist.biography
                            + f' <a href="https://www.last.fm/music/{artist.name}">Read more on Last.fm</a>',
                        },
                    }
                }
            )
        if method == "artist.gettoptags":
            tags = [{"name": g, "count": 100 - i * 10} for i, g in enumerate(artist.genres)] + [
                {"name": "seen live", "count": 5}
            ]
            return _json({"toptags": {"tag": tags, "@attr": {"artist": artist.name}}})
        return _json({"error": 3, "message": "Invalid Method"}, 400)

    async def _spotify(self, request: Request, path: str, mode: str) -> Response:
        if path == "/api/token":
            auth = request.headers.get("Authorization", "")
            import base64

            expected = "Basic " + base64.b64encode(f"{KEYS['spotify_id']}:{KEYS['spotify_secret']}".encode()).decode()
            form = (await request.body()).decode()
            if auth != expected or "grant_type=client_credentials" not in form:
                return _json({"error": "invalid_client", "error_description": "Invalid client"}, 400)
            return _json({"access_token": SPOTIFY_TOKEN, "token_type": "Bearer", "expires_in": 3600})
        if path == "/v1/me/following":
            # Import lists: a user's followed artists, with a user token, one artist per page (cursors).
            if request.headers.get("Authorization") != f"Bearer {FAKE_SPOTIFY_USER_TOKEN}":
                return _json({"error": {"status": 401, "message": "Invalid access token"}}, 401)
            after = request.query_params.get("after")
            start = next((i + 1 for i, a in enumerate(ARTISTS) if a.spotify_id == after), 0)
            page = list(ARTISTS[start : start + 1])
            following = {"items": [_spotify_artist(a) for a in page], "total": len(ARTISTS)}
            following["cursors"] = {"after": page[-1].spotify_id if page and start + 1 < len(ARTISTS) else None}
            return _json({"artists": following})
        if request.headers.get("Authorization") != f"Bearer {SPOTIFY_TOKEN}":
            return _json({"error": {"status": 401, "message": "Invalid access token"}}, 401)
        if path == "/v1/search":
            found = [] if mode == "empty" else matching_artists(request.query_params.get("q", ""))
            return _json({"artists": {"href": "x", "items": [_spotify_artist(a) for a in found], "total": len(found)}})
        if m := re.fullmatch(r"/v1/artists/([0-9A-Za-z]{22})", path):
            artist = next((a for a in ARTISTS if a.spotify_id == m.group(1)), None)
            if artist is None:
                return _json({"error": {"status": 404, "message": "Resource not found"}}, 404)
            return _json(_spotify_artist(artist))
        return _json({"error": {"status": 404, "message": "Service not found"}}, 404)

    async def _youtube(self, request: Request, path: str, mode: str) -> Response:
        q = request.query_params
        if q.get("key") != KEYS["youtube"]:
            error = {"code": 400, "message": "API key not valid.", "errors": [{"reason": "keyInvalid"}]}
            return _json({"error": error}, 400)
        if path == "/search":
            query = q.get("q", "")
            hits = [] if mode == "empty" else [(a, v) for a in ARTISTS for v in a.videos if _hit(query, a, v)]
            return _json(
                {
                    "kind": "youtube#searchListResponse",
                    "items": [
                        {
                            "kind": "youtube#searchResult",
                            "id": {"kind": "youtube#video", "videoId": v.youtube_id},
                            "snippet": _yt_snippet(a, v),
                        }
                        for a, v in hits
                    ],
                }
            )
        if path == "/videos":
            hit = by_youtube(q.get("id", ""))
            items = []
            if hit is not None:
                artist, video = hit
                minutes, seconds = divmod(video.duration_s, 60)
                items.append(
                    {
                        "id": video.youtube_id,
                        "snippet": _yt_snippet(artist, video),
                        "contentDetails": {"duration": f"PT{minutes}M{seconds}S"},
                        "statistics": {"viewCount": str(video.views), "likeCount": "1000"},
                    }
                )
            return _json({"kind": "youtube#videoListResponse", "items": items})
        if path == "/channels":
            wanted = q.get("id") or q.get("forHandle", "")
            found = [a for a in ARTISTS if wanted in (a.channel_id, _yt_handle(a))]
            return _json(
                {
                    "kind": "youtube#channelListResponse",
                    "items": [
                        {"id": a.channel_id, "contentDetails": {"relatedPlaylists": {"uploads": _yt_uploads(a)}}}
                        for a in found
                    ],
                }
            )
        if path == "/playlistItems":
            # A channel's uploads, newest first, paged by maxResults/pageToken (the token is an offset).
            artist = next((a for a in ARTISTS if _yt_uploads(a) == q.get("playlistId")), None)
            if artist is None:
                error = {"code": 404, "message": "playlistNotFound", "errors": [{"reason": "playlistNotFound"}]}
                return _json({"error": error}, 404)
            uploads = [] if mode == "empty" else sorted(artist.videos, key=lambda v: v.release_date, reverse=True)
            start, size = int(q.get("pageToken") or 0), int(q.get("maxResults", "5"))
            page = uploads[start : start + size]
            body: dict[str, Any] = {
                "kind": "youtube#playlistItemListResponse",
                "pageInfo": {"totalResults": len(uploads), "resultsPerPage": size},
                "items": [
                    {
                        "kind": "youtube#playlistItem",
                        "snippet": _yt_snippet(artist, v)
                        | {
                            "playlistId": _yt_uploads(artist),
                            "position": start + i,
                            "resourceId": {"kind": "youtube#video", "videoId": v.youtube_id},
                            "videoOwnerChannelTitle": f"{artist.name}VEVO",
                            "videoOwnerChannelId": artist.channel_id,
                        },
                        "contentDetails": {
                            "videoId": v.youtube_id,
                            "videoPublishedAt": f"{v.release_date}T08:00:00Z",
                        },
                    }
                    for i, v in enumerate(page)
                ],
            }
            if start + size < len(uploads):
                body["nextPageToken"] = str(start + size)
            return _json(body)
        return _json({"error": {"code": 404}}, 404)


# -- JSON shapes -------------------------------------------------------------------------------


def fake_jpeg(name: str) -> bytes:
    """A small JPEG whose colour depends on `name` (so two pictures differ)."""
    import io

    from PIL import Image

    seed = sum(name.encode()) % 200
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (seed, 255 - seed, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def _huge(knobs: Knobs) -> Response:
    chunk = b" " * 65536

    async def stream() -> Any:
        yield b'{"results": ['
        for _ in range(knobs.huge_bytes // len(chunk)):
            yield chunk
        yield b"]}"

    headers = {"Content-Length": str(knobs.huge_bytes // len(chunk) * len(chunk) + 15)} if knobs.huge_declared else {}
    return StreamingResponse(stream(), 200, headers, media_type="application/json")


def _hit(query: str, artist: FakeArtist, video: FakeVideo, *, both: bool = False) -> bool:
    q = query.casefold()
    if both:
        return artist.name.casefold() in q and video.title.casefold() in q
    return artist.name.casefold() in q or video.title.casefold() in q


def _imvdb_video(artist: FakeArtist, video: FakeVideo, *, detail: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": video.imvdb_id,
        "production_status": "r",
        "song_title": video.title,
        "song_slug": video.title.lower().replace(" ", "-"),
        "url": f"https://imvdb.com/video/x/{video.imvdb_id}",
        "multiple_versions": video.version is not None,
        "version_name": video.version,
        "version_number": 1,
        "is_imvdb_pick": False,
        "aspect_ratio": None,
        "year": video.year,
        "verified_credits": True,
        "artists": [
            {"name": artist.name, "slug": artist.imvdb_slug, "url": f"https://imvdb.com/n/{artist.imvdb_slug}"}
        ],
        "image": {
            "o": f"https://s.imvdb.example/{video.imvdb_id}_o.jpg",
            "l": f"https://s.imvdb.example/{video.imvdb_id}_l.jpg",
        },
    }
    if detail:
        # IMVDb writes the date as text, e.g. "April 7, 1997".
        released = date.fromisoformat(video.release_date)
        body["release_date_string"] = f"{released:%B} {released.day}, {released.year}"
        body["featured_artists"] = [{"name": n, "slug": "f", "url": "https://imvdb.com/n/f"} for n in video.featured]
        crew = [
            {"position_name": "Director", "position_code": "dir", "entity_name": d, "entity_id": 1}
            for d in video.directors
        ]
        crew += [
            {"position_name": "Producer", "position_code": "prod", "entity_name": p, "entity_id": 2}
            for p in video.producers
        ]
        crew.append({"position_name": "Editor", "position_code": "edt", "entity_name": "Someone Else", "entity_id": 3})
        body["credits"] = {"total_credits": len(crew), "crew": crew, "cast": []}
        body["sources"] = [
            {"source": "vimeo", "source_slug": "vimeo", "source_data": 12345, "is_primary": False},
            {"source": "youtube", "source_slug": "youtube", "source_data": video.youtube_id, "is_primary": True},
        ]
    return body


def _imvdb_entity(artist: FakeArtist, *, search: bool = False) -> dict[str, Any]:
    return {
        "id": artist.imvdb_id,
        "name": None if search and artist.imvdb_name_missing else artist.name,
        "slug": artist.imvdb_slug,
        "url": f"https://imvdb.com/n/{artist.imvdb_slug}",
        "discogs_id": None,
        "byline": artist.disambiguation or None,
        "bio": None,
        "image": {"o": f"https://s.imvdb.example/e{artist.imvdb_id}.jpg"},
        "artist_video_count": len(artist.videos),
        "featured_video_count": 0,
    }


def _mb_artist(artist: FakeArtist, score: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": artist.mbid,
        "name": artist.name,
        "sort-name": artist.sort_name,
        "type": artist.kind,
        "country": artist.country,
        "disambiguation": artist.disambiguation,
        "life-span": {"begin": artist.begin, "end": None, "ended": False},
        "genres": [{"name": g, "count": 10 - i} for i, g in enumerate(artist.genres)],
        # Tags are free text on MusicBrainz: genres, and nationalities, places, years and praise.
        "tags": [{"name": g, "count": 5} for g in (*artist.genres, "french", "paris", "1993", "legendary")],
        "relations": [
            {
                "type": "wikidata",
                "target-type": "url",
                "url": {"resource": f"https://www.wikidata.org/wiki/{artist.wikidata_id}"},
            },
            {
                "type": "youtube",
                "target-type": "url",
                "url": {"resource": f"https://www.youtube.com/channel/{artist.channel_id}"},
            },
            {
                "type": "free streaming",
                "target-type": "url",
                "url": {"resource": f"https://open.spotify.com/artist/{artist.spotify_id}"},
            },
            {
                "type": "official homepage",
                "target-type": "url",
                "url": {"resource": f"https://{artist.imvdb_id}.example.com/"},
            },
            {
                "type": "IMVDb",
                "target-type": "url",
                "url": {"resource": f"https://imvdb.com/n/{artist.imvdb_slug}"},
            },
        ],
        "aliases": [
            {"name": alias, "sort-name": alias, "locale": None, "type": "Artist name", "primary": None}
            for alias in artist.aliases
        ],
    }
    if score is not None:
        body["score"] = score
    return body


def _mb_recording(artist: FakeArtist, video: FakeVideo) -> dict[str, Any]:
    credit = [
        {
            "name": artist.name,
            "joinphrase": " feat. " if video.featured else "",
            "artist": {"id": artist.mbid, "name": artist.name},
        }
    ]
    for i, name in enumerate(video.featured):
        credit.append(
            {
                "name": name,
                "joinphrase": " & " if i + 1 < len(video.featured) else "",
                "artist": {"id": f"00000000-0000-4000-8000-00000000000{i}", "name": name},
            }
        )
    return {
        "id": video.recording_mbid,
        "score": 100,
        "title": video.title,
        "length": video.duration_s * 1000,
        "video": False,
        "artist-credit": credit,
        "first-release-date": video.release_date,
        "releases": [{"id": "r1", "title": video.album, "status": "Official", "date": video.release_date}],
        "isrcs": ["FRZ039700001"],
    }


def _mb_band(band: Band, score: int) -> dict[str, Any]:
    return {
        "id": band.mbid,
        "name": band.name,
        "sort-name": band.sort_name or band.name,
        "type": "Group",
        "score": score,
        "aliases": [
            {"name": alias, "sort-name": alias, "locale": None, "type": "Artist name"} for alias in band.aliases
        ],
    }


def _imvdb_band(band: Band) -> dict[str, Any]:
    slug = re.sub(r"[^a-z0-9]+", "-", band.name.casefold()).strip("-")
    return {"id": band.imvdb_id, "name": band.name, "slug": slug, "url": f"https://imvdb.com/n/{slug}"}


def _mb_namesake(namesake: Any) -> dict[str, Any]:
    return {
        "id": namesake.mbid,
        "name": namesake.name,
        "sort-name": namesake.name,
        "type": "Group",
        "country": namesake.country,
        "disambiguation": namesake.disambiguation,
        "score": namesake.score,
        "life-span": {"begin": None, "end": None, "ended": None},
    }


def mb_video_recording_id(video: FakeVideo) -> str:
    """The id of the fake's video recording of `video` (its audio recording is `recording_mbid`)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"video:{video.recording_mbid}"))


def _mb_browse_recordings(artist: FakeArtist, video: FakeVideo) -> list[dict[str, Any]]:
    """As browsing with `inc=url-rels` gives them: the audio recording and the music video recording."""
    audio = _mb_recording(artist, video)
    audio.pop("score")
    audio["relations"] = []
    clip = dict(audio)
    clip |= {
        "id": mb_video_recording_id(video),
        "video": True,
        "disambiguation": video.version or "music video",
        "relations": [
            {
                "type": "free streaming",
                "target-type": "url",
                "url": {"resource": f"https://www.youtube.com/watch?v={video.youtube_id}"},
            }
        ],
    }
    return [audio, clip]


def _wikidata_entity(artist: FakeArtist) -> dict[str, Any]:
    def claim(value: Any) -> list[dict[str, Any]]:
        return [{"mainsnak": {"snaktype": "value", "datavalue": {"value": value}}}]

    return {
        "id": artist.wikidata_id,
        "labels": {"en": {"language": "en", "value": artist.name}},
        "descriptions": {"en": {"language": "en", "value": f"{artist.kind} from {artist.country}"}},
        "claims": {
            "P434": claim(artist.mbid),
            "P1902": claim(artist.spotify_id),
            "P2397": claim(artist.channel_id),
            "P18": claim(f"{artist.wikipedia_title}.jpg"),
            "P571": claim({"time": f"+{artist.begin[:4]}-00-00T00:00:00Z", "precision": 9}),
            "P856": claim(f"https://{artist.imvdb_id}.example.com/"),
        },
        "sitelinks": {"enwiki": {"site": "enwiki", "title": artist.wikipedia_title}},
    }


def _audiodb_artist(artist: FakeArtist) -> dict[str, Any]:
    return {
        "idArtist": artist.audiodb_id,
        "strArtist": artist.name,
        "strArtistAlternate": "",
        "strGenre": artist.genres[0].title(),
        "strStyle": artist.genres[-1].title(),
        "intFormedYear": artist.begin[:4],
        "intBornYear": None,
        "strCountryCode": artist.country,
        "strBiographyEN": artist.biography,
        "strArtistThumb": f"https://r2.theaudiodb.example/{artist.audiodb_id}/thumb.jpg",
        "strArtistFanart": f"https://r2.theaudiodb.example/{artist.audiodb_id}/fanart.jpg",
        "strArtistLogo": f"https://r2.theaudiodb.example/{artist.audiodb_id}/logo.png",
        "strArtistBanner": None,
        "strMusicBrainzID": artist.mbid,
        "strWebsite": f"{artist.imvdb_id}.example.com",
    }


def _spotify_artist(artist: FakeArtist) -> dict[str, Any]:
    return {
        "id": artist.spotify_id,
        "name": artist.name,
        "genres": list(artist.genres),
        "images": [
            {"url": f"https://i.scdn.example/{artist.spotify_id}/160", "width": 160, "height": 160},
            {"url": f"https://i.scdn.example/{artist.spotify_id}/640", "width": 640, "height": 640},
        ],
        "popularity": 80,
        "followers": {"total": 1000},
        "external_urls": {"spotify": f"https://open.spotify.com/artist/{artist.spotify_id}"},
        "type": "artist",
    }


def _yt_uploads(artist: FakeArtist) -> str:
    """The channel's uploads playlist id, as YouTube derives it from the channel id."""
    return "UU" + artist.channel_id[2:]


def _yt_handle(artist: FakeArtist) -> str:
    return "@" + "".join(c for c in artist.name if c.isalnum())


def _yt_snippet(artist: FakeArtist, video: FakeVideo) -> dict[str, Any]:
    return {
        "publishedAt": f"{video.release_date}T08:00:00Z",
        "channelId": artist.channel_id,
        "title": f"{artist.name} - {video.title} (Official Video)",
        "description": f"Official video for {video.title}",
        "thumbnails": {"high": {"url": f"https://i.ytimg.example/vi/{video.youtube_id}/hqdefault.jpg"}},
        "channelTitle": f"{artist.name}VEVO",
    }


# -- serving -----------------------------------------------------------------------------------


@contextmanager
def serve(fake: FakeUpstream | None = None) -> Iterator[FakeUpstream]:
    """Serve `fake` on 127.0.0.1 (a free port) in a background thread until the block ends."""
    fake = fake or FakeUpstream()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(fake, log_level="warning", lifespan="off", access_log=False, timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="fake-upstream")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("fake upstream did not start")
        time.sleep(0.01)
    fake.base = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
