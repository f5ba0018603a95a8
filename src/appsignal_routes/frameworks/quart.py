"""Quart (``quart.Quart``, also wrapped as ``app.asgi_app``): ask its werkzeug ``Map``.

A request is bound as ``Quart.create_url_adapter`` and ``QuartMap.bind_to_request``
bind it: the path is the scope's below ``root_path`` (a path outside it matches
nothing), the host is the configured ``SERVER_NAME`` or the request's, and a WebSocket
scope matches WebSocket rules (``@app.websocket``). See ``_werkzeug`` for the match,
the cache, 405s and redirects.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import quart
from werkzeug.sansio.utils import get_host

from . import Router
from ._werkzeug import Domain, WerkzeugRouter, strip_port, subdomain_of

DISTRIBUTION = "quart"  # whose installed version route discovery checks
LOWEST = "0.19"  # the lowest release of it this adapter supports, tested in CI


class QuartRouter(WerkzeugRouter):
    """The rule Quart would dispatch an ASGI ``http`` or ``websocket`` scope to."""

    framework = "Quart"

    def where(self, path: str, request: Any) -> tuple[str, Domain, bool] | None:
        scope: dict[str, Any] = request
        path = scope.get("path") or "/"  # as Quart reads it, not the middleware's path
        if path[0] != "/":
            path = urlparse(path).path
        root = scope.get("root_path", "")
        if root:
            if path == root or not path.startswith(root):
                return None  # Quart answers these with a 404
            path = path[len(root) :]
        websocket = scope.get("type") == "websocket"
        app = self._app
        url_map = app.url_map
        subdomain = None if app.subdomain_matching else (url_map.default_subdomain or None)
        server_name: str | None = app.config["SERVER_NAME"]
        if not url_map.host_matching:
            if subdomain is not None:
                return path, ("", subdomain), websocket
            if server_name is None:  # the host is its own server name: no subdomain
                return path, ("", ""), websocket
        scheme = str(scope.get("scheme") or ("ws" if websocket else "http"))
        host = strip_port(scheme, _host(scope, scheme, server_name).lower())
        if url_map.host_matching:
            return path, (strip_port(scheme, (server_name or host).lower()), None), websocket
        server_name = strip_port(scheme, str(server_name).lower())
        return path, (server_name, subdomain_of(host, server_name)), websocket


def _host(scope: dict[str, Any], scheme: str, server_name: str | None) -> str:
    """The request's host as Quart's ``request.host`` reads it."""
    header = next((v.decode("latin1") for k, v in scope.get("headers", ()) if k == b"host"), None)
    if header is None and str(scope.get("http_version", "1.1")) < "1.1":
        header = server_name or ""
    return get_host(scheme, header, scope.get("server"))


def router_for(app: object) -> Router | None:
    """A router for a Quart app; None for other Quart objects (see ``WerkzeugRouter.of``)."""
    return QuartRouter.of(app, quart.Quart)
