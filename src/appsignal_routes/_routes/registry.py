"""The process-wide registry of declared routes, matched at request start.

Every template a ``@route`` decorator declares lands here, plus the ``routes=[...]``
given to ``start()``, and whether middlewares infer routes by default. A process has
one set of routes, so this is process-wide state (``settings``, read on every request
without a call); ``reset()`` empties it for tests.
"""

from __future__ import annotations

from collections.abc import Iterable

from .infer import set_learning
from .table import RouteTable
from .template import RouteTemplate


class _Settings:
    __slots__ = ("infer", "regex_routes", "table")

    def __init__(self) -> None:
        self.table = RouteTable()
        #: whether middlewares built without ``infer_routes=`` infer (set by ``start()``)
        self.infer = False
        #: how apps instrumented without ``regex_routes=`` name regex routes (set by
        #: ``start()``; None: ``APPSIGNAL_ROUTES_REGEX_ROUTES``, else "readable")
        self.regex_routes: str | None = None


#: The declared routes and the inference default of the process.
settings = _Settings()


def declare(template: str | RouteTemplate) -> RouteTemplate:
    """Add one template to the registry; returns it parsed."""
    return settings.table.add(template)


def declare_all(templates: Iterable[str | RouteTemplate]) -> None:
    for template in templates:
        settings.table.add(template)


def registry() -> RouteTable:
    """The live table (read it, do not keep it across ``reset()``)."""
    return settings.table


def infer_by_default() -> bool:
    """Whether middlewares built without ``infer_routes=`` infer routes (set by ``start()``)."""
    return settings.infer


def set_infer_by_default(infer: bool) -> None:
    settings.infer = bool(infer)


def reset() -> None:
    """Forget every declared route, the inference default and what inference learned
    (for tests)."""
    settings.table = RouteTable()
    settings.infer = False
    settings.regex_routes = None
    set_learning(None)
