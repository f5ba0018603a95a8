"""The scenarios Flask and Quart share: both dispatch with werkzeug's routing ``Map``, so an
app of the same rules (Flask's views plain, Quart's async) is grouped alike on both.

``test_flask.py`` and ``test_quart.py`` each subclass ``WerkzeugScenarios`` with how their
app is made, instrumented and sent a request, and define the ``app`` fixture (that app,
instrumented). The two stay in modules of their own: Quart's lowest release needs a newer
Flask than Flask's lowest, so `make frameworks-lowest` runs them in two passes. No
framework is imported here."""

from __future__ import annotations

import logging
from types import ModuleType
from typing import Any

import pytest

import appsignal_routes as ar
from appsignal_routes.frameworks import DiscoveredRoute, router_for

#: (method, path, status, group and route) of each request to the app both modules make
DISPATCHED = [
    ("GET", "/users/1", 200, "/users/<int:user_id>"),
    ("GET", "/users/me", 200, "/users/me"),
    ("GET", "/files/a/b.txt", 200, "/files/<path:rest>"),
    ("GET", "/blobs/beef", 200, "/blobs/<hex:digest>"),
    ("GET", "/orders/7", 200, "/orders/<int:order_id>"),
    ("PUT", "/orders/7", 200, "/orders/<int:order_id>"),
    ("GET", "/api/items/3", 200, "/api/items/<int:item_id>"),
    ("POST", "/api/v1/carts/c1", 200, "/api/v1/carts/<cart_id>"),
    ("GET", "/admin/stats", 401, "/admin/stats"),
    ("DELETE", "/users/1", 405, "/users/<int:user_id>"),
    ("GET", "/api/v1/carts/c1", 405, "/api/v1/carts/<cart_id>"),
    ("OPTIONS", "/users/1", 200, "/users/<int:user_id>"),
    ("HEAD", "/users/1", 200, "/users/<int:user_id>"),
    ("GET", "/static/site.css", 404, "/static/<path:filename>"),
    # strict slashes: the 308 to "/folder/" is grouped by the rule it redirects to
    ("GET", "/folder", 308, "/folder/"),
    ("GET", "/folder/", 200, "/folder/"),
]


class OddMap:
    """A router Flask and Quart still route through, but not werkzeug's ``Map``."""

    def __init__(self, url_map: Any) -> None:
        self._map = url_map

    def __getattr__(self, name: str) -> Any:
        return getattr(self._map, name)


class WerkzeugScenarios:
    """What a user of either framework observes, written once."""

    #: as the router names its framework
    framework: str
    #: the app's attribute instrumented: ``wsgi_app`` or ``asgi_app``
    interface: str
    #: the adapter module (``appsignal_routes.frameworks.flask``...)
    adapter: ModuleType
    #: an object of the framework that is no app (a blueprint)
    not_an_app: object
    #: what the listing holds besides the views both apps share and the static files
    listed_also: tuple[DiscoveredRoute, ...] = ()

    @staticmethod
    def make_app() -> Any:
        """An app with converters, a MethodView, nested blueprints and a 401 hook."""
        raise NotImplementedError

    @staticmethod
    def fetch(app: Any, path: str, method: str = "GET", **options: Any) -> int:
        """The status of one request through the framework's own test client."""
        raise NotImplementedError

    def instrument(self, app: Any, traced: Any, **options: Any) -> Any:
        """``app`` with its WSGI or ASGI app instrumented, as the docs show."""
        inner = getattr(app, self.interface)
        setattr(
            app, self.interface, ar.instrument(inner, tracer_provider=traced.provider, **options)
        )
        return app

    @pytest.mark.parametrize(("method", "path", "status", "route"), DISPATCHED)
    def test_requests_are_grouped_by_the_rule_they_are_dispatched_to(
        self, app, traced, method, path, status, route
    ):
        assert self.fetch(app, path, method) == status
        assert traced.grouped() == [(f"{method} {route}", route, "discovered")]

    @pytest.mark.parametrize("path", ["/missing", "/users/abc", "/blobs/xyz", "/"])
    def test_a_path_no_rule_matches_is_grouped_by_its_method(self, app, traced, path):
        assert self.fetch(app, path) == 404
        assert traced.grouped() == [("GET", None, "method")]

    def test_discover_routes_false_gives_registry_behaviour(self, traced):
        app = self.make_app()
        self.instrument(app, traced, discover_routes=False, routes=["/users/:id"])
        assert self.fetch(app, "/users/1") == 200
        assert self.fetch(app, "/api/items/3") == 200
        assert traced.grouped() == [
            ("GET /users/:id", "/users/:id", "registry"),
            ("GET", None, "method"),
        ]

    def test_an_odd_url_map_falls_back_to_the_registry_with_one_warning(self, traced, caplog):
        app = self.make_app()
        app.url_map = OddMap(app.url_map)
        with caplog.at_level(logging.WARNING, logger="appsignal_routes"):
            self.instrument(app, traced, routes=["/users/:id"])
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
        assert "url_map is not a werkzeug routing Map" in warnings[0].getMessage()
        assert self.fetch(app, "/users/1") == 200
        assert traced.grouped() == [("GET /users/:id", "/users/:id", "registry")]

    def test_routes_lists_every_rule_with_its_methods_and_endpoint(self):
        router = router_for(self.make_app())
        assert router is not None
        assert router.framework == self.framework
        routes = list(router.routes())
        get = ("GET", "HEAD", "OPTIONS")
        assert DiscoveredRoute(get, "/users/<int:user_id>", "show_user") in routes
        assert (
            DiscoveredRoute(("OPTIONS", "POST"), "/api/v1/carts/<cart_id>", "api.v1.cart") in routes
        )
        assert DiscoveredRoute((*get, "PUT"), "/orders/<int:order_id>", "orders") in routes
        assert all(route in routes for route in self.listed_also)
        # the nine views both apps share, the static files and what this app has besides
        assert len(routes) == 10 + len(self.listed_also)

    def test_objects_that_are_not_an_app_have_no_router(self):
        assert self.adapter.router_for(self.not_an_app) is None
