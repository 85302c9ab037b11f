"""Matching: which provider record a local video or artist is, with a confidence 0..1.

`identify` reads artist and title out of a YouTube title or a file name (the library's title
cleaner, plus the shapes K-pop and J-pop channels use); `name_key`/`title_key` normalise for
comparison (case, accents, `&`/`and`, a leading `The`, punctuation, decorations); `reading` gives
the Latin reading of Hangul, kana and Han names (only Han's is ambiguous); `score_video` and
`score_artist` compare with rapidfuzz and use the duration when both sides know it.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from anyascii import anyascii

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


# -- versions and kinds ----------------------------------------------------------------------------

# What a version or kind says about the recording or the video, as canonical tags. Words that say
# nothing about which version it is (remastered, HD, official, a year) give no tag.
_VERSION_TAGS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"\bunplugged\b"), ("live", "acoustic")),
    (re.compile(r"\blive\b|\ben vivo\b|\bao vivo\b|\ben directo\b|\bin concert\b|\blive at\b"), ("live",)),
    (re.compile(r"\bacoustic\b|\bakustik\b|\bacustic[oa]\b|\bstripped\b"), ("acoustic",)),
    (re.compile(r"\bre-?mix(?:es|ed)?\b|\brmx\b|\brework\b|\bbootleg\b|\bdub mix\b|\bclub mix\b"), ("remix",)),
    (re.compile(r"\bexplicit\b|\buncensored\b|\bunrated\b|\bdirty\b|\bnsfw\b|\buncut\b"), ("explicit",)),
    (re.compile(r"(?<!un)\bcensored\b|\bclean\b|\bradio version\b|\bfamily friendly\b"), ("clean",)),
    (re.compile(r"\bdirector'?s cut\b|\bextended cut\b|\bfull length\b|\blong version\b"), ("director's cut",)),
    (re.compile(r"\bextended\b(?! cut)"), ("extended",)),
    (re.compile(r"\blyrics?\b"), ("lyric",)),
    (re.compile(r"\binstrumental\b|\bkaraoke\b|\boff vocal\b"), ("instrumental",)),
    (re.compile(r"\ba ?cappella\b|\bacapella\b"), ("a cappella",)),
    (re.compile(r"\bdemo\b"), ("demo",)),
    (re.compile(r"\balternat(?:e|ive)\b|\bversion [2-9]\b|\bsecond version\b|\b(?:us|uk) version\b"), ("alternate",)),
    (re.compile(r"\bdance practice\b|\bchoreography\b|\bperformance\b|\bsession\b"), ("performance",)),
    (re.compile(r"\bteaser\b|\btrailer\b|\bbehind the scenes\b|\bmaking of\b"), ("teaser",)),
    (re.compile(r"\b(?:official )?audio\b|\bvisuali[sz]er\b|\bart track\b"), ("audio",)),
)
_KIND_TAGS: dict[str, tuple[str, ...]] = {
    "live": ("live",),
    "lyric": ("lyric",),
    "audio": ("audio",),
    "performance": ("performance",),
    "other": ("teaser",),
}
# Tags a MusicBrainz recording (a song, not a video) can carry: a lyric video of the studio song is
# that same recording, a live video is not.
RECORDING_TAGS = frozenset({"live", "acoustic", "remix", "explicit", "clean", "instrumental", "a cappella", "demo"})
# A video that is an audio upload or a performance clip is still the same recording as the studio song;
# a "live session" performance is live audio though, which the words say on their own.
_TAG_NAMES = {
    "live": "live",
    "acoustic": "acoustic",
    "remix": "a remix",
    "explicit": "explicit",
    "clean": "clean (censored)",
    "director's cut": "a director's cut",
    "extended": "extended",
    "lyric": "a lyric video",
    "instrumental": "instrumental",
    "a cappella": "a cappella",
    "demo": "a demo",
    "alternate": "an alternate version",
    "performance": "a performance clip",
    "teaser": "a teaser",
    "audio": "an audio upload",
}


def version_tags(*texts: str | None, kind: str | None = None) -> frozenset[str]:
    """The version and kind tags of titles, version names or disambiguations ('Live at Wembley' -> live)."""
    tags: set[str] = set(_KIND_TAGS.get(kind or "", ()))
    for text in texts:
        if not text:
            continue
        folded = fold(text).replace("\u2019", "'")
        for pattern, found in _VERSION_TAGS:
            if pattern.search(folded):
                tags.update(found)
    return frozenset(tags)


def _describe(tags: frozenset[str]) -> str:
    return " and ".join(_TAG_NAMES.get(t, t) for t in sorted(tags)) if tags else "the main (studio) version"


def version_mismatch(local: frozenset[str], remote: frozenset[str], *, recording: bool = False) -> str | None:
    """Why the two sides are different versions, or None when they agree.

    Against a recording only the tags a recording can carry count.
    """
    if recording:
        local, remote = local & RECORDING_TAGS, remote & RECORDING_TAGS
    if local == remote:
        return None
    return f"version differs: this video is {_describe(local)}, the candidate is {_describe(remote)}"


# -- artists credited together ---------------------------------------------------------------------

_CREDIT_SPLIT = re.compile(
    r"\s+(?:[xX\u00d7]|&|\+|and|with|feat\.?|ft\.?|featuring|vs\.?|versus|meets)\s+|\s*,\s*|\s*/\s*",
    re.IGNORECASE,
)
# "BTS (방탄소년단)", "Hikaru Utada [宇多田ヒカル]": a name with another spelling in brackets.
_BRACKETED_NAME = re.compile(r"^(?P<outer>[^(\[\uff08]+?)\s*[(\[\uff08](?P<inner>[^)\]\uff09]+)[)\]\uff09]\s*$")


def credited_names(credit: str) -> list[str]:
    """The names in a joint credit: 'A x B feat. C' -> [A, B, C] (the whole credit is not one of them)."""
    names = [n.strip() for n in _CREDIT_SPLIT.split(nfc(credit)) if n and n.strip()]
    return names if len(names) > 1 else []


def name_variants(name: str) -> list[str]:
    """The name and, for 'Outer (Inner)' (a name with its native-script spelling), each spelling alone."""
    variants = [name]
    bracketed = _BRACKETED_NAME.match(nfc(name))
    if bracketed:
        variants += [bracketed.group("outer").strip(), bracketed.group("inner").strip()]
    else:
        # "Red Velvet 레드벨벳", "周杰倫 Jay Chou": a Latin spelling and a native one side by side.
        words = nfc(name).split(" ")
        latin = [_is_latin(w) for w in words]
        for cut in range(1, len(words)):
            if len(set(latin[:cut])) == 1 and len(set(latin[cut:])) == 1 and latin[0] != latin[cut]:
                variants += [" ".join(words[:cut]), " ".join(words[cut:])]
    return variants


def _is_latin(word: str) -> bool:
    """Whether a word's letters are Latin ones (accents allowed); digits and marks count as Latin."""
    return all(not ch.isalpha() or ("a" <= ch <= "z") for ch in fold(word))


