"""Starlette: ``ar.instrument(app)`` groups each request by the route Starlette's router
hands it to, Mounts and Hosts included, and Starlette's own OpenTelemetryMiddleware
never adds a second server span."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Host, Mount, Route, Router, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

import appsignal_routes as ar
from appsignal_routes.frameworks import DiscoveredRoute, Found, router_for

from ...calls import template_of

#: Starlette's own OpenTelemetryMiddleware, new in Starlette 1.7
STARLETTE_TELEMETRY = pytest.mark.since(
    "starlette", "1.7", reason="Starlette's own OpenTelemetryMiddleware"
)


async def show_user(request):
    return JSONResponse({"id": request.path_params["user_id"]})


async def new_user(request):
    return JSONResponse({"id": 0})


@ar.root_name
class Orders(HTTPEndpoint):
    async def get(self, request):
        return JSONResponse({"order": request.path_params["order_id"]})


async def stats(request):
    return JSONResponse({"requests": 1})


async def item(request):
    return JSONResponse({"id": str(request.path_params["item_id"])})


@ar.route("/reports/:report_id")
async def report(request):
    return JSONResponse({})


async def chat(websocket):
    await websocket.accept()
    await websocket.close()


class RequireToken:
    """Answers 401 before routing."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers") or [])
        if (
            scope["type"] == "http"
            and scope["path"].startswith("/admin")
            and b"authorization" not in headers
        ):
            await PlainTextResponse("token required", status_code=401)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def make_app(tmp_path, *, middleware=()):
    (tmp_path / "site.css").write_text("body {}")
    return Starlette(
        routes=[
            Route("/users/new", new_user, methods=["POST"]),
            Route("/users/{user_id:int}", show_user),
            Route("/orders/{order_id:int}", Orders),
            Route("/admin/stats", stats),
            Route("/reports/{report_id}", report),
            Mount(
                "/api",
                routes=[
                    Route("/items/{item_id:int}", item),
                    Mount("/v2", routes=[Route("/items/{item_id:uuid}", item)]),
                ],
            ),
            Mount("/static", app=StaticFiles(directory=tmp_path)),
            Host("admin.example.com", Router(routes=[Route("/hosts/{n:int}", stats)])),
            WebSocketRoute("/ws/{room}", chat),
        ],
        middleware=[Middleware(RequireToken), *middleware],
    )


def test_routes_nesting_and_early_answers_are_grouped(traced, tmp_path):
    app = ar.instrument(make_app(tmp_path), tracer_provider=traced.provider)
    with TestClient(app) as client:
        assert client.get("/users/1").status_code == 200
        assert client.post("/users/new").status_code == 200
        assert client.get("/api/items/3").status_code == 200
        assert client.get("/api/v2/items/0b2ac6a6-7c4b-4ad4-9b64-6e2ee6ea8c6e").status_code == 200
        assert client.get("/static/site.css").status_code == 200
        assert client.get("/hosts/4", headers={"host": "admin.example.com"}).status_code == 200
        assert client.get("/hosts/4").status_code == 404  # another host: no route
        assert client.get("/admin/stats").status_code == 401
        assert client.delete("/users/1").status_code == 405
        assert client.options("/users/1", headers={"origin": "x"}).status_code == 405
        assert client.get("/users/abc").status_code == 404
        with client.websocket_connect("/ws/lobby"):
            pass
    *http, handshake = traced.grouped()
    assert handshake[1:] == ("/ws/{room}", "discovered")  # its name: the WebSocket rule's
    assert http == [
        ("GET /users/{user_id:int}", "/users/{user_id:int}", "discovered"),
        ("POST /users/new", "/users/new", "discovered"),
        ("GET /api/items/{item_id:int}", "/api/items/{item_id:int}", "discovered"),
        ("GET /api/v2/items/{item_id:uuid}", "/api/v2/items/{item_id:uuid}", "discovered"),
        ("GET /static", "/static", "discovered"),
        ("GET /hosts/{n:int}", "/hosts/{n:int}", "discovered"),
        ("GET", None, "method"),
        ("GET /admin/stats", "/admin/stats", "discovered"),
        ("DELETE /users/{user_id:int}", "/users/{user_id:int}", "discovered"),
        ("OPTIONS /users/{user_id:int}", "/users/{user_id:int}", "discovered"),
        ("GET", None, "method"),
    ]


