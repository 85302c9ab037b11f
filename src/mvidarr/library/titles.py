"""The title cleaner: artist, title, kind, version, featured artists and year from a video title
or a file name, e.g. "Artist - Title (Official Video) [4K] ft. X".

Used by scanning (file names), enrichment and discovery (provider and YouTube titles) and
downloads (ranking candidates). Pure functions, no I/O.

One module past 400 lines on purpose: the cleaner's patterns and the steps that apply them in a
fixed order are one parser; split, a pattern would sit far from the step that relies on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mvidarr.kit.text import nfc
from mvidarr.models import VideoKind


@dataclass(frozen=True, slots=True)
class ParsedTitle:
    title: str
    artist: str | None = None
    featured: list[str] = field(default_factory=list)
    kind: VideoKind = VideoKind.OFFICIAL
    version: str = ""
    year: int | None = None


# Dashes that separate artist and title when surrounded by spaces.
_SEPARATOR = re.compile(r"\s+[-–—~]\s+|\s+[|]\s+(?=[^|]*$)")
_DASH_ONLY = re.compile(r"\s+[-–—~]\s+")
_BRACKETED = re.compile(r"\s*[(\[【「]([^()\[\]【】「」]*)[)\]】」]")
_FEAT = re.compile(r"\s*[(\[]?\b(?:feat\.?|ft\.?|featuring|with)\s+([^()\[\]]+?)[)\]]?\s*$", re.IGNORECASE)
_FEAT_INLINE = re.compile(r"\s+\b(?:feat\.?|ft\.?|featuring)\s+(.+)$", re.IGNORECASE)
_SPLIT_NAMES = re.compile(r"\s*,\s*|\s+&\s+|\s+and\s+|\s+x\s+(?=[A-Z])", re.IGNORECASE)
_TRACK_NUMBER = re.compile(r"^\s*\d{1,3}\s*(?:[.)]\s*|\s+-\s+)(?=\S)")
_YOUTUBE_ID = re.compile(r"\s*\[[A-Za-z0-9_-]{11}\]\s*$")
_YEAR = re.compile(r"^(?:19[5-9]\d|20[0-3]\d)$")
_VEVO_SUFFIX = re.compile(r"\s*[-|]\s*vevo\s*$|\s+vevo\s*$", re.IGNORECASE)
_CHANNEL_VEVO = re.compile(r"vevo$", re.IGNORECASE)

# Decorations: removed from the title, with the kind they imply (None: no change).
_WORD = r"(?:official|officiel|oficial|offizielles|ufficiale)"
_DECORATIONS: list[tuple[re.Pattern[str], VideoKind | None]] = [
    (
        re.compile(rf"^(?:{_WORD}\s+)?(?:hd\s+|4k\s+)?lyrics?(?:\s+video)?(?:\s+{_WORD})?$|^lyric\s+visuali[sz]er$"),
        VideoKind.LYRIC,
    ),
    (
        re.compile(rf"^(?:{_WORD}\s+)?(?:hd\s+)?(?:audio|visuali[sz]er|art\s+track|official\s+audio)(?:\s+{_WORD})?$"),
        VideoKind.AUDIO,
    ),
    (
        re.compile(
            r"^(?:official\s+)?(?:live\s+)?performance(?:\s+video)?$|^dance\s+practice$|^studio\s+session$"
            r"|^(?:a\s+)?colors\s+show$|^acoustic\s+session$|^live\s+session$"
        ),
        VideoKind.PERFORMANCE,
    ),
    (re.compile(r"^(?:official\s+)?(?:teaser|trailer|behind\s+the\s+scenes|making\s+of.*|bts)$"), VideoKind.OTHER),
    (
        re.compile(
            rf"^(?:{_WORD}\s+)?(?:hd\s+|4k\s+|hq\s+)?(?:music\s+)?(?:video|clip|videoclip|musikvideo|video\s*clip|mv|m/v)"
            rf"(?:\s+{_WORD})?(?:\s+(?:hd|4k|hq|version))?$"
            rf"|^{_WORD}(?:\s+(?:hd|4k))?$|^clip\s+officiel$|^video\s+oficial$|^official\s+(?:hd|4k)\s+video$"
            rf"|^official\s+music\s+video\s+(?:hd|4k)$|^video\s+version$|^music\s+video$"
        ),
        None,
    ),
    (
        re.compile(
            r"^(?:hd|hq|4k|8k|uhd|full\s+hd|\d{3,4}p(?:\s*\d{2})?|\d{3,4}p\s+hd|hd\s+\d{3,4}p|4k\s+(?:remaster(?:ed)?|upgrade)"
            r"|(?:\d{4}\s+)?remaster(?:ed)?(?:\s+\d{4})?(?:\s+in\s+(?:hd|4k))?|remastered\s+version"
            r"|explicit\s+video|with\s+lyrics|subtitulado|legendado|sub\s+español)$"
        ),
        None,
    ),
]
# Bracketed parts that say which version of the song this is.
_VERSION = re.compile(
    r"^(?:explicit|clean|uncensored|censored|director'?s\s+cut|alternate(?:\s+version)?|alternative\s+version"
    r"|extended(?:\s+version)?|short\s+version|single\s+version|radio\s+edit|version\s+\d+|.+\s+remix"
    r"|full[\s-]+length(?:\s+(?:film|version|video))?|long\s+version|.+\s+ver\.?\s*\d*"
    r"|.+\s+version|acoustic|unplugged|original\s+version)$",
    re.IGNORECASE,
)
_LIVE = re.compile(
    r"^(?:live(?:\s+(?:at|from|in|on|@)\s+.+|\s+\d{4}|\s+version)?|.+\s+live(?:\s+\d{4})?)$", re.IGNORECASE
)


# Joint credits: "x", "feat.", "ft.", "vs." and "with" always join several artists; "&", "and" and
# commas also appear inside one artist's name ("Simon & Garfunkel", "Earth, Wind & Fire").
_JOINT = re.compile(r"\s+(?:[xX\u00d7]|feat\.?|ft\.?|featuring|vs\.?|versus|with)\s+", re.IGNORECASE)
_JOINT_OR_NAME = re.compile(r"\s+(?:&|and|\+)\s+|\s*,\s+", re.IGNORECASE)


def joint_credit(name: str) -> tuple[list[str], list[str]]:
    """The artists a credit surely joins, and those it may (after '&', 'and', a comma).

    'A x B & C' -> (['A', 'B & C'], ...); 'Simon & Garfunkel' -> ([], ['Simon', 'Garfunkel']).
    """
    sure = [part.strip() for part in _JOINT.split(nfc(name)) if part.strip()]
    maybe = [part.strip() for part in _JOINT_OR_NAME.split(sure[0] if sure else name) if part.strip()]
    return (sure if len(sure) > 1 else []), (maybe if len(maybe) > 1 else [])


def _split_names(text: str) -> list[str]:
    return [name.strip(" .") for name in _SPLIT_NAMES.split(text) if name.strip(" .")]


_DECOR_WORDS = frozenset(
    {
        "official",
        "officiel",
        "oficial",
        "offizielles",
        "ufficiale",
        "music",
        "musik",
        "musical",
        "video",
        "videoclip",
        "clip",
        "musikvideo",
        "hd",
        "hq",
        "uhd",
        # Codec and format tags of rips: "(HEVC)", "[x264 AC3]".
        "hevc",
        "h264",
        "h265",
        "x264",
        "x265",
        "avc",
        "av1",
        "vp9",
        "xvid",
        "divx",
        "ac3",
        "eac3",
        "aac",
        "dts",
        "hdr",
        "hdr10",
        "4k",
        "8k",
        "full",
        "high",
        "quality",
        "definition",
        "remastered",
        "remaster",
        "remasterizado",
        "version",
        "upgrade",
        "mv",
        "m/v",
        "pv",
        "movie",
        "film",
        "short",
        "promo",
        "new",
        "original",
        "lyric",
        "lyrics",
        "audio",
        "visualizer",
        "visualiser",
        "art",
        "track",
        "live",
        "performance",
        "dance",
        "practice",
        "teaser",
        "trailer",
        "studio",
        "session",
        "with",
        "and",
        "in",
        "the",
    }
)
_KIND_WORDS: tuple[tuple[frozenset[str], VideoKind], ...] = (
    (frozenset({"performance", "practice", "session"}), VideoKind.PERFORMANCE),
    (frozenset({"live"}), VideoKind.LIVE),
    (frozenset({"lyric", "lyrics"}), VideoKind.LYRIC),
    (frozenset({"audio", "visualizer", "visualiser", "art"}), VideoKind.AUDIO),
    (frozenset({"teaser", "trailer"}), VideoKind.OTHER),
)
_TECH_TOKEN = re.compile(r"^(?:\d{3,4}p(?:\d{2})?|\d{2}fps|4k\d{2}|19[5-9]\d|20[0-3]\d)$")


def _classify(inner: str, *, allow_year: bool = True) -> tuple[str, VideoKind | None] | None:
    """What a bracketed part is: ('decoration'|'version'|'live'|'year', kind) or None to keep."""
    text = re.sub(r"\s+", " ", inner.strip().lower())
    if not text:
        return ("decoration", None)
    if _YEAR.match(text):
        return ("year", None) if allow_year else None
    if _LIVE.match(text):
        return ("live", VideoKind.LIVE)
    tokens = re.findall(r"[\w/]+", text)
    if tokens and all(t in _DECOR_WORDS or _TECH_TOKEN.match(t) for t in tokens):
        found = set(tokens)
        for words, kind in _KIND_WORDS:
            if found & words:
                return ("live", kind) if kind is VideoKind.LIVE else ("decoration", kind)
        return ("decoration", None)
    if _VERSION.match(inner.strip()):
        return ("version", None)
    for pattern, implied in _DECORATIONS:
        if pattern.match(text):
            return ("decoration", implied)
    return None


@dataclass
class _State:
    kind: VideoKind = VideoKind.OFFICIAL
    kinds_seen: list[VideoKind] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    featured: list[str] = field(default_factory=list)
    year: int | None = None

    def note_kind(self, kind: VideoKind | None) -> None:
        if kind is not None:
            self.kinds_seen.append(kind)


def _live_version(text: str) -> str:
    """'Live at Wembley 1986' stays as it is; 'Live Lyric Video' or 'LIVE HD' is just 'Live'."""
    text = nfc(text)
    return text if _LIVE.match(text) else "Live"


def _note(state: _State, text: str, verdict: tuple[str, VideoKind | None] | None) -> None:
    if verdict is None:
        return
    what, kind = verdict
    state.note_kind(kind)
    if what == "year":
        state.year = state.year or int(text.strip())
    elif what == "version":
        state.versions.append(nfc(text))
    elif what == "live":
        state.versions.append(_live_version(text))


def _strip_brackets(text: str, state: _State) -> str:
    """Remove decorations, versions, live tags, years and featured credits found in brackets."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        feat = re.match(r"^\s*(?:feat\.?|ft\.?|featuring|with)\s+(.+)$", inner, re.IGNORECASE)
        if feat:
            state.featured.extend(_split_names(feat.group(1)))
            return ""
        pieces = re.split(r"\s+[-|/]\s+", inner)
        if len(pieces) > 1:
            # "(Official Video - Clean Version)": each piece on its own.
            verdicts = [_classify(piece) for piece in pieces]
            if all(v is not None for v in verdicts):
                for piece, piece_verdict in zip(pieces, verdicts, strict=True):
                    _note(state, piece, piece_verdict)
                return ""
        verdict = _classify(inner)
        if verdict is None:
            return match.group(0)
        what, kind = verdict
        state.note_kind(kind)
        if what == "year":
            state.year = state.year or int(inner.strip())
        elif what == "version":
            state.versions.append(nfc(inner))
        elif what == "live":
            state.versions.append(_live_version(inner))
        return ""

    previous = None
    while previous != text:
        previous, text = text, _BRACKETED.sub(replace, text)
    return text


