"""Bottle (``bottle.Bottle``, also ``bottle.default_app()``): ask the app's router.

``Router.match`` gets the request's method and path (PATH_INFO decoded as Bottle
decodes it) and answers with the ``Route``, whose ``rule`` is the template as written.
A 405 (the path matches a rule of another method) is asked again with the first
allowed method, so it gets that rule. A Bottle app mounted with a prefix ending in "/"
has its routes merged into the parent's router by Bottle itself (their rules carry the
prefix); one mounted the WSGI way (a prefix without the slash) is reached through a
catch-all ``/api/<:re:.*>`` rule: its own router is asked for the rest of the path, and
its rule joined to the prefix (``/api/items/<item_id:int>``). Any other mounted WSGI
app is followed into with the router ``router_for`` reads for it, whatever its
framework (a Flask app: ``/legacy`` + ``/add`` is ``/legacy/add``; its 404 has no
route); one none can see into (a plain WSGI callable) is grouped by the mount's prefix
(``/legacy``), as an opaque ``Found`` that a declared route outranks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from http import HTTPStatus
from typing import Any, NamedTuple

import bottle

from . import DiscoveredRoute, Found, Router
from . import router_for as _router_of
from ._mounted import mounted_routes, prefixed
from ._names import dotted_name
from ._route_cache import MISS, RouteCache

DISTRIBUTION = "bottle"  # whose installed version route discovery checks
LOWEST = "0.12.25"  # the lowest release of it this adapter supports, tested in CI


class _Foreign(NamedTuple):
    """A request to a WSGI app of another kind mounted in a Bottle app: the mount's
    prefix (from the outermost app), the app, and the path below the prefix."""

    prefix: str
    target: object
    rest: str


def _mount_of(route: bottle.Route) -> tuple[str, object] | None:
    """The app that ``route`` passes requests on to (a mount), and its prefix,
    normalised to "/segment/..." without a trailing slash, as ``Bottle._mount_wsgi``
    shifts it."""
    target = route.config.get("mountpoint.target")
    if target is None:
        return None
    segments = [s for s in str(route.config.get("mountpoint.prefix", "")).split("/") if s]
    return "/" + "/".join(segments), target


def _route_in(app: bottle.Bottle, method: str, path: str) -> tuple[Found | _Foreign | None, bool]:
    """The rule Bottle routes a request to, with its callback (or the mounted app of
    another kind it passes the request on to), and whether ``app``'s own routes alone
    decided it (not those of an app mounted the WSGI way)."""
    router = app.router
    try:
        route, _ = router.match({"REQUEST_METHOD": method, "PATH_INFO": path})
    except bottle.HTTPError as error:
        if error.status_code != HTTPStatus.METHOD_NOT_ALLOWED:
            return None, True
        # the rule of the first method Bottle would allow, asked of Bottle again
        allowed = sorted(str(error.get_header("Allow", "")).split(","))
        route, _ = router.match({"REQUEST_METHOD": allowed[0], "PATH_INFO": path})
        if _mount_of(route) is None:
            return Found(route.rule, None), True  # a 405: no callback of its own
    mount = _mount_of(route)
    if mount is None:
        rule: str = route.rule
        return Found(rule, route.callback), True
    prefix, target = mount
    _, rest = bottle.path_shift("/", path, prefix.count("/"))
    if not isinstance(target, bottle.Bottle):
        return _Foreign(prefix, target, rest or "/"), True
    inner, _ = _route_in(target, method, rest or "/")
    if isinstance(inner, _Foreign):
        return _Foreign(prefix + inner.prefix, inner.target, inner.rest), False
    return (None if inner is None else Found(prefix + inner.template, inner.handler)), False


class BottleRouter:
    """Routes a request as ``Bottle._handle`` does; the router is read on every
    request, so routes added after ``instrument()`` count."""

    framework = "Bottle"

    def __init__(self, app: bottle.Bottle) -> None:
        self._app = app
        # (method, path) -> rule; a 404 or a 405 costs Bottle an HTTPError to say so
        self._cache: RouteCache[tuple[str, str]] = RouteCache()
        #: id of a mounted app of another kind -> (the app, its router): read once
        self._inner: dict[int, tuple[object, Router | None]] = {}

    def route(self, method: str | None, path: str, request: Any) -> str | Found | None:
        if not path.isascii():
            path = path.encode("latin1").decode("utf8", "ignore")
        key = ((method or "GET").upper(), path)
        # every route added, or replacing another, is appended to app.routes
        cached = self._cache.entries(len(self._app.routes))
        found = cached.get(key, MISS)
        if found is not MISS:
            return found
        routed, by_own_routes = _route_in(self._app, *key)
        rule: str | Found | None
        if isinstance(routed, _Foreign):
            rule, by_own_routes = self._into(routed, key[0], request)
        else:
            rule = routed
        if by_own_routes:
            self._cache.store(cached, key, rule)
        return rule

    def _into(self, mount: _Foreign, method: str, environ: Any) -> tuple[str | Found | None, bool]:
        """The route of a mounted app of another kind, joined to the mount's prefix (not
        remembered: that app's routes may change), as its own router names it; else
        the prefix, which a declared route outranks (remembered)."""
        router = self.router_of(mount.target)
        if router is None:
            return Found(mount.prefix, mount.target, opaque=True), True
        script = str(environ.get("SCRIPT_NAME", "")).rstrip("/") + mount.prefix
        request = {**environ, "SCRIPT_NAME": script, "PATH_INFO": mount.rest}
        return prefixed(mount.prefix, router.route(method, mount.rest, request)), False

    def router_of(self, target: object) -> Router | None:
        """The router of a mounted app of another kind (read once), or None."""
        known = self._inner.get(id(target))
        if known is None or known[0] is not target:
            known = (target, _router_of(target))
            self._inner[id(target)] = known
        return known[1]

    def routes(self) -> Iterable[DiscoveredRoute]:
        return list(self._routes_of(self._app, ""))

    def _routes_of(self, app: bottle.Bottle, prefix: str) -> Iterator[DiscoveredRoute]:
        for route in app.routes:
            mount = _mount_of(route)
            if mount is None:
                methods = () if route.method == "ANY" else (route.method,)
                yield DiscoveredRoute(methods, prefix + route.rule, dotted_name(route.callback))
            elif not route.rule.endswith(">"):  # the bare prefix, beside its catch-all
                continue
            elif isinstance(mount[1], bottle.Bottle):
                yield from self._routes_of(mount[1], prefix + mount[0])
            else:
                yield from self._foreign_routes(prefix + mount[0], mount[1])

    def _foreign_routes(self, prefix: str, target: object) -> Iterator[DiscoveredRoute]:
        router = self.router_of(target)
        if router is not None:
            yield from mounted_routes(prefix, router)
        else:  # none can see into it
            yield DiscoveredRoute((), prefix, dotted_name(target), prefix=prefix)


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
