"""Connexion 3 (``AsyncApp``, ``FlaskApp``, ``ConnexionMiddleware``): ask its RoutingMiddleware.

Connexion routes a request in its ``RoutingMiddleware``: a Starlette ``Router`` with a
``Mount`` per API at its base path, each holding a ``Route`` per operation of the
OpenAPI spec (APIs that share a base path are chained through the router's
``default``). The request is routed here as that router routes it, by the routes' own
``matches()``, so a 405 (a path of the spec, another method) still finds its
operation. The ``SwaggerUIMiddleware`` before it (the spec's JSON, the UI) is asked
first the same way, and what neither routes, the app Connexion wraps (``add_url_rule``
routes, or the app around which a ``ConnexionMiddleware`` is put).

The group is the operation's path as the spec writes it joined to the API's base path
(``/v1/pets/{pet_id}``), not Starlette's form of it (``{pet_id:int}``), and the handler
is the function the operation resolved to. The operation is looked up by its id, per
base path, in the stack's ``ContextMiddleware`` (or any routed middleware that keeps
it), as Connexion's own middlewares look it up.

Connexion builds its middleware stack on its first call (the lifespan start, under a
server). Until then the routes are read from the Swagger UI, routing and context
middlewares built here from the app's APIs exactly as Connexion would build them,
without touching the app: ``add_api`` and ``add_middleware`` still work after
``instrument()``.

A Connexion app is recognised as itself: the Flask app inside a ``FlaskApp`` and the
Starlette parts it is built of are not asked, and the one server span is ours. Answers
are remembered per request key (method, path, root path) in a bounded map, and by the
path's shape too (``/pets/42`` and ``/pets/43`` alike, unless a route has a static
segment of digits), so a new id costs no routing either.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from connexion.apps.asynchronous import AsyncASGIApp
from connexion.middleware import ConnexionMiddleware
from connexion.middleware.abstract import RoutedMiddleware
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.operations import AbstractOperation
from connexion.utils import sort_apis_by_basepath
from starlette.routing import Route
from starlette.routing import Router as StarletteRouting

from . import DiscoveredRoute, Found, Router
from ._names import dotted_name
from ._route_cache import MISS, SIZE, shape
from ._starlette_dispatch import REDIRECT, chained, dispatch

#: the PyPI distribution whose installed version this adapter reads
DISTRIBUTION = "connexion"
#: the lowest release it supports and is tested on
LOWEST = "3.0"

#: a Starlette path parameter's converter, dropped to name it as the spec does
_CONVERTER = re.compile(r"\{([^}:]+):[^}]*\}")
_DIGITS = re.compile(r"(?:^|/)[0-9]+(?:/|$)")
#: the next app of the middlewares built here: they are asked, never called
_NO_APP: Any = None
#: how many ``.app`` links are followed from an app's ``middleware`` to Connexion's
_MAX_WRAPPERS = 16


@dataclass(frozen=True, slots=True)
class _Operation:
    """One route of the routing middleware, as it is grouped."""

    found: Found
    methods: tuple[str, ...]


class _Index:
    """The routes of a middleware stack's Swagger UI and routing middlewares, in the
    order a request meets them, each route with its group."""

    def __init__(self, stack: Iterable[Any]) -> None:
        middlewares = list(stack)
        routing = next((m for m in middlewares if isinstance(m, RoutingMiddleware)), None)
        if not isinstance(getattr(routing, "router", None), StarletteRouting):
            raise TypeError("a Connexion middleware stack without its RoutingMiddleware")
        self.stack = stack
        #: the routers a request is routed by, in turn: each passes on what it does not route
        self.routers: list[StarletteRouting] = [
            m.router
            for m in middlewares
            if isinstance(m, (SwaggerUIMiddleware, RoutingMiddleware))
            and isinstance(getattr(m, "router", None), StarletteRouting)
        ]
        operations = _operations_by_id(middlewares)
        self.groups: dict[int, _Operation] = {}
        self.routes: list[Any] = []  # kept alive: the groups are keyed by their id
        for router in self.routers:
            for mount in router.routes:  # a Mount per base path: only these have a router
                for routes in chained(getattr(mount, "app", None)):
                    for route in routes:
                        self._add(route, getattr(mount, "path", ""), operations)
        # a static segment of digits only: "/2024" and "/2025" may go apart
        self.shaped = not any(
            _DIGITS.search(group.found.template) for group in self.groups.values()
        )

    def _add(self, route: Any, base: str, operations: _Operations) -> None:
        operation_id = (
            getattr(route.endpoint, "operation_id", None) if isinstance(route, Route) else None
        )
        operation = _lookup(operations, base, operation_id)
        if operation is not None:
            found = Found(base + operation.path, operation.function)
            methods: tuple[str, ...] = (str(operation.method).upper(),)
        elif isinstance(route, Route):  # the Swagger UI's, or an operation not resolved
            found = Found(base + _CONVERTER.sub(r"{\1}", route.path), route.endpoint)
            methods = tuple(sorted(route.methods or ()))
        else:  # the Swagger UI's static files: grouped by their mount, as Starlette's are
            found = Found(base + str(getattr(route, "path", "")))
            methods = ()
        self.routes.append(route)
        self.groups[id(route)] = _Operation(found, methods)


_Operations = list[dict[str, list[Any]]]


def _operations_by_id(stack: list[Any]) -> _Operations:
    """The ``apis`` maps (base path -> APIs with their ``operations`` by id) of the
    routed middlewares in the stack that keep the spec's operation, the context
    middleware first."""
    routed = [m for m in stack if isinstance(m, ContextMiddleware)]
    routed += [m for m in stack if isinstance(m, RoutedMiddleware) and m not in routed]
    return [m.apis for m in routed if isinstance(getattr(m, "apis", None), dict)]


def _lookup(operations: _Operations, base: str, operation_id: object) -> AbstractOperation | None:
    """The spec's operation of ``operation_id`` in the API at ``base``, found as
    Connexion's routed middlewares find it."""
    for apis in operations:
        for api in apis.get(base, ()):
            routed = getattr(api, "operations", {}).get(operation_id)
            operation = getattr(routed, "operation", None) or getattr(routed, "_operation", None)
            if isinstance(operation, AbstractOperation):
                return operation
    return None


