"""Werkzeug's private names (see ``_private``): a routing ``Map``'s ``_remap`` and
``_rules_by_endpoint``, a ``Rule``'s ``_converters``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sized
from operator import attrgetter
from typing import Any

from werkzeug.routing import Map, Rule, parse_converter_args

from . import take


def _changes_found() -> bool:
    """Whether a map flags rules added since its last match in ``_remap`` and keeps one
    entry per endpoint in ``_rules_by_endpoint``."""
    url_map: Any = Map([Rule("/a", endpoint="a")])
    before = (url_map._remap, len(url_map._rules_by_endpoint))
    url_map.bind("localhost").match("/a")
    matched = url_map._remap
    url_map.add(Rule("/b", endpoint="b"))
    return (
        before == (True, 1)
        and matched is False
        and url_map._remap is True
        and (
            len(url_map._rules_by_endpoint) == 2  # noqa: PLR2004 - the two endpoints
        )
    )


def _converters_found() -> bool:
    """Whether a rule keeps its converters by argument name in ``_converters``."""
    url_map: Any = Map([Rule("/<int:a>/<b>", endpoint="a")])
    rule: Any = next(url_map.iter_rules())
    converters = rule._converters
    return isinstance(converters, dict) and sorted(converters) == ["a", "b"]


_CHANGES = take("werkzeug.map.changes", _changes_found)
_CONVERTERS = take("werkzeug.rule.converters", _converters_found)


def _never_pending(url_map: Map) -> bool:  # noqa: ARG001 - as werkzeug's flag is read
    return False


def _every_rule(url_map: Map) -> Sized:
    return list(url_map.iter_rules())


#: Whether rules were added to a map that no match has seen yet (werkzeug's own flag,
#: read at C speed); where werkzeug does not say, False (``grown_by`` then counts every
#: rule).
rules_pending: Callable[[Map], bool] = attrgetter("_remap") if _CHANGES else _never_pending
#: What a map grows by as rules are added, for ``len``: its endpoints (read at C speed),
#: or its rules (listed, where werkzeug keeps them otherwise).
grown_by: Callable[[Map], Sized] = attrgetter("_rules_by_endpoint") if _CHANGES else _every_rule


def map_size(url_map: Map) -> int:
    """A number that grows as rules are added to ``url_map`` (``len(grown_by(...))``)."""
    return len(grown_by(url_map))


#: a rule's ``<converter(arguments):variable>``, as werkzeug parses it
_VARIABLE = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<arguments>.*?)\))?:)?"
    r"(?P<variable>[a-zA-Z_][a-zA-Z0-9_]*)>"
)


def _converters_made(rule: Rule) -> list[object]:
    """The converters of ``rule``'s arguments, made again the public way from the rule
    as written (``parse_converter_args``, ``Rule.get_converter``)."""
    converters: list[object] = []
    for found in _VARIABLE.finditer(rule.rule):
        args, kwargs = parse_converter_args(found["arguments"] or "")
        name = found["converter"] or "default"
        converters.append(rule.get_converter(found["variable"], name, args, kwargs))
    return converters


def converters_of(rule: Rule) -> Iterable[object]:
    """The converters of ``rule``'s arguments: those it keeps, or made again."""
    if _CONVERTERS:
        return rule._converters.values()
    return _converters_made(rule)
