"""Reading the artist lists: a Lidarr instance's API, and Last.fm / Spotify through the provider hub
(so their rate limits, timeouts and retries apply)."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mvidarr.errors import CONFLICT, Conflict, InvalidInput, MvidarrError
from mvidarr.imports.schemas import ArtistImport, ListedArtist
from mvidarr.network.fetch import Fetcher, FetchLimits
from mvidarr.network.policy import FetchFailed, FetchRefused, NetworkPolicy, NetworkRefused
from mvidarr.providers.errors import ProviderCredentialsError
from mvidarr.providers.hub import ProviderHub
from mvidarr.providers.upstream import CallKind, Upstream

LIDARR_TIMEOUT_S = 15.0
_MBID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
MAX_BODY = 20 * 1024 * 1024
SPOTIFY_PAGE = 50


class ImportSourceFailed(MvidarrError):
    """The list could not be read (wrong URL or key, service down, unexpected answer): the source the
    request names failed, a 502."""

    status, kind, title = 502, "import-source-failed", "Import source failed"


class _LidarrArtist(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    artist_name: str = Field(alias="artistName", min_length=1, max_length=500)
    # Every Lidarr artist carries its MusicBrainz id: requiring it keeps a JSON answer from anything
    # else (an internal service the URL happened to name) from being echoed back as artist names.
    foreign_artist_id: str = Field(alias="foreignArtistId", pattern=_MBID)


LIDARR_UNREADABLE = (
    "Could not read an artist list from Lidarr with this URL and API key: check both, and that Lidarr is "
    "running and reachable from MVidarr"
)


async def lidarr_artists(url: str, api_key: str, limit: int, policy: NetworkPolicy) -> list[ListedArtist]:
    """Lidarr's artists; every failure (unreachable, closed port, wrong key, not Lidarr, too large)
    answers the same message, so the import cannot be used to learn what listens where."""
    endpoint = url.rstrip("/") + "/api/v1/artist"
    fetcher = Fetcher(
        policy=policy,
        limits=FetchLimits(
            max_bytes=MAX_BODY, timeout_s=LIDARR_TIMEOUT_S, max_redirects=0, content_types=("application/json",)
        ),
    )
    try:
        fetched = await fetcher.fetch(endpoint, headers={"X-Api-Key": api_key, "Accept": "application/json"})
        rows = [_LidarrArtist.model_validate(r) for r in orjson.loads(fetched.body)]
    except NetworkRefused:
        raise
    except (FetchFailed, FetchRefused, orjson.JSONDecodeError, TypeError, ValidationError):
        raise ImportSourceFailed(LIDARR_UNREADABLE) from None
    return [ListedArtist(name=r.artist_name, musicbrainz_id=r.foreign_artist_id) for r in rows[:limit]]


class _LastfmArtist(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1)
    mbid: str | None = None


class _LastfmTop(BaseModel):
    model_config = ConfigDict(extra="ignore")
    artist: list[_LastfmArtist] = Field(default_factory=list)


class _LastfmAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")
    error: int | None = None
    message: str | None = None
    topartists: _LastfmTop | None = None


async def lastfm_artists(providers: ProviderHub, user: str, limit: int) -> list[ListedArtist]:
    client = await providers.client("lastfm")
    answer = await client.upstream.get(
        "/",
        _LastfmAnswer,
        params={
            "method": "user.gettopartists",
            "user": user,
            "api_key": client.config.credentials["api_key"],
            "format": "json",
            "limit": limit,
            "period": "overall",
        },
        secret_params=("api_key",),
        kind=CallKind.SEARCH,
        cache=False,
    )
    if answer.error is not None or answer.topartists is None:
        raise ImportSourceFailed(f"Last.fm: {answer.message or 'no top artists for this user'}")
    return [ListedArtist(name=a.name, musicbrainz_id=a.mbid or None) for a in answer.topartists.artist[:limit]]


class _SpotifyArtist(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    name: str = Field(min_length=1)


class _SpotifyCursors(BaseModel):
    model_config = ConfigDict(extra="ignore")
    after: str | None = None


class _SpotifyArtists(BaseModel):
    model_config = ConfigDict(extra="ignore")
    items: list[_SpotifyArtist] = Field(default_factory=list)
    cursors: _SpotifyCursors | None = None


class _SpotifyFollowing(BaseModel):
    model_config = ConfigDict(extra="ignore")
    artists: _SpotifyArtists


async def spotify_artists(providers: ProviderHub, token: str, limit: int) -> list[ListedArtist]:
    """The followed artists of the user whose token this is, page by page (cursor-based)."""
    config = (await providers.configs())["spotify"]
    if not config.enabled:
        raise Conflict("Spotify is disabled (providers.spotify.enabled)")
    # A user token, not the app's: the call goes through the shared limiter without the app's credentials.
    upstream = Upstream(providers, config, providers.runtimes["spotify"])
    found: list[ListedArtist] = []
    after: str | None = None
    while len(found) < limit:
        params: dict[str, Any] = {"type": "artist", "limit": SPOTIFY_PAGE, "after": after}
        try:
            page = await upstream.get(
                "/me/following",
                _SpotifyFollowing,
                params=params,
                headers={"Authorization": f"Bearer {token}"},
                cache=False,
            )
        except ProviderCredentialsError:
            raise ImportSourceFailed(
                "Spotify refused the access token (expired, or without user-follow-read)"
            ) from None
        found += [ListedArtist(name=a.name, spotify_id=a.id) for a in page.artists.items]
        after = page.artists.cursors.after if page.artists.cursors else None
        if not after or not page.artists.items:
            break
    return found[:limit]


async def read(providers: ProviderHub, body: ArtistImport, policy: NetworkPolicy) -> list[ListedArtist]:
    """The list the request names (the schema has checked that its fields are there); a URL the user
    names (Lidarr's) is fetched under the network policy."""
    if body.source == "lidarr" and body.url is not None and body.api_key is not None:
        return await lidarr_artists(str(body.url), body.api_key, body.limit, policy)
    if body.source == "lastfm" and body.user is not None:
        return await lastfm_artists(providers, body.user, body.limit)
    if body.source == "spotify" and body.access_token is not None:
        return await spotify_artists(providers, body.access_token, body.limit)
    raise InvalidInput(f"{body.source} is missing its settings", loc=("body",), type_=CONFLICT)
