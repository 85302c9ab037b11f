"""Text normalisation shared by search, identity keys and matching."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Letters that NFKD does not decompose into base + accent.
_SPECIAL = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th", "\u0131": "i"})


def nfc(value: str) -> str:
    """Unicode NFC with runs of whitespace collapsed and the ends trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str) -> str:
    """Case- and accent-insensitive form: 'Björk' -> 'bjork', 'Motörhead' -> 'motorhead'."""
    decomposed = unicodedata.normalize("NFKD", value.casefold().translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip()


def sort_name(name: str) -> str:
    """'The Cure' sorts as 'Cure, The' (likewise 'A' and 'An')."""
    for article in ("The ", "A ", "An "):
        if name.startswith(article) and len(name) > len(article):
            return f"{name[len(article) :]}, {article.strip()}"
    return name


_ARTICLES = ("the", "a", "an")


def identity_key(name: str) -> str:
    """Key under which two artist names are the same: folded, 'The X' == 'X, The' == 'X'.

    A name that is only articles ('The The') keeps them, so it never collides with 'The'.
    """
    key = fold(name)
    for article in _ARTICLES:
        if key.endswith(f", {article}"):
            key = f"{article} {key[: -len(article) - 2]}"
    rest = key.removeprefix("the ")
    return key if rest in _ARTICLES else rest


def search_terms(query: str) -> list[str]:
    """Folded words of a search query, LIKE wildcards escaped."""
    words = fold(query).split(" ")
    return [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in words if w][:8]
