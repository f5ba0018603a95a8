"""The process-wide registry of declared routes, matched at request start.

Every template a ``@route`` decorator declares lands here, plus the ``routes=[...]``
given to ``start()``. A process has one set of routes, so this is one of the two
pieces of global state the toolkit keeps (the other is the started agent);
``reset()`` empties it for tests.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._infer import set_learning
from ._route_table import RouteTable
from ._template import RouteTemplate

_table = RouteTable()
_infer_by_default = False


def declare(template: str | RouteTemplate) -> RouteTemplate:
    """Add one template to the registry; returns it parsed."""
    return _table.add(template)


def declare_all(templates: Iterable[str | RouteTemplate]) -> None:
    for template in templates:
        _table.add(template)


def registry() -> RouteTable:
    """The live table (read it, do not keep it across ``reset()``)."""
    return _table


def infer_by_default() -> bool:
    """Whether middlewares built without ``infer_routes=`` infer routes (set by ``start()``)."""
    return _infer_by_default


def set_infer_by_default(infer: bool) -> None:
    global _infer_by_default  # noqa: PLW0603 - a process-wide default, like the table
    _infer_by_default = bool(infer)


def reset() -> None:
    """Forget every declared route, the inference default and what inference learned
    (for tests)."""
    global _table  # noqa: PLW0603 - the one process-wide table, replaced whole
    _table = RouteTable()
    set_infer_by_default(False)
    set_learning(None)


_infer_by_default = False