def _strip_trailing_decoration(text: str, state: _State) -> str:
    """Unbracketed tails: 'Title - Official Video', 'Title | Lyrics', 'Title Official Video'."""
    while True:
        parts = re.split(r"\s+[-–—|/]\s+|\s*\|\s*", text)
        if len(parts) < 2:
            break
        verdict = _classify(parts[-1], allow_year=False)
        if verdict is None:
            break
        what, kind = verdict
        if what == "version" and len(parts) == 2 and " " not in parts[-1].strip():
            break  # "Taylor Swift - Clean": one bare word after the only dash is the song's title
        state.note_kind(kind)
        if what == "version":
            state.versions.append(nfc(parts[-1]))
        elif what == "live":
            state.versions.append(_live_version(parts[-1]))
        text = text[: text.rfind(parts[-1])].rstrip(" -–—|/")
    tail = re.search(
        r"\s+((?:official\s+)?(?:music\s+)?video|official\s+audio|lyric\s+video|lyrics|official\s+m/?v|m/?v"
        r"|dance\s+practice(?:\s+video)?|\d{3,4}p|4k|hd|hq)$",
        text,
        re.IGNORECASE,
    )
    if tail and len(text) > len(tail.group(0)) + 1:
        verdict = _classify(tail.group(1))
        if verdict is not None:
            state.note_kind(verdict[1])
            text = text[: tail.start()]
    return text


