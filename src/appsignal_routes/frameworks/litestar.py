"""Litestar: ask the app's ``ASGIRouter.handle_routing``, as its ``__call__`` does.

The path is prepared as the router prepares it (``root_path`` split off, normalised),
then ``handle_routing(path=..., method=...)`` (Litestar's own routing trie, behind its
own LRU cache) names the route handler and, since Litestar 2.11, the route's
``path_template``: its ``path_format``, without parameter types (``/users/{user_id}``).
The group is the path, as declared (types included: ``/users/{user_id:int}``), of the
route that holds the handler; for a handler on several paths, of the one the request's
path fits, else the route whose ``path_format`` is the template. The template alone is
not enough: Litestar names none before 2.11, an empty one for a route without
parameters in 2.11-2.12, none for a mount, and (in 2.12 at least) the template of a route
that shares the node (``/v/{n}/latest`` for ``/v/3``). A method the route does not take (a 405,
``MethodNotAllowedException``) is asked again with one it takes; a path no route
matches (``NotFoundException``) has none. A mounted ASGI app (``@asgi(..., is_mount=True)``,
static files) is one none can see into: it is grouped by its mount path, as an opaque
``Found`` that a declared route outranks.

Answers are remembered per method and path, by the path's shape where the routes allow
it: when no route has a static segment of digits alone and every parameter's type
takes any digits alike (``int``, ``str``, ``float``, ``Decimal``, ``path``) or none of
a given length (``uuid``), ``/users/42`` and ``/users/43`` share one entry. A ``date``
or ``time`` parameter reads the digits' value: then the whole path is the key.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.exceptions import MethodNotAllowedException, NotFoundException
from litestar.utils import normalize_path

from . import DiscoveredRoute, Found, Router
from ._names import dotted_name
from ._route_cache import MISS, RouteCache, shape

DISTRIBUTION = "litestar"  # whose installed version route discovery checks
LOWEST = "2.0"  # the lowest release of it this adapter supports, tested in CI

#: Parameter types under which every segment of digits alone of one length parses alike
_UNIFORM_TYPES = frozenset({int, str, float, Decimal, Path, uuid.UUID})


class LitestarRouter:
    """Routes a request as ``ASGIRouter.__call__`` does; routes registered after
    ``instrument()`` (``app.register``) count: the declared paths are re-read when the
    app's route list changes."""

    framework = "Litestar"

    def __init__(self, app: Litestar) -> None:
        self._app = app
        self._handle_routing = app.asgi_router.handle_routing
        self._declared: dict[str, str] = {}
        self._holders: dict[int, list[Any]] = {}  # id of a route handler -> its routes
        self._routes_seen = -1
        self._cache: RouteCache[tuple[str | None, str]] = RouteCache()
        self._shaped: tuple[object, bool] = (None, False)  # route-list version, by shape

    def route(self, method: str | None, path: str, request: Any) -> str | Found | None:
        # the path as the router prepares it from the scope
        path = str(request.get("path") or "/")
        if root_path := request.get("root_path", ""):
            path = path.split(root_path, maxsplit=1)[-1]
        path = normalize_path(path)
        routes = self._app.routes
        version = (len(routes), routes[-1] if routes else None)
        entries = self._cache.entries(version)
        if self._shaped[0] != version:
            self._shaped = (version, _digits_route_alike(routes))
        key = (method, shape(path) if self._shaped[1] else path)
        found = entries.get(key, MISS)
        if found is not MISS:
            return found
        template = self._routed(method, path)
        self._cache.store(entries, key, template)
        return template

    def _routed(self, method: str | None, path: str) -> str | Found | None:
        try:
            found = self._handle_routing(path=path, method=method)
        except MethodNotAllowedException as error:
            allowed = str((error.headers or {}).get("allow", "")).split(",")[0].strip()
            try:  # Litestar 2.0 sends no Allow header: its HTTP routes all take OPTIONS
                found = self._handle_routing(path=path, method=allowed or "OPTIONS")
            except MethodNotAllowedException:
                return None
            template = str(found[4]) if len(found) > 4 else ""  # noqa: PLR2004 - Litestar 2.11+
            return self._declared_path(template, found[1], path)  # no handler of its own: a 405
        except NotFoundException:
            return None
        template = str(found[4]) if len(found) > 4 else ""  # noqa: PLR2004 - Litestar 2.11+
        declared = self._declared_path(template, found[1], path)
        # with the route handler's function, where a decorator may sit
        if declared is None:
            return None
        fn = getattr(found[1], "fn", None)
        fn = getattr(fn, "value", fn)  # (Litestar 2.0 holds a Ref)
        return Found(declared, fn, opaque=getattr(found[1], "is_mount", False) is True)

    def _declared_path(self, template: str, handler: Any, path: str) -> str | None:
        routes = self._app.routes
        if len(routes) != self._routes_seen:
            self._declared = {route.path_format: route.path for route in routes}
            self._holders = {}
            for route in routes:
                for held in _handlers_of(route):
                    self._holders.setdefault(id(held), []).append(route)
            self._routes_seen = len(routes)
        holders = self._holders.get(id(handler), [])
        if len(holders) > 1:  # one handler on several paths: the one the path fits
            holders = [route for route in holders if _fits(route, path)] or holders
        if len(holders) == 1:
            return str(holders[0].path)
        declared = self._declared.get(template) if template else None
        if declared is not None:
            return declared
        if holders:
            return str(holders[0].path)
        return template or None

    def routes(self) -> Iterable[DiscoveredRoute]:
        listed = []
        for route in self._app.routes:
            for handler in _handlers_of(route):
                methods = getattr(handler, "http_methods", None) or ()
                fn = getattr(handler.fn, "value", handler.fn)  # Litestar 2.0 holds a Ref
                if getattr(handler, "is_mount", False):
                    methods = ()
                elif methods == {"OPTIONS"} and "create_options_handler" in str(
                    getattr(fn, "__qualname__", "")
                ):
                    continue  # the OPTIONS answer Litestar adds to every path
                listed.append(DiscoveredRoute(tuple(sorted(methods)), route.path, dotted_name(fn)))
        return listed


def _handlers_of(route: Any) -> list[Any]:
    return list(getattr(route, "route_handlers", None) or [getattr(route, "route_handler")])  # noqa: B009


def _fits(route: Any, path: str) -> bool:
    """Whether ``path`` has the static segments of ``route`` where it has them."""
    segments = [segment for segment in path.split("/") if segment]
    components = list(getattr(route, "path_components", ()))
    if len(components) != len(segments) and not any(
        getattr(component, "type", None) is Path for component in components
    ):
        return False
    return all(
        not isinstance(component, str) or component.strip("/") == segment
        for component, segment in zip(components, segments, strict=False)
    )


def _digits_route_alike(routes: Iterable[Any]) -> bool:
    """Whether every route takes any segment of digits alone of one length alike."""
    for route in routes:
        for component in getattr(route, "path_components", ()):
            if isinstance(component, str):
                if component.isdigit():
                    return False  # a static "2024": which route depends on the value
            elif getattr(component, "type", None) not in _UNIFORM_TYPES:
                return False
    return True


def router_for(app: object) -> Router | None:
    if not isinstance(app, Litestar):
        return None
    handle_routing = getattr(getattr(app, "asgi_router", None), "handle_routing", None)
    if not callable(handle_routing) or not isinstance(getattr(app, "routes", None), list):
        raise TypeError("Litestar app without asgi_router.handle_routing and a routes list")
    return LitestarRouter(app)
