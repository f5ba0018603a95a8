"""Wrapped and composed apps: route discovery follows a request to the app that routes it.

- **Wrappers.** An object no adapter knows is looked through when it keeps the app it
  wraps in one of the attributes of ``WRAPPED_IN``, tried in that order (ProxyFix and
  most middleware: ``app``; WhiteNoise and Django's static files handlers:
  ``application``; asgiref's ``WsgiToAsgi``: ``wsgi_application``; wrapt proxies and
  ``functools.wraps``: ``__wrapped__``). At most ``MAX_DEPTH`` objects are walked, each
  once: a chain longer than that, or a cycle, ends the walk with no router. A Flask or
  Quart app whose ``wsgi_app``/``asgi_app`` was replaced (Flask's documented way to
  add WSGI middleware) is entered through it.
- **Adapters across interfaces.** A WSGI app inside an ASGI wrapper (a2wsgi,
  asgiref) or the reverse gets the request as the wrapper hands it over (``_crossing``).
  Wrappers that do not change the interface keep the path as they found it (ProxyFix
  moves ``X-Forwarded-Prefix`` into ``SCRIPT_NAME``, never ``PATH_INFO``).
- **Dispatchers.** Werkzeug's ``DispatcherMiddleware`` is followed into the app it
  mounts at the request's path, split into ``SCRIPT_NAME`` and ``PATH_INFO`` exactly as
  it splits it; the inner route is joined to the mount's prefix (``/legacy`` + ``/add``:
  ``/legacy/add``). A path the inner app has no route for has no route here either. A
  mounted app no adapter can read answers with its prefix as an opaque ``Found``, which
  a declared route outranks. (Starlette's ``Mount`` is followed by its own adapter.)

Every router is built once, when ``instrument()`` is given the app; a dispatcher builds
the router of an app mounted later on its first request. A mounted app's answers are
remembered by the request's method, path and kind only where its router says they
depend on nothing else, and for as long as it says so: its ``answers_version()`` (an
optional method; Flask's and Quart's routers have it) gives a token that changes as its
routes do, or None when its answers depend on more (the Host header, a header
predicate): those are asked on every request. Where its ``answers_by_shape`` is true, a
path is remembered by its shape (``/users/42`` and ``/users/43`` alike), as the router
itself remembers it.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal, Protocol, cast

from . import DiscoveredRoute, Found, Router, prepare_mounted
from ._crossing import asgi_path, environ_of, is_scope, scope_of, wsgi_path
from ._names import dotted_name
from ._route_cache import shape

logger = logging.getLogger("appsignal_routes")

#: where a wrapper keeps the app it wraps, in the order they are tried
WRAPPED_IN = (
    "app",
    "application",
    "wsgi_app",
    "asgi_app",
    "wsgi_application",
    "wrapped",
    "_app",
    "__wrapped__",
)
#: how many objects (wrappers and the app) a walk goes through at most
MAX_DEPTH = 16
#: a dispatcher remembers the routers of this many mounted apps at most
_MOUNTED_ROUTERS = 64
#: answers remembered per composing router, at most (a full map is emptied)
_REMEMBERED = 1024

#: (adapter module, the object it reads) for one object, without looking inside it
AdapterOf = Callable[[object], "tuple[str, object] | None"]
#: the adapter's router, None when it knows no router in the object, or raises
ReadRouter = Callable[[str, object], "Router | None"]


class RouteFn(Protocol):
    """``Router.route``, as an attribute holds it."""

    def __call__(self, method: str | None, path: str, request: Any) -> str | Found | None: ...


def answers_version(router: object) -> object | None:
    """The router's ``answers_version()`` (see the module's doc), None without one."""
    version = getattr(router, "answers_version", None)
    return None if version is None else version()


def answer_path(router: object, path: str) -> str:
    """``path`` as a router's answers are remembered by: its shape (each segment of digits
    alone by its length, ``_route_cache.shape``) where the router says a segment of
    digits is routed alike whatever its value (``answers_by_shape``), else itself."""
    if getattr(router, "answers_by_shape", False) is True:
        return "\x00" + shape(path)  # (apart from any path as it is)
    return path


def remember(entries: dict[Any, Any], key: object, value: object) -> None:
    """Keep ``value`` for ``key`` in a bounded map (emptied when full)."""
    if len(entries) >= _REMEMBERED:
        entries.clear()
    entries[key] = value


def inner_app(wrapper: object) -> object | None:
    """The app ``wrapper`` keeps in one of ``WRAPPED_IN``, or None."""
    for name in WRAPPED_IN:
        try:
            inner: object = getattr(wrapper, name, None)
        except Exception:  # a property that cannot answer here (a context-local proxy)
            logger.debug("appsignal-routes: %r has no readable %s", wrapper, name)
            continue
        if inner is not None and inner is not wrapper and callable(inner):
            return inner
    return None


def replaced_entry(app: object) -> bool:
    """Whether a framework app's ``wsgi_app``/``asgi_app`` method was replaced on the
    instance (``app.wsgi_app = ProxyFix(app.wsgi_app)``): requests go through it."""
    for name in ("wsgi_app", "asgi_app"):
        try:
            replaced = vars(app).get(name)
        except TypeError:  # no __dict__
            return False
        if replaced is not None and inspect.isfunction(getattr(type(app), name, None)):
            return getattr(replaced, "__self__", None) is not app
    return False


def chain(app: object) -> Iterator[object]:
    """``app``, then each app it wraps, at most ``MAX_DEPTH`` objects, each once."""
    seen: dict[int, object] = {}  # the objects themselves: ids of freed ones are reused
    current: object | None = app
    for _ in range(MAX_DEPTH):
        if current is None or id(current) in seen:
            return
        seen[id(current)] = current
        yield current
        current = inner_app(current)


def interface_of(app: object) -> Literal["wsgi", "asgi"] | None:
    """Whether ``app`` is called as a WSGI or an ASGI app, or None if it cannot be told."""
    from appsignal_routes._middleware import detect_interface  # noqa: PLC0415 - it imports us

    try:
        return detect_interface(app)
    except Exception:
        return None


def framework_of(app: object, adapter_of: AdapterOf) -> tuple[str, object] | None:
    """The first (adapter, object it reads) along ``app``'s wrapper chain."""
    for current in chain(app):
        found = adapter_of(current)
        if found is not None and not (found[1] is current and replaced_entry(current)):
            return found
    return None