def _pull_featured(text: str, state: _State) -> str:
    match = _FEAT_INLINE.search(text)
    if match:
        state.featured.extend(_split_names(match.group(1)))
        text = text[: match.start()]
    return text


def _final_kind(state: _State) -> VideoKind:
    # The most specific kind wins: a "live lyric video" is live; "official lyric video" is lyric.
    for kind in (VideoKind.LIVE, VideoKind.PERFORMANCE, VideoKind.LYRIC, VideoKind.AUDIO, VideoKind.OTHER):
        if kind in state.kinds_seen:
            return kind
    return VideoKind.OFFICIAL


def _clean_piece(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" -–—|:~_")
    # Unbalanced quotes around the whole title: "Title" -> Title
    if len(text) > 2 and text[0] in "\"'“‘«" and text[-1] in "\"'”’»":
        text = text[1:-1].strip()
    return text


def _split_artist(text: str, known_artist: str | None) -> tuple[str | None, str]:
    parts = _DASH_ONLY.split(text, maxsplit=1)
    if len(parts) == 2 and parts[0].strip() and parts[1].strip():
        left, right = parts[0].strip(), parts[1].strip()
        if known_artist and _same_name(right, known_artist) and not _same_name(left, known_artist):
            return right, left  # "Title - Artist"
        return left, right
    cjk = _CJK_QUOTED.match(text)
    if cjk and (not cjk.group("rest") or _classify(cjk.group("rest")) is not None):
        return _MV_TAIL.sub("", cjk.group("artist")).strip(), cjk.group("title").strip()
    quoted = re.match(r"^(.+?)\s+['‘\"“](.+?)['’\"”]\s*$", text)
    if quoted and (known_artist is None or _starts_with_name(quoted.group(1), known_artist)):
        return quoted.group(1).strip(), quoted.group(2).strip()
    colon = re.match(r"^([^:()\[\]]{1,40}):\s+(.+)$", text)
    if colon and (known_artist is None or _same_name(colon.group(1), known_artist)):
        return colon.group(1).strip(), colon.group(2).strip()
    return None, text


