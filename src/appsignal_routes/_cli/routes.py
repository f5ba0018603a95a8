"""``appsignal-routes routes MODULE:APP``: how an app's requests will be grouped.

The app is imported as a server imports it (the current directory on ``sys.path``),
then its framework's router is read the way ``instrument()`` reads it, and every route
is printed with the group its requests get. The wrappers looked through are named, and
the routes of a mounted app say which app they are of (its framework and prefix).
Pyramid's traversal views follow its routes: each with its view name, the resource type
it is registered for and the group a request to it gets. What could not be discovered
is said too.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from appsignal_routes._grouping.group import group_name
from appsignal_routes._request.middleware import AsgiMiddleware, WsgiMiddleware
from appsignal_routes._routes import registry
from appsignal_routes.frameworks import DiscoveredRoute, Router, framework_of, router_for
from appsignal_routes.frameworks._composed import WrappedRouter
from appsignal_routes.frameworks._names import dotted_name

if TYPE_CHECKING:  # Pyramid is imported only for an app of it
    from appsignal_routes.frameworks._pyramid_traversal import TraversalView

_WRAPPED_ATTRIBUTES = ("wsgi_app", "asgi_app")  # where Flask/Quart users wrap the app


def load(target: str) -> object:
    """The object ``MODULE:ATTRIBUTE`` names (dotted attributes allowed).

    Raises:
        ValueError: ``target`` is not of the form ``MODULE:ATTRIBUTE``.
    """
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"expected MODULE:APP (as a server takes it), not {target!r}")
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    found: object = importlib.import_module(module_name)
    for part in attribute.split("."):
        found = getattr(found, part)
    return found


def find_router(app: object) -> tuple[Router | None, object]:
    """The router ``instrument()`` uses for ``app`` and the framework app it reads: an
    app wrapped by ``instrument()``, an app whose ``wsgi_app``/``asgi_app`` is, or the
    framework app itself."""
    candidates = [app]
    candidates += [getattr(app, name) for name in _WRAPPED_ATTRIBUTES if hasattr(app, name)]
    for candidate in candidates:
        if isinstance(candidate, (WsgiMiddleware, AsgiMiddleware)):
            if candidate.start.router is not None:
                return candidate.start.router, candidate.app
            app = candidate.app
    return router_for(app), app


def _group(route: DiscoveredRoute) -> str:
    if route.group:
        return route.group
    return group_name(_method(route.methods), route.template)


def _method(methods: tuple[str, ...]) -> str:
    """The method a group is named by: the one method a route takes, else ``{METHOD}``."""
    named = [m for m in methods if m not in ("HEAD", "OPTIONS")] or list(methods)
    return named[0] if len(named) == 1 else "{METHOD}"


def _mounted_app(route: DiscoveredRoute) -> str:
    """Which mounted app a route is of: "Flask at /legacy"; an app none can see into
    says so; "" for a route of the app itself."""
    if route.framework:
        return f"{route.framework} at {route.prefix or '/'}"
    return "not seen into" if route.prefix else ""


def render_routes(routes: Iterable[DiscoveredRoute]) -> str:
    """The routes as a table; an "app" column when some are of mounted apps."""
    listed = list(routes)
    mounted = any(route.prefix or route.framework for route in listed)
    rows = [
        (
            ", ".join(route.methods) or "any",
            route.template,
            _group(route),
            *((_mounted_app(route),) if mounted else ()),
            route.handler,
        )
        for route in listed
    ]
    header = ("methods", "route", "group", *(("app",) if mounted else ()), "handler")
    return _table(header, rows)


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    last = len(header) - 1
    widths = [max([len(header[i])] + [len(row[i]) for row in rows]) for i in range(last)]
    lines = []
    for row in [header, *rows]:
        cells = [row[i].ljust(widths[i]) for i in range(last)]
        lines.append("  ".join([*cells, row[last]]).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def render_traversal(views: Iterable[TraversalView]) -> str:
    """Traversal views as a table: view name, resource type, group, handler."""
    rows = []
    for view in views:
        method = _method(view.methods)
        if view.root_name:
            groups = [view.root_name]
        elif view.route:
            groups = [group_name(method, view.route)]
        else:
            groups = [group_name(method, template) for template in view.templates]
        rows.append(
            (view.name or "(default)", view.context or "(any)", ", ".join(groups), view.handler)
        )
    return _table(("view name", "resource type", "group", "handler"), rows)


def traversal_of(router: Router) -> list[TraversalView]:
    """The traversal views of a Pyramid router (inside wrappers too); none for others."""
    current: object = router
    while current is not None:
        views: Any = getattr(current, "traversal_views", None)
        if callable(views):
            return list(cast("Iterable[TraversalView]", views()))
        current = getattr(current, "inner", None)
    return []


def _inside(router: Router) -> str:
    """ " (inside ProxyFix, WhiteNoise)": the wrappers looked through to find the app."""
    if not isinstance(router, WrappedRouter):
        return ""
    return f" (inside {', '.join(dotted_name(wrapper) for wrapper in router.wrappers)})"


def routes_report(target: str) -> tuple[str, int]:
    """The printed report for ``target`` and the exit status (1: nothing discovered)."""
    app = load(target)
    router, framework_app = find_router(app)
    declared = [template.text for template in registry.registry().templates]
    out: list[str] = []
    status = 0
    if router is not None:
        out.append(
            f"{router.framework} app {target}{_inside(router)}: routes discovered from its router\n"
        )
        listed = list(router.routes())
        views = traversal_of(router)
        if listed or not views:
            out.append(render_routes(listed))
        if views:
            out.append(
                ("\n" if listed else "")
                + "traversal views (Pyramid finds one by the resource type of the context "
                "and the view name):\n"
            )
            out.append(render_traversal(views))
            out.append(
                "\nThe path's resources are named by their types; a path left after the view "
                "name adds /*subpath;\n... stands for resources above it not met walking the "
                "tree from its root."
            )
        if any(route.prefix and not route.framework for route in listed):
            out.append(
                "\nAn app mounted where no router can be read is grouped by its prefix,"
                " unless a declared route matches."
            )
    else:
        status = 1
        known = framework_of(framework_app)
        reason = (
            f"its {known[0]} router could not be read (see the warning above)"
            if known is not None
            else f"no supported framework recognised in {type(framework_app).__name__}"
        )
        out.append(f"{target}: no routes discovered: {reason}.")
        out.append("Requests are grouped by declared routes (decorators, routes=) only.")
    if declared:
        out.append("\ndeclared routes (decorators and routes=), matched when no route above is:")
        out.extend(f"  {text}" for text in declared)
    out.append(
        "\nA @ar.root_name or @ar.route on a handler replaces the group shown for its route."
        "\nAny other path is grouped by its method alone (e.g. GET)."
    )
    return "\n".join(out), status
