"""Matching: which provider record a local video or artist is, with a confidence 0..1.

`identify` reads artist and title out of a YouTube title or a file name (the library's title
cleaner, plus the shapes K-pop and J-pop channels use); `name_key`/`title_key` normalise for
comparison (case, accents, `&`/`and`, a leading `The`, punctuation, decorations); `score_video`
and `score_artist` compare with rapidfuzz and use the duration when both sides know it.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from mvidarr.kit.fuzzy import similarity
from mvidarr.kit.text import fold, nfc
from mvidarr.library.titles import ParsedTitle, parse_title

T = TypeVar("T")

# "米津玄師 MV「Lemon」", "YOASOBI「夜に駆ける」Official Music Video", "周杰倫 Jay Chou【告白氣球】Official MV"
_CJK_QUOTED = re.compile(
    r"^(?P<artist>[^「『【]+?)\s*(?:\b(?:MV|M/V)\b)?\s*[「『【](?P<title>[^」』】]+)[」』】]\s*(?P<rest>.*)$"
)
_TRAILING_MV = re.compile(r"\s+(?:official\s+)?(?:M/V|MV)\s*$", re.IGNORECASE)
_BARE_REMIX = re.compile(r"\s*[(\[]\s*remix\s*[)\]]", re.IGNORECASE)
_UNDERSCORE_SEPARATOR = re.compile(r"\s+_\s+")
_PIPE = re.compile(r"\s+\|\s+")
_DASHED = re.compile(r"\s[-\u2013\u2014]\s")


def _prepare(raw: str) -> tuple[str, str | None, str | None]:
    """(text for the title cleaner, artist and title when a quoted CJK shape already says them)."""
    text = nfc(raw)
    quoted = _CJK_QUOTED.match(text)
    if quoted and not _DASHED.search(quoted.group("artist")):
        return text, _TRAILING_MV.sub("", quoted.group("artist")).strip(), quoted.group("title").strip()
    text = _UNDERSCORE_SEPARATOR.sub(" - ", text)
    text = _BARE_REMIX.sub(" (Remix Version)", text)
    text = _TRAILING_MV.sub("", text)
    # "Artist - Title (Live) | From the Basement": what follows the pipe names a show or a channel.
    parts = _PIPE.split(text)
    if len(parts) == 2 and _DASHED.search(parts[0]):
        text = parts[0]
    return text, None, None


def identify(raw: str, *, uploader: str | None = None, filename: bool = False) -> ParsedTitle:
    """Artist, title, kind, version and featured artists of a YouTube title or a file name (no extension)."""
    text, artist, title = _prepare(raw)
    if artist and title:
        parsed = parse_title(title, artist=artist)
        return ParsedTitle(
            title=parsed.title, artist=artist, featured=parsed.featured, kind=parsed.kind, version=parsed.version
        )
    return parse_title(text, uploader=uploader, filename=filename)


# -- normalisation -------------------------------------------------------------------------------

_AND = re.compile(r"\s*(?:&|\+|\band\b|\bund\b|\bet\b|\by\b)\s*")
_PUNCTUATION = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")
# Apostrophes join words ("Guns N' Roses" = "Guns N Roses"), as dots do in names ("R.E.M." = "REM").
_DROPPED_IN_TITLES = str.maketrans("", "", "'\u2019")
_DROPPED = str.maketrans("", "", "'\u2019.")


def _strip_punctuation(text: str) -> str:
    # Letters and digits of every script stay (Cyrillic, CJK, Hangul...); marks of combining scripts too.
    kept = "".join(
        ch if ch.isalnum() or ch.isspace() or unicodedata.category(ch).startswith("M") else " " for ch in text
    )
    return _SPACES.sub(" ", kept).strip()


def name_key(name: str) -> str:
    """Comparable artist name: 'The Beatles' = 'Beatles', 'Simon & Garfunkel' = 'simon and garfunkel'."""
    key = fold(name)
    key = _AND.sub(" and ", key)
    key = _strip_punctuation(key.translate(_DROPPED))
    rest = key.removeprefix("the ")
    # A name that is all articles ("The The") keeps them.
    return key if rest in ("the", "a", "an", "") else rest


def title_key(title: str) -> str:
    """Comparable title: decorations, featured credits and version tags removed, then folded."""
    cleaned = parse_title(title).title if title else ""
    key = fold(cleaned)
    key = _AND.sub(" and ", key)
    return _strip_punctuation(key.translate(_DROPPED_IN_TITLES))


# -- scoring -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VideoQuery:
    """What is known locally about a video."""

    artist: str
    title: str
    duration_s: float | None = None
    version: str = ""


@dataclass(frozen=True, slots=True)
class VideoCandidate:
    """What a provider says about a video, reduced to what matching compares."""

    artist: str
    title: str
    duration_s: float | None = None


def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return similarity(a, b)


def artist_similarity(local: str, remote: str) -> float:
    """0..1; a credit with several names ('Jay-Z & Alicia Keys') matches its first name fairly well."""
    a, b = name_key(local), name_key(remote)
    best = _similarity(a, b)
    if best < 1.0:
        # The main artist of a joint credit: "Major Lazer & DJ Snake" vs "Major Lazer".
        for long, short in ((a, b), (b, a)):
            first = re.split(r"\s+(?:and|feat|ft|featuring|with|x)\s+|\s*,\s*", long)[0]
            if first and first == short:
                best = max(best, 0.9)
    return best


def title_similarity(local: str, remote: str) -> float:
    return _similarity(title_key(local), title_key(remote))


def duration_agreement(local: float | None, remote: float | None) -> float | None:
    """1.0 within 3 s, falling to 0 at 30 s apart; None when either side is unknown."""
    if not local or not remote:
        return None
    gap = abs(local - remote)
    if gap <= 3.0:
        return 1.0
    return max(0.0, 1.0 - (gap - 3.0) / 27.0)


def score_video(query: VideoQuery, candidate: VideoCandidate) -> float:
    """Confidence 0..1 that `candidate` is the video described by `query`."""
    artist = artist_similarity(query.artist, candidate.artist)
    title = title_similarity(query.title, candidate.title)
    duration = duration_agreement(query.duration_s, candidate.duration_s)
    score = 0.5 * (artist + title) if duration is None else 0.42 * (artist + title) + 0.16 * duration
    # A wrong artist or a wrong song is wrong whatever the other half says.
    weakest = min(artist, title)
    if weakest < 0.6:
        score = min(score, weakest)
    return round(max(0.0, min(1.0, score)), 4)


def score_artist(name: str, candidate_name: str, *, disambiguation_hint: str = "", candidate_detail: str = "") -> float:
    """Confidence 0..1 that a provider's artist `candidate_name` is the local artist `name`."""
    score = artist_similarity(name, candidate_name)
    if disambiguation_hint and candidate_detail:
        hint = _similarity(fold(disambiguation_hint), fold(candidate_detail))
        score = 0.85 * score + 0.15 * hint
    return round(score, 4)


@dataclass(frozen=True, slots=True)
class Ranked(Generic[T]):
    item: T
    confidence: float


def rank(scored: Iterable[tuple[T, float]]) -> list[Ranked[T]]:
    """Best first; ties keep the providers' own order (stable sort)."""
    return sorted((Ranked(item, confidence) for item, confidence in scored), key=lambda r: -r.confidence)


def best_video(query: VideoQuery, candidates: Sequence[tuple[T, VideoCandidate]]) -> list[Ranked[T]]:
    """Score and rank `(anything, comparable)` pairs against `query`."""
    return rank((item, score_video(query, comparable)) for item, comparable in candidates)
