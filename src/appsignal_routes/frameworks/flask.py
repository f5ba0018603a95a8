"""Flask (``flask.Flask``, also wrapped as ``app.wsgi_app``): ask its werkzeug ``Map``.

A request is bound as ``Flask.create_url_adapter`` binds it: by its host when the map
does host matching, by its subdomain below ``SERVER_NAME`` with
``subdomain_matching``, else to the map's default subdomain. PATH_INFO is decoded as
werkzeug decodes it. See ``_werkzeug`` for the match, the cache, 405s and redirects.
"""

from __future__ import annotations

from typing import Any

import flask
from werkzeug.wsgi import get_host

from . import Router
from ._werkzeug import Domain, WerkzeugRouter, strip_port, subdomain_of

DISTRIBUTION = "flask"  # whose installed version route discovery checks
LOWEST = "2.3"  # the lowest release of it this adapter supports, tested in CI


class FlaskRouter(WerkzeugRouter):
    """The rule ``Flask.dispatch_request`` would be given for a WSGI environ."""

    framework = "Flask"

    def where(self, path: str, request: Any) -> tuple[str, Domain, bool]:
        if not path.isascii():  # WSGI's latin-1 str, read as the UTF-8 werkzeug reads
            path = path.encode("latin1").decode(errors="replace")
        environ: dict[str, Any] = request
        upgrade = environ.get("HTTP_UPGRADE")
        websocket = (
            upgrade is not None
            and upgrade.lower() == "websocket"
            and "upgrade" in environ.get("HTTP_CONNECTION", "").lower()
        )
        app = self._app
        url_map = app.url_map
        if url_map.host_matching:
            return path, (get_host(environ), None), websocket
        if not app.subdomain_matching:
            return path, ("", url_map.default_subdomain or ""), websocket
        host = get_host(environ).lower()
        server_name = app.config["SERVER_NAME"]
        if server_name is None:  # the host is its own server name: no subdomain
            return path, ("", ""), websocket
        server_name = strip_port(environ["wsgi.url_scheme"], server_name.lower())
        return path, (server_name, subdomain_of(host, server_name)), websocket


def router_for(app: object) -> Router | None:
    """A router for a Flask app; None for other Flask objects (see ``WerkzeugRouter.of``)."""
    return FlaskRouter.of(app, flask.Flask)
