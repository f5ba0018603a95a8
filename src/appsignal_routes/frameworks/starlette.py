"""Starlette (and FastAPI's router): ask the app's routes in order, as its router does.

``Router.app`` tries each route's ``matches(scope)``: the first ``Match.FULL`` wins at
once, else the first ``Match.PARTIAL`` (the path matches, the method does not: a 405).
A ``Mount`` or ``Host`` whose app has routes is descended into with the child scope it
gives (a Mount's ``root_path``), so ``Mount("/api", routes=[Route("/items/{id:int}")])``
gives ``/api/items/{id:int}``. A Mount (or Host) of an app of its own is followed into
that app with the router ``router_for`` reads for it, whatever its framework (a Flask
app through a2wsgi, Django's ASGI handler, a Falcon app): its route joined to the
mount's path (``/legacy`` + ``/add``: ``/legacy/add``), no route when it has none. A
mounted app none can see into (``StaticFiles``) is grouped by the mount's path
(``/static``), as Starlette's and the contrib instrumentor's ``http.route`` name it,
unless a declared route matches (an opaque ``Found``). Templates are the paths as
written, converters included. FastAPI's included routers (not copied into
``app.routes`` since 0.137) are read through ``fastapi.routing.iter_route_contexts``,
with their prefixes. A route is found with its endpoint (a function, or an
``HTTPEndpoint`` class), so a decorated endpoint groups the request from the start.

Plain routes are matched by their own path regex and methods, which is what their
``matches()`` does without building a child scope; any other route is asked through
``matches()``. Answers are remembered per request key (type, method, path, and the
Host header when Host routes exist) in a bounded map, emptied when a route list grows
or shrinks. An answer is kept by the path's shape too (``_route_cache.shape``:
``/users/42`` and ``/users/43`` share one entry; a path the routes were walked for is found by
itself, without its shape computed) where every route and Mount of the tree takes a segment
of digits alone alike whatever its value: only Starlette's own convertors (``str``,
``path``, ``int``, ``float``, ``uuid``, which match any digits of one length alike, or
none), no static segment of digits alone (``/2024/...``), and no route asked through a
``matches()`` of its own. A mounted app's answer is remembered only while its router's
``answers_version()`` holds (see ``_mounted``), and by the path's shape only where that
router says its answers go by shape too (``answers_by_shape``); else the mounted router
is asked.
"""

from __future__ import annotations

import logging
import re
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from starlette.applications import Starlette
from starlette.convertors import (
    CONVERTOR_TYPES,
    FloatConvertor,
    IntegerConvertor,
    PathConvertor,
    StringConvertor,
    UUIDConvertor,
)
from starlette.routing import PARAM_REGEX, Host, Match, Mount, Route, WebSocketRoute
from starlette.routing import Router as StarletteRouting

from appsignal_routes._private.starlette import middleware_options

from . import DiscoveredRoute, Found, Router, prepare_mounted
from . import router_for as _router_of
from ._mounted import answers_version, below_mount, mounted_routes, prefixed
from ._names import dotted_name
from ._route_cache import MISS, RouteCache, shape
from ._tracing import Tracing

DISTRIBUTION = "starlette"  # whose installed version route discovery checks
LOWEST = "0.27"  # the lowest release of it this adapter supports, tested in CI

logger = logging.getLogger("appsignal_routes")

