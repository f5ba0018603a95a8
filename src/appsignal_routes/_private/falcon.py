"""Falcon's private names (see ``_private``): an app's ``_router`` (its tree in
``CompiledRouter._roots``), its ``_sink_and_static_routes`` and ``StaticRoute._prefix``.
Falcon has no public way to any of them: the fallbacks know nothing."""

from __future__ import annotations

from typing import Any

import falcon
from falcon.routing import CompiledRouter
from falcon.routing.compiled import CompiledRouterNode
from falcon.routing.static import StaticRoute

from . import take


class _Resource:
    def on_get(self, req: object, resp: object) -> None:
        """A responder, for the probe."""


def _router_found() -> bool:
    """Whether an app keeps its compiled router in ``_router``, its tree in ``_roots``."""
    app: Any = falcon.App()
    app.add_route("/probe/{id}", _Resource())
    router = app._router
    found = router.find("/probe/1") if isinstance(router, CompiledRouter) else None
    roots = getattr(router, "_roots", None)
    return (
        found is not None
        and found[3] == "/probe/{id}"
        and isinstance(roots, list)
        and all(isinstance(node, CompiledRouterNode) for node in roots)
        and [node.raw_segment for node in roots] == ["probe"]
    )


def _sinks_found() -> bool:
    """Whether an app lists its sinks and static routes, as (matcher, handler, is_sink),
    in ``_sink_and_static_routes``, and a static route keeps its prefix in ``_prefix``."""
    app: Any = falcon.App()
    app.add_static_route("/static", "/")
    routes = app._sink_and_static_routes
    matcher, _, is_sink = routes[0]
    return len(routes) == 1 and is_sink is False and static_prefix_of(matcher) == "/static/"


def static_prefix_of(matcher: object) -> str | None:
    """A static route's prefix (with its trailing slash), read from ``_prefix``."""
    prefix = getattr(matcher, "_prefix", None) if isinstance(matcher, StaticRoute) else None
    return prefix if isinstance(prefix, str) else None


_ROUTER = take("falcon.router", _router_found)
_SINKS = take("falcon.sinks", _sinks_found)


def router_of(app: falcon.App[Any, Any]) -> object | None:
    """The router ``app`` routes with; None where Falcon keeps it otherwise."""
    return getattr(app, "_router", None) if _ROUTER else None


def roots_of(router: CompiledRouter) -> list[CompiledRouterNode]:
    """The top nodes of a compiled router's tree (none where it keeps them otherwise)."""
    return router._roots if _ROUTER else []


def sinks_and_static_routes(app: falcon.App[Any, Any]) -> tuple[Any, ...]:
    """The (matcher, handler, is_sink) tried after the routes, in Falcon's order; none
    where Falcon keeps them otherwise."""
    return app._sink_and_static_routes if _SINKS else ()


def static_prefix(matcher: object) -> str | None:
    """A static route's prefix; None where Falcon keeps it otherwise."""
    return static_prefix_of(matcher) if _SINKS else None
