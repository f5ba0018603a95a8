"""Litestar: ``ar.instrument(app)`` groups each request by the route Litestar's router
hands it to, Controllers and Routers included, as the path is declared."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from litestar import Controller, Litestar, Router, WebSocket, asgi, get, post, websocket
from litestar.response import Response
from litestar.testing import TestClient
from litestar.types import Receive, Scope, Send

import appsignal_routes as ar
from appsignal_routes.frameworks import DiscoveredRoute, router_for

try:
    from litestar.params import FromPath
except ImportError:  # Litestar before FromPath: a path parameter is known by its name alone

    class FromPath:  # type: ignore[no-redef]
        def __class_getitem__(cls, item):
            return item


from ...calls import template_of


@contextmanager
def litestar_client(app: Any, **kwargs: Any) -> Iterator[TestClient[Any]]:
    """Litestar's TestClient, the streams of its lifespan closed on the way out: before
    Litestar 2.13 it leaves one pair open, which anyio 4 warns about when it is collected
    (in whatever test runs then)."""
    with TestClient(app, **kwargs) as client:
        lifespan = client.lifespan_handler.stream_receive
        yield client
    lifespan.send_stream.close()
    lifespan.receive_stream.close()


@get("/users/{user_id:int}")
async def show_user(user_id: FromPath[int]) -> dict[str, int]:
    return {"id": user_id}


@post("/users")
async def create_user() -> dict[str, int]:
    return {"id": 1}


class OrderController(Controller):
    path = "/orders"

    @get("/{order_id:int}")
    @ar.root_name("OrderController#show")
    async def show(self, order_id: FromPath[int]) -> dict[str, int]:
        return {"order": order_id}


@get("/admin/stats")
async def stats() -> dict[str, int]:
    return {"requests": 1}


@get("/reports/{report_id:int}")
@ar.route("/reports/:report_id")
async def report(report_id: FromPath[int]) -> dict[str, int]:
    return {}


@get("/items/{item_id:int}")
async def item(item_id: FromPath[int]) -> dict[str, int]:
    return {"id": item_id}


@asgi("/static", is_mount=True, copy_scope=True)
async def static(scope: Scope, receive: Receive, send: Send) -> None:
    await Response("static", media_type="text/plain").to_asgi_response(app=None, request=None)(  # type: ignore[arg-type]
        scope, receive, send
    )


@websocket("/ws/{room:str}")
async def chat(socket: WebSocket) -> None:
    await socket.accept()
    await socket.close()


def require_token(app):
    async def middleware(scope, receive, send):
        headers = dict(scope.get("headers", []))
        if scope["path"].startswith("/admin") and b"authorization" not in headers:
            response = Response("token required", status_code=401, media_type="text/plain")
            await response.to_asgi_response(app=None, request=None)(scope, receive, send)
            return
        await app(scope, receive, send)

    return middleware


def make_app():
    return Litestar(
        route_handlers=[
            show_user,
            create_user,
            OrderController,
            stats,
            report,
            Router(path="/api", route_handlers=[item]),
            static,
            chat,
        ],
        middleware=[require_token],
        openapi_config=None,
        logging_config=None,
    )


def test_routes_are_discovered_as_declared(traced):
    app = make_app()
    with litestar_client(ar.instrument(app, tracer_provider=traced.provider)) as client:
        assert client.get("/users/1").status_code == 200
        assert client.post("/users").status_code == 201
        assert client.get("/orders/7").status_code == 200
        assert client.get("/admin/stats").status_code == 401
        assert client.get("/missing").status_code == 404
        assert client.delete("/users/1").status_code == 405
        assert client.get("/api/items/3").status_code == 200
        assert client.get("/reports/2").status_code == 200
        assert client.get("/static/site.css").status_code == 200
        with client.websocket_connect("/ws/lobby"):
            pass

        @get("/later/{n:int}")
        async def later(n: FromPath[int]) -> dict[str, int]:
            return {}

        assert client.get("/later/1").status_code == 404
        app.register(later)
        assert client.get("/later/1").status_code == 200
    groups = traced.grouped()
    assert groups.pop(9)[1:] == ("/ws/{room:str}", "discovered")  # a WebSocket handshake
    assert groups == [
        ("GET /users/{user_id:int}", "/users/{user_id:int}", "discovered"),
        ("POST /users", "/users", "discovered"),
        ("OrderController#show", "/orders/{order_id:int}", "root_name"),
        ("GET /admin/stats", "/admin/stats", "discovered"),
        ("GET", None, "method"),
        ("DELETE /users/{user_id:int}", "/users/{user_id:int}", "discovered"),
        ("GET /api/items/{item_id:int}", "/api/items/{item_id:int}", "discovered"),
        ("GET /reports/:report_id", "/reports/:report_id", "decorator"),
        ("GET /static", "/static", "discovered"),
        ("GET", None, "method"),
        ("GET /later/{n:int}", "/later/{n:int}", "discovered"),
    ]


def test_root_path(traced):
    app = ar.instrument(make_app(), tracer_provider=traced.provider)
    with litestar_client(app, root_path="/svc") as client:
        client.get("/svc/users/1")
    assert traced.grouped()[0][0] == "GET /users/{user_id:int}"


def test_an_unknown_router_falls_back_with_one_warning(traced, caplog):
    app = make_app()
    app.asgi_router = object()
    with caplog.at_level(logging.WARNING, logger="appsignal_routes"):
        wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert wrapped.start.router is None
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert router_for(show_user) is None


def test_a_failing_router_never_reaches_the_request(traced):
    app = make_app()
    wrapped = ar.instrument(app, tracer_provider=traced.provider)

    def broken(**_):
        raise RuntimeError

    wrapped.start.router._handle_routing = broken
    with litestar_client(wrapped) as client:
        assert client.get("/users/1").status_code == 200
    assert traced.grouped() == [("GET", None, "method")]


def test_routes_listing():
    router = router_for(make_app())
    assert router.framework == "Litestar"
    listed = list(router.routes())
    assert listed[0] == DiscoveredRoute(("GET",), "/users/{user_id:int}", f"{__name__}.show_user")
    assert [(r.methods, r.template) for r in listed] == [
        (("GET",), "/users/{user_id:int}"),
        (("POST",), "/users"),
        (("GET",), "/orders/{order_id:int}"),
        (("GET",), "/admin/stats"),
        (("GET",), "/reports/{report_id:int}"),
        (("GET",), "/api/items/{item_id:int}"),
        ((), "/static"),
        ((), "/ws/{room:str}"),
    ]


class SchemaController(Controller):
    path = "/schema"

    @get("/openapi.json")
    async def openapi(self) -> dict[str, str]:
        return {}

    @get(["/v/{n:int}/latest", "/v/{n:int}", "/"])
    async def versions(self, n: FromPath[int] = 0) -> dict[str, int]:
        return {"n": n}


def test_routes_without_parameters_and_handlers_on_several_paths(traced):
    # Litestar before 2.11 names no template, 2.11-2.12 an empty one for a route without
    # parameters: the group is still the route's whole path, the controller's included
    app = Litestar(route_handlers=[SchemaController], openapi_config=None)
    with litestar_client(ar.instrument(app, tracer_provider=traced.provider)) as client:
        for path in ["/schema/openapi.json", "/schema/v/3", "/schema/v/3/latest", "/schema"]:
            assert client.get(path).status_code == 200, path
            assert client.delete(path).status_code == 405, path
    assert [name for name, _, _ in traced.grouped()] == [
        "GET /schema/openapi.json",
        "DELETE /schema/openapi.json",
        "GET /schema/v/{n:int}",
        "DELETE /schema/v/{n:int}",
        "GET /schema/v/{n:int}/latest",
        "DELETE /schema/v/{n:int}/latest",
        "GET /schema",
        "DELETE /schema",
    ]


def test_the_handler_of_several_paths_is_found_by_the_path_it_fits():
    router = router_for(Litestar(route_handlers=[SchemaController], openapi_config=None))
    routing = router._handle_routing
    # as Litestar before 2.11 answers: the handler, and no template
    router._handle_routing = lambda **kwargs: routing(**kwargs)[:4]
    asked = {
        path: template_of(router.route("GET", path, {"type": "http", "path": path}))
        for path in ["/schema/v/1/latest", "/schema/v/2", "/schema", "/schema/openapi.json"]
    }
    assert asked == {
        "/schema/v/1/latest": "/schema/v/{n:int}/latest",
        "/schema/v/2": "/schema/v/{n:int}",
        "/schema": "/schema",
        "/schema/openapi.json": "/schema/openapi.json",
    }
    # a path that fits none of the handler's routes (never routed so): the route of the
    # template, else the handler's first route
    found = routing(path="/schema/v/2", method="GET")[:4]
    router._handle_routing = lambda **kwargs: (*found, "/schema/v/{n}")
    scope = {"type": "http", "path": "/elsewhere/x"}
    assert template_of(router.route("GET", "/elsewhere/x", scope)) == "/schema/v/{n:int}"
    router._handle_routing = lambda **kwargs: found
    scope = {"type": "http", "path": "/elsewhere/y"}
    assert template_of(router.route("GET", "/elsewhere/y", scope)) in {
        "/schema/v/{n:int}/latest",
        "/schema/v/{n:int}",
        "/schema",
    }


def test_odd_answers_of_the_router():
    from litestar.exceptions import MethodNotAllowedException

    router = router_for(make_app())
    scope = {"type": "http", "method": "PUT", "path": "/users/1"}

    def no_allow(**_):
        raise MethodNotAllowedException(headers={})

    router._handle_routing = no_allow
    assert template_of(router.route("PUT", "/users/1", scope)) is None
    router._handle_routing = lambda **_: (None, object(), "/x", {}, "/undeclared/{x}")
    scope = {**scope, "path": "/users/new"}  # a path not answered before
    assert template_of(router.route("PUT", "/users/new", scope)) == "/undeclared/{x}"


def test_ids_share_one_routing_where_any_value_routes_alike(monkeypatch):
    router = router_for(make_app())
    assert router is not None
    asked = []
    original = router._handle_routing

    def counting(**kwargs):
        asked.append(kwargs["path"])
        return original(**kwargs)

    router._handle_routing = counting
    answers = [
        template_of(router.route("GET", f"/users/{n}", {"type": "http", "path": f"/users/{n}"}))
        for n in range(100, 110)
    ]
    assert len(set(answers)) == 1
    assert answers[0] is not None
    assert asked == ["/users/100"]  # one routing for the ten ids of one shape


def answer(router, path):
    """The router's answer, or the error it raises: Litestar 2.0 hands a date it cannot
    parse (``20241399``) to its parser, which raises, where later releases find no route."""
    try:
        return template_of(router.route("GET", path, {"type": "http", "path": path}))
    except Exception as error:
        return type(error).__name__


@pytest.mark.parametrize("order", [1, -1])
@pytest.mark.parametrize(
    "paths",
    [
        ["/archive/2024", "/archive/{year:int}"],
        ["/archive/{year:int}", "/archive/2024"],
        ["/archive/{day:date}", "/archive/{n:int}/x"],
    ],
)
def test_where_a_value_decides_every_path_is_routed_on_its_own(paths, order):
    from litestar import Litestar, get

    def handler() -> str:
        return "ok"

    handlers = [
        get(path, name=f"h{n}", sync_to_thread=False)(handler) for n, path in enumerate(paths)
    ]
    app = Litestar(handlers, openapi_config=None)
    router = router_for(app)
    assert router is not None
    requests = ["/archive/2024", "/archive/1999", "/archive/20240101", "/archive/20241399"][::order]
    answers = [answer(router, p) for p in requests]
    fresh = []
    for p in requests:  # Litestar's own answer, asked of a router that remembers nothing
        own = router_for(Litestar(handlers, openapi_config=None))
        assert own is not None
        fresh.append(answer(own, p))
    assert answers == fresh
