"""Falcon: ``ar.instrument(app)`` groups each request by the URI template Falcon routes
it to, for ``falcon.App`` and ``falcon.asgi.App``."""

from __future__ import annotations

import asyncio
import logging

import falcon
import falcon.asgi
import pytest

import appsignal_routes as ar
from appsignal_routes.frameworks import DiscoveredRoute, router_for

from ...calls import call_asgi, call_wsgi

#: Falcon has no public way to its router (see tests/unit/test_private.py for the fallback).
pytestmark = pytest.mark.private_path("falcon.router")


class Users:
    def on_get(self, req, resp, user_id):
        resp.media = {"id": user_id}

    def on_get_list(self, req, resp):
        resp.media = []


class Orders:
    @ar.route("/orders/:order_id")
    def on_get(self, req, resp, order_id):
        resp.media = {"order": order_id}


class RequireToken:
    def process_request(self, req, resp):
        if req.path.startswith("/admin") and not req.get_header("Authorization"):
            raise falcon.HTTPUnauthorized(title="token required")


class Stats:
    def on_get(self, req, resp):
        resp.media = {"requests": 1}


class Named:
    def on_get(self, req, resp, name):
        resp.media = {"name": name}


def proxy(req, resp, **params):
    resp.text = "proxied"


def wsgi_app(**options):
    app = falcon.App(middleware=[RequireToken()], **options)
    app.add_route("/users/{user_id:int}", Users())
    app.add_route("/users", Users(), suffix="list")
    app.add_route("/orders/{order_id}", Orders())
    app.add_route("/admin/stats", Stats())
    return app


def test_requests_are_grouped_by_the_route_falcon_dispatches_them_to(traced):
    app = ar.instrument(wsgi_app(), tracer_provider=traced.provider)
    assert call_wsgi(app, "/users/7")[0] == "200 OK"
    assert call_wsgi(app, "/users")[0] == "200 OK"  # a suffixed responder
    assert call_wsgi(app, "/users/x")[0] == "404 Not Found"  # the int converter refuses it
    assert call_wsgi(app, "/admin/stats")[0] == "401 Unauthorized"  # before any responder
    assert call_wsgi(app, "/users/7", "DELETE")[0] == "405 Method Not Allowed"
    assert call_wsgi(app, "/missing")[0] == "404 Not Found"
    assert traced.grouped() == [
        ("GET /users/{user_id:int}", "/users/{user_id:int}", "discovered"),
        ("GET /users", "/users", "discovered"),
        ("GET", None, "method"),
        ("GET /admin/stats", "/admin/stats", "discovered"),
        ("DELETE /users/{user_id:int}", "/users/{user_id:int}", "discovered"),
        ("GET", None, "method"),
    ]


def test_a_decorator_on_the_responder_wins(traced):
    app = ar.instrument(wsgi_app(), tracer_provider=traced.provider)
    assert call_wsgi(app, "/orders/3")[0] == "200 OK"
    assert traced.grouped() == [("GET /orders/:order_id", "/orders/:order_id", "decorator")]


def test_routes_added_after_instrument_are_seen(traced):
    api = wsgi_app()
    app = ar.instrument(api, tracer_provider=traced.provider)
    assert call_wsgi(app, "/users/1")[0] == "200 OK"  # the router compiles here
    api.add_route("/late/{name}", Named())
    assert call_wsgi(app, "/late/x")[0] == "200 OK"
    assert [name for name, _, _ in traced.grouped()][1] == "GET /late/{name}"


def test_trailing_slash_as_falcon_strips_it(traced):
    strict = ar.instrument(wsgi_app(), tracer_provider=traced.provider)
    assert call_wsgi(strict, "/users/1/")[0] == "404 Not Found"
    lenient = wsgi_app()
    lenient.req_options.strip_url_path_trailing_slash = True
    lenient_app = ar.instrument(lenient, tracer_provider=traced.provider)
    assert call_wsgi(lenient_app, "/users/1/")[0] == "200 OK"
    assert [name for name, _, _ in traced.grouped()] == ["GET", "GET /users/{user_id:int}"]


def test_a_non_ascii_path_is_decoded_as_falcon_decodes_it(traced):
    api = wsgi_app()
    api.add_route("/café/{name}", Named())
    app = ar.instrument(api, tracer_provider=traced.provider)
    assert call_wsgi(app, "/café/x")[0] == "200 OK"
    assert [name for name, _, _ in traced.grouped()] == ["GET /café/{name}"]


