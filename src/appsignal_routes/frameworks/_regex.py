r"""Regex routes made readable: ``^snippets/(?P<pk>[^/.]+)/$`` is ``snippets/<pk>/``.

Django's ``re_path`` and Django REST framework's routers give routes as regexes, the
framework's own format but not what anyone wants to read as a group. A regex route is
rewritten in the framework's path syntax: its anchors (``^``, ``\A``, ``$``, ``\Z``)
and a trailing optional slash (``/?``) dropped, escaped characters unescaped (``\.`` is
``.``), a named group ``(?P<name>...)`` written ``<name>``, an unnamed one ``<arg1>``,
``<arg2>``... by its position (Django passes it as a positional argument). What has
no path form is kept as written: a non-capturing group or lookaround, a character
class or quantifier outside a group. A pattern that is not a valid regex is kept whole.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: characters that mark a route as a regex rather than a path
_REGEX_MARKS = frozenset("^$\\()?")
_END_ANCHORS = ("$", r"\Z", r"\z")


def readable(route: str) -> str:
    """``route`` in path syntax if it is a regex route; any other route as it is."""
    if _REGEX_MARKS.isdisjoint(route):
        return route
    return _readable(route)


@lru_cache(maxsize=1024)
def _readable(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error:
        return pattern
    text = _unanchored(pattern)
    out: list[str] = []
    unnamed = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            # an escaped punctuation character is itself; \d, \w... have no path form
            out.append(following if not following.isalnum() else text[index : index + 2])
            index += 2
        elif char == "(":
            end = _group_end(text, index)
            body = text[index + 1 : end]
            if body.startswith("?P<"):
                out.append(f"<{body[3 : body.index('>')]}>")
            elif body.startswith("?"):
                out.append(text[index : end + 1])  # non-capturing, a lookaround: as written
            else:
                unnamed += 1
                out.append(f"<arg{unnamed}>")
            index = end + 1
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _unanchored(pattern: str) -> str:
    """``pattern`` without its anchors and a trailing optional slash."""
    text = pattern.removeprefix("^").removeprefix(r"\A")
    for anchor in _END_ANCHORS:
        if text.endswith(anchor) and not _escaped(text, len(text) - len(anchor)):
            text = text[: -len(anchor)]
            break
    if text.endswith("\\/?") and not _escaped(text, len(text) - 3):
        return text[:-3]
    if text.endswith("/?") and not _escaped(text, len(text) - 2):
        return text[:-2]
    return text


def _escaped(text: str, index: int) -> bool:
    """Whether the character at ``index`` is escaped by an odd run of backslashes."""
    run = 0
    while index - run - 1 >= 0 and text[index - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def _group_end(text: str, start: int) -> int:
    """The index of the ``)`` that closes the group opened at ``start`` (the pattern
    compiled, so there is one), skipping escapes and character classes."""
    depth = 0
    index = start
    in_class = False
    while True:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if text[index + 1 : index + 2] == "]":
                index += 1  # "[]...]": a leading "]" is a member
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
