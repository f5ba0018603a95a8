"""Route discovery: ask the framework's own router which route a request is headed for.

One adapter module per framework, each exposing ``router_for(app) -> Router | None``.
An app is recognised by the modules of its type's classes (its MRO), so no framework is
imported before the app itself has imported it. An adapter that does not understand
the app (a framework version whose router it does not know) raises; the app then falls
back to the registry, with one warning.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

logger = logging.getLogger("appsignal_routes")

#: top-level package of an app's class -> the adapter module that knows its router
ADAPTERS: dict[str, str] = {
    "bottle": "bottle",
    "cherrypy": "cherrypy",
    "django": "django",
    "falcon": "falcon",
    "fastapi": "fastapi",
    "flask": "flask",
    "litestar": "litestar",
    "pyramid": "pyramid",
    "quart": "quart",
    "starlette": "starlette",
}


@dataclass(frozen=True, slots=True)
class DiscoveredRoute:
    """One route of an app as its framework declares it.

    ``methods`` is empty when the route takes any method; ``template`` is written in the
    framework's own syntax, exactly as it is exported (``http.route``).
    """

    methods: tuple[str, ...]
    template: str
    handler: str = ""  # the endpoint, view or resource, for people to read
    #: the group its requests get when it is not "{METHOD} {template}" (a root name:
    #: CherryPy's "Class#method"); empty for the route's own group
    group: str = ""


@dataclass(frozen=True, slots=True)
class Found:
    """A route a router found for a request, with the handler it dispatches to.

    ``handler`` is the view, endpoint or responder the framework would call (the object
    the framework holds, possibly a decorated one), or None when the adapter cannot
    name it cheaply; a handler that carries ``@route`` or ``@root_name`` groups the
    request by the decorator's name from its start, whether or not the handler runs.
    """

    template: str
    handler: object = None


class RootName(str):
    """What a router answers for a request named by its handler rather than by a route
    (a framework without route templates: CherryPy's ``Class#method``): the request's
    span starts named by it, as a root name of source ``discovered``, without
    ``http.route``."""

    __slots__ = ()


class Router(Protocol):
    """A framework's router, as the request-start path asks it."""

    #: the framework's name, for people: "Flask", "Falcon (ASGI)", ...
    framework: str

    def route(self, method: str | None, path: str, request: Any) -> str | Found | None:
        """The template of the route a request is headed for (with its handler, as a
        ``Found``, where the adapter knows it; or a ``RootName``), or None when no
        route matches. ``path``
        is relative to the app's mount point; ``request`` is the WSGI environ or the
        ASGI scope. A route that matches the path but not the method (a 405) still
        counts. May raise: the caller contains it."""
        ...

    def routes(self) -> Iterable[DiscoveredRoute]:
        """Every route the router knows now, for ``appsignal-routes routes``."""
        ...


def framework_of(app: object) -> tuple[str, object] | None:
    """The adapter module for ``app`` and the object it reads: the app itself, or the
    app behind a bound method such as Flask's ``app.wsgi_app``; found by the packages
    of its classes. None if no adapter knows it."""
    candidates = [app]
    bound_to = getattr(app, "__self__", None) if hasattr(app, "__func__") else None
    if bound_to is not None:
        candidates.append(bound_to)
    for candidate in candidates:
        for cls in type(candidate).__mro__:
            adapter = ADAPTERS.get(cls.__module__.partition(".")[0])
            if adapter is not None:
                return adapter, candidate
    return None


def router_for(app: object) -> Router | None:
    """The router of a framework's app object, or None: an app of no known framework,
    or one whose router the adapter does not understand (one warning). Never raises."""
    found = framework_of(app)
    if found is None:
        return None
    adapter, target = found
    try:
        module = importlib.import_module(f"{__name__}.{adapter}")
        router: Router | None = module.router_for(target)
    except Exception as error:
        logger.warning(
            "appsignal-routes: cannot read the routes of %r (%s); grouping by declared routes only",
            app,
            error,
        )
        logger.debug("appsignal-routes: route discovery failed", exc_info=True)
        return None
    return router


def prepare(app: object) -> object | None:
    """What ``instrument()`` wraps for ``app``, as the adapter's optional
    ``prepare(app)`` says: the app itself; a stand-in that calls it and keeps the
    framework's own tracing from starting a second server span; or None when the app
    already makes its own server spans (a contrib instrumentor), so that wrapping it
    would trace each request twice. Never raises: on a failure, the app itself."""
    found = framework_of(app)
    if found is None:
        return app
    try:
        module = importlib.import_module(f"{__name__}.{found[0]}")
        hook = getattr(module, "prepare", None)
        return app if hook is None else hook(app)
    except Exception:
        logger.debug("appsignal-routes: preparing %r failed", app, exc_info=True)
        return app
