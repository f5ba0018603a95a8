r"""Pyramid (the ``pyramid.router.Router`` that ``config.make_wsgi_app()`` returns).

Routes are tried as ``RoutesMapper.__call__`` tries them: in the order they were
added, the first whose pattern matches ``request.path_info`` and whose route
predicates all hold. A route predicate gets a Pyramid request built as the router
builds one, and only when a route with predicates matches the path. A route that
matches the path but not the method (its ``request_method`` is the one predicate
that fails: Pyramid then answers 404, or a later route) still groups the request
when no route matches fully; a view predicate that fails (Pyramid's 404 or a view
answering 405) never changes the route. The pattern is exported as written, with
the leading "/" that Pyramid's matcher adds when it lacks one (``config.include(...,
route_prefix="api")`` stores "api/items/{item_id}"). A request dispatched by traversal
is grouped by the view it reaches, once Pyramid has found its context (see
``_pyramid_traversal``).

A route decided by the path alone is remembered by the path's shape where the routes
allow it: when no pattern has a segment whose static text is digits alone and every
placeholder takes any digits (``{name}``, ``*rest``, or a regex such as ``[0-9]+``), a
segment of digits alone matches alike whatever its value, so ``/users/42`` and
``/users/43`` share one entry; otherwise the whole path is the key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pyramid import urldispatch
from pyramid.predicates import RequestMethodPredicate
from pyramid.request import Request, apply_request_extensions
from pyramid.router import Router as PyramidApp

from appsignal_routes._decorators.handler_names import member

from . import DiscoveredRoute, Found, Router
from ._names import dotted_name
from ._pyramid_traversal import TraversalView, listen, traversal_views
from ._route_cache import MISS, SIZE, RouteCache, shape

DISTRIBUTION = "pyramid"  # whose installed version route discovery checks
LOWEST = "2.0"  # the lowest release of it this adapter supports, tested in CI

#: Placeholder regexes that take every value of digits alone alike
_UNIFORM_REGEXES = frozenset({r"\d+", "[0-9]+", "[^/]+", ".+", ".*"})


def _template(route: Any) -> str:
    pattern = str(route.pattern)
    return pattern if pattern.startswith("/") else "/" + pattern


class PyramidRouter:
    """Routes a request as Pyramid's routes mapper does; the route list is read on
    every request, so routes added (and committed) after ``instrument()`` count."""

    framework = "Pyramid"

    def __init__(self, app: PyramidApp) -> None:
        self._app = app
        # path (or its shape) -> template, for paths whose route no predicate decided
        self._cache: RouteCache[str] = RouteCache()  # (it stores Founds)
        self._shaped: tuple[object, bool] = (None, False)  # route-list version, by shape
        self._founds: dict[Any, Found] = {}  # route -> its template and view

    def route(self, method: str | None, path: str, request: Any) -> str | Found | None:  # noqa: ARG002 - the method is read from the request, as predicates do
        mapper = self._app.routes_mapper
        if mapper is None:  # a traversal app: Pyramid never asks for routes
            return None
        if not path.isascii():
            try:
                path = path.encode("latin-1").decode("utf-8")  # as request.path_info
            except UnicodeError:  # Pyramid answers 400 before routing
                return None
        routes = mapper.get_routes()
        # a route added, or replaced under its name, is appended to the list
        version = (len(routes), routes[-1] if routes else None)
        cached = self._cache.entries(version)
        if self._shaped[0] != version:
            self._shaped = (version, _digits_match_alike(routes))
        key = shape(path) if self._shaped[1] else path
        found = cached.get(key, MISS)
        if found is not MISS:
            return found
        route, by_path_alone = self._match(routes, path, request)
        answer = route if route is None or isinstance(route, str) else self._found(route)
        if by_path_alone:
            self._cache.store(cached, key, answer)
        return answer

    def _found(self, route: Any) -> Found:
        """A route's template with its view (see ``_view_of``), made once per route."""
        found = self._founds.get(route)
        if found is None:
            if len(self._founds) >= SIZE:
                self._founds.clear()
            found = self._founds[route] = Found(_template(route), self._view_of(route))
        return found

    def _view_of(self, route: Any) -> object:
        """The view callable of a route with exactly one view, for any method, as
        introspection records it (a view class's ``attr`` method, or its ``__call__``);
        else None: which of several views, or whether a view for some methods only,
        a request reaches is decided after it starts."""
        introspector = self._app.registry.introspector
        intr = introspector.get("routes", route.name)
        if intr is None:
            return None  # introspection is off
        views = [r for r in introspector.related(intr) if r.category_name == "views"]
        if len(views) != 1 or views[0].get("request_methods"):
            return None
        view = views[0].get("callable")
        if isinstance(view, type):
            return member(view, views[0].get("attr") or "__call__")
        return view

    def _match(self, routes: list[Any], path: str, environ: Any) -> tuple[Any, bool]:
        """The route Pyramid picks (the template of a route only the request's method
        refused), and whether the path alone decided it (no route with predicates
        matched the path)."""
        request: Request | None = None
        method_mismatch = None
        for route in routes:
            match = route.match(path)
            if match is None:
                continue
            predicates = route.predicates
            if not predicates:
                return route, request is None
            if request is None:
                request = self._request(environ)
            info = {"match": match, "route": route}
            if all(p(info, request) for p in predicates):
                return route, False
            if method_mismatch is None and all(
                p(info, request) for p in predicates if not isinstance(p, RequestMethodPredicate)
            ):
                method_mismatch = route  # only its request_method failed
        # a route only its method refused: its template alone (its view never runs)
        return (None if method_mismatch is None else _template(method_mismatch)), request is None

    def _request(self, environ: dict[str, Any]) -> Request:
        """A Pyramid request for route predicates, built as ``Router.request_context``
        builds one (the request factory, the registry, the request extensions)."""
        app = self._app
        request: Request = app.request_factory(environ)
        request.registry = app.registry
        if app.request_extensions is not None:
            apply_request_extensions(request, extensions=app.request_extensions)
        return request

    def routes(self) -> Iterable[DiscoveredRoute]:
        mapper = self._app.routes_mapper
        return () if mapper is None else self._described(mapper.get_routes())

    def traversal_views(self) -> list[TraversalView]:
        """The views traversal reaches, for ``appsignal-routes routes`` (the root factory
        is called once, with a request for "/" built as the router builds one)."""
        app = self._app

        def root() -> object:
            return app.root_factory(self._request(Request.blank("/").environ))

        return traversal_views(app.registry, root)

    def _described(self, routes: list[Any]) -> Iterator[DiscoveredRoute]:
        introspector = self._app.registry.introspector
        for route in routes:
            methods: set[str] = set()
            views: list[str] = []
            intr = introspector.get("routes", route.name)
            if intr is not None:
                methods.update(_as_tuple(intr["request_methods"] or ()))
                view_methods: list[Any] = []  # a view's request_method(s), None for any
                for related in introspector.related(intr):
                    if related.category_name == "views" and related.get("callable"):
                        attr = related.get("attr")
                        views.append(
                            dotted_name(related["callable"]) + (f".{attr}" if attr else "")
                        )
                        view_methods.append(related.get("request_methods"))
                if not methods and view_methods and None not in view_methods:
                    for view_method in view_methods:
                        methods.update(_as_tuple(view_method))
            yield DiscoveredRoute(tuple(sorted(methods)), _template(route), ", ".join(views))


