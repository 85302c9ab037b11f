"""Where a result's text matches the query: spans of the original text, found on its folded form.

The index holds folded text (`kit.text.fold`), so matches are found there and mapped back to the
characters they came from: 'bjo' marks 'Bjö' in 'Björk'. Spans are [start, end) offsets in code
points of the text as shown.
"""

from __future__ import annotations

import re
import unicodedata

from mvidarr.kit.text import fold

_WORD = re.compile(r"[^\W_]+")


def words(query: str) -> list[str]:
    """The query's folded words as the index splits them (letters and digits), at most eight."""
    return _WORD.findall(fold(query))[:8]


def _folded_with_origins(value: str) -> tuple[str, list[int]]:
    """`value` folded character by character, and for each folded character the index it came from."""
    if value.isascii():  # the common case, and folding ASCII is lower-casing it
        return value.lower(), list(range(len(value)))
    parts: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(value):
        if char.isascii():
            folded = char.lower()
        else:
            folded = unicodedata.normalize("NFKD", fold(char) if not char.isspace() else " ")
            folded = "".join(c for c in folded if not unicodedata.combining(c))
        parts.append(folded)
        origins.extend([index] * len(folded))
    return "".join(parts), origins


def spans(value: str, terms: list[str]) -> list[list[int]]:
    """[start, end) spans of `value` whose words begin with one of `terms` (the matching part only)."""
    if not value or not terms:
        return []
    folded, origins = _folded_with_origins(value)
    found: list[list[int]] = []
    for match in _WORD.finditer(folded):
        word = match.group()
        best = max((len(t) for t in terms if word.startswith(t)), default=0)
        if best:
            start = origins[match.start()]
            end = origins[match.start() + best - 1] + 1
            if found and found[-1][1] >= start:
                found[-1][1] = max(found[-1][1], end)
            else:
                found.append([start, end])
    return found


def marked(value: str, found: list[list[int]]) -> list[tuple[str, bool]]:
    """`value` cut at the spans: (text, is a match) pieces, for a page to wrap matches in <mark>."""
    parts: list[tuple[str, bool]] = []
    at = 0
    for start, end in found:
        if start > at:
            parts.append((value[at:start], False))
        parts.append((value[start:end], True))
        at = end
    if at < len(value):
        parts.append((value[at:], False))
    return parts