# Scripts whose Latin spellings are transliterations ("Кино" is "Kino", "Άννα Βίσση" "Anna Vissi");
# Han and kana readings are not (宇多田ヒカル is not "YuDuoTian..."), so those rely on aliases.
_TRANSLITERATED_SCRIPTS = ("CYRILLIC", "GREEK")


def transliterated(text: str) -> str | None:
    """The Latin spelling of a Cyrillic or Greek text, None for other scripts."""
    for ch in text:
        if ch.isalpha() and not ch.isascii() and unicodedata.name(ch, "").startswith(_TRANSLITERATED_SCRIPTS):
            return anyascii(text)
    return None


# -- readings of Hangul, kana and Han ----------------------------------------------------------------

# Below any sensible threshold, as a version mismatch: a match only through a reading of Han
# characters is shown for review, never applied.
READING_CAP = 0.6
# A Latin name equal to the one reading its Hangul or kana spelling has ('Jannabi' = '잔나비').
READING_MATCH = 0.95
# How close a Han reading must come to a spelling to be shown (for review) as that name.
HAN_READING_CLOSE = 0.85
_SMALL_Y = {"ゃ": "a", "ゅ": "u", "ょ": "o", "ャ": "a", "ュ": "u", "ョ": "o"}
_SMALL_VOWELS = {
    "ぁ": "a",
    "ぃ": "i",
    "ぅ": "u",
    "ぇ": "e",
    "ぉ": "o",
    "ァ": "a",
    "ィ": "i",
    "ゥ": "u",
    "ェ": "e",
    "ォ": "o",
}
_SOKUON = frozenset("っッ")
_LONG_VOWELS = re.compile(r"ou|([aeiou])\1")


