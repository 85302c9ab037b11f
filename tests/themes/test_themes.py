"""Themes: every built-in theme meets WCAG AA contrast, custom themes round-trip as JSON and are
refused when unreadable, and a chosen custom theme is what the pages load."""

from __future__ import annotations

import typing
from typing import Any

import httpx
import pytest

from mvidarr.models import Role
from mvidarr.settings.registry import REGISTRY
from mvidarr.themes.palettes import BUILTIN, COLOR_KEYS, CONTRAST_RULES, contrast, contrast_failures, stylesheet
from mvidarr.themes.schemas import BuiltinTheme

NEON: dict[str, Any] = {
    "format": "mvidarr-theme/1",
    "name": "Neon Nights",
    "base": "dark",
    "colors": {
        "bg": "#000000", "surface": "#101010", "surface_2": "#1c1c1c", "text": "#FFFFFF", "muted": "#b0b0b0",
        "border": "#333333", "accent": "#ff2bd6", "accent_text": "#000000", "link": "#5cf2ff", "danger": "#ff6b6b",
        "ok": "#6bff8f", "warn": "#ffd36b", "focus": "#ffff00",
    },
}  # fmt: skip


def test_contrast_matches_the_wcag_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic AA-passing grey


@pytest.mark.parametrize("palette", BUILTIN, ids=[p.id for p in BUILTIN])
def test_every_builtin_theme_reads_at_aa_contrast(palette: Any) -> None:
    assert set(palette.colors) == set(COLOR_KEYS)
    assert contrast_failures(palette.colors) == []
    # The rules cover the pairs the stylesheet really draws: body text and links on the page.
    assert contrast(palette.colors["text"], palette.colors["bg"]) >= 4.5
    assert all(contrast(palette.colors[f], palette.colors[b]) >= m for f, b, m in CONTRAST_RULES)


def test_the_stylesheet_defines_every_theme_and_the_choices_agree() -> None:
    css = stylesheet()
    for palette in BUILTIN[2:]:
        assert f':root[data-theme="{palette.id}"]' in css
    assert '@media (prefers-color-scheme: dark) { :root[data-theme="system"]' in css
    assert set(typing.get_args(BuiltinTheme)) == {"system", *(p.id for p in BUILTIN)}
    assert REGISTRY["ui.default_theme"].json_schema()["enum"] == list(typing.get_args(BuiltinTheme))


def test_an_unreadable_colour_pair_is_named() -> None:
    colors = {**NEON["colors"], "muted": "#333333"}
    failures = contrast_failures(colors)
    assert any(f.startswith("muted on bg") for f in failures)


@pytest.mark.anyio
async def test_builtin_and_custom_themes_are_listed_exported_and_imported(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/api/v1/themes")).json()
    assert [t["id"] for t in listed] == [p.id for p in BUILTIN]
    lcars = (await client.get("/api/v1/themes/lcars")).json()
    assert lcars["format"] == "mvidarr-theme/1"
    assert lcars["colors"]["bg"] == "#000000"

    created = await client.post("/api/v1/themes", json=NEON)
    assert created.status_code == 201, created.text
    theme = created.json()
    assert theme["id"] == "custom-neon-nights"
    assert theme["colors"]["text"] == "#ffffff"  # normalised
    exported = (await client.get("/api/v1/themes/custom-neon-nights")).json()
    assert exported == {**NEON, "colors": {**NEON["colors"], "text": "#ffffff"}}
    again = await client.post("/api/v1/themes", json=NEON)
    assert again.status_code == 409

    chosen = await client.patch(
        "/api/v1/auth/me/preferences", json={"theme": "custom-neon-nights", "page_sizes": {"videos": 25}}
    )
    assert chosen.status_code == 200, chosen.text
    # Changing other preferences keeps the custom themes.
    assert [t["id"] for t in (await client.get("/api/v1/themes")).json()][-1] == "custom-neon-nights"
    page = (await client.get("/")).text
    assert 'data-theme="custom-neon-nights" data-base="dark"' in page
    assert 'href="/themes/custom-neon-nights.css"' in page
    css = await client.get("/themes/custom-neon-nights.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ':root[data-theme="custom-neon-nights"]' in css.text
    assert "--accent: #ff2bd6;" in css.text

    assert (await client.delete("/api/v1/themes/custom-neon-nights")).status_code == 204
    assert (await client.get("/api/v1/auth/me/preferences")).json()["theme"] is None
    assert (await client.get("/api/v1/themes/custom-neon-nights")).status_code == 404
    assert (await client.get("/themes/custom-neon-nights.css")).status_code == 404


@pytest.mark.anyio
async def test_bad_theme_documents_are_refused_with_reasons(client: httpx.AsyncClient) -> None:
    unreadable = {**NEON, "colors": {**NEON["colors"], "text": "#222222"}}
    answer = await client.post("/api/v1/themes", json=unreadable)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert "text on bg has contrast" in answer.text
    for broken in (
        {**NEON, "colors": {**NEON["colors"], "bg": "black"}},
        {**NEON, "colors": {k: v for k, v in NEON["colors"].items() if k != "focus"}},
        {**NEON, "format": "mvidarr-theme/9"},
        {**NEON, "name": ""},
        {**NEON, "script": "alert(1)"},
        [NEON],
    ):
        assert (await client.post("/api/v1/themes", json=broken)).status_code == 422, broken
    assert (await client.delete("/api/v1/themes/lcars")).status_code == 409
    assert (await client.delete("/api/v1/themes/custom-nothing")).status_code == 404
    assert (await client.get("/api/v1/themes/../etc")).status_code in (404, 422)
    refused = await client.patch("/api/v1/auth/me/preferences", json={"theme": "custom-nothing"})
    assert refused.status_code == 422
    assert (await client.patch("/api/v1/auth/me/preferences", json={"theme": "bogus"})).status_code == 422
    assert (await client.patch("/api/v1/auth/me/preferences", json={"theme": "tardis"})).status_code == 200
    assert 'data-theme="tardis" data-base="dark"' in (await client.get("/")).text


@pytest.mark.anyio
async def test_custom_themes_belong_to_their_user(client: httpx.AsyncClient, client_as: Any) -> None:
    assert (await client.post("/api/v1/themes", json=NEON)).status_code == 201
    reader = await client_as(Role.READONLY)
    assert [t["id"] for t in (await reader.get("/api/v1/themes")).json()] == [p.id for p in BUILTIN]
    assert (await reader.get("/api/v1/themes/custom-neon-nights")).status_code == 404
    assert (await reader.post("/api/v1/themes", json={**NEON, "name": "Mine"})).status_code == 201
    assert (await reader.patch("/api/v1/auth/me/preferences", json={"theme": "custom-mine"})).status_code == 200
