"""Starlette (and FastAPI's router): ask the app's routes in order, as its router does.

``Router.app`` tries each route's ``matches(scope)``: the first ``Match.FULL`` wins at
once, else the first ``Match.PARTIAL`` (the path matches, the method does not: a 405).
A ``Mount`` or ``Host`` whose app has routes is descended into with the child scope it
gives (a Mount's ``root_path``), so ``Mount("/api", routes=[Route("/items/{id:int}")])``
gives ``/api/items/{id:int}``; a Mount of a foreign ASGI app (``StaticFiles``, a WSGI
app) is grouped by the mount's path alone (``/static``), as Starlette's and the contrib
instrumentor's ``http.route`` name it. Templates are the paths as written, converters
included. FastAPI's included routers (not copied into ``app.routes`` since 0.137) are
read through ``fastapi.routing.iter_route_contexts``, with their prefixes. A route is
found with its endpoint (a function, or an ``HTTPEndpoint`` class), so a decorated
endpoint groups the request from the start.

Plain routes are matched by their own path regex and methods, which is what their
``matches()`` does without building a child scope; any other route is asked through
``matches()``. Answers are remembered per request key (type, method, path, and the
Host header when Host routes exist) in a bounded map, emptied when a route list grows
or shrinks.
"""

from __future__ import annotations

import logging
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from starlette.applications import Starlette
from starlette.routing import Host, Match, Mount, Route, WebSocketRoute
from starlette.routing import Router as StarletteRouting

from . import DiscoveredRoute, Found, Router
from ._names import dotted_name
from ._route_cache import MISS, RouteCache

logger = logging.getLogger("appsignal_routes")

#: how many ``.app`` links (middleware) are followed to find the app below a wrapper
_MAX_WRAPPERS = 16
_PARTIAL_NONE = object()


@dataclass(slots=True)
class _Entry:
    """One route of a route list, ready to be asked."""

    route: Any  # the route (or FastAPI RouteContext): what matches(scope) is asked
    template: str | None  # a leaf's template; a container's path prefix
    fast: Callable[[str], object] | None = None  # a plain route's path regex match
    kind: str = "http"  # the scope type a plain route takes
    methods: frozenset[str] | None = None  # a plain HTTP route's methods (None: any)
    below: _Index | None = None  # a Mount's or Host's routes
    first: str | None = None  # the first path segment every path it matches has
    answer: str | Found | None = None  # a leaf's template, with its endpoint if it has one


class _Index:
    """A route list, with the entries a path can match by its first segment: each
    bucket keeps the list's order, so the first match is still the router's."""

    __slots__ = ("buckets", "entries", "rest")

    def __init__(self, entries: list[_Entry]) -> None:
        self.entries = entries
        self.rest = [entry for entry in entries if entry.first is None]
        self.buckets = {
            first: [entry for entry in entries if entry.first in (first, None)]
            for first in {entry.first for entry in entries}
            if first is not None
        }

    def candidates(self, path: str) -> list[_Entry]:
        return self.buckets.get(_first_segment(path) or "", self.rest)


