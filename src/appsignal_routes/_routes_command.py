"""``appsignal-routes routes MODULE:APP``: how an app's requests will be grouped.

The app is imported as a server imports it (the current directory on ``sys.path``),
then its framework's router is read the way ``instrument()`` reads it, and every route
is printed with the group its requests get. What could not be discovered is said too.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from pathlib import Path

from . import _registry
from ._grouping import group_name
from ._middleware import AsgiMiddleware, WsgiMiddleware
from .frameworks import DiscoveredRoute, Router, framework_of, router_for

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
    methods = [m for m in route.methods if m not in ("HEAD", "OPTIONS")] or list(route.methods)
    return group_name(methods[0] if len(methods) == 1 else "{METHOD}", route.template)


def render_routes(routes: Iterable[DiscoveredRoute]) -> str:
    rows = [
        (", ".join(route.methods) or "any", route.template, _group(route), route.handler)
        for route in routes
    ]
    header = ("methods", "route", "group", "handler")
    widths = [max([len(header[i])] + [len(row[i]) for row in rows]) for i in range(3)]
    lines = []
    for row in [header, *rows]:
        cells = [row[i].ljust(widths[i]) for i in range(3)]
        lines.append("  ".join([*cells, row[3]]).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def routes_report(target: str) -> tuple[str, int]:
    """The printed report for ``target`` and the exit status (1: nothing discovered)."""
    app = load(target)
    router, framework_app = find_router(app)
    declared = [template.text for template in _registry.registry().templates]
    out: list[str] = []
    status = 0
    if router is not None:
        out.append(f"{router.framework} app {target}: routes discovered from its router\n")
        out.append(render_routes(router.routes()))
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
