"""BlackSheep: ask the app's routes, as ``Application.handle`` finds them.

BlackSheep routes a request's raw path (``scope["raw_path"]`` below ``root_path``) by
its method through ``Router.get_match``: the sub-routers first, then the router's own
routes of that method, each tried with its own ``Route.match_by_path`` (``Route.match``,
given the request, for a route with filters). This adapter walks the same routes the
same way, without BlackSheep's own LRU cache, so that asking changes nothing in the app.
Routes exist once the app has started (``app.start()``, at the ASGI lifespan's startup,
or at its first request): until then requests fall back to the registry.

The group is the route's pattern as written, with the router's ``prefix`` and a
controller's base route joined as BlackSheep joined them (``/cats/{int:cat_id}``,
``/users/:user_id``). BlackSheep answers a method no route of the path takes with a
404; the request is grouped by that path's route all the same (as a 405 is elsewhere),
while a path no route matches stays ``{METHOD}``, fallback route or not. An app mounted
with ``app.mount`` (tried first, as BlackSheep does) is grouped by its own framework's
router, joined to the mount path.

Answers are remembered per method and path, by the path's shape where every route
takes any segment of digits of one length alike (see ``_route_cache.shape``); not at
all when a route has filters (headers, host, query), which read more than the path.
"""

from __future__ import annotations

import inspect
import itertools
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from importlib.metadata import version
from typing import Any

from blacksheep import Request
from blacksheep.server.application import Application
from blacksheep.server.controllers import Controller, ControllersManager, _BaseControllerRegistry
from blacksheep.server.routing import FilterRoute, RegisteredRoute
from blacksheep.server.routing import Route as BlackSheepRoute
from blacksheep.server.routing import Router as BlackSheepRouter
from blacksheep.utils.meta import all_subclasses

from . import DiscoveredRoute, Found, Router
from . import router_for as router_of
from ._names import dotted_name
from ._route_cache import MISS, RouteCache, shape

logger = logging.getLogger("appsignal_routes")

DISTRIBUTION = "blacksheep"
LOWEST = "2.3"
#: the first release that routes the path below the ASGI ``root_path`` (before it,
#: BlackSheep routes the whole raw path, ``root_path`` included)
_ROOT_PATH_STRIPPED = (2, 6, 2)

_WEBSOCKET = b"GET_WS"
_NOT_MOUNTED = object()
# (BlackSheep's own helpers, untyped upstream)
_subclasses: Callable[[type], set[type]] = all_subclasses
_is_base_controller: Callable[[type], bool] = _BaseControllerRegistry.is_base_controller
#: value patterns that take every segment of digits of one length alike, or none
_UNIFORM = frozenset({"string", "str", "path", "int", "float", "uuid"})
_PARAMETER = re.compile(rb"^(?:\{([^}]+)\}|<([^>]+)>|:.+|\*.*)$")


