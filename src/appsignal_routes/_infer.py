"""Inferring a template from a raw path (opt-in, ``infer_routes=True``).

Segments that look like identifiers become ``:name`` parameters; everything else is
kept. The result is only a guess, so it is exported as the group name with
``appsignal_routes.route_source = "inferred"`` and never as ``http.route``.
"""

from __future__ import annotations

import re
from typing import Final

#: Longest path we infer from; a longer one is not grouped by inference.
MAX_PATH: Final = 2048
#: Segments kept at most; the rest collapse into ``*``.
MAX_SEGMENTS: Final = 16
MAX_SEGMENT: Final = 64

_KINDS: Final = (
    ("id", re.compile(r"[0-9]+")),
    (
        "uuid",
        re.compile(
            r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
        ),
    ),
    ("date", re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9:.]+Z?)?")),
    ("hex", re.compile(r"(?=[0-9a-fA-F]*[0-9])[0-9a-fA-F]{16,}")),
    ("email", re.compile(r"[^@\s/]+@[^@\s/]+\.[^@\s/]+")),
    # long mixed alphanumerics: tokens, slugs with digits (at least one digit and one letter)
    ("token", re.compile(r"(?=[^/]*[0-9])(?=[^/]*[A-Za-z])[A-Za-z0-9_\-.~]{12,}")),
)
_SAFE: Final = re.compile(r"[A-Za-z0-9_\-.~]+")


def infer_template(path: str) -> str | None:
    """The inferred template for ``path``, or None when nothing in it looks like an id."""
    if not path.startswith("/") or len(path) > MAX_PATH:
        return None
    segments = path[1:].split("/")
    out: list[str] = []
    used: dict[str, int] = {}
    changed = False
    for index, segment in enumerate(segments):
        if index == MAX_SEGMENTS:
            out.append("*")
            changed = True
            break
        kind = _kind(segment)
        if kind is None:
            if not _SAFE.fullmatch(segment) and segment:
                kind = "param"  # odd characters: not a stable part of a route
            else:
                out.append(segment)
                continue
        used[kind] = used.get(kind, 0) + 1
        out.append(f":{kind}" if used[kind] == 1 else f":{kind}{used[kind]}")
        changed = True
    return "/" + "/".join(out) if changed else None


def _kind(segment: str) -> str | None:
    if len(segment) > MAX_SEGMENT:
        return "param"
    for kind, pattern in _KINDS:
        if pattern.fullmatch(segment):
            return kind
    return None
