"""Sanic (served as ASGI): ask the app's router, ``sanic-routing``, as Sanic does.

Sanic routes ``request.path``, the request's raw path (``scope["raw_path"]``, still
percent-encoded) with its ``Host`` header, through its router's ``get``; this adapter
asks the same router's ``resolve`` (``get`` without Sanic's own LRU cache, so that asking
changes nothing in the app). The router can answer only once Sanic has finalised it,
at the ASGI lifespan's startup: until then requests fall back to the registry.

The group is the route's uri as written, with the blueprint's ``url_prefix`` (of its
groups too) and the ``version`` joined, as Sanic joined them: the route's ``raw_path``
with its leading ``/``. Sanic rewrites a bare ``<name>`` whose handler argument is
annotated ``int``, ``float``, ``str`` or ``UUID`` into ``<name:int>`` ...; such a
parameter is written back as the user wrote it, read from the app's and blueprints'
declared (future) routes. Sanic's ``route.path`` (``<name:str>``, no ``/``) is not used.

A method the route does not take (``NoMethod``, Sanic's 405) is asked again with one it
takes. A handler is named with each answer: the view function, or for an
``HTTPMethodView`` the method of the class that Sanic calls.

Answers are remembered per method, path and host, by the path's shape where every
route takes any segment of digits of one length alike (see ``_route_cache.shape``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial
from inspect import signature
from typing import Any, cast
from uuid import UUID

from sanic import Sanic
from sanic_routing.exceptions import NoMethod, NotFound

from . import DiscoveredRoute, Found, Router
from ._names import dotted_name
from ._route_cache import MISS, RouteCache, shape

DISTRIBUTION = "sanic"
LOWEST = "23.6"

#: parameter types whose pattern takes every segment of digits of one length alike, or
#: none: asked by a path's shape, ``/users/42`` and ``/users/43`` share one answer
_UNIFORM = frozenset(
    {"str", "strorempty", "nonemptystr", "int", "float", "alpha", "slug", "path", "uuid", "ymd"}
)
_PARAMETER = re.compile(r"^<([a-zA-Z_][a-zA-Z0-9_]*)(?::(.*))?>$")
#: the annotations from which Sanic types a bare ``<name>`` (``Router._normalize``)
_ANNOTATED = frozenset({str, int, float, UUID})

_Key = tuple[str, str, str | None]


class SanicRouter:
    """Routes a request as ``Sanic.handle_request`` does. Routes added later (in
    ``app.amend()``) count: Sanic finalises its router again, and the answers and
    templates are read anew."""

    framework = "Sanic (ASGI)"

    def __init__(self, app: Sanic[Any, Any]) -> None:
        self._app = app
        self._router = app.router
        self._finder: object = None  # the compiled router the state below was read from
        self._templates: dict[int, str] = {}  # id(route) -> its group (routes are unhashable)
        self._by_shape = False
        self._by_host = False
        self._cache: RouteCache[_Key] = RouteCache()

    def route(self, method: str | None, path: str, request: Any) -> Found | None:  # noqa: ARG002 - Sanic routes the raw path
        router = self._router
        finder = router.find_route
        if finder is None:  # not finalised: the app has not started
            return None
        if finder is not self._finder:
            self._read(finder)
        raw = request.get("raw_path")
        if raw is None:
            raw_path = str(request.get("path") or "/")
        else:
            raw_path = raw.partition(b"?")[0].decode("utf-8")
        host = _host(request) if self._by_host else None
        method = method or "GET"
        entries = self._cache.entries(finder)
        key = (method, shape(raw_path) if self._by_shape else raw_path, host)
        cached = entries.get(key, MISS)
        if cached is not MISS:
            return cast("Found | None", cached)
        found = self._routed(method, raw_path, host)
        # (the cache is typed for templates; a Found is as cheap to keep)
        self._cache.store(entries, key, cast("str | None", found))
        return found

    def _routed(self, method: str, path: str, host: str | None) -> Found | None:
        resolve = self._router.resolve
        extra = {"host": host} if host else None
        try:
            route, handler, _ = resolve(path=path, method=method, extra=extra)
        except NoMethod as error:
            allowed = sorted(error.allowed_methods or ())
            if not allowed:
                return None
            try:
                route, handler, _ = resolve(path=path, method=allowed[0], extra=extra)
            except (NotFound, NoMethod):
                return None
        except NotFound:
            return None
        template = self._templates.get(id(route)) or _template(route)
        return Found(template, _dispatched_to(handler, method))

    def _read(self, finder: object) -> None:
        routes = self._router.routes
        bare = _bare_parameters(self._app)
        self._templates = {id(route): _template(route, bare) for route in routes}
        self._by_shape = all(_digits_alike(route) for route in routes)
        self._by_host = any(route.requirements for route in routes)
        self._finder = finder

    def routes(self) -> Iterable[DiscoveredRoute]:
        bare = _bare_parameters(self._app)
        listed = []
        for route in self._router.routes:
            methods = tuple(sorted(set(route.methods) - {"HEAD", "OPTIONS"} or route.methods))
            listed.append(
                DiscoveredRoute(methods, _template(route, bare), dotted_name(_named(route.handler)))
            )
        return sorted(listed, key=lambda found: (found.template, found.methods))


def _host(request: Any) -> str | None:
    for name, value in request.get("headers") or ():
        if name == b"host":
            return bytes(value).decode("latin-1")
    return None


def _template(route: Any, bare: dict[int, set[str]] | None = None) -> str:
    """The route's uri as Sanic joined it (prefix, version), with a leading ``/``; a
    parameter Sanic typed from its handler's annotation written back bare."""
    raw = str(route.raw_path)
    names = (bare or {}).get(id(_user_handler(route.handler)))
    if names:
        raw = "/".join(_untyped(part, names) for part in raw.split("/"))
    return "/" + raw.lstrip("/")


