"""Matching request paths against many route templates.

Templates are compiled into a tree of path segments, so matching costs a few dict
look-ups per segment whatever the number of templates. Precedence at each segment:
a static segment, then a constrained segment (a converter or mixed text such as
``{name}.{ext}``), then a bare parameter, then a trailing wildcard; the first
complete match in that order wins.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from .template import Param, RouteTemplate, parse, segment_pattern


class _Node:
    __slots__ = ("any_child", "end", "patterned", "static", "wildcard")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.patterned: dict[str, tuple[re.Pattern[str], _Node]] = {}
        self.any_child: _Node | None = None
        self.wildcard: RouteTemplate | None = None
        self.end: RouteTemplate | None = None


class RouteTable:
    """A set of route templates that request paths are matched against.

    The first template added for a given shape wins (``/users/{id}`` and
    ``/users/:id`` are the same shape). Adding is thread-safe; matching takes no lock.
    """

    def __init__(self, templates: Iterable[str | RouteTemplate] = ()) -> None:
        self._root = _Node()
        self._templates: dict[str, RouteTemplate] = {}
        self._lock = threading.Lock()
        for template in templates:
            self.add(template)

    def __len__(self) -> int:
        return len(self._templates)

    def __contains__(self, template: object) -> bool:
        return str(template) in self._templates

    @property
    def templates(self) -> tuple[RouteTemplate, ...]:
        return tuple(self._templates.values())

    def add(self, template: str | RouteTemplate) -> RouteTemplate:
        """Add a template (validated as by the decorators); returns the parsed template."""
        parsed = template if isinstance(template, RouteTemplate) else parse(template)
        with self._lock:
            if parsed.text in self._templates:
                return self._templates[parsed.text]
            self._templates[parsed.text] = parsed
            node = self._root
            segments = parsed.segments
            if segments and not segments[-1]:
                segments = segments[:-1]  # "/" and "/users/": a trailing slash is not a segment
            for parts in segments:
                if len(parts) == 1 and isinstance(parts[0], Param) and parts[0].wildcard:
                    if node.wildcard is None:
                        node.wildcard = parsed
                    return parsed
                node = _child(node, parts)
            if node.end is None:
                node.end = parsed
        return parsed

    def match(self, path: str) -> RouteTemplate | None:
        """The template that best matches ``path`` (relative to the app's mount point)."""
        if not path.startswith("/"):
            return None
        segments = path[1:].split("/")
        if len(segments) > 1 and segments[-1] == "":
            segments.pop()  # one trailing slash is not significant
        elif segments == [""]:
            segments = []
        # Most paths have one way down at every segment: walk it without recursion.
        node = self._root
        for segment in segments:
            if node.patterned or node.wildcard is not None:
                break  # there are alternatives to fall back on: search them all
            child = node.static.get(segment)
            if child is None:
                child = node.any_child if segment else None
            elif node.any_child is not None:
                break
            if child is None:
                return None  # nothing else could match here
            node = child
        else:
            return node.end or node.wildcard
        return _match(self._root, segments, 0)


def _child(node: _Node, parts: tuple[str | Param, ...]) -> _Node:
    if len(parts) == 1 and isinstance(parts[0], str):
        return node.static.setdefault(parts[0], _Node())
    if len(parts) == 1 and isinstance(parts[0], Param) and parts[0].pattern is None:
        if node.any_child is None:
            node.any_child = _Node()
        return node.any_child
    key = segment_pattern(parts)
    if key not in node.patterned:
        node.patterned[key] = (re.compile(key), _Node())
    return node.patterned[key][1]


def _match(node: _Node, segments: list[str], index: int) -> RouteTemplate | None:
    if index == len(segments):
        return node.end or node.wildcard
    segment = segments[index]
    child = node.static.get(segment)
    if child is not None:
        found = _match(child, segments, index + 1)
        if found is not None:
            return found
    if segment:
        for pattern, patterned in node.patterned.values():
            if pattern.fullmatch(segment):
                found = _match(patterned, segments, index + 1)
                if found is not None:
                    return found
        if node.any_child is not None:
            found = _match(node.any_child, segments, index + 1)
            if found is not None:
                return found
    return node.wildcard