class BlackSheepRouting:
    """Routes a request as ``Application.handle`` does, once the app has started."""

    framework = "BlackSheep"

    def __init__(self, app: Application) -> None:
        self._app = app
        self._router: BlackSheepRouter = app.router
        self._routes_seen: object = None  # the route map the state below was read from
        self._version: object = object()
        self._by_shape = False
        self._cached = False
        self._cache: RouteCache[tuple[bytes, str]] = RouteCache()
        self._strips_root_path = _release() >= _ROOT_PATH_STRIPPED
        self._inner: dict[int, Router | None] = {}  # id(mount route) -> its app's router

    def route(self, method: str | None, path: str, request: Any) -> str | Found | None:  # noqa: ARG002 - BlackSheep routes the raw path
        if not self._app.started:
            return None
        registry = getattr(self._app, "mount_registry", None)
        if registry is not None and registry.mounted_apps:  # asked before any route
            mounted = self._mounted(registry.mounted_apps, method, request)
            if mounted is not _NOT_MOUNTED:
                return mounted  # type: ignore[return-value]
        routes = self._router.routes
        if routes is not self._routes_seen:
            self._read(routes)
        raw = request.get("raw_path")
        raw_path = str(request.get("path") or "/").encode() if raw is None else bytes(raw)
        raw_path = raw_path.partition(b"?")[0]
        root = request.get("root_path") if self._strips_root_path else None
        if root:
            root_bytes = root.encode()
            if raw_path.startswith(root_bytes):
                raw_path = raw_path[len(root_bytes) :] or b"/"
        websocket = request.get("type") == "websocket"
        method_bytes = _WEBSOCKET if websocket else (method or "GET").encode()
        if not self._cached:
            return _template(self._router, method_bytes, raw_path, _request_of(request, raw_path))
        entries = self._cache.entries(self._version)
        text = raw_path.decode("latin-1")
        key = (method_bytes, shape(text) if self._by_shape else text)
        found = entries.get(key, MISS)
        if found is MISS:
            found = _template(self._router, method_bytes, raw_path, _request_of(request, raw_path))
            self._cache.store(entries, key, found)
        return found

    def _mounted(self, mounts: list[Any], method: str | None, request: Any) -> object:
        """The route of a request to an app mounted with ``app.mount(path, app)``, as
        its own framework's router names it, joined to the mount path (None where that
        router is unknown: an app the toolkit cannot see into never outranks a declared
        route); ``_NOT_MOUNTED`` for a request to no mount."""
        raw_path = bytes(request.get("raw_path") or str(request.get("path") or "/").encode())
        for mount in mounts:
            match = mount.match_by_path(raw_path.partition(b"?")[0])
            if match is None:
                continue
            key = id(mount)
            if key not in self._inner:
                self._inner[key] = router_of(mount.handler)
            inner = self._inner[key]
            if inner is None:
                return None
            prefix = mount.pattern.decode().rstrip("/*")
            tail = "/" + str((match.values or {}).get("tail") or "")
            path = str(request.get("path") or "/")
            root = path[: -len(tail)] if tail != "/" else path.rstrip("/")
            scope = {**request, "root_path": str(request.get("root_path") or "") + root}
            found = inner.route(method, tail, scope)
            if found is None:
                return None
            if isinstance(found, Found):
                return Found(_joined(prefix, found.template), found.handler)
            return _joined(prefix, found)
        return _NOT_MOUNTED

    def _read(self, routes: object) -> None:
        every = [
            route
            for routes_of in _every_router(self._router)
            for routes_of_method in routes_of.routes.values()
            for route in routes_of_method
        ]
        self._cached = not any(isinstance(route, FilterRoute) for route in every)
        self._by_shape = all(_digits_alike(route.pattern) for route in every)
        self._version = object()
        self._routes_seen = routes

    def routes(self) -> Iterable[DiscoveredRoute]:
        every = _all_routes(self._router) if self._app.started else _declared_routes(self._app)
        listed = []
        for method, pattern, handler in every:
            name = "GET" if method == _WEBSOCKET else method.decode()
            listed.append(
                DiscoveredRoute((name,), pattern.decode(), dotted_name(_user_handler(handler)))
            )
        return sorted(set(listed), key=lambda found: (found.template, found.methods))


def _joined(prefix: str, template: str) -> str:
    return prefix + (template if template.startswith("/") else "/" + template)


def _all_routes(router: BlackSheepRouter) -> Iterator[tuple[bytes, bytes, Any]]:
    """Every route of a started app: method, pattern, handler."""
    for sub_router in getattr(router, "_sub_routers", None) or ():
        yield from _all_routes(sub_router)
    for method, routes in list(router.routes.items()):
        for route in routes:
            yield method, route.pattern, route.handler


def _declared_routes(app: Application) -> Iterator[tuple[bytes, bytes, Any]]:
    """Every route of an app not started yet (``appsignal-routes routes``), as its start
    will apply them: those registered for the start, and a controller's routes joined to
    its base route and inherited by its subclasses, as BlackSheep joins them, the
    router's prefix included."""
    joiner = _ControllerRoutes(app)
    for router in _every_router(app.router):
        registered = [(m, r.pattern.decode(), r.handler) for m, r in _registered(router)]
        if router is app.router:
            registered += [(r.method, r.pattern, r.handler) for r in joiner.registry]
        for method, pattern, handler in registered:
            controller = getattr(handler, "controller_type", None)
            if controller is None:
                yield method.encode(), pattern.encode(), handler
            else:
                for joined in joiner.patterns(router, controller, method, pattern, handler):
                    yield method.encode(), joined, handler


def _registered(router: BlackSheepRouter) -> list[tuple[str, BlackSheepRoute]]:
    return list(router.registered_routes)


class _ControllerRoutes:
    """How BlackSheep joins a controller's routes to its base route at the start."""

    def __init__(self, app: Application) -> None:
        self.registry: list[Any] = list(app.router.controllers_routes)
        self._manager = ControllersManager()

    def patterns(
        self, router: BlackSheepRouter, controller: type, method: str, pattern: str, handler: Any
    ) -> Iterator[bytes]:
        # inherited routes, base controllers left out (ControllersManager._unify_controllers)
        owners = [sub for sub in _subclasses(controller) if issubclass(sub, Controller)]
        if not _is_base_controller(controller):
            owners.append(controller)
        for owner in owners:
            joined = self._manager.get_controller_handler_pattern(
                owner, RegisteredRoute(method, pattern, handler)
            )
            # (normalised as its route will be)
            yield BlackSheepRoute(router._get_pattern(joined), handler).pattern