def test_decorators_win_and_routes_added_later_count(traced, tmp_path):
    web = make_app(tmp_path)
    app = ar.instrument(web, tracer_provider=traced.provider)
    with TestClient(app) as client:
        client.get("/orders/7")
        client.get("/reports/1")
        client.get("/later/1")
        web.add_route("/later/{n}", stats)
        web.router.routes[5].routes.append(Route("/extra", stats))  # inside the /api Mount
        client.get("/later/1")
        client.get("/api/extra")
    assert traced.grouped() == [
        ("Orders#get", "/orders/{order_id:int}", "root_name"),
        ("GET /reports/:report_id", "/reports/:report_id", "decorator"),
        ("GET", None, "method"),
        ("GET /later/{n}", "/later/{n}", "discovered"),
        ("GET /api/extra", "/api/extra", "discovered"),
    ]


def test_wrapped_in_middleware_and_root_path(traced, tmp_path):
    app = ar.instrument(CORSMiddleware(make_app(tmp_path), allow_origins=["*"]))
    assert app.start.router is not None
    with TestClient(
        ar.instrument(make_app(tmp_path), tracer_provider=traced.provider), root_path="/svc"
    ) as client:
        assert client.get("/users/2").status_code == 200
    assert traced.grouped() == [("GET /users/{user_id:int}", "/users/{user_id:int}", "discovered")]


def test_an_unknown_router_falls_back_with_one_warning(traced, tmp_path, caplog):
    web = make_app(tmp_path)
    web.router = object()
    with caplog.at_level(logging.WARNING, logger="appsignal_routes"):
        app = ar.instrument(web, tracer_provider=traced.provider)
    assert app.start.router is None
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "grouping by declared routes only" in caplog.records[0].getMessage()
    assert router_for(object()) is None
    assert router_for(Router(routes=[Route("/x", stats)])) is not None


def test_a_failing_route_never_reaches_the_request(traced, tmp_path):
    web = make_app(tmp_path)

    class Broken(Route):
        def matches(self, scope):
            if "app" not in scope:  # asked before Starlette's app: only by the toolkit
                raise RuntimeError
            return super().matches(scope)

    web.router.routes.insert(0, Broken("/broken", stats))
    app = ar.instrument(web, tracer_provider=traced.provider)
    with TestClient(app) as client:
        assert client.get("/broken").status_code == 200
    assert traced.grouped() == [("GET", None, "method")]


def test_routes_listing(tmp_path):
    router = router_for(make_app(tmp_path))
    assert router is not None
    assert router.framework == "Starlette"
    listed = list(router.routes())
    assert listed[:3] == [
        DiscoveredRoute(("POST",), "/users/new", f"{__name__}.new_user"),
        DiscoveredRoute(("GET", "HEAD"), "/users/{user_id:int}", f"{__name__}.show_user"),
        DiscoveredRoute((), "/orders/{order_id:int}", f"{__name__}.Orders"),
    ]
    templates = [route.template for route in listed]
    assert templates[5:] == [
        "/api/items/{item_id:int}",
        "/api/v2/items/{item_id:uuid}",
        "/static",
        "/hosts/{n:int}",
        "/ws/{room}",
    ]


@STARLETTE_TELEMETRY
def test_starlettes_own_telemetry_stands_aside(traced, tmp_path, caplog):
    from starlette.middleware.opentelemetry import OpenTelemetryMiddleware

    otel = [Middleware(OpenTelemetryMiddleware, tracer_provider=traced.provider)]
    with caplog.at_level(logging.INFO, logger="appsignal_routes"):
        inside = ar.instrument(make_app(tmp_path, middleware=otel), tracer_provider=traced.provider)
        around = ar.instrument(
            OpenTelemetryMiddleware(make_app(tmp_path), tracer_provider=traced.provider),
            tracer_provider=traced.provider,
        )
    assert sum("stands aside" in r.getMessage() for r in caplog.records) == 2
    for app in (inside, around):
        with TestClient(app) as client:
            assert client.get("/users/1").status_code == 200
            assert client.get("/admin/stats").status_code == 401
    servers = [s for s in traced.spans() if s.kind is SpanKind.SERVER]
    assert len(servers) == 4
    assert len({s.context.trace_id for s in servers}) == 4
    assert (
        traced.grouped()
        == [
            ("GET /users/{user_id:int}", "/users/{user_id:int}", "discovered"),
            ("GET /admin/stats", "/admin/stats", "discovered"),
        ]
        * 2
    )


def test_plain_app_is_not_replaced(tmp_path):
    web = make_app(tmp_path)
    assert ar.instrument(web).app is web


