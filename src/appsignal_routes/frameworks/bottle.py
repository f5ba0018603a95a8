"""Bottle (``bottle.Bottle``, also ``bottle.default_app()``): ask the app's router.

``Router.match`` gets the request's method and path (PATH_INFO decoded as Bottle
decodes it) and answers with the ``Route``, whose ``rule`` is the template as written.
A 405 (the path matches a rule of another method) is asked again with the first
allowed method, so it gets that rule. A Bottle app mounted with a prefix ending in "/"
has its routes merged into the parent's router by Bottle itself (their rules carry the
prefix); one mounted the WSGI way (a prefix without the slash) is reached through a
catch-all ``/api/<:re:.*>`` rule: its own router is asked for the rest of the path, and
its rule joined to the prefix (``/api/items/<item_id:int>``). Any other mounted WSGI
app is grouped by the catch-all rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from http import HTTPStatus
from typing import Any

import bottle

from . import DiscoveredRoute, Found, Router
from ._names import dotted_name
from ._route_cache import MISS, RouteCache

DISTRIBUTION = "bottle"  # whose installed version route discovery checks
LOWEST = "0.12.25"  # the lowest release of it this adapter supports, tested in CI


def _mounted(route: bottle.Route) -> tuple[str, bottle.Bottle] | None:
    """A Bottle app that ``route`` passes requests on to, and its prefix, normalised
    to "/segment/..." without a trailing slash, as ``Bottle._mount_wsgi`` shifts it."""
    target = route.config.get("mountpoint.target")
    if not isinstance(target, bottle.Bottle):
        return None
    segments = [s for s in str(route.config.get("mountpoint.prefix", "")).split("/") if s]
    return "/" + "/".join(segments), target


def _route_in(app: bottle.Bottle, method: str, path: str) -> tuple[Found | None, bool]:
    """The rule Bottle routes a request to, with its callback, and whether ``app``'s own
    routes alone decided it (not those of an app mounted the WSGI way)."""
    router = app.router
    try:
        route, _ = router.match({"REQUEST_METHOD": method, "PATH_INFO": path})
    except bottle.HTTPError as error:
        if error.status_code != HTTPStatus.METHOD_NOT_ALLOWED:
            return None, True
        # the rule of the first method Bottle would allow, asked of Bottle again
        allowed = sorted(str(error.get_header("Allow", "")).split(","))
        route, _ = router.match({"REQUEST_METHOD": allowed[0], "PATH_INFO": path})
        if _mounted(route) is None:
            return Found(route.rule, None), True  # a 405: no callback of its own
    mounted = _mounted(route)
    if mounted is None:
        rule: str = route.rule
        return Found(rule, route.callback), True
    prefix, sub_app = mounted
    _, rest = bottle.path_shift("/", path, prefix.count("/"))
    inner, _ = _route_in(sub_app, method, rest or "/")
    return (None if inner is None else Found(prefix + inner.template, inner.handler)), False


class BottleRouter:
    """Routes a request as ``Bottle._handle`` does; the router is read on every
    request, so routes added after ``instrument()`` count."""

    framework = "Bottle"

    def __init__(self, app: bottle.Bottle) -> None:
        self._app = app
        # (method, path) -> rule; a 404 or a 405 costs Bottle an HTTPError to say so
        self._cache: RouteCache[tuple[str, str]] = RouteCache()

    def route(self, method: str | None, path: str, request: Any) -> str | Found | None:  # noqa: ARG002 - method and path are all Bottle routes by
        if not path.isascii():
            path = path.encode("latin1").decode("utf8", "ignore")
        key = ((method or "GET").upper(), path)
        # every route added, or replacing another, is appended to app.routes
        cached = self._cache.entries(len(self._app.routes))
        found = cached.get(key, MISS)
        if found is not MISS:
            return found
        rule, by_own_routes = _route_in(self._app, *key)
        if by_own_routes:
            self._cache.store(cached, key, rule)
        return rule

    def routes(self) -> Iterable[DiscoveredRoute]:
        return _routes_of(self._app, "")


def _routes_of(app: bottle.Bottle, prefix: str) -> Iterator[DiscoveredRoute]:
    for route in app.routes:
        mounted = _mounted(route)
        if mounted is None:
            methods = () if route.method == "ANY" else (route.method,)
            yield DiscoveredRoute(methods, prefix + route.rule, dotted_name(route.callback))
        elif route.rule.endswith(">"):  # the catch-all of the mount, not its bare prefix
            yield from _routes_of(mounted[1], prefix + mounted[0])


def router_for(app: object) -> Router | None:
    """A router for a Bottle app; None for other Bottle objects.

    Raises:
        TypeError: the app's router is not Bottle's ``Router``.
    """
    if not isinstance(app, bottle.Bottle):
        return None
    if not isinstance(getattr(app, "router", None), bottle.Router):
        msg = f"Bottle app with an unknown router: {type(getattr(app, 'router', None)).__name__}"
        raise TypeError(msg)
    return BottleRouter(app)
