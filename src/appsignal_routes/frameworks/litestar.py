"""Litestar: ask the app's ``ASGIRouter.handle_routing``, as its ``__call__`` does.

The path is prepared as the router prepares it (``root_path`` split off, normalised),
then ``handle_routing(path=..., method=...)`` (Litestar's own routing trie, behind its
own LRU cache) names the route handler and the route's ``path_template``. That template
is the route's ``path_format``, without parameter types (``/users/{user_id}``); the
group is the route's path as declared, types included (``/users/{user_id:int}``), found
by its ``path_format`` among the app's routes. A method the route does not take (a
405, ``MethodNotAllowedException``) is asked again with one it takes; a path no route
matches (``NotFoundException``) has none. A mounted ASGI app is grouped by its mount path.

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
            if not allowed:
                return None
            found = self._handle_routing(path=path, method=allowed)
            return self._declared_path(found[4], found[1])  # no handler of its own: a 405
        except NotFoundException:
            return None
        template: str = found[4]
        declared = self._declared_path(template, found[1])
        # with the route handler's function, where a decorator may sit
        return None if declared is None else Found(declared, getattr(found[1], "fn", None))

    def _declared_path(self, template: str, handler: Any) -> str | None:
        routes = self._app.routes
        if len(routes) != self._routes_seen:
            self._declared = {route.path_format: route.path for route in routes}
            self._routes_seen = len(routes)
        declared = self._declared.get(template)
        if declared is not None:
            return declared
        paths = getattr(handler, "paths", None)  # a mount: Litestar names no template
        if isinstance(paths, (set, frozenset, list, tuple)) and len(paths) == 1:
            return str(next(iter(paths)))
        return template or None

    def routes(self) -> Iterable[DiscoveredRoute]:
        listed = []
        for route in self._app.routes:
            handlers = getattr(route, "route_handlers", None) or [getattr(route, "route_handler")]  # noqa: B009
            for handler in handlers:
                methods = getattr(handler, "http_methods", None) or ()
                if getattr(handler, "is_mount", False):
                    methods = ()
                elif methods == {"OPTIONS"} and "create_options_handler" in str(
                    getattr(handler.fn, "__qualname__", "")
                ):
                    continue  # the OPTIONS answer Litestar adds to every path
                listed.append(
                    DiscoveredRoute(tuple(sorted(methods)), route.path, dotted_name(handler.fn))
                )
        return listed


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
