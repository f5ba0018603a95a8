"""Inferring a template from a raw path (opt-in, ``infer_routes=True``).

Segments that look like identifiers become parameters; everything else is kept. The
result is only a guess, so it is exported as the group name with
``appsignal_routes.route_source = "inferred"`` and never as ``http.route``.

Guarantees:

- One route, one template, whatever the kind of its ids: a position's placeholder is
  named after the static segment before it (``/accounts/:account_id/invoices/:invoice_id``),
  never after the kind of value found there, so ``/accounts/123`` and
  ``/accounts/<uuid>`` both give ``/accounts/:account_id``.
- No raw value is left in a template: an id inside a file name is replaced too
  (``/thumbnails/<uuid>/320x180.jpeg`` gives ``/thumbnails/:thumbnail_id/:id.jpeg``).
- Learning mode (``set_learning``): a position that shows more than ``threshold``
  distinct values under one prefix becomes a parameter too, so word parameters
  (``/user/alice``, ``/wiki/FrontPage``) group once enough of them were seen.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Final

#: Longest path we infer from; a longer one is not grouped by inference.
MAX_PATH: Final = 2048
#: Segments kept at most; the rest collapse into ``*``.
MAX_SEGMENTS: Final = 16
#: A longer segment is never a stable part of a route: it becomes a parameter.
MAX_SEGMENT: Final = 64
#: The longest static segment a placeholder name is derived from.
_MAX_NAME_BASE: Final = 32
#: Learning mode's default: distinct values at one position before it is a parameter.
LEARN_THRESHOLD: Final = 50
#: Learning mode keeps at most this many prefixes (least recently seen ones go first).
LEARN_MAX_PREFIXES: Final = 10_000

_ID: Final = re.compile(
    r"[0-9]+"  # decimal
    r"|[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"  # uuid
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T_ ][0-9:.]+(?:Z|[+-][0-9:]+)?)?"  # date, date-time
    r"|(?=[0-9a-fA-F]*[0-9])[0-9a-fA-F]{16,}"  # long hex: digests, object ids
    r"|[^@\s/]+@[^@\s/]+\.[^@\s/]+"  # email
    r"|[0-9]+(?:[xX][0-9]+)+"  # dimensions: 320x180
    # long mixed alphanumerics: tokens, slugs with digits (a digit and a letter)
    r"|(?=[^/]*[0-9])(?=[^/]*[A-Za-z])[A-Za-z0-9_\-.~]{12,}"
    # a run of three digits or more anywhere: order-12345, INV2024001, post-123-title
    r"|[A-Za-z0-9_\-.~]*[0-9]{3,}[A-Za-z0-9_\-.~]*"
)
_SAFE: Final = re.compile(r"[A-Za-z0-9_\-.~]+")
#: ``name.ext`` with a short alphabetic extension: the extension is kept.
_FILE: Final = re.compile(r"(.+)\.([A-Za-z][A-Za-z0-9]{0,4})")
_WORD: Final = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
_PARAM: Final = ":"  # placeholders are written ``:name``, whatever the route style


def infer_template(path: str) -> str | None:
    """The inferred template for ``path``, or None when nothing in it looks like an id
    (and, in learning mode, no position of it has been learned to be a parameter).

    Never raises for a ``str``; in learning mode it also records what it saw.
    """
    if not path.startswith("/") or len(path) > MAX_PATH:
        return None
    learner = _learner
    segments = path[1:].split("/")
    out: list[str] = []
    names: set[str] = set()
    changed = False
    for index, segment in enumerate(segments):
        if index == MAX_SEGMENTS:
            out.append("*")
            changed = True
            break
        kept = _kept(segment)
        if kept is None and learner is not None and learner.is_parameter(out, segment):
            kept = ""  # a word parameter: the whole segment
        if kept is None:
            out.append(segment)
            continue
        name = _placeholder(out, index, names)
        out.append(f"{_PARAM}{name}{kept}")
        changed = True
    return "/" + "/".join(out) if changed else None


def _kept(segment: str) -> str | None:
    """What of ``segment`` survives as it becomes a parameter (``""``: nothing;
    ``".jpeg"``: a file name's extension), or None when it is a static segment."""
    if len(segment) > MAX_SEGMENT:
        return ""
    file = _FILE.fullmatch(segment)
    if file is not None and _ID.fullmatch(file.group(1)):
        return "." + file.group(2)  # the same for 320x180.jpeg and 160x90.jpeg
    if _ID.fullmatch(segment):
        return ""
    if segment and not _SAFE.fullmatch(segment):
        return ""  # odd characters (escapes, spaces): not a stable part of a route
    return None


def _placeholder(before: list[str], index: int, names: set[str]) -> str:
    """A position's parameter name: from the static segment before it, else ``id``;
    the position number only settles a clash (stable: it depends on no value)."""
    name = "id"
    if before and _WORD.fullmatch(before[-1]) and len(before[-1]) <= _MAX_NAME_BASE:
        name = _singular(before[-1].lower().replace("-", "_")) + "_id"
    if name in names:
        name = f"{name}_{index + 1}"
    names.add(name)
    return name


def _singular(word: str) -> str:
    """A plural's singular, for the usual English endings (``categories`` ->
    ``category``, ``addresses`` -> ``address``, ``users`` -> ``user``)."""
    if word.endswith("ies") and len(word) > 4:  # noqa: PLR2004
        return word[:-3] + "y"
    if word.endswith(("sses", "uses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:  # noqa: PLR2004
        return word[:-1]
    return word


class PathLearner:
    """Learns which path positions are parameters: more than ``threshold`` distinct
    values under one prefix (the template so far). Thread-safe; memory is bounded by
    ``max_prefixes`` x (``threshold`` + 1) segments. The first segment of a path is
    never learned: it is the app's own structure, and scanners vary it most."""

    def __init__(
        self, threshold: int = LEARN_THRESHOLD, max_prefixes: int = LEARN_MAX_PREFIXES
    ) -> None:
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
            raise ValueError(f"the learning threshold must be a positive int, not {threshold!r}")
        self.threshold = threshold
        self.max_prefixes = max_prefixes
        self._lock = threading.Lock()
        # prefix -> the distinct values seen after it (None once it is a parameter)
        self._seen: OrderedDict[str, set[str] | None] = OrderedDict()

    def __len__(self) -> int:
        """How many prefixes it holds (at most ``max_prefixes``)."""
        return len(self._seen)

    def is_parameter(self, before: list[str], segment: str) -> bool:
        """Record ``segment`` after ``before``; whether that position is a parameter."""
        if not before or not segment:
            return False
        prefix = "/".join(before)
        with self._lock:
            seen = self._seen.get(prefix, ())
            if seen is None:
                return True
            if not seen:
                seen = self._seen[prefix] = set()
                if len(self._seen) > self.max_prefixes:
                    self._forget_one(prefix)
            seen.add(segment)
            self._seen.move_to_end(prefix)
            if len(seen) > self.threshold:
                self._seen[prefix] = None
                return True
        return False

    def _forget_one(self, keep: str) -> None:
        # the least recently seen prefix that is still learning: a learned parameter
        # is kept as long as a learning one can go instead
        for prefix, seen in self._seen.items():
            if seen is not None and prefix != keep:
                del self._seen[prefix]
                return
        self._seen.popitem(last=False)  # all learned: the oldest (never ``keep``, the newest)


_learner: PathLearner | None = None
_learner_lock = threading.Lock()


def set_learning(threshold: int | None) -> None:
    """Turn learning mode on with ``threshold`` (a fresh memory), or off with None.
    ``ValueError`` for a threshold that is not a positive int."""
    global _learner  # noqa: PLW0603 - one memory per process, as the issue asks
    learner = None if threshold is None else PathLearner(threshold)
    with _learner_lock:
        _learner = learner


def learning() -> PathLearner | None:
    """The process's learner, when learning mode is on."""
    return _learner
