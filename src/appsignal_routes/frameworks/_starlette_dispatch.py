"""Ask a Starlette ``Router`` which route it hands a scope to, the way ``Router.app``
picks one, without calling anything: routes are asked by their own ``matches()``, and
the scope is never changed (child scopes are copies). For routers built by a framework
on Starlette's routing (Connexion's middlewares), whose answers need the route itself,
not only its path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.routing import Match, Mount
from starlette.routing import Router as StarletteRouting


def chained(app: object) -> Iterator[list[Any]]:
    """The route lists of a router and of the routers chained as its default (as
    Connexion chains the APIs added at one base path)."""
    seen: set[int] = set()
    while isinstance(app, StarletteRouting) and id(app) not in seen:
        seen.add(id(app))
        yield app.routes
        app = app.default


#: what ``dispatch`` answers when Starlette answers a redirect itself
REDIRECT = object()


def dispatch(router: StarletteRouting, scope: Any) -> object | None:
    """The route (or Mount of a foreign app) ``router`` hands ``scope`` to, as
    ``Router.app`` picks it: the first full match, else the first partial one (a 405);
    into Mounts, and into the router's default when it is another router; ``REDIRECT``
    for a slash redirect; None when it passes the request on."""
    partial: tuple[Any, Any] | None = None
    for route in router.routes:
        match, child = route.matches(scope)
        if match is Match.FULL:
            return _landing(route, {**scope, **child})
        if match is Match.PARTIAL and partial is None:
            partial = (route, child)
    if partial is not None:
        return _landing(partial[0], {**scope, **partial[1]})
    if router.redirect_slashes and _redirects(router, scope):
        return REDIRECT  # Starlette answers a redirect to the other form of the path
    default = router.default
    return dispatch(default, scope) if isinstance(default, StarletteRouting) else None


def _landing(route: object, scope: Any) -> object | None:
    if isinstance(route, Mount):
        app = route.app
        return dispatch(app, scope) if isinstance(app, StarletteRouting) else route
    return route


def _redirects(router: StarletteRouting, scope: Any) -> bool:
    path = str(scope["path"])
    root_path = scope.get("root_path", "")
    route_path = path[len(root_path) :] if root_path and path.startswith(root_path) else path
    if route_path == "/":
        return False
    other = {**scope, "path": path.rstrip("/") if route_path.endswith("/") else path + "/"}
    return any(route.matches(other)[0] is not Match.NONE for route in router.routes)
