"""Settings as sections, each on its own page: labels and help for every setting, typed controls,
secrets write-only, sections by role, and the list of sections as data."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx
import pytest

from mvidarr.models.user import Role
from mvidarr.settings.registry import REGISTRY
from mvidarr.web import settings_sections
from mvidarr.web.settings_sections import SECTIONS

pytestmark = pytest.mark.anyio


async def test_settings_goes_to_the_library_section(client: httpx.AsyncClient) -> None:
    response = await client.get("/settings")
    assert response.status_code == 303
    assert response.headers["location"] == "/settings/library"


async def test_every_setting_has_a_label_help_and_exactly_one_section() -> None:
    for key, definition in REGISTRY.items():
        assert definition.label, key
        assert "_" not in definition.label, key
        assert len(definition.description) > 10, key
    keys = sorted(REGISTRY)
    shown = [key for section in SECTIONS for key in settings_sections.keys_of(section, keys)]
    assert sorted(shown) == sorted(set(shown)), "a setting is in two sections"
    # The naming template is edited by the library section's own part, with its preview.
    assert set(keys) - set(shown) == {"library.naming_template"}


async def test_each_section_page_shows_its_settings_with_labels(client: httpx.AsyncClient) -> None:
    keys = sorted(REGISTRY)
    for section in SECTIONS:
        response = await client.get(f"/settings/{section.slug}")
        assert response.status_code == 200, section.slug
        page = response.text
        assert f"<h1>{html.escape(section.title, quote=False)}</h1>" in page
        nav = page.split('aria-label="Settings sections"', 1)[1].split("</nav>", 1)[0]
        for other in SECTIONS:
            assert f'href="{other.href}"' in nav
        assert 'aria-current="page">' + html.escape(section.title, quote=False) in nav
        for key in settings_sections.keys_of(section, keys):
            assert f'data-key="{key}"' in page, (section.slug, key)
            assert html.escape(REGISTRY[key].label, quote=False) in page, key
            # Keys are not labels: a key shows only in attributes.
            assert f">{key}<" not in page
    assert (await client.get("/settings/nothing-here")).status_code == 404


async def test_lists_and_dictionaries_are_structured_editors_not_reprs(client: httpx.AsyncClient) -> None:
    assert (
        await client.patch("/api/v1/settings", json={"network.allowed_private_hosts": ["nas.local"]})
    ).status_code == 200
    general = (await client.get("/settings/general")).text
    field = re.search(r'data-key="network.allowed_private_hosts" data-kind="(\w+)"', general)
    assert field
    assert field.group(1) == "chips"
    value = re.search(r'id="s-network-allowed_private_hosts"[^>]*data-value="([^"]*)"', general, re.S)
    assert value
    assert json.loads(html.unescape(value.group(1))) == ["nas.local"]
    assert "[&#39;" not in general
    assert "['" not in general
    providers = (await client.get("/settings/providers")).text
    assert re.search(r'data-key="metadata.video_field_providers" data-kind="map"', providers)
    discovery = (await client.get("/settings/discovery")).text
    assert re.search(r'data-key="discovery.default_filters" data-kind="object"', discovery)
    assert re.search(
        r'data-key="downloads.subtitles" data-kind="boolean"', (await client.get("/settings/downloads")).text
    )
    imports = (await client.get("/settings/imports")).text  # a boolean setting is a switch
    assert re.search(r'data-key="imports.add_monitored" data-kind="boolean"', imports)
    assert 'role="switch"' in imports


async def test_secrets_are_write_only_with_a_set_state(client: httpx.AsyncClient) -> None:
    page = (await client.get("/settings/providers")).text
    assert re.search(r'<span class="badge secret-state" data-set="false">not set</span>', page)
    secret = "lastfm-secret-value-42"
    assert (await client.patch("/api/v1/settings", json={"providers.lastfm.api_key": secret})).status_code == 200
    page = (await client.get("/settings/providers")).text
    assert secret not in page
    assert re.search(
        r'for="s-providers-lastfm-api_key">Last.fm API key <span class="badge secret-state" data-set="true">set</span>',
        page,
    )


async def test_sections_by_role(client_as: Any) -> None:
    manager = await client_as(Role.MANAGER)
    library = (await manager.get("/settings/library")).text
    assert 'id="root-form"' in library
    assert 'id="settings-form"' not in library  # runtime settings are for admins
    nav = library.split('aria-label="Settings sections"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/settings/discovery"' in nav
    assert 'href="/settings/users"' not in nav
    assert 'href="/settings/imports"' in nav
    imports = (await manager.get("/settings/imports")).text
    assert 'id="import-list-form"' in imports
    assert "No import lists." in imports
    refused = await manager.get("/settings/users")
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"]
    assert (await (await client_as(Role.READONLY)).get("/settings/library")).status_code == 403


async def test_setting_api_carries_labels(client: httpx.AsyncClient) -> None:
    settings = {s["key"]: s for s in (await client.get("/api/v1/settings")).json()}
    assert settings["downloads.max_concurrent"]["label"] == "Downloads at once"
    assert settings["providers.spotify.client_secret"]["label"] == "Spotify client secret"


async def test_default_quality_profile_is_chosen_by_name(client: httpx.AsyncClient) -> None:
    profiles = (await client.get("/api/v1/quality-profiles")).json()
    page = (await client.get("/settings/quality")).text
    field = page.split('data-key="quality.default_profile_id"', 1)[1].split("</select>", 1)[0]
    assert 'data-kind="enum"' in page.split('data-key="quality.default_profile_id"', 1)[1][:40]
    for profile in profiles:
        assert f'<option value="{profile["id"]}">{html.escape(profile["name"], quote=False)}</option>' in field
    chosen = profiles[-1]["id"]
    saved = await client.patch("/api/v1/settings", json={"quality.default_profile_id": str(chosen)})
    assert saved.status_code == 200  # the select sends its value as text; the setting stays a number
    stored = next(s for s in saved.json() if s["key"] == "quality.default_profile_id")
    assert stored["value"] == chosen