#: how many ``.app`` links (middleware) are followed to find the app below a wrapper
_MAX_WRAPPERS = 16
_PARTIAL_NONE = object()
#: the last item of a key by the path's shape: never equal to a key by the path itself
_SHAPED = "shape"
#: convertor regexes that match every segment of digits alone of one length alike (or
#: none): Starlette's own, and the signed ones Connexion registers in place of its
#: "int" and "float" (in every app of the process, once a Connexion app is made)
_UNIFORM_REGEXES = frozenset(
    [
        *(
            convertor.regex
            for convertor in (
                StringConvertor,
                PathConvertor,
                IntegerConvertor,
                FloatConvertor,
                UUIDConvertor,
            )
        ),
        r"[+-]?[0-9]+",
        r"[+-]?[0-9]*(\.[0-9]*)?",
    ]
)


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
    mounted: object = None  # the app of a Mount or Host that has no routes list
    inner: Router | None = None  # that app's router, if one can be read
    answer_below: Any = None  # its answer_below (see _composed.WrappedRouter), if it has one
    mount_match: Callable[[str], re.Match[str] | None] | None = None  # a plain Mount's regex


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
        #: whether answers are kept by the path's shape too (every route takes digits alike)
        self._by_shape = False
        #: id of a mounted app -> (the app, its router): read once, kept across rebuilds
        self._mounted: dict[int, tuple[object, Router | None]] = {}
        self._prepared: dict[int, object] = {}
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
        found: Any = entries.get(key, MISS)
        shaped = None
        if found is MISS and self._by_shape:  # a path not seen: one of its shape, maybe
            shaped = (kind, method, shape(route_path), host, _SHAPED)
            found = entries.get(shaped, MISS)
        if found is not MISS and (
            type(found) is not _Held or answers_version(found.router) == found.version
        ):  # (a mounted app's answer while its routes stay as they were)
            return cast("str | Found | None", found.answer if type(found) is _Held else found)
        if root_path and scope.get("root_path") != root_path:
            scope = {**scope, "root_path": root_path}  # FastAPI(root_path=...) sets it so
        template, remember = _find(self._index, scope, route_path, kind, method)
        if remember is False:
            return template
        answer: Any = template if remember is True else _Held(template, *remember)
        self._cache.store(entries, key, answer)  # (an opaque Found too: as it is)
        if self._by_shape and (
            remember is True or getattr(answer.router, "answers_by_shape", False) is True
        ):  # not where a mounted app's router tells ids apart
            shaped = shaped or (kind, method, shape(route_path), host, _SHAPED)
            self._cache.store(entries, shaped, answer)
        return template

    def routes(self) -> Iterable[DiscoveredRoute]:
        return list(_listing(self._build().entries, ""))

    def _build(self) -> _Index:
        """The routes as entries, and the route lists whose lengths version them."""
        lists: list[list[Any]] = []
        self._hosts = False
        self._by_shape = True  # until a route that tells digits apart is seen
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
                self._by_shape = self._by_shape and _digits_alike(path)
            elif kind in _PLAIN_WEBSOCKET and regex is not None and path is not None:
                self._by_shape = self._by_shape and _digits_alike(path)
                entries.append(
                    _Entry(item, path, regex.match, "websocket", None, None, _static(path), answer)
                )
            elif isinstance(original, (Mount, Host)):
                below = getattr(item, "routes", None)
                self._hosts = self._hosts or isinstance(original, Host)
                prefix = path if isinstance(original, Mount) else ""
                first = _static(prefix) if prefix else None
                self._by_shape = self._by_shape and _digits_alike(prefix or "")
                if isinstance(below, list) and below:
                    self._prepare(getattr(original, "app", None))
                    below_index = self._index_of(below, lists)
                    entries.append(_Entry(item, prefix, below=below_index, first=first))
                else:  # an app of its own: its router, else its mount path (if any)
                    app = getattr(original, "app", None)
                    entry = _Entry(item, prefix or None, first=first, mounted=app)
                    entry.inner = self._router_of(app)
                    entry.answer_below = getattr(entry.inner, "answer_below", None)
                    if kind is Mount and entry.inner is not None and regex is not None:
                        entry.mount_match = regex.match if "(?P<path>" in regex.pattern else None
                    entries.append(entry)
            else:  # asked through its own matches(): what it makes of digits is unknown
                self._by_shape = False
                entries.append(_Entry(item, path, answer=answer))
        return _Index(entries)

    def _router_of(self, app: object) -> Router | None:
        known = self._mounted.get(id(app))
        if known is None or known[0] is not app:
            self._prepare(app)
            known = (app, _router_of(app))
            self._mounted[id(app)] = known
        return known[1]

    def _prepare(self, app: object) -> None:
        """A mounted app prepared once (FastAPI's telemetry adopts our span)."""
        if self._prepared.get(id(app)) is not app:
            self._prepared[id(app)] = app
            prepare_mounted(app)


class _Held:
    """A mounted app's answer, valid while its router's version is ``version``."""

    __slots__ = ("answer", "router", "version")

    def __init__(self, answer: str | Found | None, router: Router, version: object) -> None:
        self.answer = answer
        self.router = router
        self.version = version


#: whether an answer may be remembered: always, never, or while (router, version) holds
Remember = bool | tuple[Router, object]


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


def _digits_alike(template: str) -> bool:
    """Whether ``template`` matches every segment of digits alone of one length alike:
    its convertors are of ``_UNIFORM_REGEXES`` and no segment is digits alone but for
    its parameters (``/2024``, ``/{n:int}5``)."""
    for _, convertor in PARAM_REGEX.findall(template):
        if getattr(CONVERTOR_TYPES.get(convertor[1:] or "str"), "regex", None) not in (
            _UNIFORM_REGEXES
        ):
            return False
    for segment in template.split("/"):
        static = PARAM_REGEX.sub("", segment)
        if static and static.isdigit():
            return False
    return True


def _static(template: str) -> str | None:
    """A template's first segment when it is literal (every path it matches has it)."""
    first = _first_segment(template)
    return None if first is None or "{" in first else first


def _find(
    index: _Index, scope: Any, path: str, kind: object, method: str | None
) -> tuple[str | Found | None, Remember]:
    """The template of the route ``Router.app`` would hand the request to, or None; and
    whether the answer may be remembered by the request's key (not one a mounted app's
    router gave: its answers may depend on more than the key)."""
    partial: object = _PARTIAL_NONE
    partial_remembered: Remember = True
    for entry in index.candidates(path):
        fast = entry.fast
        if fast is not None:
            if entry.kind != kind or fast(path) is None:
                continue
            methods = entry.methods
            if methods is None or method in methods:
                return entry.answer, True
            if partial is _PARTIAL_NONE:
                partial = entry.answer
            continue
        match, child = _matches(entry, scope, path)
        if match is Match.NONE:
            continue
        found, remembered = _below(entry, scope, child, kind, method)
        if match is Match.FULL:
            return found, remembered
        if partial is _PARTIAL_NONE:
            partial, partial_remembered = found, remembered
    if partial is _PARTIAL_NONE:
        return None, True
    return cast("str | Found | None", partial), partial_remembered


