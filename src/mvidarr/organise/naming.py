"""The naming template: `{artist}/{artist} - {title}[ ({version})][ ({kind_label})]`, parsed once, rendered per video.

Syntax: `{token}` inserts a field, `{token:60}` cuts it to 60 characters, `[...]` is an optional
section that vanishes when any token inside it is empty, `/` separates folders, and `{{ }} [[ ]]`
are literal braces and brackets. The last component is the file name without its extension.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from mvidarr.kit.fuzzy import closest
from mvidarr.kit.schemas import content
from mvidarr.organise.sanitise import MAX_COMPONENT_BYTES, MAX_STEM_BYTES, clean_text, safe_component, truncate_chars

TOKENS: Final = (
    "artist",
    "artist_sort",
    "title",
    "version",
    "year",
    "album",
    "kind",
    "kind_label",
    "quality",
    "video_codec",
    "imvdb_id",
    "youtube_id",
)
KIND_LABELS: Final = {"live": "Live", "lyric": "Lyric video", "audio": "Audio", "performance": "Performance"}
DEFAULT_TEMPLATE: Final = "{artist}/{artist} - {title}[ ({version})][ ({kind_label})]"
"""Keeps what tells two videos of one song apart: "Radiohead - Creep (Live at Glastonbury 2003)"."""
BRACKET_RULE: Final = (
    "Square brackets mark an optional part that disappears when a token in it is empty; write [[ and ]] "
    "for brackets in the name. Brackets in a video's own title or version are kept."
)
MAX_TEMPLATE_LENGTH = 500
MAX_TRUNCATE = 255
UNKNOWN_COMPONENT = "Unknown"


class TemplateError(ValueError):
    """A template that cannot be used; `position` is the 0-based character offset of the problem."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position + 1})")
        self.message = message
        self.position = position


@dataclass(frozen=True, slots=True)
class Text:
    value: str


@dataclass(frozen=True, slots=True)
class Token:
    name: str
    width: int | None


@dataclass(frozen=True, slots=True)
class Section:
    parts: tuple[Part, ...]


Part = Text | Token | Section


@dataclass(frozen=True, slots=True)
class NamingFields:
    """What a template can show of one video; empty strings and None are 'empty'."""

    artist: str = ""
    artist_sort: str = ""
    title: str = ""
    version: str = ""
    year: int | None = None
    album: str | None = None
    kind: str = ""
    quality: str | None = None
    video_codec: str | None = None
    imvdb_id: int | None = None
    youtube_id: str | None = None

    @property
    def kind_label(self) -> str:
        """The kind in words when a file name should say it: not for official videos, nor when the
        version already says it ("Live at Glastonbury 2003" is live)."""
        label = KIND_LABELS.get(self.kind, "")
        if not label or label.split()[0].lower() in self.version.lower():
            return ""
        return label

    def value(self, name: str) -> str:
        raw = getattr(self, name)
        return "" if raw is None else str(raw)


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    parts: tuple[Part, ...]

    def render(self, fields: NamingFields) -> list[str]:
        """The safe path components (folders, then the file stem) for one video."""
        text = _render(self.parts, fields)
        components = text.split("/")
        safe = [safe_component(c, fallback=UNKNOWN_COMPONENT) for c in components[:-1]]
        safe.append(safe_component(components[-1], max_bytes=MAX_STEM_BYTES, fallback=UNKNOWN_COMPONENT))
        return safe

    def render_path(self, fields: NamingFields) -> str:
        return "/".join(self.render(fields))


def _render(parts: tuple[Part, ...], fields: NamingFields) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, Text):
            out.append(part.value)
        elif isinstance(part, Token):
            # Separators inside a value are text, not folders: 'AC/DC' stays one name.
            value = clean_text(fields.value(part.name))
            if part.width is not None:
                value = truncate_chars(value, part.width).rstrip()
            out.append(value)
        else:
            if all(fields.value(name).strip() for name in _tokens_in(part.parts)):
                out.append(_render(part.parts, fields))
    return "".join(out)


