from __future__ import annotations

import hashlib
import re
from typing import Annotated, Final, Literal, Self

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from mvidarr.kit.schemas import Clean, InputSchema, Schema, content, limit
from mvidarr.themes.palettes import BY_ID, COLOR_KEYS, CUSTOM_PREFIX, Base, Palette, contrast_failures

FORMAT: Final = "mvidarr-theme/1"
MAX_CUSTOM_THEMES = 20
BuiltinTheme = Literal["system", "light", "dark", "cyber", "vaporwave", "tardis", "punk77", "mtv", "lcars"]
THEME_ID_PATTERN = rf"^(?:{'|'.join(('system', *BY_ID))}|{CUSTOM_PREFIX}[a-z0-9][a-z0-9-]{{0,47}})$"
ThemeChoice = Annotated[
    str,
    StringConstraints(pattern=THEME_ID_PATTERN),
    Field(description="`system` (light or dark as the device prefers), a built-in theme id, or `custom-…`."),
]
HexColor = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^#[0-9a-fA-F]{6}$"),
    AfterValidator(str.lower),
    Field(examples=["#1b1f24"]),
]
ThemeName = Annotated[str, limit(40, 1), Clean]


def custom_id(name: str) -> str:
    """A stable id from the name: ASCII slug, or a short hash when the name has no ASCII letters."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return CUSTOM_PREFIX + (slug or hashlib.sha256(name.encode()).hexdigest()[:12])


class ThemeColors(InputSchema):
    """The colour variables of a theme; every one is required, as `#rrggbb`."""

    bg: HexColor = Field(description="Page background.")
    surface: HexColor = Field(description="Cards, tables, sidebar.")
    surface_2: HexColor = Field(description="Table headers, buttons, badges.")
    text: HexColor
    muted: HexColor = Field(description="Secondary text.")
    border: HexColor
    accent: HexColor = Field(description="Primary buttons and the current page in the sidebar.")
    accent_text: HexColor = Field(description="Text on the accent colour.")
    link: HexColor
    danger: HexColor
    ok: HexColor
    warn: HexColor
    focus: HexColor = Field(description="The keyboard focus ring.")


class ThemeDocument(InputSchema):
    """A custom theme as JSON: what export answers and import accepts."""

    format: Literal["mvidarr-theme/1"] = FORMAT
    name: ThemeName
    base: Base = Field(description="Whether the theme is light or dark (form controls, scrollbars follow it).")
    colors: ThemeColors

    @model_validator(mode="after")
    def _readable(self) -> Self:
        failures = contrast_failures(self.colors.model_dump())
        if failures:
            raise content("colour contrast below WCAG AA: " + "; ".join(failures))
        return self

    def palette(self) -> Palette:
        return Palette(custom_id(self.name), self.name, self.base, self.colors.model_dump())


class ThemePublic(Schema):
    id: str = Field(description="What `theme` in the preferences names.")
    name: str
    base: Base
    builtin: bool
    colors: dict[str, str] = Field(description=f"One `#rrggbb` per variable: {', '.join(COLOR_KEYS)}.")