class ConnexionRouter:
    """The operation Connexion's ``RoutingMiddleware`` routes an ASGI ``http`` scope to."""

    def __init__(self, middleware: ConnexionMiddleware, framework: str) -> None:
        self.framework = framework
        self._middleware = middleware
        self._index: _Index | None = None
        self._seen: _Answers = {}  # by the path itself
        self._shapes: _Answers = {}  # by its shape (see _route_cache.shape)
        self._inner = _inner_router(middleware.app)

    def route(self, method: str | None, path: str, request: Any) -> str | Found | None:
        scope = request
        if scope.get("type") != "http":
            return None  # Connexion's routing passes other scopes through unrouted
        index = self._current()
        full_path = str(scope.get("path", ""))
        method_key, root_path = scope.get("method"), scope.get("root_path")
        key = (method_key, full_path, root_path)
        found = self._seen.get(key, MISS)  # a path seen before: no need to shape it
        if found is MISS:
            shaped = (method_key, shape(full_path), root_path) if index.shaped else key
            found = self._shapes.get(shaped, MISS)
            if found is MISS:
                found = _find(index, scope)
                _remember(self._shapes, shaped, found)
            _remember(self._seen, key, found)
        answer: Found | None = found
        if answer is None and self._inner is not None:  # on to the app Connexion wraps
            return self._inner(method, path, scope)
        return answer

    def routes(self) -> Iterable[DiscoveredRoute]:
        index = self._current()
        listed = []
        for route in index.routes:
            operation = index.groups[id(route)]
            handler = operation.found.handler
            listed.append(
                DiscoveredRoute(
                    operation.methods,
                    operation.found.template,
                    "" if handler is None else dotted_name(handler),
                )
            )
        return listed

    def _current(self) -> _Index:
        """The index of Connexion's own stack once built, else of one built here."""
        stack = self._middleware.middleware_stack
        index = self._index
        if stack is not None:
            if index is None or index.stack is not stack:
                index = _Index(stack)
                self._index, self._seen, self._shapes = index, {}, {}
            return index
        if index is None:
            index = self._index = _Index(_stack_of(self._middleware))
        return index


#: request key -> Found, or None for no route (MISS: not remembered, see _route_cache)
_Answers = dict[tuple[Any, ...], Any]


def _remember(answers: _Answers, key: tuple[Any, ...], found: object) -> None:
    """Bounded: a full map is emptied (one dict operation each, safe under threads)."""
    if len(answers) >= SIZE:
        answers.clear()
    answers[key] = found


