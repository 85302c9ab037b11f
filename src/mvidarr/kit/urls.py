"""Where a browser may be sent after signing in: same-site paths only."""

from __future__ import annotations

from urllib.parse import unquote


def _same_site_path(text: str) -> bool:
    # Read the way a browser's URL parser reads it: leading/trailing C0 controls and spaces dropped,
    # tabs and newlines removed anywhere, "\\" taken as "/". "/\t/evil.example" and "/\\evil.example"
    # are then "//evil.example", another site. Only what stays one absolute path passes.
    seen = text.strip("".join(map(chr, range(0x21)))).translate({9: None, 10: None, 13: None}).replace("\\", "/")
    return seen.startswith("/") and not seen.startswith("//")


def safe_next(target: str | None) -> str:
    """Only same-site paths after sign-in, judged on the value and on its percent-decoded forms (so
    `/%09/evil.example` and `/%5C%5Cevil` fail as their decoded selves would); `/` otherwise."""
    if not target or len(target) > 2048:
        return "/"
    forms = [target]
    for _ in range(3):
        forms.append(unquote(forms[-1]))
    if all(_same_site_path(form) for form in forms) and not forms[-1].startswith("/api/"):
        return target
    return "/"