@pytest.mark.private_path("falcon.sinks")
def test_sinks_and_static_routes_after_the_routes(traced, tmp_path):
    (tmp_path / "app.css").write_text("body {}")
    api = wsgi_app()
    api.add_sink(proxy, "/proxy")  # a plain prefix: grouped by it
    api.add_sink(proxy, r"/search/(?P<engine>ddg|yt)\Z")  # a regex: no template
    api.add_static_route("/static", str(tmp_path))
    app = ar.instrument(api, tracer_provider=traced.provider)
    assert call_wsgi(app, "/proxy/a/b", "POST")[0] == "200 OK"
    assert call_wsgi(app, "/search/ddg")[0] == "200 OK"
    assert call_wsgi(app, "/static/app.css")[0] == "200 OK"
    assert [name for name, _, _ in traced.grouped()] == [
        "POST /proxy",
        "GET",
        "GET /static/",
    ]


def test_asgi_app(traced):
    class Items:
        async def on_get(self, req, resp, item_id):
            resp.media = {"id": item_id}

    api = falcon.asgi.App()
    api.add_route("/items/{item_id:int}", Items())
    app = ar.instrument(api, tracer_provider=traced.provider)
    assert call_asgi(app, "/items/3")[0]["status"] == 200
    assert call_asgi(app, "/items/3", "PUT")[0]["status"] == 405
    assert call_asgi(app, "/nothing")[0]["status"] == 404
    assert traced.grouped() == [
        ("GET /items/{item_id:int}", "/items/{item_id:int}", "discovered"),
        ("PUT /items/{item_id:int}", "/items/{item_id:int}", "discovered"),
        ("GET", None, "method"),
    ]
    assert router_for(api).framework == "Falcon (ASGI)"


def test_a_custom_router_falls_back_with_one_warning(traced, caplog):
    class OwnRouter:
        def add_route(self, uri_template, resource, **kwargs):
            self.resource = resource

        def find(self, uri, req=None):
            return (self.resource, {"GET": self.resource.on_get}, {}, None)

    api = falcon.App(router=OwnRouter())
    api.add_route("/anything", Stats())
    with caplog.at_level(logging.WARNING, logger="appsignal_routes"):
        app = ar.instrument(api, tracer_provider=traced.provider, routes=["/anything"])
    assert call_wsgi(app, "/anything")[0] == "200 OK"
    assert traced.grouped() == [("GET /anything", "/anything", "registry")]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "OwnRouter" in warnings[0].getMessage()


def test_a_router_that_fails_at_request_time_never_reaches_the_request(traced, monkeypatch):
    api = wsgi_app()
    app = ar.instrument(api, tracer_provider=traced.provider)

    def broken(uri, req=None):
        raise RuntimeError("broken")

    monkeypatch.setattr(app.start.router, "_find", broken)
    assert call_wsgi(app, "/users/1")[0] == "200 OK"
    assert traced.grouped() == [("GET", None, "method")]


def test_other_falcon_objects_are_not_apps():
    assert router_for(falcon.Response()) is None


@pytest.mark.private_path("falcon.sinks")
def test_routes_lists_templates_methods_and_resources(tmp_path):
    api = wsgi_app()
    api.add_sink(proxy, "/proxy")
    api.add_sink(proxy, r"/search/(?P<engine>\w+)")
    api.add_static_route("/static", str(tmp_path))
    routes = list(router_for(api).routes())
    module = __name__
    assert routes == [
        DiscoveredRoute(("GET",), "/users", f"{module}.Users"),
        DiscoveredRoute(("GET",), "/users/{user_id:int}", f"{module}.Users"),
        DiscoveredRoute(("GET",), "/orders/{order_id}", f"{module}.Orders"),
        DiscoveredRoute(("GET",), "/admin/stats", f"{module}.Stats"),
        # sinks come first, as Falcon tries them
        DiscoveredRoute((), "/proxy", f"{module}.proxy"),
        DiscoveredRoute(("GET", "HEAD"), "/static/", "falcon.routing.static.StaticRoute"),
    ]


def test_falcons_own_asgi_test_client_is_served(traced):
    # falcon.testing builds the scope's headers and server as iterators, which ASGI
    # allows and the upstream middleware cannot read: the middleware lists them first
    import falcon.testing

    class Users:
        async def on_get(self, req, resp, user_id):
            resp.media = {"id": user_id, "agent": req.get_header("user-agent")}

    app = falcon.asgi.App()
    app.add_route("/users/{user_id:int}", Users())
    client = falcon.testing.TestClient(ar.instrument(app, tracer_provider=traced.provider))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # Falcon 3's client runs on the current loop (4 makes one)
    try:
        response = client.simulate_get("/users/42", headers={"x-request-id": "7"})
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert response.status_code == 200
    assert response.json == {"id": 42, "agent": "falcon-client/" + falcon.__version__}
    (root,) = traced.roots()
    assert root.name == "GET /users/{user_id:int}"
    assert root.attributes["http.route"] == "/users/{user_id:int}"
