"""URLs an admin gives in settings (a provider's API root, the SponsorBlock API, a package index) pass
the outbound-network policy when saved, like every other URL a user gives."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("providers.musicbrainz.base_url", "http://127.0.0.1:9/ws/2"),
        ("providers.spotify.auth_url", "http://169.254.169.254/latest/meta-data"),
        ("downloads.sponsorblock_api", "http://10.0.0.5"),
        ("downloads.ytdlp_package_index", "http://[::1]:8080/simple"),
    ],
)
async def test_a_private_address_is_refused_by_the_network_policy(
    client: httpx.AsyncClient, key: str, url: str
) -> None:
    refused = await client.patch("/api/v1/settings", json={key: url})
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["type"].endswith("network-refused")
    assert "network.allowed_private_hosts" in body["detail"]
    settings = {s["key"]: s for s in (await client.get("/api/v1/settings")).json()}
    assert settings[key]["value"] != url


async def test_a_host_allowed_in_the_same_change_is_accepted(client: httpx.AsyncClient) -> None:
    changed = await client.patch(
        "/api/v1/settings",
        json={
            "network.allowed_private_hosts": ["192.168.1.0/24"],
            "providers.musicbrainz.base_url": "http://192.168.1.7/ws/2",
        },
    )
    assert changed.status_code == 200, changed.text
    settings = {s["key"]: s["value"] for s in changed.json()}
    assert settings["providers.musicbrainz.base_url"] == "http://192.168.1.7/ws/2"


async def test_a_public_or_unresolved_name_is_accepted(client: httpx.AsyncClient) -> None:
    # No DNS here: a name that does not resolve now is checked again when it is fetched.
    changed = await client.patch(
        "/api/v1/settings", json={"providers.musicbrainz.base_url": "https://mb.example.org/ws/2"}
    )
    assert changed.status_code == 200, changed.text


async def test_an_imported_settings_document_is_checked_too(client: httpx.AsyncClient) -> None:
    document = (await client.post("/api/v1/settings/export", json={})).json()
    document["settings"]["providers.wikipedia.base_url"] = "http://127.0.0.1:9/w/api.php"
    refused = await client.post("/api/v1/settings/import", json={"document": document})
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("network-refused")