class StarletteRouter:
    """Routes a request as the app's ``Router`` would; rebuilt when a route list changes,
    so routes added after ``instrument()`` count."""

    def __init__(self, app: Any, routing: StarletteRouting, framework: str) -> None:
        self.framework = framework
        self._app = app
        self._routing = routing
        self._cache: RouteCache[tuple[Any, ...]] = RouteCache()
        self._lists: list[list[Any]] = []
        self._version: tuple[int, ...] = ()
        self._hosts = False
        self._index = self._build()

    def route(self, method: str | None, path: str, request: Any) -> str | Found | None:  # noqa: ARG002 - the scope says it as the router sees it
        scope = request
        root_path = getattr(self._app, "root_path", "") or scope.get("root_path", "")
        route_path = _route_path(str(scope.get("path", "")), root_path)
        version = tuple(map(len, self._lists))
        if version != self._version:
            self._index = self._build()
            version = self._version
        kind = scope.get("type")
        host = _host(scope) if self._hosts else None
        key = (kind, method, route_path, host)
        entries = self._cache.entries(version)
        found = entries.get(key, MISS)
        if found is not MISS:
            return found
        if root_path and scope.get("root_path") != root_path:
            scope = {**scope, "root_path": root_path}  # FastAPI(root_path=...) sets it so
        template = _find(self._index, scope, route_path, kind, method)
        self._cache.store(entries, key, template)
        return template

    def routes(self) -> Iterable[DiscoveredRoute]:
        return list(_listing(self._build().entries, ""))

    def _build(self) -> _Index:
        """The routes as entries, and the route lists whose lengths version them."""
        lists: list[list[Any]] = []
        self._hosts = False
        index = self._index_of(self._routing.routes, lists)
        self._lists = lists
        self._version = tuple(map(len, lists))
        return index

    def _index_of(self, routes: list[Any], lists: list[list[Any]]) -> _Index:
        lists.append(routes)
        entries = []
        for item in _flatten(routes, lists):
            original = getattr(item, "original_route", item)
            kind = type(original)
            path = getattr(item, "path", None)
            path = path if isinstance(path, str) else None
            regex = getattr(item, "path_regex", None)
            answer = _answer(path, getattr(original, "endpoint", None))
            if kind in _PLAIN_HTTP and regex is not None and path is not None:
                methods = getattr(item, "methods", None)
                methods = frozenset(methods) if methods else None
                entries.append(
                    _Entry(item, path, regex.match, "http", methods, None, _static(path), answer)
                )
            elif kind in _PLAIN_WEBSOCKET and regex is not None and path is not None:
                entries.append(
                    _Entry(item, path, regex.match, "websocket", None, None, _static(path), answer)
                )
            elif isinstance(original, (Mount, Host)):
                below = getattr(item, "routes", None)
                self._hosts = self._hosts or isinstance(original, Host)
                prefix = path if isinstance(original, Mount) else ""
                first = _static(prefix) if prefix else None
                if isinstance(below, list) and below:
                    below_index = self._index_of(below, lists)
                    entries.append(_Entry(item, prefix, below=below_index, first=first))
                else:  # a foreign app: its mount path, if it has one
                    entries.append(_Entry(item, prefix or None, first=first, answer=prefix or None))
            else:
                entries.append(_Entry(item, path, answer=answer))
        return _Index(entries)


def _answer(path: str | None, endpoint: object) -> str | Found | None:
    """What a leaf route answers: its template, found with its endpoint if it has one."""
    if path is None or endpoint is None:
        return path
    return Found(path, endpoint)


#: route types whose ``matches()`` is exactly "path regex, then methods"
_PLAIN_HTTP: set[type] = {Route}
_PLAIN_WEBSOCKET: set[type] = {WebSocketRoute}


def _flatten(routes: list[Any], lists: list[list[Any]]) -> list[Any]:
    """The routes as the router tries them: FastAPI's included routers opened up (their
    own route lists are watched too)."""
    included = [route for route in routes if hasattr(route, "original_router")]
    if not included:
        return routes
    fastapi_routing = sys.modules.get("fastapi.routing")
    iter_route_contexts = getattr(fastapi_routing, "iter_route_contexts", None)
    if iter_route_contexts is None:
        raise TypeError("FastAPI's included routers without fastapi.routing.iter_route_contexts")
    _watch_included(included, lists)
    return list(iter_route_contexts(routes))


def _watch_included(included: list[Any], lists: list[list[Any]]) -> None:
    for route in included:
        below = route.original_router.routes
        lists.append(below)
        _watch_included([r for r in below if hasattr(r, "original_router")], lists)


def _first_segment(path: str) -> str | None:
    return path[1:].partition("/")[0] if path.startswith("/") else None


def _static(template: str) -> str | None:
    """A template's first segment when it is literal (every path it matches has it)."""
    first = _first_segment(template)
    return None if first is None or "{" in first else first


def _find(index: _Index, scope: Any, path: str, kind: object, method: object) -> str | Found | None:
    """The template of the route ``Router.app`` would hand the request to (with its
    endpoint, where it has one), or None."""
    partial: object = _PARTIAL_NONE
    for entry in index.candidates(path):
        fast = entry.fast
        if fast is not None:
            if entry.kind != kind or fast(path) is None:
                continue
            methods = entry.methods
            if methods is None or method in methods:
                return entry.answer
            if partial is _PARTIAL_NONE:
                partial = entry.answer
            continue
        match, child = entry.route.matches(scope)
        if match is Match.NONE:
            continue
        found: str | Found | None = entry.answer
        below = entry.below
        if below is not None:
            child_scope = {**scope, **child}
            inner = _find(below, child_scope, path_of(child_scope), kind, method)
            found = None if inner is None else _joined(entry.template or "", inner)
        if match is Match.FULL:
            return found
        if partial is _PARTIAL_NONE:
            partial = found
    return None if partial is _PARTIAL_NONE else cast("str | Found | None", partial)