def _every_router(router: BlackSheepRouter) -> Iterator[BlackSheepRouter]:
    yield router
    for sub_router in getattr(router, "_sub_routers", None) or ():
        yield from _every_router(sub_router)


def _template(
    router: BlackSheepRouter, method: bytes, path: bytes, request_of: Callable[[], Request]
) -> str | None:
    route = _matching(router, method, path, request_of)
    if route is None and method != _WEBSOCKET:
        # a method no route of this path takes (BlackSheep answers 404): the path's route
        for other in sorted(router.routes.keys() | _sub_methods(router)):
            if other not in (method, _WEBSOCKET):
                route = _matching(router, other, path, request_of)
                if route is not None:
                    break
    return None if route is None else route.pattern.decode()


def _sub_methods(router: BlackSheepRouter) -> set[bytes]:
    methods: set[bytes] = set()
    for sub_router in getattr(router, "_sub_routers", None) or ():
        methods |= sub_router.routes.keys() | _sub_methods(sub_router)
    return methods


def _matching(
    router: BlackSheepRouter, method: bytes, path: bytes, request_of: Callable[[], Request]
) -> BlackSheepRoute | None:
    """The route ``Router.get_match`` finds (its fallback aside), sub-routers first."""
    for sub_router in getattr(router, "_sub_routers", None) or ():
        found = _matching(sub_router, method, path, request_of)
        if found is not None:
            return found
    for route in router.routes.get(method, ()):  # (get: routes is a defaultdict)
        if isinstance(route, FilterRoute):
            if route.match(request_of()) is not None:
                return route
        elif route.match_by_path(path) is not None:
            return route
    return None


def _request_of(scope: Any, path: bytes) -> Callable[[], Request]:
    """A BlackSheep request for the routes with filters, made only when one asks."""
    made: list[Request] = []

    def request() -> Request:
        if not made:
            made.append(
                Request.incoming(
                    str(scope.get("method") or "GET"),
                    path,
                    bytes(scope.get("query_string") or b""),
                    list(scope.get("headers") or ()),
                )
            )
        return made[0]

    return request


def _digits_alike(pattern: bytes) -> bool:
    """Whether a route takes every segment of digits of one length alike (or none)."""
    for part in pattern.split(b"/"):
        match = _PARAMETER.match(part)
        if match is None:
            if part.isdigit():
                return False  # a static "2024": which route depends on the value
            continue
        spec = match.group(1) or match.group(2)
        if spec is not None and b":" in spec:
            kind = spec.split(b":")[0].decode()
            if kind not in _UNIFORM:
                return False  # a value pattern of the app's own: it may read the value
    return True


def _user_handler(handler: Any) -> Any:
    """The handler as the user wrote it, through BlackSheep's wrappers: the middleware
    chain keeps it as ``root_fn``, the normalised handler as ``__wrapped__``."""
    return inspect.unwrap(getattr(handler, "root_fn", handler))


def _release() -> tuple[int, ...]:
    """The installed BlackSheep release, as numbers (``2.6.2`` is ``(2, 6, 2)``)."""
    numbers = []
    for part in version(DISTRIBUTION).split(".")[:3]:
        digits = "".join(itertools.takewhile(str.isdigit, part))
        numbers.append(int(digits or 0))
    return tuple(numbers)


def prepare(app: object) -> object | None:
    """None for an app BlackSheep's own OpenTelemetry middleware traces already
    (``use_open_telemetry``): its server span is named by the matched route, and a
    second one would trace each request twice; else the app itself."""
    for middleware in list(getattr(app, "middlewares", None) or ()):
        kind = type(middleware)
        if kind.__name__ == "OTELMiddleware" and kind.__module__.startswith("blacksheep."):
            logger.info(
                "appsignal-routes: %r is traced by BlackSheep's OTELMiddleware already; "
                "instrument() leaves it as it is (its span is grouped by its http.route)",
                app,
            )
            return None
    return app


def router_for(app: object) -> Router | None:
    """A router for a BlackSheep app; None for other BlackSheep objects.

    Raises:
        TypeError: the app's router is not BlackSheep's ``Router``.
    """
    if not isinstance(app, Application):
        return None
    router = getattr(app, "router", None)
    if not isinstance(router, BlackSheepRouter) or not isinstance(router.routes, dict):
        msg = f"BlackSheep app with an unknown router: {type(router).__name__}"
        raise TypeError(msg)
    return BlackSheepRouting(app)