def _untyped(part: str, names: set[str]) -> str:
    match = _PARAMETER.match(part)
    if match is None or match.group(1) not in names:
        return part
    return f"<{match.group(1)}>"


def _bare_parameters(app: Sanic[Any, Any]) -> dict[int, set[str]]:
    """handler id -> the names of the parameters written bare (``<name>``) in its uris,
    where the handler's annotation let Sanic type them."""
    futures = list(getattr(app, "_future_routes", ()))
    for blueprint in getattr(app, "blueprints", {}).values():
        futures.extend(getattr(blueprint, "_future_routes", ()))
    bare: dict[int, set[str]] = {}
    for future in futures:
        names = {
            part[1:-1]
            for part in str(future.uri).split("/")
            if part.startswith("<") and part.endswith(">") and ":" not in part
        }
        if names:
            typed = _typed_parameters(future.handler)
            if names & typed:
                bare.setdefault(id(future.handler), set()).update(names & typed)
    return bare


def _typed_parameters(handler: Any) -> set[str]:
    # (Sanic read the same signature as it added the route: it can be read)
    return {p.name for p in signature(handler).parameters.values() if p.annotation in _ANNOTATED}


def _digits_alike(route: Any) -> bool:
    """Whether ``route`` takes every segment of digits of one length alike (or none)."""
    for part in route.parts:
        match = _PARAMETER.match(part)
        if match is None:
            if part.isdigit():
                return False  # a static "2024": which route depends on the value
        elif (match.group(2) or "str") not in _UNIFORM:
            return False  # a regex or a pattern of the app's own: it may read the value
    return True


def _user_handler(handler: Any) -> Any:
    """The handler as the user gave it: a WebSocket route holds a partial around it."""
    if isinstance(handler, partial) and getattr(handler, "is_websocket", False):
        return handler.args[0]
    return handler


def _named(handler: Any) -> Any:
    """What a route's handler is named after: an ``HTTPMethodView``'s class."""
    return getattr(handler, "view_class", None) or _user_handler(handler)


def _dispatched_to(handler: Any, method: str) -> object:
    """What Sanic calls for ``method``: an ``HTTPMethodView``'s method, else the handler."""
    view = getattr(handler, "view_class", None)
    if view is not None:
        return getattr(view, method.lower(), handler)
    return _user_handler(handler)


def router_for(app: object) -> Router | None:
    """A router for a Sanic app; None for other Sanic objects.

    Raises:
        TypeError: the app's router is not sanic-routing's.
    """
    if not isinstance(app, Sanic):
        return None
    router = getattr(app, "router", None)
    if not callable(getattr(router, "resolve", None)) or not hasattr(router, "find_route"):
        msg = f"Sanic app with an unknown router: {type(router).__name__}"
        raise TypeError(msg)
    return SanicRouter(app)
