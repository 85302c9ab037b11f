"""Path components that are safe on Linux, Windows/SMB and macOS at once.

One component at a time: Unicode NFC; the characters Windows forbids (and `/`) replaced by
look-alike safe text; control characters dropped; no leading or trailing dots or spaces; the
names Windows reserves (CON, NUL, COM1, ...) avoided; at most 255 UTF-8 bytes, cut on a
character boundary that does not split an accent or emoji sequence.
"""

from __future__ import annotations

import re
import unicodedata

MAX_COMPONENT_BYTES = 255
# A video's stem leaves room for ` (99)` and the longest sidecar suffix (`-fanart.jpg`, `.info.json`, `.en.forced.srt`).
MAX_STEM_BYTES = 200
FALLBACK = "_"

_REPLACEMENTS = {
    "/": "-",
    "\\": "-",
    "|": "-",
    "*": "-",
    "?": "",
    '"': "'",
    "<": "(",
    ">": ")",
}
# ': ' reads as a separator ('Title: Live' -> 'Title - Live'); a bare ':' becomes '-' ('Re:Zero' -> 'Re-Zero').
_COLON_SPACED = re.compile(r"\s*:\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$", re.IGNORECASE)
_TABLE = str.maketrans(_REPLACEMENTS)
# Characters that must not end a cut: they attach to the character before (accents, joiners, selectors).
_JOINERS = {"\u200d", "\u200c", "\u20e3"}
_REGIONAL = "".join(chr(c) for c in range(0x1F1E6, 0x1F200))


def _attaches(ch: str) -> bool:
    code = ord(ch)
    return (
        unicodedata.combining(ch) != 0
        or unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or ch in _JOINERS
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF  # skin tone modifiers
        or 0xE0020 <= code <= 0xE007F  # tag characters (flag sequences)
    )


def truncate_chars(value: str, limit: int) -> str:
    """At most `limit` characters, never ending inside an accent or emoji sequence."""
    if len(value) <= limit:
        return value
    return _cut(value, limit)


def truncate_bytes(value: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, cut on a character (and accent/emoji sequence) boundary."""
    encoded = value.encode("utf-8")
    if len(encoded) <= limit:
        return value
    # Decoding a prefix with errors='ignore' drops a trailing partial character.
    prefix = encoded[:limit].decode("utf-8", errors="ignore")
    return _cut(value, len(prefix))


def _cut(value: str, end: int) -> str:
    """`value[:end]`, moved left so that the character at `end` does not attach to the one before."""
    while 0 < end < len(value) and (_attaches(value[end]) or value[end - 1] in _JOINERS):
        end -= 1
    prefix = value[:end]
    # A flag is two regional indicators; an odd run at the end is half a flag.
    run = len(prefix) - len(prefix.rstrip(_REGIONAL))
    if run % 2:
        prefix = prefix[:-1]
    return prefix


def clean_text(value: str) -> str:
    """Token text with path separators and forbidden characters replaced, NFC, spaces collapsed."""
    value = unicodedata.normalize("NFC", value)
    value = _CONTROL.sub(" ", value)
    value = _COLON_SPACED.sub(" - ", value).replace(":", "-")
    value = value.translate(_TABLE)
    return _SPACES.sub(" ", value).strip()


def _trim(value: str) -> str:
    return value.strip(" .")


def safe_component(value: str, *, max_bytes: int = MAX_COMPONENT_BYTES, fallback: str = FALLBACK) -> str:
    """One folder or file name (without the extension) that every filesystem and share accepts."""
    value = _trim(clean_text(value))
    value = _trim(truncate_bytes(value, max_bytes))
    if not value:
        return fallback
    base = value.split(".", 1)[0].rstrip(" ")
    if _RESERVED.match(base):
        value = f"{base}_{value[len(base) :]}"
        value = _trim(truncate_bytes(value, max_bytes))
    return value


def split_extension(name: str) -> tuple[str, str]:
    """('Song', '.mkv') for 'Song.mkv'; an extension is a short run of letters and digits."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and 1 <= len(ext) <= 10 and ext.isascii() and ext.isalnum():
        return stem, f".{ext}"
    return name, ""


def numbered(name: str, n: int, *, max_bytes: int = MAX_COMPONENT_BYTES) -> str:
    """'Song.mkv' -> 'Song (2).mkv' for n=2, still within `max_bytes`; n=1 is the name itself."""
    if n <= 1:
        return name
    stem, ext = split_extension(name)
    suffix = f" ({n}){ext}"
    stem = _trim(truncate_bytes(stem, max_bytes - len(suffix.encode("utf-8")))) or FALLBACK
    return f"{stem}{suffix}"