def _matches(entry: _Entry, scope: Any, path: str) -> tuple[Match, Any]:
    """``entry.route.matches(scope)``; for a plain Mount of an app of its own, what it
    computes of it (the child's ``root_path``) without converting its parameters."""
    mount_match = entry.mount_match
    if mount_match is None:
        return cast("tuple[Match, Any]", entry.route.matches(scope))
    matched = mount_match(path)
    if matched is None or scope.get("type") not in ("http", "websocket"):
        return Match.NONE, {}
    remaining = "/" + matched.group("path")
    return Match.FULL, {"root_path": scope.get("root_path", "") + path[: -len(remaining)]}


def _below(
    entry: _Entry, scope: Any, child: Any, kind: object, method: str | None
) -> tuple[str | Found | None, Remember]:
    """What a route ``matches()`` took answers, given its child scope: its template, the
    route of a Mount's or Host's routes, or of the app it mounts."""
    prefix = entry.template or ""
    if entry.below is not None:
        child_scope = {**scope, **child}
        found, remembered = _find(entry.below, child_scope, path_of(child_scope), kind, method)
        return prefixed(prefix, found), remembered
    inner = entry.inner
    if inner is not None:  # the mounted app's own router, asked as the app is called
        path = _route_path(
            str(child.get("path", scope.get("path", ""))),
            child.get("root_path", scope.get("root_path", "")),
        )
        if entry.answer_below is not None:  # (it makes the child scope if it needs it)
            found, version = entry.answer_below(method, path, scope, child)
        else:
            version = answers_version(inner)  # (before it is asked: a change shows after)
            found = inner.route(method, path, {**scope, **child})
        remember: Remember = False if version is None else (inner, version)
        return (found if below_mount(inner) else prefixed(prefix, found)), remember
    if entry.mounted is not None and entry.template is not None:  # none can see into it
        return Found(entry.template, entry.mounted, opaque=True), True
    return (entry.template if entry.answer is None else entry.answer), True


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
        if entry.inner is not None:
            yield from mounted_routes(prefix + (entry.template or ""), entry.inner)
            continue
        if entry.template is None:
            continue
        methods = getattr(route, "methods", None) if entry.kind == "http" else None
        handler = getattr(route, "endpoint", None) or getattr(route, "app", None)
        yield DiscoveredRoute(
            tuple(sorted(methods or ())),
            prefix + entry.template,
            dotted_name(handler) if handler is not None else "",
            prefix=prefix + entry.template if entry.mounted is not None else "",  # none sees in
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
    return _starlette_telemetry(app) is not None


def _starlette_telemetry(app: object) -> tuple[Any, dict[str, Any]] | None:
    """Starlette's own ``OpenTelemetryMiddleware`` around or in ``app``: the instance
    that wraps it (and no options), or the class in its middleware list and the
    options it is given there; None where there is none."""
    module = sys.modules.get("starlette.middleware.opentelemetry")
    middleware = getattr(module, "OpenTelemetryMiddleware", None)
    if middleware is None:
        return None
    current: object = app
    for _ in range(_MAX_WRAPPERS):
        if isinstance(current, middleware):
            return current, {}
        if isinstance(current, Starlette):
            for entry in current.user_middleware:
                if getattr(entry, "cls", None) is middleware:
                    return middleware, dict(getattr(entry, "kwargs", {}))
            return None
        current = getattr(current, "app", None)
        if current is None:
            break
    return None


def tracing(app: object) -> Tracing | None:
    """What Starlette's ``OpenTelemetryMiddleware`` in ``app`` was told: its
    ``tracer_provider`` and its ``excluded_urls`` (searched in the full URL, as it does)."""
    found = _starlette_telemetry(app)
    if found is None:
        return None
    middleware, options = found
    if isinstance(middleware, type):
        provider = options.get("tracer_provider")
        excluded = options.get("excluded_urls", ())
        if isinstance(excluded, str):
            excluded = [p.strip() for p in excluded.split(",")] if excluded else ()
        patterns = tuple(re.compile(pattern) for pattern in excluded)
    else:
        provider, patterns = middleware_options(middleware)
    return Tracing(provider, _excluded_urls(patterns) if patterns else None)


def _excluded_urls(patterns: tuple[re.Pattern[str], ...]) -> Callable[[Any], bool]:
    from starlette.datastructures import URL  # noqa: PLC0415 - only where it is configured

    def excludes(scope: Any) -> bool:
        if scope.get("type") != "http":
            return False
        url = str(URL(scope=scope))
        return any(pattern.search(url) for pattern in patterns)

    return excludes
