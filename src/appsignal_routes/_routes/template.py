"""Route templates: parsing, validation and formatting.

A template is kept exactly as its author wrote it (the OpenTelemetry semantic
conventions want the route in the framework's own format). Parsing splits it into
segments so that it can be matched against paths and rewritten in AppSignal's
``:name`` form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Converters and filters whose names let us tell `<converter:name>` (Flask, Quart,
# Werkzeug) from `<name:filter>` (Bottle, Sanic), and `{name:converter}` (Starlette,
# FastAPI, Falcon, Litestar) from BlackSheep's `{converter:name}`.
KNOWN_CONVERTERS = frozenset(
    {
        "int",
        "float",
        "path",
        "string",
        "str",
        "uuid",
        "any",
        "re",
        "default",
        "slug",
        "alpha",
        "strorempty",  # Sanic's
        "ymd",  # Sanic's
        "ext",  # Sanic's
    }
)
#: BlackSheep's value types, written before the name: `{int:cat_id}`
_BLACKSHEEP_TYPES = frozenset({"int", "float", "str", "uuid", "path"})

_SEGMENT = r"[^/]+"
_CONVERTER_PATTERNS = {
    "int": r"[0-9]+",
    "float": r"[0-9]+(?:\.[0-9]+)?",
    "uuid": r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
    "slug": r"[A-Za-z0-9_-]+",
    "alpha": r"[A-Za-z]+",
}
#: Bottle's and Sanic's filters (`<name:int>`, written after the name) take signs
_NAME_FIRST_PATTERNS = {
    "int": r"-?[0-9]+",
    "float": r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)",
    "strorempty": r"[^/]*",
    "slug": r"[a-z0-9]+(?:-[a-z0-9]+)*",
    "ymd": r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])",
}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# A converter's arguments: `any(xhr, jquery, fetch)`, `string(length=2)`, `int(4)`
_ARGUMENTS = re.compile(r"\([^()]*\)")
_ARGUMENT = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_]*)\s*=\s*)?([^,]*?)\s*(?:,|\Z)")
_COLON_PARAM = re.compile(r":[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a template: ``raw`` is its text as written."""

    name: str | None
    raw: str
    converter: str | None = None
    pattern: str | None = None  # a regex that constrains the value, None for any segment
    wildcard: bool = False  # matches the rest of the path


Part = str | Param


@dataclass(frozen=True, slots=True)
class RouteTemplate:
    """A parsed, validated route template."""

    text: str
    segments: tuple[tuple[Part, ...], ...]

    def __str__(self) -> str:
        return self.text

    def format(self) -> str:
        """Rebuild the template from its parts: the text exactly as written."""
        return "/" + "/".join("".join(_raw(p) for p in seg) for seg in self.segments)

    @property
    def appsignal(self) -> str:
        """The template in AppSignal's Express-like form: ``/users/:user_id``, ``/files/*path``."""
        out = []
        for seg in self.segments:
            text = ""
            for part in seg:
                if isinstance(part, str):
                    text += part
                elif part.wildcard:
                    text += "*" + (part.name or "")
                else:
                    text += ":" + (part.name or "param")
            out.append(text)
        return "/" + "/".join(out)

    @property
    def params(self) -> tuple[Param, ...]:
        return tuple(p for seg in self.segments for p in seg if isinstance(p, Param))


def _raw(part: Part) -> str:
    return part if isinstance(part, str) else part.raw


def parse(template: object) -> RouteTemplate:
    """Parse and validate a template; ``TypeError`` or ``ValueError`` quoting the input."""
    if not isinstance(template, str):
        raise TypeError(f"a route template must be a str, not {type(template).__name__}")
    return _parse(template)


@lru_cache(maxsize=4096)
def _parse(template: str) -> RouteTemplate:
    # spaces are allowed between a converter's arguments only: <any(xhr, jquery):js>
    _check_text(_TOKEN.sub(_without_argument_spaces, template), "route template", template)
    if not template.startswith("/"):
        raise ValueError(f"invalid route template {template!r}: it must start with '/'")
    bad = re.search(r"[?#]", template)
    if bad:
        raise ValueError(
            f"invalid route template {template!r}: {bad.group()!r} is not allowed "
            "(a template is a path, without query or fragment)"
        )
    segments = tuple(_parse_segment(template, seg) for seg in _split(template))
    names = [p.name for seg in segments for p in seg if isinstance(p, Param) and p.name]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(
            f"invalid route template {template!r}: duplicate parameter name {duplicates[0]!r}"
        )
    for seg in segments[:-1]:
        if any(isinstance(p, Param) and p.wildcard for p in seg):
            raise ValueError(
                f"invalid route template {template!r}: a wildcard must be the last segment"
            )
    return RouteTemplate(template, segments)