_building = threading.local()


def compose(app: object, adapter_of: AdapterOf, read_router: ReadRouter) -> Router | None:
    """The router for ``app``: its framework's, through its wrappers, or a dispatcher's;
    None when there is none. Raises what ``read_router`` raises."""
    building: set[int] = getattr(_building, "ids", None) or set()
    _building.ids = building
    if id(app) in building:  # an app mounted inside itself: Starlette would loop too
        return None
    building.add(id(app))
    try:
        return _compose(app, adapter_of, read_router)
    finally:
        building.discard(id(app))


def _compose(app: object, adapter_of: AdapterOf, read_router: ReadRouter) -> Router | None:
    outer = interface_of(app)
    wrappers: list[object] = []
    for current in chain(app):
        found = adapter_of(current)
        if found is not None and not (found[1] is current and replaced_entry(current)):
            adapter, target = found
            router = read_router(adapter, target)
            if router is not None:
                return _wrapped(router, target, outer, wrappers)
        elif _is_dispatcher(current):
            dispatcher = DispatchRouter(current, adapter_of, read_router)
            return _wrapped(dispatcher, current, outer, wrappers)
        wrappers.append(current)
    return None


def _wrapped(router: Router, target: object, outer: str | None, wrappers: list[object]) -> Router:
    if not wrappers:
        return router
    inner = interface_of(target)
    crossing = inner if inner is not None and inner != outer else None
    return WrappedRouter(router, tuple(wrappers), crossing)


def _is_dispatcher(app: object) -> bool:
    module = sys.modules.get("werkzeug.middleware.dispatcher")
    dispatcher = getattr(module, "DispatcherMiddleware", None)
    return dispatcher is not None and isinstance(app, dispatcher)


class WrappedRouter:
    """The router of an app inside wrappers, handed each request as the app gets it."""

    route: RouteFn

    def __init__(self, inner: Router, wrappers: tuple[object, ...], crossing: str | None) -> None:
        self.framework = inner.framework
        self.inner = inner
        self.whole_path = below_mount(inner)
        #: the wrappers looked through, outermost first
        self.wrappers = wrappers
        self._inner_route: RouteFn = inner.route
        #: (method, path, kind) -> (the inner router's version, its answer)
        self._remembered: dict[tuple[Any, ...], tuple[object, str | Found | None]] = {}
        if crossing == "wsgi":
            self.route = self._to_wsgi
        elif crossing == "asgi":
            self.route = self._to_asgi
        else:  # the inner router is asked as it is: no call in between
            self.route = inner.route

    def answers_version(self) -> object | None:
        return answers_version(self.inner)

    @property
    def answers_by_shape(self) -> bool:
        return getattr(self.inner, "answers_by_shape", False) is True

    def _to_wsgi(self, method: str | None, path: str, request: Any) -> str | Found | None:
        if not is_scope(request):
            return self._inner_route(method, path, request)
        return self._crossed(method, path, request, environ_of, wsgi_path)

    def _to_asgi(self, method: str | None, path: str, request: Any) -> str | Found | None:
        if is_scope(request):
            return self._inner_route(method, path, request)
        return self._crossed(method, path, request, scope_of, asgi_path)

    def _crossed(
        self,
        method: str | None,
        path: str,
        request: Any,
        convert: Callable[[Any, str], dict[str, Any]],
        converted_path: Callable[[str], str],
    ) -> str | Found | None:
        """The inner router's answer for a request converted as the adapter converts it;
        remembered while the inner router's version holds (the conversion is skipped)."""
        version = answers_version(self.inner)
        key = (method, answer_path(self.inner, path), request.get("type"))
        if version is not None:
            held = self._remembered.get(key)
            if held is not None and held[0] == version:
                return held[1]
        path = converted_path(path)
        found = self._inner_route(method, path, convert(request, path))
        if version is not None:
            remember(self._remembered, key, (version, found))
        return found

    def routes(self) -> Iterable[DiscoveredRoute]:
        return self.inner.routes()


