"""String similarity for matching titles and names: rapidfuzz, loaded on first use.

Only jobs (matching, discovery, download ranking) and the naming-template hints compare strings;
loading rapidfuzz lazily keeps it out of the web server's memory until one of them runs.
"""

from __future__ import annotations

from collections.abc import Iterable


def similarity(a: str, b: str) -> float:
    """0..1: the better of plain and token-sorted similarity (word order does not count)."""
    from rapidfuzz import fuzz

    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b)) / 100.0


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions."""
    from rapidfuzz.distance import Levenshtein

    return int(Levenshtein.distance(a, b))


def closest(name: str, choices: Iterable[str], *, score_cutoff: float) -> str | None:
    """The choice most like `name`, if any scores at least `score_cutoff` (0..100)."""
    from rapidfuzz import process

    found = process.extractOne(name, list(choices), score_cutoff=score_cutoff)
    return None if found is None else str(found[0])


def typo_distance(a: str, b: str) -> int:
    """Edits between two words, a swap of neighbouring letters counting as one ('lvoe' -> 'love': 1)."""
    from rapidfuzz.distance import OSA

    return int(OSA.distance(a, b))