def check_name(name: object, what: str = "root name") -> str:
    """Validate a root name: a non-empty str without control characters or whitespace."""
    if not isinstance(name, str):
        raise TypeError(f"a {what} must be a str, not {type(name).__name__}")
    _check_text(name, what)
    return name


def _check_text(text: str, what: str, quoted: str | None = None) -> None:
    shown = text if quoted is None else quoted
    if not text:
        raise ValueError(f"invalid {what} {shown!r}: it is empty")
    bad = re.search(r"[\s\x00-\x1f\x7f]", text)
    if bad:
        raise ValueError(
            f"invalid {what} {shown!r}: it contains whitespace or a control character "
            f"({bad.group()!r})"
        )


def _without_argument_spaces(token: re.Match[str]) -> str:
    return _ARGUMENTS.sub(lambda args: args.group().replace(" ", ""), token.group())


def _split(template: str) -> list[str]:
    """Split at '/' outside of ``{}`` and ``<>``, checking that they balance."""
    segments: list[str] = []
    current = ""
    closing = ""
    for char in template[1:]:
        if closing:
            # Inside <...> a Bottle regex may use {m,n}; nothing else nests.
            if char == "<" or (closing == "}" and char in "{>"):
                raise _unbalanced(template)
            if char == closing:
                closing = ""
        elif char in "{<":
            closing = "}" if char == "{" else ">"
        elif char in "}>":
            raise _unbalanced(template)
        elif char == "/":
            segments.append(current)
            current = ""
            continue
        current += char
    if closing:
        raise _unbalanced(template)
    segments.append(current)
    return segments


def _unbalanced(template: str) -> ValueError:
    return ValueError(f"invalid route template {template!r}: unbalanced '{{}}' or '<>'")


_TOKEN = re.compile(r"\{[^}]*\}|<[^>]*>")


def _parse_segment(template: str, segment: str) -> tuple[Part, ...]:
    if segment.startswith("*"):
        name = segment[1:]
        if name and not _IDENTIFIER.match(name):
            raise _bad_name(template, name)
        return (Param(name or None, segment, wildcard=True),)
    if "*" in segment:
        raise ValueError(
            f"invalid route template {template!r}: '*' is a wildcard only as a whole last segment"
        )
    if segment.startswith(":"):
        match = _COLON_PARAM.match(segment)
        if match is None:
            raise _bad_name(template, segment[1:])
        raw = match.group()
        return (Param(raw[1:], raw), *_parse_braced(template, segment[len(raw) :]))
    return _parse_braced(template, segment)


def _parse_braced(template: str, text: str) -> tuple[Part, ...]:
    parts: list[Part] = []
    pos = 0
    for token in _TOKEN.finditer(text):
        if token.start() > pos:
            parts.append(text[pos : token.start()])
        raw = token.group()
        inner = raw[1:-1]
        parts.append(
            _brace_param(template, raw, inner)
            if raw[0] == "{"
            else _angle_param(template, raw, inner)
        )
        pos = token.end()
    if pos < len(text):
        parts.append(text[pos:])
    return tuple(parts)


def _brace_param(template: str, raw: str, inner: str) -> Param:
    """``{name}`` or ``{name:converter}`` (Starlette, FastAPI, Falcon, Litestar), or
    BlackSheep's ``{converter:name}``, told apart by which side is a known type."""
    name, _, converter = _partition(inner)
    if (
        name in _BLACKSHEEP_TYPES
        and _IDENTIFIER.match(converter)
        and converter not in KNOWN_CONVERTERS
    ):
        name, converter = converter, name
    if not _IDENTIFIER.match(name):
        raise _bad_name(template, name)
    return _param(name, raw, converter or None)


def _angle_param(template: str, raw: str, inner: str) -> Param:
    """``<name>``, ``<converter:name>`` (Flask) or ``<name:filter>`` (Bottle, Sanic)."""
    first, sep, second = _partition(inner)
    if not sep:
        if not _IDENTIFIER.match(first):
            raise _bad_name(template, first)
        return _param(first, raw, None)
    first_known = _converter_name(first) in KNOWN_CONVERTERS
    second_known = _converter_name(second) in KNOWN_CONVERTERS
    if _IDENTIFIER.match(second) and (first_known or not second_known):
        # Werkzeug order: the converter comes first (also the guess when neither is known).
        return _param(second, raw, first)
    name, _, stem = first.partition("=")  # Sanic's <file=int:ext=jpg>: the stem's type
    if _IDENTIFIER.match(name) and (not stem or _converter_name(second) == "ext"):
        return _param(name, raw, second, name_first=True, stem=stem)
    raise _bad_name(template, first if not first_known else second)


