from __future__ import annotations

from typing import Any

import httpx
import pytest

from mvidarr.models import Role
from tests.conftest import access_token, http_client, make_user
from tests.fakes.fixtures import FAST_RETRY, point_providers_at
from tests.fakes.upstream import FakeUpstream

pytestmark = pytest.mark.anyio


@pytest.fixture
async def on_fake(app: Any, fake_upstream: FakeUpstream) -> FakeUpstream:
    await point_providers_at(app.state.db, fake_upstream, app.state.auth.sealer)
    app.state.providers.invalidate()
    app.state.providers.retry = FAST_RETRY
    return fake_upstream


async def test_list_providers(client: httpx.AsyncClient, on_fake: FakeUpstream) -> None:
    response = await client.get("/api/v1/providers")
    assert response.status_code == 200
    body = {p["name"]: p for p in response.json()}
    assert list(body) == ["imvdb", "musicbrainz", "wikipedia", "wikidata", "theaudiodb", "lastfm", "spotify", "youtube"]
    assert body["musicbrainz"]["state"] == "ok"
    assert body["musicbrainz"]["rate_limit_per_s"] == 1
    assert body["imvdb"]["configured"] is True
    assert body["imvdb"]["label"] == "IMVDb"


async def test_unconfigured_provider_shows_so(client: httpx.AsyncClient, app: Any) -> None:
    body = {p["name"]: p for p in (await client.get("/api/v1/providers")).json()}
    assert body["imvdb"]["state"] == "unconfigured"
    assert body["imvdb"]["configured"] is False
    assert body["youtube"]["configured"] is True  # keyless through yt-dlp
    test = await client.post("/api/v1/providers/imvdb/test")
    assert test.status_code == 200
    assert test.json()["ok"] is False
    assert test.json()["error_kind"] == "provider-not-configured"


async def test_provider_test_checks_credentials(client: httpx.AsyncClient, app: Any, on_fake: FakeUpstream) -> None:
    ok = await client.post("/api/v1/providers/spotify/test")
    assert ok.status_code == 200
    assert ok.json()["ok"] is True, ok.json()
    assert [r.path for r in on_fake.sent("spotify")] == ["/api/token"]
    settings = await client.patch("/api/v1/settings", json={"providers.lastfm.api_key": "wrong-key"})
    assert settings.status_code == 200, settings.json()
    bad = await client.post("/api/v1/providers/lastfm/test")
    assert bad.json()["ok"] is False
    assert bad.json()["error_kind"] == "provider-credentials"
    assert "Invalid API key" in bad.json()["detail"]
    unknown = await client.post("/api/v1/providers/nosuch/test")
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == "application/problem+json"


async def test_roles(app: Any, on_fake: FakeUpstream) -> None:
    reader = await make_user(app, "reader", Role.READONLY)
    async with http_client(app, await access_token(app, reader)) as http:
        assert (await http.get("/api/v1/providers")).status_code == 200
        assert (await http.post("/api/v1/providers/musicbrainz/test")).status_code == 403
    assert on_fake.requests == []


async def test_ready_stays_ready_when_a_provider_is_down(
    client: httpx.AsyncClient, app: Any, on_fake: FakeUpstream
) -> None:
    on_fake.set("wikidata", mode="500")
    hub = app.state.providers
    wikidata = await hub.client("wikidata")
    for attempt in range(hub.breaker_policy.failure_threshold):
        with pytest.raises(Exception, match="server error"):
            await wikidata.search_artists(f"q{attempt}")
    ready = await client.get("/api/v1/health/ready")
    checks = {c["name"]: c for c in ready.json()["checks"]}
    assert checks["providers"]["ok"] is True
    assert checks["providers"]["degraded"] is True
    assert "Wikidata: down" in checks["providers"]["reason"]
    listed = {p["name"]: p for p in (await client.get("/api/v1/providers")).json()}
    assert listed["wikidata"]["state"] == "down"
    assert listed["wikidata"]["breaker"] == "open"
    assert "server error 500" in listed["wikidata"]["last_error"]
