"""Bottle: ``ar.instrument(app)`` groups each request by the rule Bottle routes it to,
mounted apps included."""

from __future__ import annotations

import contextlib
import logging

import bottle
import pytest

import appsignal_routes as ar
from appsignal_routes.frameworks import DiscoveredRoute, older, router_for
from appsignal_routes.frameworks._route_cache import RouteCache

from ...calls import call_wsgi


def mount_warning():
    """Bottle 0.13 deprecates a mount prefix without a trailing slash; 0.12 takes it."""
    if older(bottle.__version__, "0.13"):
        return contextlib.nullcontext()
    return pytest.warns(DeprecationWarning, match="Prefix must end in")


def show_user(user_id):
    return {"id": user_id}


def create_user():
    return {"id": 1}


@ar.route("/orders/:order_id")
def show_order(order_id):
    return {"order": order_id}


def stats():
    return {"requests": 1}


def item(item_id):
    return {"id": item_id}


def require_token():
    if bottle.request.path.startswith("/admin") and not bottle.request.get_header("Authorization"):
        bottle.abort(401, "token required")


def make_app():
    app = bottle.Bottle()
    app.get("/users/<user_id:int>", callback=show_user)
    app.post("/users", callback=create_user)
    app.get("/orders/<order_id>", callback=show_order)
    app.get("/admin/stats", callback=stats)
    app.add_hook("before_request", require_token)
    api = bottle.Bottle()
    api.get("/items/<item_id:int>", callback=item)
    app.mount("/api/", api)  # Bottle merges the routes, their rules prefixed
    return app


def test_requests_are_grouped_by_the_rule_bottle_routes_them_to(traced):
    app = ar.instrument(make_app(), tracer_provider=traced.provider)
    assert call_wsgi(app, "/users/7")[0] == "200 OK"
    assert call_wsgi(app, "/users/7", "HEAD")[0] == "200 OK"
    assert call_wsgi(app, "/api/items/3")[0] == "200 OK"
    assert call_wsgi(app, "/admin/stats")[0] == "401 Unauthorized"  # a hook, before routing
    assert call_wsgi(app, "/users/7", "DELETE")[0] == "405 Method Not Allowed"
    assert call_wsgi(app, "/users")[0] == "405 Method Not Allowed"  # POST only
    assert call_wsgi(app, "/users/x")[0] == "404 Not Found"
    assert traced.grouped() == [
        ("GET /users/<user_id:int>", "/users/<user_id:int>", "discovered"),
        ("HEAD /users/<user_id:int>", "/users/<user_id:int>", "discovered"),
        ("GET /api/items/<item_id:int>", "/api/items/<item_id:int>", "discovered"),
        ("GET /admin/stats", "/admin/stats", "discovered"),
        ("DELETE /users/<user_id:int>", "/users/<user_id:int>", "discovered"),
        ("GET /users", "/users", "discovered"),
        ("GET", None, "method"),
    ]


def test_an_app_mounted_the_wsgi_way_is_asked_for_the_rest_of_the_path(traced):
    app = make_app()
    legacy = bottle.Bottle()
    legacy.get("/items/<item_id:int>", callback=item)
    with mount_warning():
        app.mount("/v1", legacy)  # no trailing slash: a catch-all rule calls the app
    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert call_wsgi(wrapped, "/v1/items/3")[0] == "200 OK"
    assert call_wsgi(wrapped, "/v1/nothing")[0] == "404 Not Found"
    legacy.get("/late", callback=stats)  # never cached: the mounted app changed
    assert call_wsgi(wrapped, "/v1/late")[0] == "200 OK"
    assert [name for name, _, _ in traced.grouped()] == [
        "GET /v1/items/<item_id:int>",
        "GET",
        "GET /v1/late",
    ]


def test_a_decorator_on_the_handler_wins(traced):
    app = ar.instrument(make_app(), tracer_provider=traced.provider)
    assert call_wsgi(app, "/orders/3")[0] == "200 OK"
    assert traced.grouped() == [("GET /orders/:order_id", "/orders/:order_id", "decorator")]