def _joined(prefix: str, inner: str | Found) -> str | Found:
    if isinstance(inner, Found):
        return Found(prefix + inner.template, inner.handler)
    return prefix + inner


def path_of(scope: Any) -> str:
    """A (child) scope's path below its ``root_path``."""
    return _route_path(str(scope.get("path", "")), scope.get("root_path", ""))


def _route_path(path: str, root_path: str) -> str:
    """``starlette._utils.get_route_path``: the path below ``root_path``."""
    if not root_path or not path.startswith(root_path):
        return path
    if path == root_path:
        return ""
    if path[len(root_path)] == "/":
        return path[len(root_path) :]
    return path


def _host(scope: Any) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == b"host":
            return bytes(value).decode("latin-1").lower()
    return None


def _listing(entries: list[_Entry], prefix: str) -> Iterator[DiscoveredRoute]:
    for entry in entries:
        route = entry.route
        if entry.below is not None:
            yield from _listing(entry.below.entries, prefix + (entry.template or ""))
            continue
        if entry.template is None:
            continue
        methods = getattr(route, "methods", None) if entry.kind == "http" else None
        handler = getattr(route, "endpoint", None) or getattr(route, "app", None)
        yield DiscoveredRoute(
            tuple(sorted(methods or ())),
            prefix + entry.template,
            dotted_name(handler) if handler is not None else "",
        )


def find_app(app: object) -> Any | None:
    """The Starlette app (or bare ``Router``) at or below ``app``, through middleware
    that keep the app they wrap in ``.app``."""
    current: object = app
    for _ in range(_MAX_WRAPPERS):
        if isinstance(current, (Starlette, StarletteRouting)):
            return current
        current = getattr(current, "app", None)
        if current is None:
            return None
    return None


def router_for(app: object) -> Router | None:
    found = find_app(app)
    if found is None:
        return None
    routing = found.router if isinstance(found, Starlette) else found
    if not isinstance(routing, StarletteRouting) or not isinstance(
        getattr(routing, "routes", None), list
    ):
        raise TypeError(f"{type(found).__name__} has no Router with a routes list")
    _register_fastapi_types()
    modules = {cls.__module__.partition(".")[0] for cls in type(found).__mro__}
    return StarletteRouter(found, routing, "FastAPI" if "fastapi" in modules else "Starlette")


def _register_fastapi_types() -> None:
    """FastAPI's route classes whose ``matches()`` is their base's (at the top level)."""
    fastapi_routing = sys.modules.get("fastapi.routing")
    for name, plain in (("APIRoute", _PLAIN_HTTP), ("APIWebSocketRoute", _PLAIN_WEBSOCKET)):
        cls = getattr(fastapi_routing, name, None)
        if isinstance(cls, type):
            plain.add(cls)


def prepare(app: object) -> object:
    """``app``, or, when Starlette's own ``OpenTelemetryMiddleware`` wraps it or is in
    its middleware list, ``app`` called with that middleware's "already traced" scope
    key set: it then starts no second server span (in a trace of its own) inside ours.
    The stand-in is a method bound to ``app``, so route discovery still finds the app."""
    if not _starlette_telemetry_in(app):
        return app
    logger.info(
        "appsignal-routes: Starlette's OpenTelemetryMiddleware in %r stands aside; "
        "each request gets the server span of instrument()",
        app,
    )
    return types.MethodType(_as_traced, app)


async def _as_traced(app: Any, scope: Any, receive: Any, send: Any) -> None:
    scope[_STARLETTE_TRACED] = True  # its own re-entry guard: "a span is running"
    await app(scope, receive, send)


_STARLETTE_TRACED = "starlette.opentelemetry"


def _starlette_telemetry_in(app: object) -> bool:
    module = sys.modules.get("starlette.middleware.opentelemetry")
    middleware = getattr(module, "OpenTelemetryMiddleware", None)
    if middleware is None:
        return False
    current: object = app
    for _ in range(_MAX_WRAPPERS):
        if isinstance(current, middleware):
            return True
        if isinstance(current, Starlette):
            return any(getattr(m, "cls", None) is middleware for m in current.user_middleware)
        current = getattr(current, "app", None)
        if current is None:
            break
    return False