def test_cache_keeps_answers_per_host_and_is_bounded(tmp_path):
    router = router_for(make_app(tmp_path))

    def ask(path, host=b"admin.example.com"):
        scope = {"type": "http", "method": "GET", "path": path, "headers": [(b"host", host)]}
        return template_of(router.route("GET", path, scope))

    assert ask("/hosts/1") == "/hosts/{n:int}"
    assert ask("/hosts/1", b"other") is None
    assert ask("/hosts/1") == "/hosts/{n:int}"
    for n in range(3000):
        assert ask(f"/users/{n}") == "/users/{user_id:int}"


def test_httpx_asgi_transport(traced, tmp_path):
    app = ar.instrument(make_app(tmp_path), tracer_provider=traced.provider)

    async def main():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return (await client.get("/api/items/5")).status_code

    assert asyncio.run(main()) == 200
    assert traced.grouped() == [
        ("GET /api/items/{item_id:int}", "/api/items/{item_id:int}", "discovered")
    ]


@pytest.mark.parametrize("path", ["", "/static"])
def test_mount_of_a_foreign_app_at_the_root(traced, path):
    mounted = PlainTextResponse("x")
    web = Starlette(routes=[Mount(path, app=mounted)])
    router = router_for(web)
    scope = {"type": "http", "method": "GET", "path": f"{path}/a", "headers": []}
    # an app none can see into: its mount's path, which a declared route outranks
    expected = Found(path, mounted, opaque=True) if path else None
    assert router.route("GET", f"{path}/a", scope) == expected


def ask(router, path, method="GET", root_path="", headers=()):
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": root_path,
        "headers": list(headers),
    }
    return template_of(router.route(method, path, scope))


def test_the_routers_own_order_decides():
    class Custom(Route):  # not a plain Route: asked through matches()
        pass

    web = Starlette(
        routes=[
            Route("/x", stats, methods=["GET"]),
            Route("/x", stats, methods=["POST"]),
            Custom("/c/{n}", stats, methods=["GET"]),
            Route("/c/{n}", stats, methods=["POST"]),
            Host("h.example.com", PlainTextResponse("x")),
        ]
    )
    router = router_for(web)
    assert ask(router, "/x", "PUT") == "/x"  # the first PARTIAL
    assert ask(router, "/c/1", "PUT") == "/c/{n}"
    assert ask(router, "/c/1", "POST") == "/c/{n}"
    assert ask(router, "/deep/1") is None
    assert ask(router, "/svc", root_path="/svc") is None  # the path is the root path
    assert ask(router, "/svcx", root_path="/svc") is None
    assert ask(router, "/svc/x", root_path="/svc") == "/x"
    assert [r.template for r in router.routes()] == ["/x", "/x", "/c/{n}", "/c/{n}"]
    # a Mount at the root takes every path: Starlette tries no route after it
    web.router.routes.insert(0, Mount("", routes=[Route("/deep/{n}", stats)]))
    assert ask(router, "/deep/1") == "/deep/{n}"
    assert ask(router, "/x", "PUT") is None


@pytest.mark.since("fastapi", "0.138", reason="FastAPI's included routers, read by route contexts")
def test_unknown_fastapi_routers(monkeypatch):
    from fastapi import APIRouter, FastAPI

    from appsignal_routes.frameworks import starlette as adapter

    app = FastAPI()
    app.include_router(APIRouter(), prefix="/api")
    monkeypatch.delattr("fastapi.routing.iter_route_contexts")
    with pytest.raises(TypeError, match="iter_route_contexts"):
        adapter.router_for(app)


@STARLETTE_TELEMETRY
def test_starlettes_telemetry_not_loaded_is_not_in_use(monkeypatch, tmp_path):
    from starlette.middleware.opentelemetry import OpenTelemetryMiddleware

    from appsignal_routes.frameworks import starlette as adapter

    monkeypatch.delitem(__import__("sys").modules, "starlette.middleware.opentelemetry")
    otel = OpenTelemetryMiddleware(make_app(tmp_path))
    assert adapter.prepare(otel) is otel  # the middleware's module not loaded: none in use


def test_odd_objects(tmp_path):
    from appsignal_routes.frameworks import fastapi as fastapi_adapter
    from appsignal_routes.frameworks import prepare
    from appsignal_routes.frameworks import starlette as adapter

    assert adapter.router_for(object()) is None
    deep = make_app(tmp_path)
    for _ in range(20):
        deep = CORSMiddleware(deep, allow_origins=["*"])
    assert adapter.find_app(deep) is None
    plain = CORSMiddleware(stats, allow_origins=["*"])
    assert adapter.prepare(plain) is plain
    assert prepare(object()) is not None
    web = make_app(tmp_path)
    assert fastapi_adapter.prepare(web) is web  # not a FastAPI app: Starlette's preparation
