"""Werkzeug's ``DispatcherMiddleware``, followed into the app it mounts at a path.

The path is split into ``SCRIPT_NAME`` and ``PATH_INFO`` exactly as the dispatcher
splits it (the longest mounted prefix, segment by segment); the mounted app's route is
joined to the prefix (``/legacy`` + ``/add``: ``/legacy/add``), and a path it has no
route for has none here either. A mounted app no router can be read from answers with
its prefix, as an opaque ``Found`` that a declared route outranks. Each mounted app's
router is built once (an app mounted later: on its first request).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any, cast

from . import DiscoveredRoute, Found, Router, prepare_mounted
from ._mounted import answer_path, answers_version, below_mount, mounted_routes, prefixed, remember
from ._names import dotted_name

logger = logging.getLogger("appsignal_routes")

#: a dispatcher remembers the routers of this many mounted apps at most
_MOUNTED_ROUTERS = 64


def is_dispatcher(app: object) -> bool:
    """Whether ``app`` is Werkzeug's ``DispatcherMiddleware`` (if Werkzeug is loaded)."""
    module = sys.modules.get("werkzeug.middleware.dispatcher")
    dispatcher = getattr(module, "DispatcherMiddleware", None)
    return dispatcher is not None and isinstance(app, dispatcher)


class DispatchRouter:
    """Werkzeug's ``DispatcherMiddleware``: the route of the app it mounts at a path."""

    framework = "Werkzeug DispatcherMiddleware"

    def __init__(self, dispatcher: Any, compose: Callable[[object], Router | None]) -> None:
        """``compose``: the router of a mounted app (raises when it cannot be read)."""
        self._dispatcher = dispatcher
        self._compose = compose
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
            router = self._compose(app)
        except Exception as error:  # more than containment: the user is warned
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