# "米津玄師 MV「Lemon」", "YOASOBI「夜に駆ける」Official Music Video", "LiSA 『紅蓮華』".
_CJK_QUOTED = re.compile(r"^(?P<artist>[^「『【]+?)\s*[「『【](?P<title>[^」』】]+)[」』】]\s*(?P<rest>.*)$")
_MV_TAIL = re.compile(r"\s+(?:official\s+)?(?:M/V|MV)\s*$", re.IGNORECASE)


def _starts_with_name(text: str, name: str) -> bool:
    from mvidarr.kit.text import fold

    return fold(text).startswith(fold(name))


def _same_name(a: str, b: str) -> bool:
    from mvidarr.kit.text import identity_key

    return identity_key(a) == identity_key(b)


# yt-dlp writes characters file systems refuse as look-alikes (U+29F8 for '/', U+FF1A for ':',
# U+FF1F for '?', U+FF02 for '"', U+FF5C for '|'...); titles also come with full-width brackets.
# Read back, they are the characters the title has.
_LOOKALIKES = str.maketrans(
    {
        "\u29f8": "/",
        "\u29f9": "\\",
        "\uff1a": ":",
        "\uff1f": "?",
        "\uff02": '"',
        "\uff5c": "|",
        "\uff0a": "*",
        "\uff1c": "<",
        "\uff1e": ">",
        "\uff3b": "[",
        "\uff3d": "]",
        "\uff08": "(",
        "\uff09": ")",
    }
)
_HANDLE = re.compile(r"\s+@[\w.-]+$")
_UNDERSCORE_SEPARATOR = re.compile(r"\s+_\s+")
# "Ado 【MV】 うっせぇわ": a video tag between the artist and the title separates them.
_MIDDLE_TAG = re.compile(
    r"^(?P<artist>.*?\S)\s*[【\[]\s*(?:MV|M/V|PV|Official(?:\s+Music)?\s+Video)\s*[】\]]\s*(?P<title>\S.*)$",
    re.IGNORECASE,
)
# "LiSA 『紅蓮華』 -MUSiC CLiP-": a decoration between dashes at the end.
_DASHED_TAIL = re.compile(r"\s+-\s*([^-]+?)\s*-$")
_PIPE = re.compile(r"\s+\|\s+")