def _script(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    if name.startswith("HANGUL"):
        return "hangul"
    if name.startswith(("HIRAGANA", "KATAKANA")):
        return "kana"
    if name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH")):
        return "han"
    return None


def _read_in(texts: Iterable[str]) -> bool:
    """Whether any of the texts has Hangul, kana or Han (only then are readings worth making)."""
    return any(not ch.isascii() and _script(ch) for text in texts for ch in text)


def _hepburn(text: str) -> str:
    """Kana in Hepburn: per character (anyascii), with the digraphs it leaves apart joined ('きゃ' = 'kya')."""
    out: list[str] = []
    double_next = False
    for ch in text:
        if ch in _SOKUON:
            double_next = True
            continue
        if ch == "\u30fc":  # the long-vowel mark: long vowels are folded anyway
            continue
        if ch in _SMALL_Y and out and out[-1].endswith("i"):
            stem = out[-1][:-1]
            out[-1] = stem + ("" if stem.endswith(("sh", "ch", "j")) else "y") + _SMALL_Y[ch]
            continue
        if ch in _SMALL_VOWELS and out and out[-1][-1:] in "aeiou":
            out[-1] = out[-1][:-1] + _SMALL_VOWELS[ch]
            continue
        latin = anyascii(ch)
        if double_next and latin[:1].isalpha():
            latin = ("t" if latin.startswith("ch") else latin[0]) + latin
        double_next = False
        out.append(latin)
    return "".join(out)


def _korean(text: str) -> str:
    from korean_romanizer.romanizer import Romanizer  # imported on first Hangul name

    return str(Romanizer(text).romanize())


def _reading_key(latin: str) -> str:
    """A Latin spelling compared with readings: no spaces or marks, long vowels single ('Tōkyō' = 'tokyo')."""
    return _LONG_VOWELS.sub(lambda m: m.group(1) or "o", name_key(latin).replace(" ", ""))


@dataclass(frozen=True, slots=True)
class Reading:
    """The Latin reading of a Hangul, kana or Han name, as a key; sure when it is the only reading."""

    key: str
    sure: bool


def reading(text: str) -> Reading | None:
    """Revised Romanization for Hangul and Hepburn for kana (one reading each: sure); for Han, its
    Mandarin pinyin, which is not sure (Japanese and Cantonese read the same characters otherwise,
    and many names share one pinyin). None for a text with none of these scripts."""
    scripts = {found for ch in text if (found := _script(ch))}
    if not scripts:
        return None
    parts: list[str] = []
    for script, run in _runs(nfc(text)):
        if script == "hangul":
            parts.append(_korean(run))
        elif script == "kana":
            parts.append(_hepburn(run))
        else:
            parts.append(anyascii(run))
    key = _reading_key(" ".join(parts))
    return Reading(key, "han" not in scripts) if key else None


def _runs(text: str) -> list[tuple[str | None, str]]:
    """The text cut where its script changes (kana next to Han stays with it: '宇多田ヒカル')."""
    runs: list[tuple[str | None, str]] = []
    for ch in text:
        script = _script(ch) if ch.isalpha() else (runs[-1][0] if runs else None)
        if runs and runs[-1][0] == script:
            runs[-1] = (script, runs[-1][1] + ch)
        else:
            runs.append((script, ch))
    return runs


def reading_agreement(local: Iterable[str], remote: Iterable[str]) -> tuple[float, str | None]:
    """How far readings make two sets of spellings agree, 0..READING_MATCH.

    Hangul and kana readings compare as Latin spellings do (closely, not only exactly: 'Kyary' and
    'kyari'); a match through a Han reading gives READING_CAP and the reason, whatever its closeness.
    """

    def forms(names: Iterable[str]) -> dict[str, tuple[bool, str]]:
        found: dict[str, tuple[bool, str]] = {}
        for name in names:
            read = reading(name)
            if read is not None:
                found.setdefault(read.key, (read.sure, name))
            elif _is_latin(name) and (key := _reading_key(name)):
                found.setdefault(key, (True, ""))
        return found

    mine, theirs = forms(local), forms(remote)
    best: tuple[float, str | None] = (0.0, None)
    for key_a, (sure_a, read_a) in mine.items():
        for key_b, (sure_b, read_b) in theirs.items():
            if not read_a and not read_b:
                continue  # two Latin spellings: compared as names, not here
            close = _similarity(key_a, key_b)
            if sure_a and sure_b:
                best = max(best, (min(close, READING_MATCH), None), key=lambda pair: pair[0])
            elif close >= HAN_READING_CLOSE and best[0] < READING_CAP:
                native, key = (read_a, key_a) if not sure_a else (read_b, key_b)
                why = f"only a reading of Han characters matches ('{native}' read as '{key}'); they have several"
                best = (READING_CAP, why)
    return best


def natural_sort_name(sort_name: str) -> str:
    """A person's sort name read naturally: 'Utada, Hikaru' -> 'Hikaru Utada'."""
    last, comma, first = sort_name.partition(",")
    return f"{first.strip()} {last.strip()}" if comma and first.strip() and "," not in first else sort_name


# -- scoring -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VideoQuery:
    """What is known locally about a video."""

    artist: str
    title: str
    duration_s: float | None = None
    version: str = ""
    kind: str = ""
    artist_aliases: tuple[str, ...] = ()
    artist_mbid: str | None = None
    """The artist's MusicBrainz id, once known: a candidate credited to that id is that artist."""


@dataclass(frozen=True, slots=True)
class VideoCandidate:
    """What a provider says about a video, reduced to what matching compares."""

    artist: str
    title: str
    duration_s: float | None = None
    version: str = ""
    artists: tuple[str, ...] = ()
    """Every credited artist (main and featured), when the provider lists them."""
    recording: bool = False
    """A MusicBrainz recording: the song, which lyric, audio and performance videos share."""
    artist_mbids: tuple[str, ...] = ()
    """The MusicBrainz ids of the credited artists, when the candidate comes from MusicBrainz."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """A candidate's confidence, and why it can never be a confident match when it cannot."""

    confidence: float
    reason: str | None = None


def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return similarity(a, b)


def _keys(names: Iterable[str]) -> set[str]:
    variants = [v for n in names for v in name_variants(n)]
    variants += [latin for v in variants if (latin := transliterated(v))]
    return {k for v in variants if (k := name_key(v))}


def _artist_match(
    local: str, remote: str, *, credited: Sequence[str] = (), aliases: Sequence[str] = ()
) -> tuple[float, str | None]:
    local_keys = _keys([local, *aliases])
    remote_keys = _keys([remote])
    best = max((_similarity(a, b) for a in local_keys for b in remote_keys), default=0.0)
    if best < 1.0:
        # Joint credits on either side: "A x B" here, "B feat. A" there, or the provider's own list.
        local_parts = _keys(credited_names(local)) | local_keys
        remote_parts = _keys([*credited, *credited_names(remote)]) | remote_keys
        if local_parts & remote_parts:
            best = max(best, 0.95)
    if best < READING_MATCH and _read_in([local, remote, *aliases, *credited]):
        # "Jannabi" here, "잔나비" there: Hangul and kana readings are one each; Han ones are not.
        local_names = [v for n in (local, *aliases, *credited_names(local)) for v in name_variants(n)]
        remote_names = [v for n in (remote, *credited, *credited_names(remote)) for v in name_variants(n)]
        agreed, why = reading_agreement(local_names, remote_names)
        if agreed > best:
            return agreed, why
    return best, None


def artist_similarity(local: str, remote: str, *, credited: Sequence[str] = (), aliases: Sequence[str] = ()) -> float:
    """0..1; any name of a joint credit matches ('B feat. A' credits A), just below the whole name; a
    name matching only through a reading of Han characters stays at READING_CAP."""
    return _artist_match(local, remote, credited=credited, aliases=aliases)[0]


def _title_match(local: str, remote: str) -> tuple[float, str | None]:
    best = _similarity(title_key(local), title_key(remote))
    if best < 1.0:
        local_latin, remote_latin = transliterated(local) or local, transliterated(remote) or remote
        if (local_latin, remote_latin) != (local, remote):
            best = max(best, _similarity(title_key(local_latin), title_key(remote_latin)))
    if best < READING_MATCH and _read_in([local, remote]):
        cleaned = [parse_title(t).title if t else "" for t in (local, remote)]
        agreed, why = reading_agreement([cleaned[0]], [cleaned[1]])
        if agreed > best:
            return agreed, why
    return best, None


def title_similarity(local: str, remote: str) -> float:
    """0..1 on cleaned titles; a Cyrillic or Greek title also compares by its Latin spelling, a Hangul
    or kana one by its reading (a Han one's reading counts at most READING_CAP)."""
    return _title_match(local, remote)[0]


def duration_agreement(local: float | None, remote: float | None) -> float | None:
    """1.0 within 3 s, falling to 0 at 30 s apart; None when either side is unknown."""
    if not local or not remote:
        return None
    gap = abs(local - remote)
    if gap <= 3.0:
        return 1.0
    return max(0.0, 1.0 - (gap - 3.0) / 27.0)


# Below any sensible threshold: a candidate of another version is shown for review, never applied.
VERSION_MISMATCH_CAP = 0.6


def judge_video(query: VideoQuery, candidate: VideoCandidate) -> Verdict:
    """Confidence 0..1 that `candidate` is the video described by `query`, and why not when capped.

    A different version or kind (live, acoustic, remix, explicit/clean, director's cut, lyric...)
    caps the score below any threshold, whatever the names and the duration say; so does a name or
    title that matches only through a reading of Han characters.
    """
    if query.artist_mbid and query.artist_mbid in candidate.artist_mbids:
        # Credited by id: "宇多田ヒカル" on the recording is the "Hikaru Utada" of the library.
        artist, artist_why = 1.0, None
    else:
        artist, artist_why = _artist_match(
            query.artist, candidate.artist, credited=candidate.artists, aliases=query.artist_aliases
        )
    title, title_why = _title_match(query.title, candidate.title)
    duration = duration_agreement(query.duration_s, candidate.duration_s)
    score = 0.5 * (artist + title) if duration is None else 0.42 * (artist + title) + 0.16 * duration
    # A wrong artist or a wrong song is wrong whatever the other half says.
    weakest = min(artist, title)
    if weakest < 0.6:
        score = min(score, weakest)
    local_tags = version_tags(query.version, query.title, kind=query.kind)
    remote_tags = version_tags(candidate.version, candidate.title)
    reason = version_mismatch(local_tags, remote_tags, recording=candidate.recording) or artist_why or title_why
    if reason is not None:
        score = min(score, VERSION_MISMATCH_CAP)
    return Verdict(round(max(0.0, min(1.0, score)), 4), reason)


def pick_video(
    query: VideoQuery, candidates: Sequence[VideoCandidate], threshold: float
) -> tuple[int | None, list[Verdict]]:
    """The index of the candidate to apply (None: review or nothing) and every candidate's verdict.

    Only a candidate at or above `threshold` with no reason against it is applied; of those, the best.
    """
    verdicts = [judge_video(query, c) for c in candidates]
    usable = [(v.confidence, -i) for i, v in enumerate(verdicts) if v.reason is None and v.confidence >= threshold]
    return (-max(usable)[1] if usable else None), verdicts


def score_video(query: VideoQuery, candidate: VideoCandidate) -> float:
    """Confidence 0..1 that `candidate` is the video described by `query`."""
    return judge_video(query, candidate).confidence


def score_artist(
    name: str,
    candidate_name: str,
    *,
    disambiguation_hint: str = "",
    candidate_detail: str = "",
    aliases: Sequence[str] = (),
) -> float:
    """Confidence 0..1 that a provider's artist `candidate_name` (also known by `aliases`) is `name`."""
    names = _keys([candidate_name, *aliases])
    local = _keys([name])
    score = max((_similarity(a, b) for a in local for b in names), default=0.0)
    if score < READING_MATCH and _read_in([name, candidate_name, *aliases]):
        # A reading of a Han name alone stays at READING_CAP: never applied, shown for review.
        native = [v for n in (candidate_name, *aliases) for v in name_variants(n)]
        score = max(score, reading_agreement(name_variants(name), native)[0])
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