def _tokens_in(parts: tuple[Part, ...]) -> list[str]:
    names: list[str] = []
    for part in parts:
        if isinstance(part, Token):
            names.append(part.name)
        elif isinstance(part, Section):
            names.extend(_tokens_in(part.parts))
    return names


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0

    def parse(self) -> tuple[Part, ...]:
        parts = self._sequence(section_start=None)
        return tuple(parts)

    def _sequence(self, section_start: int | None) -> list[Part]:
        parts: list[Part] = []
        literal: list[str] = []

        def flush() -> None:
            if literal:
                parts.append(Text("".join(literal)))
                literal.clear()

        src = self.source
        while self.pos < len(src):
            ch = src[self.pos]
            double = src[self.pos : self.pos + 2]
            if double in ("{{", "}}", "[[", "]]"):
                literal.append(ch)
                self.pos += 2
            elif ch == "{":
                flush()
                parts.append(self._token())
            elif ch == "}":
                raise TemplateError("'}' without a matching '{' (write '}}' for a literal brace)", self.pos)
            elif ch == "[":
                flush()
                start = self.pos
                self.pos += 1
                inner = self._sequence(section_start=start)
                if not _tokens_in(tuple(inner)):
                    raise TemplateError("optional section '[...]' has no token, so it could never vanish", start)
                parts.append(Section(tuple(inner)))
            elif ch == "]":
                if section_start is None:
                    raise TemplateError("']' without a matching '[' (write ']]' for a literal bracket)", self.pos)
                flush()
                self.pos += 1
                return parts
            elif ch == "\\":
                raise TemplateError("'\\' is not allowed; separate folders with '/'", self.pos)
            else:
                literal.append(ch)
                self.pos += 1
        if section_start is not None:
            raise TemplateError("'[' is never closed with ']'", section_start)
        flush()
        return parts

    def _token(self) -> Token:
        start = self.pos
        end = self.source.find("}", start)
        nested = self.source.find("{", start + 1)
        if end < 0 or (0 <= nested < end):
            raise TemplateError("'{' is never closed with '}'", start)
        body = self.source[start + 1 : end]
        self.pos = end + 1
        name, colon, width_text = body.partition(":")
        name = name.strip()
        if not name:
            raise TemplateError("empty token '{}'", start)
        if name not in TOKENS:
            hint = closest(name, TOKENS, score_cutoff=70)
            suggestion = f" (did you mean {{{hint}}}?)" if hint else ""
            raise TemplateError(f"unknown token {{{name}}}{suggestion}; tokens are {', '.join(TOKENS)}", start)
        width: int | None = None
        if colon:
            if not width_text.isascii() or not width_text.isdigit():
                raise TemplateError(f"'{{{name}:{width_text}}}': the length after ':' must be a whole number", start)
            width = int(width_text)
            if not 1 <= width <= MAX_TRUNCATE:
                raise TemplateError(f"'{{{name}:{width}}}': the length must be between 1 and {MAX_TRUNCATE}", start)
        return Token(name, width)


def _check_components(source: str, parts: tuple[Part, ...]) -> None:
    if source.startswith("/"):
        raise TemplateError("the template must be relative to the root folder, not start with '/'", 0)
    if len(source) >= 2 and source[1] == ":" and source[0].isalpha():
        raise TemplateError("the template must be relative to the root folder, not a drive path", 0)
    offset = 0
    components = source.split("/")
    for index, component in enumerate(components):
        stripped = component.strip()
        if stripped in (".", ".."):
            raise TemplateError(f"'{stripped}' is not allowed as a folder name", offset)
        if not stripped:
            where = "at the end (the file name is missing)" if index == len(components) - 1 else "(an empty folder)"
            raise TemplateError(f"empty path component {where}", offset)
        offset += len(component) + 1
    # The file name needs at least one token outside optional sections, or all videos collide.
    last_parts = _last_component_parts(parts)
    if not any(isinstance(p, Token) for p in last_parts):
        raise TemplateError(
            "the file name (after the last '/') must contain a token outside '[...]'", source.rfind("/") + 1
        )


def _last_component_parts(parts: tuple[Part, ...]) -> list[Part]:
    last: list[Part] = []
    for part in parts:
        if isinstance(part, Text) and "/" in part.value:
            last = [Text(part.value.rsplit("/", 1)[1])]
        else:
            last.append(part)
    return last


def parse_template(source: str) -> Template:
    """Parse and check a template; raise `TemplateError` saying what is wrong and where."""
    if not source.strip():
        raise TemplateError("the template is empty", 0)
    if len(source) > MAX_TEMPLATE_LENGTH:
        raise TemplateError(f"the template is longer than {MAX_TEMPLATE_LENGTH} characters", MAX_TEMPLATE_LENGTH)
    parts = _Parser(source).parse()
    _check_components(source, parts)
    return Template(source, parts)


def valid_template(source: str) -> str:
    """A validator for the setting: the template itself, or an error (type `content`) saying what is
    wrong and where."""
    try:
        parse_template(source)
    except TemplateError as exc:
        raise content(str(exc)) from None
    return source


def sample_fields() -> list[NamingFields]:
    """Videos the preview shows when the caller names none: awkward characters on purpose."""
    return [
        NamingFields("AC/DC", "AC/DC", "Thunderstruck", "", 1990, "The Razors Edge", "official", "1080p", "h264"),
        NamingFields("Sigur Rós", "Sigur Rós", "Hoppípolla", "Live", 2005, "Takk...", "live", "720p", "vp9"),
        NamingFields("Guns N' Roses", "Guns N' Roses", "Sweet Child O' Mine", "", 1987, None, "official", "480p"),
        NamingFields("Queen", "Queen", "Who Wants to Live Forever?: Remastered", "4K Remaster", None, None, "official"),
    ]


__all__ = ["MAX_COMPONENT_BYTES", "NamingFields", "Template", "TemplateError", "parse_template"]