def test_routes_added_after_instrument_are_seen(traced):
    web = make_app()
    app = ar.instrument(web, tracer_provider=traced.provider)
    assert call_wsgi(app, "/late/x")[0] == "404 Not Found"
    web.get("/late/<name>", callback=lambda name: name)
    assert call_wsgi(app, "/late/x")[0] == "200 OK"
    assert call_wsgi(app, "/late/x")[0] == "200 OK"  # remembered
    assert [name for name, _, _ in traced.grouped()] == ["GET", *["GET /late/<name>"] * 2]


def test_a_non_ascii_path_is_decoded_as_bottle_decodes_it(traced):
    web = make_app()
    web.get("/café/<name>", callback=lambda name: name)
    app = ar.instrument(web, tracer_provider=traced.provider)
    assert call_wsgi(app, "/café/x")[0] == "200 OK"
    assert [name for name, _, _ in traced.grouped()] == ["GET /café/<name>"]


def test_the_default_app_as_users_wrap_it(traced):
    bottle.app.push()  # a fresh default app for this test
    try:
        bottle.get("/default-app/<n:int>", callback=lambda n: {"n": n})
        app = ar.instrument(bottle.default_app(), tracer_provider=traced.provider)
        assert call_wsgi(app, "/default-app/2")[0] == "200 OK"
    finally:
        bottle.app.pop()
    assert traced.grouped() == [
        ("GET /default-app/<n:int>", "/default-app/<n:int>", "discovered"),
    ]


def test_an_unknown_router_falls_back_with_one_warning(traced, caplog):
    web = make_app()
    web.__dict__["router"] = object()  # not Bottle's Router: an unknown Bottle version
    with caplog.at_level(logging.WARNING, logger="appsignal_routes"):
        app = ar.instrument(web, tracer_provider=traced.provider, routes=["/admin/stats"])
    assert call_wsgi(app, "/admin/stats")[0] == "401 Unauthorized"  # the hook, before routing
    assert traced.grouped() == [("GET /admin/stats", "/admin/stats", "registry")]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "unknown router" in warnings[0].getMessage()


def test_other_bottle_objects_are_not_apps():
    assert router_for(bottle.request) is None
    # once a request was served, bottle.request keeps the app in .app: no wrapper of it
    app = make_app()
    bottle.request.bind({"REQUEST_METHOD": "GET", "PATH_INFO": "/", "bottle.app": app})
    assert bottle.request.app is app
    assert router_for(bottle.request) is None


def test_routes_lists_rules_methods_and_callbacks():
    app = make_app()
    app.route("/any", method="ANY", callback=stats)
    legacy = bottle.Bottle()
    legacy.get("/things/<t>", callback=item)
    with mount_warning():
        app.mount("/v1", legacy)
    module = __name__
    assert list(router_for(app).routes()) == [
        DiscoveredRoute(("GET",), "/users/<user_id:int>", f"{module}.show_user"),
        DiscoveredRoute(("POST",), "/users", f"{module}.create_user"),
        DiscoveredRoute(("GET",), "/orders/<order_id>", f"{module}.show_order"),
        DiscoveredRoute(("GET",), "/admin/stats", f"{module}.stats"),
        DiscoveredRoute(("GET",), "/api/items/<item_id:int>", f"{module}.item"),
        DiscoveredRoute((), "/any", f"{module}.stats"),
        DiscoveredRoute(("GET",), "/v1/things/<t>", f"{module}.item"),
    ]


def test_the_cache_is_bounded_and_per_route_list():
    cache: RouteCache[str] = RouteCache(size=2)
    entries = cache.entries(1)
    cache.store(entries, "/a", "/a")
    cache.store(entries, "/b", None)
    assert cache.entries(1) == {"/a": "/a", "/b": None}
    cache.store(entries, "/c", "/c")  # full: emptied first
    assert cache.entries(1) == {"/c": "/c"}
    assert cache.entries(2) == {}  # a new route list