def _stack_of(middleware: ConnexionMiddleware) -> list[Any]:
    """The Swagger UI, routing and context middlewares of the app's middleware list, in
    its order, with the app's APIs added as ``ConnexionMiddleware._build_middleware_stack``
    adds them (most specific base path first); the app itself is left as it is."""
    kinds = (SwaggerUIMiddleware, RoutingMiddleware, ContextMiddleware)
    middlewares: list[Any] = list(middleware.middlewares)
    stack: list[Any] = [
        listed(_NO_APP)  # a class, or a partial of one with its options (add_middleware)
        for listed in middlewares
        if isinstance(cls := getattr(listed, "func", listed), type) and issubclass(cls, kinds)
    ]
    for api in sort_apis_by_basepath(list(middleware.apis)):
        for spec_middleware in stack:
            spec_middleware.add_api(api.specification, base_path=api.base_path, **api.kwargs)
    return stack


def _find(index: _Index, scope: Any) -> Found | None:
    """The group of the route the first router that does not pass the request on
    hands it to; None for no route (or a redirect)."""
    for router in index.routers:
        route = dispatch(router, scope)
        if route is REDIRECT:
            return None
        if route is not None:
            return index.groups[id(route)].found
    return None


_Ask = Callable[[str | None, str, Any], "str | Found | None"]


def _inner_router(app: object) -> _Ask | None:
    """How the app Connexion wraps routes what Connexion's routing passes on to it
    (routes added with ``add_url_rule`` or ``@app.route``, or the wrapped app's own)."""
    if isinstance(app, AsyncASGIApp):
        router = app.router

        def ask_async(method: str | None, path: str, scope: Any) -> Found | None:  # noqa: ARG001 - as Router.route
            route = dispatch(router, scope)
            return Found(route.path, route.endpoint) if isinstance(route, Route) else None

        return ask_async
    # (connexion.apps.flask imports Flask: a FlaskApp has imported it, nothing else must)
    flask_asgi_app = getattr(sys.modules.get("connexion.apps.flask"), "FlaskASGIApp", None)
    if flask_asgi_app is not None and isinstance(app, flask_asgi_app):
        from .flask import FlaskRouter  # noqa: PLC0415 - see above

        flask_app: Any = getattr(app, "app", None)
        flask_router = FlaskRouter(flask_app)

        def ask_flask(method: str | None, path: str, scope: Any) -> str | Found | None:  # noqa: ARG001 - as Router.route
            environ = _environ(scope)
            return flask_router.route(method, environ["PATH_INFO"], environ)

        return ask_flask
    from . import router_for as any_router_for  # noqa: PLC0415 - the package imports this module

    inner = any_router_for(app)
    return None if inner is None else inner.route


def _environ(scope: Any) -> dict[str, Any]:
    """What Flask's router reads of the WSGI environ a2wsgi builds from ``scope``."""
    root_path = scope.get("root_path", "").encode().decode("latin1")
    path = str(scope["path"]).encode().decode("latin1")
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope.get("method", "GET"),
        "SCRIPT_NAME": root_path,
        "PATH_INFO": path.removeprefix(root_path),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or 0),
    }
    for name, value in scope.get("headers") or ():
        key = name.decode("latin1").upper().replace("-", "_")
        environ[f"HTTP_{key}"] = value.decode("latin1")
    return environ


def _connexion_middleware(app: object) -> ConnexionMiddleware | None:
    """The ConnexionMiddleware that is ``app`` or the app's ``middleware``, looked for
    through wrappers that keep the app they wrap in ``.app``."""
    current = app if isinstance(app, ConnexionMiddleware) else getattr(app, "middleware", None)
    for _ in range(_MAX_WRAPPERS):
        if isinstance(current, ConnexionMiddleware) or current is None:
            return current
        current = getattr(current, "app", None)
    return None


def router_for(app: object) -> Router | None:
    """A router for a Connexion app (``AsyncApp``, ``FlaskApp``, or a
    ``ConnexionMiddleware``); None for other Connexion objects.

    Raises:
        TypeError: a Connexion app without the middleware this adapter knows.
    """
    middleware = _connexion_middleware(app)
    if middleware is None:
        if hasattr(app, "add_api"):
            raise TypeError(f"{type(app).__name__} has no ConnexionMiddleware")
        return None
    if not isinstance(getattr(middleware, "apis", None), list) or not hasattr(
        middleware, "middleware_stack"
    ):
        raise TypeError("a ConnexionMiddleware without its APIs list")
    inner = type(middleware.app).__name__
    kind = {"FlaskASGIApp": " (Flask)", "AsyncASGIApp": " (async)"}.get(inner, "")
    return ConnexionRouter(middleware, f"Connexion{kind}")
