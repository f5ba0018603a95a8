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
- **Dispatchers.** Werkzeug's ``DispatcherMiddleware`` is followed into the apps it
  mounts (``_dispatcher``); Starlette's ``Mount`` by Starlette's adapter. Both join the
  mounted app's route to the mount's prefix and remember its answers where its router
  allows it (``_mounted``).

Every router is built once, when ``instrument()`` is given the app.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final, Literal, Protocol

from appsignal_routes._contain import Containment
from appsignal_routes._types import detect_interface

from . import DiscoveredRoute, Found, Router
from ._crossing import asgi_path, environ_of, is_scope, scope_of, wsgi_path
from ._dispatcher import DispatchRouter, is_dispatcher
from ._mounted import answer_path, answers_version, below_mount, remember

logger = logging.getLogger("appsignal_routes")

_UNREADABLE: Final = Containment("%r has no readable %s")
_NO_INTERFACE: Final = Containment("cannot tell whether %r is a WSGI or an ASGI app")

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

#: (adapter module, the object it reads) for one object, without looking inside it
AdapterOf = Callable[[object], "tuple[str, object] | None"]
#: the adapter's router, None when it knows no router in the object, or raises
ReadRouter = Callable[[str, object], "Router | None"]


class RouteFn(Protocol):
    """``Router.route``, as an attribute holds it."""

    def __call__(self, method: str | None, path: str, request: Any) -> str | Found | None: ...


def inner_app(wrapper: object) -> object | None:
    """The app ``wrapper`` keeps in one of ``WRAPPED_IN``, or None."""
    for name in WRAPPED_IN:
        inner: object = None
        with _UNREADABLE.about(wrapper, name):  # a property that cannot answer here (a proxy)
            inner = getattr(wrapper, name, None)
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
    """``app``, then each app it wraps, at most ``MAX_DEPTH`` objects, each once; only
    an app (a callable) is looked into: ``bottle.request`` keeps the app that serves it
    in ``app``, and is no wrapper of it."""
    seen: dict[int, object] = {}  # the objects themselves: ids of freed ones are reused
    current: object | None = app
    for _ in range(MAX_DEPTH):
        if current is None or id(current) in seen:
            return
        seen[id(current)] = current
        yield current
        current = inner_app(current) if callable(current) else None


def interface_of(app: object) -> Literal["wsgi", "asgi"] | None:
    """Whether ``app`` is called as a WSGI or an ASGI app, or None if it cannot be told."""

    with _NO_INTERFACE.about(app):
        return detect_interface(app)
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
        elif is_dispatcher(current):
            dispatcher = DispatchRouter(
                current, lambda mounted: compose(mounted, adapter_of, read_router)
            )
            return _wrapped(dispatcher, current, outer, wrappers)
        wrappers.append(current)
    return None


def _wrapped(router: Router, target: object, outer: str | None, wrappers: list[object]) -> Router:
    if not wrappers:
        return router
    inner = interface_of(target)
    crossing = inner if inner is not None and inner != outer else None
    return WrappedRouter(router, tuple(wrappers), crossing)


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
        self._crossing = crossing
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

    def answer_below(
        self, method: str | None, path: str, scope: Any, child: Any
    ) -> tuple[str | Found | None, object | None]:
        """The answer for a request a Mount hands this app (``scope``, the Mount's
        ``child`` scope on top of it, ``path`` below the child's root path), and the
        version it holds for (None: it is not to be remembered). The child scope is made
        only if the inner router is asked."""
        if self._crossing == "wsgi" and is_scope(scope):
            return self._crossed(method, path, scope, child, environ_of, wsgi_path)
        version = answers_version(self.inner)  # (before it is asked: a change shows after)
        return self.route(method, path, {**scope, **child}), version

    def _to_wsgi(self, method: str | None, path: str, request: Any) -> str | Found | None:
        if not is_scope(request):
            return self._inner_route(method, path, request)
        return self._crossed(method, path, request, None, environ_of, wsgi_path)[0]

    def _to_asgi(self, method: str | None, path: str, request: Any) -> str | Found | None:
        if is_scope(request):
            return self._inner_route(method, path, request)
        return self._crossed(method, path, request, None, scope_of, asgi_path)[0]

    def _crossed(  # noqa: PLR0917 - both directions, with and without a Mount's child scope
        self,
        method: str | None,
        path: str,
        request: Any,
        child: Any,
        convert: Callable[[Any, str], dict[str, Any]],
        converted_path: Callable[[str], str],
    ) -> tuple[str | Found | None, object | None]:
        """The inner router's answer for a request (with ``child`` on top, if any)
        converted as the adapter converts it, and its router's version: remembered while
        that holds (the conversion is skipped)."""
        version = answers_version(self.inner)
        key = (method, answer_path(self.inner, path), request.get("type"))
        if version is not None:
            held = self._remembered.get(key)
            if held is not None and held[0] == version:
                return held[1], version
        if child is not None:
            request = {**request, **child}
        path = converted_path(path)
        found = self._inner_route(method, path, convert(request, path))
        if version is not None:
            remember(self._remembered, key, (version, found))
        return found, version

    def routes(self) -> Iterable[DiscoveredRoute]:
        return self.inner.routes()
