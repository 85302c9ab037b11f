from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio


def _by_key(items: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(item["key"]): item for item in items}


async def test_defaults_then_change_then_reset(client: httpx.AsyncClient) -> None:
    settings = _by_key((await client.get("/api/v1/settings")).json())
    template = settings["library.naming_template"]
    assert (template["value"], template["is_set"]) == (
        "{artist}/{artist} - {title}[ ({version})][ ({kind_label})]",
        False,
    )

    changed = await client.patch("/api/v1/settings", json={"library.naming_template": "{artist}/{title}"})
    assert changed.status_code == 200
    assert _by_key(changed.json())["library.naming_template"]["value"] == "{artist}/{title}"
    assert _by_key((await client.get("/api/v1/settings")).json())["library.naming_template"]["is_set"] is True

    reset = await client.patch("/api/v1/settings", json={"library.naming_template": None})
    assert (
        _by_key(reset.json())["library.naming_template"]["value"]
        == "{artist}/{artist} - {title}[ ({version})][ ({kind_label})]"
    )


async def test_secrets_are_masked(client: httpx.AsyncClient) -> None:
    response = await client.patch("/api/v1/settings", json={"providers.imvdb.api_key": "sk-very-secret-key"})
    assert "sk-very-secret-key" not in response.text
    item = _by_key(response.json())["providers.imvdb.api_key"]
    assert (item["value"], item["is_set"], item["secret"]) == ("********", True, True)
    assert "sk-very-secret-key" not in (await client.get("/api/v1/settings")).text


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"jobs.retention_days": 0}, ["body", "jobs.retention_days"]),
        ({"jobs.retention_days": "many"}, ["body", "jobs.retention_days"]),
        ({"ui.default_theme": "pink"}, ["body", "ui.default_theme"]),
        ({"no.such.setting": 1}, ["body", "no.such.setting"]),
        ({"library.naming_template": "bad\x00"}, ["body", "library.naming_template"]),
    ],
)
async def test_invalid_changes_are_422_and_change_nothing(
    client: httpx.AsyncClient, body: dict[str, object], loc: list[str]
) -> None:
    mixed = {"library.naming_template": "{title}", **body}
    response = await client.patch("/api/v1/settings", json=mixed)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == loc
    settings = _by_key((await client.get("/api/v1/settings")).json())
    assert settings["library.naming_template"]["is_set"] is False, "all or nothing"


@pytest.mark.parametrize("raw", [b"[]", b'"x"', b"7"])
async def test_non_object_body_is_422(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.patch("/api/v1/settings", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
