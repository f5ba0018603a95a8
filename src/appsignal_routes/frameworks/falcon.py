"""Falcon (``falcon.App``, ``falcon.asgi.App``): ask the app's compiled router.

A request's path is prepared as Falcon prepares ``req.path`` (PATH_INFO decoded from
its latin-1 tunnel, or the ASGI scope's ``path``; a trailing slash stripped when
``req_options.strip_url_path_trailing_slash`` says so), then ``CompiledRouter.find``
answers with the ``uri_template`` as written, found with the resource's responder for
the method (``on_get``), where a decorator may sit. Routing in Falcon depends on the
path alone, so a method the resource has no responder for (a 405) gets the same
template, found with the resource's class.
When no route matches, sinks and static routes are tried in Falcon's own order: a sink
whose prefix is a plain string (no regex syntax) and a static route are grouped by
that prefix; a sink with a regex prefix gives no template (a regex is no route).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import falcon
import falcon.asgi
from falcon.routing import CompiledRouter
from falcon.routing.compiled import CompiledRouterNode

from appsignal_routes._private.falcon import (
    roots_of,
    router_of,
    sinks_and_static_routes,
    static_prefix,
)

from . import DiscoveredRoute, Found, Router
from ._names import dotted_name
from ._route_cache import SIZE, Founds

DISTRIBUTION = "falcon"  # whose installed version route discovery checks
LOWEST = "3.1.1"  # the lowest release of it this adapter supports, tested in CI

_REGEX_SYNTAX = re.compile(r"[.^$*+?{}\[\]\\|()]")


class FalconRouter:
    """Routes a request as ``App._get_responder`` does; reads the router every time,
    so routes, sinks and static routes added after ``instrument()`` count."""

    def __init__(self, app: falcon.App[Any, Any], router: CompiledRouter) -> None:
        self._app = app
        self._find = router.find
        self._roots = roots_of(router)
        self._asgi = isinstance(app, falcon.asgi.App)
        #: an ASGI app routes the scope's whole path, its root_path included: mounted,
        #: its templates already hold the mount's path (see ``_mounted``)
        self.whole_path = self._asgi
        self.framework = "Falcon (ASGI)" if self._asgi else "Falcon"
        self._founds = Founds()
        #: template -> (its method map, method -> Found): asking a decorated (wrapt)
        #: responder for its ``__self__`` costs microseconds, so it is asked once
        self._answers: dict[str, tuple[object, dict[str | None, Found]]] = {}

    def route(self, method: str | None, path: str, request: Any) -> str | Found | None:
        if self._asgi:
            path = request.get("path") or "/"  # Falcon's req.path keeps the root_path
        elif not path.isascii():
            path = path.encode("iso-8859-1").decode("utf-8", "replace")
        if (
            self._app.req_options.strip_url_path_trailing_slash
            and len(path) != 1
            and path.endswith("/")
        ):
            path = path[:-1]
        found = self._find(path)
        if found is not None:
            template: str | None = found[3]
            if template is None:
                return None
            return self._found(template, found, method)
        for matcher, _, is_sink in sinks_and_static_routes(self._app):
            if matcher.match(path):
                return _sink_prefix(matcher) if is_sink else _static_prefix(matcher)
        return None

    def _found(self, template: str, found: Any, method: str | None) -> Found:
        """The template with the responder for ``method`` (remembered per template)."""
        method_map = found[1]
        known = self._answers.get(template)
        if known is not None and known[0] is method_map:
            answer = known[1].get(method)
            if answer is not None:
                return answer
        else:
            if len(self._answers) >= SIZE:
                self._answers.clear()
            known = self._answers[template] = (method_map, {})
        responder = method_map.get(method) if method and method_map else None
        answer = known[1][method] = self._answer(template, found[0], responder)
        return answer

    def _answer(self, template: str, resource: object, responder: object) -> Found:
        if getattr(responder, "__self__", None) is not resource:
            responder = type(resource)  # Falcon's own 405: the resource's class
        return self._founds.of(template, responder)

    def routes(self) -> Iterable[DiscoveredRoute]:
        yield from self._walk(self._roots)
        for matcher, handler, is_sink in sinks_and_static_routes(self._app):
            prefix = _sink_prefix(matcher) if is_sink else _static_prefix(matcher)
            if prefix is not None:
                methods = () if is_sink else ("GET", "HEAD")
                yield DiscoveredRoute(methods, prefix, dotted_name(handler))

    def _walk(self, nodes: list[CompiledRouterNode]) -> Iterator[DiscoveredRoute]:
        for node in nodes:
            resource = node.resource
            if resource is not None and node.uri_template is not None:
                methods = tuple(
                    sorted(
                        method
                        for method, responder in (node.method_map or {}).items()
                        if getattr(responder, "__self__", None) is resource
                    )
                )
                yield DiscoveredRoute(methods, node.uri_template, dotted_name(resource))
            yield from self._walk(node.children)


def _sink_prefix(matcher: object) -> str | None:
    """A sink's prefix as written when it is a plain path, else None."""
    prefix = getattr(matcher, "pattern", None)
    if not isinstance(prefix, str) or _REGEX_SYNTAX.search(prefix):
        return None
    return prefix


def _static_prefix(matcher: object) -> str | None:
    return static_prefix(matcher)


def router_for(app: object) -> Router | None:
    """A router for a Falcon app; None for other Falcon objects.

    Raises:
        TypeError: the app has a custom router (not a ``CompiledRouter``), whose
            ``find`` may need the request Falcon builds.
    """
    if not isinstance(app, falcon.App):
        return None
    router = router_of(app)
    if router is None:
        msg = "Falcon app whose router cannot be read (this release of Falcon keeps it otherwise)"
        raise TypeError(msg)
    if not isinstance(router, CompiledRouter):
        msg = f"Falcon app with a router Falcon does not compile: {type(router).__name__}"
        raise TypeError(msg)
    return FalconRouter(app, router)