def _partition(inner: str) -> tuple[str, str, str]:
    """``inner`` split at its first ``:`` outside a converter's arguments."""
    depth = 0
    for index, char in enumerate(inner):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == ":" and depth <= 0:
            return inner[:index], ":", inner[index + 1 :]
    return inner, "", ""


def _converter_name(converter: str) -> str:
    return re.split(r"[(:=]", converter, maxsplit=1)[0]


def _arguments(converter: str) -> tuple[list[str], dict[str, str]]:
    """A converter's positional and keyword arguments, as written: ``int(4)`` is
    ``["4"], {}``; ``string(length=2)`` is ``[], {"length": "2"}``."""
    found = _ARGUMENTS.search(converter)
    positional: list[str] = []
    keywords: dict[str, str] = {}
    if found is not None:
        for keyword, value in _ARGUMENT.findall(found.group()[1:-1]):
            if keyword:
                keywords[keyword] = value
            elif value:
                positional.append(value)
    return positional, keywords


def _param(
    name: str, raw: str, converter: str | None, *, name_first: bool = False, stem: str = ""
) -> Param:
    if converter is None:
        return Param(name, raw)
    base = _converter_name(converter)
    if base == "path":
        return Param(name, raw, converter, wildcard=True)
    if base == "re" and converter.startswith("re:"):
        pattern: str | None = converter[3:] or None
        try:
            re.compile(pattern or "")
        except re.error as exc:
            raise ValueError(f"invalid route template part {raw!r}: bad regex ({exc})") from None
    elif base == "any":
        choices = re.findall(r"[^(),\s'\"]+", converter[len("any") :])
        pattern = "(?:" + "|".join(re.escape(c) for c in choices) + ")" if choices else None
    elif name_first:
        pattern = _name_first_pattern(base, converter, stem)
    else:
        pattern = _with_arguments(base, converter)
    return Param(name, raw, converter, pattern)


def _with_arguments(base: str, converter: str) -> str | None:
    """The pattern of a converter in the Werkzeug or Falcon style, narrowed by its
    arguments where they constrain the text: ``string(length=2)``, ``int(4)``,
    ``int(signed=True)``."""
    pattern = _CONVERTER_PATTERNS.get(base)
    if "(" not in converter:
        return pattern
    positional, keywords = _arguments(converter)
    if base in ("string", "default"):
        length = keywords.get("length") or (positional[0] if positional else "")
        low, high = keywords.get("minlength", "1"), keywords.get("maxlength", "")
        if length.isdigit():
            return f"[^/]{{{length}}}"
        if low.isdigit() and (high.isdigit() or not high):
            return f"[^/]{{{low},{high}}}"
    elif base == "int":
        digits = keywords.get("fixed_digits") or keywords.get("num_digits")
        digits = digits or (positional[0] if positional else "")
        sign = "-?" if keywords.get("signed") == "True" else ""
        return f"{sign}[0-9]{{{digits}}}" if digits.isdigit() and digits != "0" else sign + "[0-9]+"
    elif base == "float" and keywords.get("signed") == "True":
        return f"-?{pattern}"
    return pattern


def _name_first_pattern(base: str, converter: str, stem: str) -> str | None:
    """The pattern of a Bottle or Sanic filter written after the name: a known type
    (Sanic's ``ext``, ``ext=jpg|png``, with a typed stem ``<file=int:ext>``), else
    a regex (Sanic's ``<name:[a-z]{3}>``); None for anything else (a custom filter)."""
    if base == "ext":
        extensions = converter.partition("=")[2]
        stem_pattern = _NAME_FIRST_PATTERNS.get(stem) or _CONVERTER_PATTERNS.get(stem)
        ext = "|".join(re.escape(e) for e in extensions.split("|") if e) or "[a-z0-9]+"
        return f"(?:{stem_pattern or '[^/]+'})\\.(?:{ext})"
    if base in KNOWN_CONVERTERS:
        return _NAME_FIRST_PATTERNS.get(base) or _CONVERTER_PATTERNS.get(base)
    if _IDENTIFIER.match(converter) or ":" in converter:
        return None  # a custom filter, perhaps with its configuration: <name:list:,>
    regex = converter.removeprefix("^").removesuffix("$")
    try:
        re.compile(regex)
    except re.error:
        return None  # not a regex Python reads: unconstrained
    return regex or None


def _bad_name(template: str, name: str) -> ValueError:
    return ValueError(
        f"invalid route template {template!r}: parameter name {name!r} is not an identifier"
    )


def segment_pattern(parts: tuple[Part, ...]) -> str:
    """A regex for one segment made of literal text and parameters."""
    out = ""
    for part in parts:
        if isinstance(part, str):
            out += re.escape(part)
        else:
            out += f"(?:{part.pattern or _SEGMENT})"
    return out