def _prepare(raw: str, *, is_filename: bool) -> str:
    text = nfc(nfc(raw).translate(_LOOKALIKES))
    text = _HANDLE.sub("", text)
    if is_filename:
        text = _YOUTUBE_ID.sub("", text)
        if " " not in text and ("_" in text or "." in text):
            text = re.sub(r"[_.]+", " ", text)
        elif "_" in text and " " not in text.replace("_", ""):
            text = text.replace("_", " ")
        text = _TRACK_NUMBER.sub("", text)
        leading_year = re.match(r"^((?:19[5-9]|20[0-3])\d)\s+-\s+(?=\S)", text)
        if leading_year:
            text = f"{text[leading_year.end() :]} ({leading_year.group(1)})"
    text = _VEVO_SUFFIX.sub("", text)
    dashed_tail = _DASHED_TAIL.search(text)
    if dashed_tail and _classify(dashed_tail.group(1)) is not None:
        text = text[: dashed_tail.start()]
    if not _DASH_ONLY.search(text):
        text = _UNDERSCORE_SEPARATOR.sub(" - ", text)
        middle = _MIDDLE_TAG.match(text)
        if middle and not middle.group("artist").endswith(("]", "】")):
            text = f"{middle.group('artist')} - {middle.group('title')}"
    # "Artist - Title | Channel": what follows the only pipe names a channel or a show, unless it
    # says which version this is ("| Live at Woodstock"), which the decorations step reads.
    parts = _PIPE.split(text)
    if len(parts) == 2 and _DASH_ONLY.search(parts[0]) and _classify(parts[1], allow_year=False) is None:
        text = parts[0]
    return text


def parse_title(
    raw: str, *, artist: str | None = None, uploader: str | None = None, filename: bool = False
) -> ParsedTitle:
    """Split and clean a video title or file name (without extension).

    `artist`, when known (from a folder, tags or the provider), is trusted over what the title
    says and helps tell "Title - Artist" from "Artist - Title". `uploader` (a channel name) is
    used as the artist when the title has none and the channel is the artist's own or VEVO.
    """
    state = _State()
    text = _prepare(raw, is_filename=filename)
    text = _strip_brackets(text, state)
    text = _strip_trailing_decoration(text, state)
    found_artist, title = _split_artist(text, artist)
    if found_artist is not None:
        found_artist = _strip_brackets(found_artist, state)
        found_artist = _pull_featured(found_artist, state)
        found_artist = _clean_piece(found_artist)
    title = _strip_brackets(title, state)
    title = _strip_trailing_decoration(title, state)
    if found_artist:
        # "Numb (Official Music Video) - Linkin Park": the artist said again at the end.
        repeated = _DASH_ONLY.split(title)
        if len(repeated) > 1 and _same_name(repeated[-1], found_artist):
            title = title[: title.rfind(repeated[-1])].rstrip(" -–—~")
    title = _pull_featured(title, state)
    title = _strip_brackets(title, state)
    title = _clean_piece(title)
    if not title and found_artist:
        title, found_artist = found_artist, None
    if found_artist is None:
        if artist:
            found_artist = artist
        elif uploader:
            channel = _CHANNEL_VEVO.sub("", uploader.strip()).strip() if _CHANNEL_VEVO.search(uploader) else uploader
            found_artist = re.sub(r"\s*-\s*topic$", "", channel, flags=re.IGNORECASE).strip() or None
    elif artist and (_same_name(found_artist, artist) or _starts_with_name(found_artist, artist)):
        found_artist = artist
    featured: list[str] = []
    for name in state.featured:
        if name and name.casefold() not in {f.casefold() for f in featured}:
            featured.append(name)
    return ParsedTitle(
        title=title or nfc(raw),
        artist=found_artist or None,
        featured=featured,
        kind=_final_kind(state),
        version="; ".join(dict.fromkeys(state.versions)),
        year=state.year,
    )
