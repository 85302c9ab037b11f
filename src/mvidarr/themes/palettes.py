"""The built-in themes as CSS variable sets, the contrast rules every theme must meet (WCAG 2.x AA),
and the stylesheet generated from them. One source: the pages' CSS, the API's export and the
tests all read these dictionaries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

COLOR_KEYS: Final = (
    "bg", "surface", "surface_2", "text", "muted", "border",
    "accent", "accent_text", "link", "danger", "ok", "warn", "focus",
)  # fmt: skip
Base = Literal["light", "dark"]

# (foreground, background, minimum ratio). Text needs 4.5:1 on every surface it is drawn on;
# the focus ring is a non-text indicator and needs 3:1 against the page (WCAG 1.4.11).
CONTRAST_RULES: Final[tuple[tuple[str, str, float], ...]] = (
    ("text", "bg", 4.5),
    ("text", "surface", 4.5),
    ("text", "surface_2", 4.5),
    ("muted", "bg", 4.5),
    ("muted", "surface", 4.5),
    ("muted", "surface_2", 4.5),
    ("link", "bg", 4.5),
    ("link", "surface", 4.5),
    ("link", "surface_2", 4.5),
    ("accent_text", "accent", 4.5),
    ("danger", "surface", 4.5),
    ("danger", "surface_2", 4.5),
    ("ok", "surface_2", 4.5),
    ("warn", "surface_2", 4.5),
    ("bg", "danger", 4.5),  # the disconnected banner: page colour on the danger colour
    ("focus", "bg", 3.0),
    ("focus", "surface", 3.0),
)


@dataclass(frozen=True, slots=True)
class Palette:
    id: str
    name: str
    base: Base
    colors: Mapping[str, str]
    font: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)


LIGHT = Palette(
    "light", "Default light", "light",
    {"bg": "#f5f6f8", "surface": "#ffffff", "surface_2": "#eef0f4", "text": "#1b1f24", "muted": "#545e6a",
     "border": "#d5dae1", "accent": "#2a56c6", "accent_text": "#ffffff", "link": "#1f4fbf", "danger": "#b42318",
     "ok": "#1a7431", "warn": "#7d5200", "focus": "#b45309"},
)  # fmt: skip
DARK = Palette(
    "dark", "Default dark", "dark",
    {"bg": "#0f1216", "surface": "#171b21", "surface_2": "#1f252d", "text": "#e6e9ee", "muted": "#a3adba",
     "border": "#2d3540", "accent": "#7aa2ff", "accent_text": "#0b1020", "link": "#8fb2ff", "danger": "#ff8a80",
     "ok": "#5fd38d", "warn": "#f2c14e", "focus": "#fbbf24"},
)  # fmt: skip
BUILTIN: Final[tuple[Palette, ...]] = (
    LIGHT,
    DARK,
    Palette(
        "cyber", "Cyber", "dark",
        {"bg": "#05070a", "surface": "#0b1118", "surface_2": "#111a24", "text": "#d7fbe8", "muted": "#7fc8a9",
         "border": "#1d3b35", "accent": "#00e5ff", "accent_text": "#001418", "link": "#39ff88", "danger": "#ff4d6d",
         "ok": "#39ff88", "warn": "#ffd400", "focus": "#ff00e1"},
        font='"Fira Code", "DejaVu Sans Mono", ui-monospace, monospace',
    ),
    Palette(
        "vaporwave", "VaporWave", "dark",
        {"bg": "#1a0b2e", "surface": "#25103f", "surface_2": "#2f1650", "text": "#fbeaff", "muted": "#d9b3ff",
         "border": "#4b2a78", "accent": "#ff71ce", "accent_text": "#1a0b2e", "link": "#01cdfe", "danger": "#ff8fa3",
         "ok": "#05ffa1", "warn": "#fffb96", "focus": "#01cdfe"},
    ),
    Palette(
        "tardis", "TARDIS", "dark",
        {"bg": "#001b3a", "surface": "#00264f", "surface_2": "#003063", "text": "#f2f6fb", "muted": "#b7c9e2",
         "border": "#1d4d84", "accent": "#e8f1ff", "accent_text": "#003b6f", "link": "#9cd0ff", "danger": "#ff9c8f",
         "ok": "#8fe3a8", "warn": "#ffd479", "focus": "#ffd479"},
        font='Georgia, "DejaVu Serif", serif',
    ),
    Palette(
        "punk77", "Punk 77", "light",
        {"bg": "#f4ef3d", "surface": "#ffffff", "surface_2": "#f1f1f1", "text": "#0a0a0a", "muted": "#3d3d3d",
         "border": "#0a0a0a", "accent": "#d6006f", "accent_text": "#ffffff", "link": "#a3004f", "danger": "#b00020",
         "ok": "#1b6e20", "warn": "#6b4e00", "focus": "#0a0a0a"},
        font='"Courier New", "DejaVu Sans Mono", monospace',
        extra={"radius": "0"},
    ),
    Palette(
        "mtv", "MTV", "dark",
        {"bg": "#0a0a0a", "surface": "#141414", "surface_2": "#1f1f1f", "text": "#ffffff", "muted": "#bdbdbd",
         "border": "#3a3a3a", "accent": "#ffe600", "accent_text": "#0a0a0a", "link": "#ffe600", "danger": "#ff5c8a",
         "ok": "#3ef07c", "warn": "#ffb000", "focus": "#00d7ff"},
    ),
    Palette(
        "lcars", "LCARS", "dark",
        {"bg": "#000000", "surface": "#0d0d12", "surface_2": "#1a1a24", "text": "#ffcc99", "muted": "#cc99cc",
         "border": "#9999ff", "accent": "#ff9966", "accent_text": "#000000", "link": "#99ccff", "danger": "#ff7766",
         "ok": "#99dd99", "warn": "#ffcc66", "focus": "#ffff66"},
        font='"Antonio", "Arial Narrow", "Helvetica Neue", sans-serif',
        extra={"radius": "18px"},
    ),
)  # fmt: skip
BY_ID: Final[Mapping[str, Palette]] = {p.id: p for p in BUILTIN}
THEME_CHOICES: Final = ("system", *BY_ID)
"""What a user or the server default may name, besides a custom theme (`custom-<slug>`)."""
CUSTOM_PREFIX: Final = "custom-"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    """Relative luminance of `#rrggbb` (WCAG 2.x)."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(first: str, second: str) -> float:
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def contrast_failures(colors: Mapping[str, str]) -> list[str]:
    """Every rule the colours break, in words; empty when the theme reads well."""
    failures = []
    for fore, back, minimum in CONTRAST_RULES:
        ratio = contrast(colors[fore], colors[back])
        if ratio < minimum:
            failures.append(f"{fore} on {back} has contrast {ratio:.2f}:1, needs {minimum}:1")
    return failures


def declarations(palette: Palette) -> str:
    lines = [f"--{key.replace('_', '-')}: {palette.colors[key]};" for key in COLOR_KEYS]
    if palette.font:
        lines.append(f"--font: {palette.font};")
    lines.extend(f"--{key}: {value};" for key, value in palette.extra.items())
    lines.append(f"color-scheme: {palette.base};")
    return " ".join(lines)


def stylesheet() -> str:
    """The built-in themes as CSS: light by default, dark when the system asks (`system`)."""
    rules = [
        "/* Generated from mvidarr/themes/palettes.py at start-up; edit the palettes there. */",
        f':root, :root[data-theme="light"] {{ {declarations(LIGHT)} }}',
        f'@media (prefers-color-scheme: dark) {{ :root[data-theme="system"] {{ {declarations(DARK)} }} }}',
    ]
    rules.extend(f':root[data-theme="{p.id}"] {{ {declarations(p)} }}' for p in BUILTIN if p is not LIGHT)
    return "\n".join(rules) + "\n"


def custom_stylesheet(theme_id: str, palette: Palette) -> str:
    return f':root[data-theme="{theme_id}"] {{ {declarations(palette)} }}\n'