def join(prefix: str, template: str) -> str:
    """A mounted app's route below the mount's prefix (``/legacy`` + ``/add``); a route
    written without a leading slash (Django's) is put below it too."""
    prefix = prefix.rstrip("/")
    return prefix + template if template.startswith("/") else f"{prefix}/{template}"


def below_mount(router: object) -> bool:
    """Whether a mounted app's templates already hold the mount's path: an app that
    routes an ASGI scope's whole path, its ``root_path`` included (Falcon's ASGI app)."""
    return getattr(router, "whole_path", False) is True


def prefixed(prefix: str, found: str | Found | None) -> str | Found | None:
    """A mounted app's answer, joined to the mount's prefix."""
    if found is None or not prefix:
        return found
    if isinstance(found, Found):
        return dataclasses.replace(found, template=join(prefix, found.template))
    return join(prefix, found)


class DispatchRouter:
    """Werkzeug's ``DispatcherMiddleware``: the route of the app it mounts at a path."""

    framework = "Werkzeug DispatcherMiddleware"

    def __init__(self, dispatcher: Any, adapter_of: AdapterOf, read_router: ReadRouter) -> None:
        self._dispatcher = dispatcher
        self._adapter_of = adapter_of
        self._read_router = read_router
        self._routers: dict[int, tuple[object, Router | None]] = {}
        #: (mount, method, path below it) -> (the app mounted, its router's version, answer)
        self._remembered: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for app in (dispatcher.app, *dispatcher.mounts.values()):  # now: warnings at start
            self.router_of(app)

    def router_of(self, app: object) -> Router | None:
        """The router of a mounted app, built on first use (None: none can be read)."""
        known = self._routers.get(id(app))
        if known is not None and known[0] is app:
            return known[1]
        router = None
        prepare_mounted(app)
        try:
            router = compose(app, self._adapter_of, self._read_router)
        except Exception as error:
            logger.warning(
                "appsignal-routes: cannot read the routes of %r mounted in %r (%s); its "
                "requests are grouped by its mount's prefix or declared routes only",
                app,
                self._dispatcher,
                error,
            )
        if len(self._routers) >= _MOUNTED_ROUTERS:
            self._routers.clear()
        self._routers[id(app)] = (app, router)
        return router

    def route(self, method: str | None, path: str, request: Any) -> str | Found | None:  # noqa: ARG002 - read from the environ, as the dispatcher reads it
        environ = request
        mounts = self._dispatcher.mounts
        # DispatcherMiddleware.__call__'s own split: the longest mounted prefix, by segments
        script = environ.get("PATH_INFO", "")
        path_info = ""
        while "/" in script:
            if script in mounts:
                app = mounts[script]
                break
            script, last_item = script.rsplit("/", 1)
            path_info = f"/{last_item}{path_info}"
        else:
            app = mounts.get(script, self._dispatcher.app)
        router = self.router_of(app)
        if router is None:  # an app none can see into: its prefix, below declared routes
            return Found(script, app, opaque=True) if script else None
        version = answers_version(router)
        key = (script, method, answer_path(router, path_info))
        if version is not None:
            held = self._remembered.get(key)
            if held is not None and held[0] is app and held[1] == version:
                return cast("str | Found | None", held[2])
        if not script:
            found = router.route(method, path_info or "/", environ)
        else:
            child = {
                **environ,
                "SCRIPT_NAME": environ.get("SCRIPT_NAME", "") + script,
                "PATH_INFO": path_info,
            }
            found = router.route(method, path_info or "/", child)
            found = found if below_mount(router) else prefixed(script, found)
        if version is not None:
            remember(self._remembered, key, (app, version, found))
        return found

    def routes(self) -> Iterable[DiscoveredRoute]:
        mounted = [("", self._dispatcher.app), *self._dispatcher.mounts.items()]
        for prefix, app in mounted:
            router = self.router_of(app)
            if router is None:
                if prefix:
                    yield DiscoveredRoute((), prefix, dotted_name(app), prefix=prefix)
                continue
            yield from mounted_routes(prefix, router)


def mounted_routes(prefix: str, router: Router) -> Iterator[DiscoveredRoute]:
    """A mounted app's routes, below the mount's prefix, each saying which app it is of."""
    below = prefix and not below_mount(router)
    for route in router.routes():
        yield dataclasses.replace(
            route,
            template=join(prefix, route.template) if below else route.template,
            prefix=join(prefix, route.prefix) if prefix and route.prefix else prefix,
            framework=route.framework or router.framework,
        )