def _digits_match_alike(routes: Iterable[Any]) -> bool:
    """Whether every route's pattern matches any segment of digits alone the same
    whatever its value (see the module doc), read with Pyramid's own placeholder
    syntax: ``{name}``, ``{name:regex}``, and the older ``:name``."""
    for route in routes:
        pattern = str(route.pattern)
        placeholders = urldispatch.route_re.findall(pattern)
        if placeholders:
            static = urldispatch.route_re.sub("\x00", pattern)
        else:  # ":name" placeholders, which take no regex
            static = urldispatch.old_route_re.sub("\x00", pattern)
        for placeholder in placeholders:
            regex = placeholder[1:-1].partition(":")[2]
            if regex and regex not in _UNIFORM_REGEXES:
                return False  # {year:\d{4}} would do, {n:[0-5]+} would not: none of them
        for segment in static.split("/"):
            text = segment.replace("\x00", "")
            if text and text.isdigit():
                return False  # "2024", or "{n}1": which route depends on the value
    return True


def _as_tuple(methods: str | Iterable[str]) -> tuple[str, ...]:
    return (methods,) if isinstance(methods, str) else tuple(methods)


def router_for(app: object) -> Router | None:
    """A router for a Pyramid WSGI app; None for other Pyramid objects.

    Raises:
        AttributeError: the app lacks the ``routes_mapper`` Pyramid 2 routers have.
    """
    if not isinstance(app, PyramidApp):
        return None
    mapper = app.routes_mapper  # AttributeError on a router unlike Pyramid 2's
    if mapper is not None and not hasattr(mapper, "get_routes"):
        msg = f"Pyramid routes mapper without get_routes: {type(mapper).__name__}"
        raise TypeError(msg)
    listen(app.registry)  # traversal requests: named as Pyramid finds their context
    return PyramidRouter(app)
