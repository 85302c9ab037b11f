from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mvidarr.models import Role, Setting
from mvidarr.settings import service as runtime_settings
from tests.auth.helpers import login
from tests.factories import make_artist, make_video

pytestmark = pytest.mark.anyio


async def test_audit_records_and_filters(
    app: Any, client: httpx.AsyncClient, anon_client: httpx.AsyncClient, admin_user: Any
) -> None:
    await login(anon_client, "admin", "wrong password!")
    await login(anon_client, "admin")
    artist = await make_artist(client, "Kate Bush")
    video = await make_video(client, artist["id"], "Wuthering Heights")
    await client.delete(f"/api/v1/videos/{video['id']}")
    await client.delete(f"/api/v1/artists/{artist['id']}")
    await client.patch("/api/v1/settings", json={"providers.imvdb.api_key": "sk-secret-value"})
    await client.post("/api/v1/users", json={"username": "uma", "password": "a decent passphrase", "role": "user"})

    everything = (await client.get("/api/v1/audit", params={"page_size": 100})).json()
    actions = [e["action"] for e in everything["items"]]
    for expected in (
        "auth.login_failed", "auth.login", "video.deleted", "artist.deleted", "settings.updated", "user.created",
    ):  # fmt: skip
        assert expected in actions
    assert actions[0] == "user.created", "newest first"
    assert "sk-secret-value" not in str(everything)

    auth_only = (await client.get("/api/v1/audit", params={"action": "auth."})).json()
    assert {e["action"] for e in auth_only["items"]} == {"auth.login_failed", "auth.login"}
    deleted = (await client.get("/api/v1/audit", params={"action": "artist.deleted"})).json()["items"][0]
    assert (deleted["user_id"], deleted["target_type"], deleted["target_id"]) == (
        admin_user.id,
        "artist",
        str(artist["id"]),
    )
    assert (await client.get("/api/v1/audit", params={"user_id": 999})).json()["total"] == 0
    future = (await client.get("/api/v1/audit", params={"since": "2999-01-01T00:00:00Z"})).json()
    assert future["total"] == 0
    assert (await client.get("/api/v1/audit", params={"since": "2020-01-01T00:00:00"})).status_code == 422


async def test_audit_is_for_admins(client_as: Any) -> None:
    manager = await client_as(Role.MANAGER)
    assert (await manager.get("/api/v1/audit")).status_code == 403


async def test_secret_settings_are_sealed_at_rest(app: Any, client: httpx.AsyncClient) -> None:
    await client.patch("/api/v1/settings", json={"providers.imvdb.api_key": "sk-very-secret-key"})
    async with app.state.db.reader() as session:
        stored = (await session.execute(select(Setting.value).where(Setting.key == "providers.imvdb.api_key"))).scalar()
        assert isinstance(stored, str)
        assert stored.startswith("sealed:v1:")
        assert "sk-very-secret-key" not in stored
        value = await runtime_settings.get_value(session, "providers.imvdb.api_key", sealer=app.state.auth.sealer)
        assert value == "sk-very-secret-key"
        with pytest.raises(ValueError, match="secret"):
            await runtime_settings.get_value(session, "providers.imvdb.api_key")
