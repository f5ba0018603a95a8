"""Sanic in ASGI mode: ``ar.instrument(app)`` groups each request by the uri the route
was declared with (blueprint ``url_prefix``, groups and ``version`` joined), as Sanic's
own router (sanic-routing) routes it, served through the ASGI lifespan as uvicorn serves
it; asking the router changes nothing in the app."""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any

import httpx
import pytest
from sanic import Blueprint, Sanic, Websocket, json, text
from sanic.exceptions import BadRequest, Unauthorized
from sanic.views import HTTPMethodView
from sanic_testing.testing import SanicASGITestClient

import appsignal_routes as ar
from appsignal_routes._cli.command import main
from appsignal_routes.frameworks import DiscoveredRoute, Found, router_for

from .asgi_serving import get_all, served, websocket_handshake
from .sanic_annotated import show_part, show_thing

_names = itertools.count()


@pytest.fixture(autouse=True)
def several_apps_start(monkeypatch):
    """Sanic rewrites its request handling once a process as its first app starts; a
    second app starting in the process needs its test mode (as sanic-testing sets it)."""
    monkeypatch.setattr(Sanic, "test_mode", True)


async def show_user(request, user_id):
    return json({"id": user_id})


async def crash(request):
    raise RuntimeError("boom")


async def refuse(request):
    raise BadRequest("no")


@ar.route("/reports/:report_id")
async def report(request, report_id):
    return text("report")


class OrderView(HTTPMethodView):
    @ar.root_name("OrderView#get")
    async def get(self, request, order_id):
        return text("order")

    async def put(self, request, order_id):
        return text("put")


async def admin_stats(request):
    return text("stats")


async def show_item(request, item_id):
    return text("item")


async def show_photo(request, name, ext):
    return text("photo")


async def chat(request, ws: Websocket, room):
    await ws.send("hello")


def make_app(name: str | None = None) -> Sanic[Any, Any]:
    app = Sanic(name or f"test_sanic_{next(_names)}")
    app.add_route(show_user, "/users/<user_id:int>")
    app.add_route(show_thing, "/things/<thing_id>")  # Sanic types it <thing_id:int>
    app.add_route(crash, "/crash")
    app.add_route(refuse, "/refuse")
    app.add_route(report, "/reports/<report_id:int>")
    app.add_route(OrderView.as_view(), "/orders/<order_id:int>")
    app.add_route(admin_stats, "/admin/stats")
    app.add_route(show_photo, "/photos/<name:ext=jpg|png>")  # an ext parameter
    app.add_websocket_route(chat, "/ws/<room>")
    api = Blueprint("api", url_prefix="/api", version=1)
    api.add_route(show_item, "/items/<item_id:int>")
    shop = Blueprint("shop", url_prefix="/shop")
    shop.add_route(show_item, "/goods/<item_id:int>", name="goods")
    shop.add_route(show_part, "/parts/<part_id>/<kind>")
    app.blueprint(api)
    app.blueprint(Blueprint.group(shop, url_prefix="/v2grp", version=3))

    @app.on_request
    async def require_token(request):
        if request.path.startswith("/admin") and "authorization" not in request.headers:
            raise Unauthorized("token required")

    return app


def discovered(method: str, template: str) -> tuple[str, str, str]:
    return (f"{method} {template}", template, "discovered")


REQUESTS = [
    ("GET", "/users/1", 200, discovered("GET", "/users/<user_id:int>")),
    ("GET", "/things/2", 200, discovered("GET", "/things/<thing_id>")),
    ("GET", "/orders/7", 200, ("OrderView#get", "/orders/<order_id:int>", "root_name")),
    ("PUT", "/orders/7", 200, discovered("PUT", "/orders/<order_id:int>")),
    ("GET", "/admin/stats", 401, discovered("GET", "/admin/stats")),
    ("GET", "/missing", 404, ("GET", None, "method")),
    ("GET", "/users/x", 404, ("GET", None, "method")),
    ("DELETE", "/users/1", 405, discovered("DELETE", "/users/<user_id:int>")),
    ("GET", "/crash", 500, discovered("GET", "/crash")),
    ("GET", "/refuse", 400, discovered("GET", "/refuse")),
    ("GET", "/reports/2", 200, ("GET /reports/:report_id", "/reports/:report_id", "decorator")),
    ("GET", "/v1/api/items/3", 200, discovered("GET", "/v1/api/items/<item_id:int>")),
    ("GET", "/v3/v2grp/shop/goods/4", 200, discovered("GET", "/v3/v2grp/shop/goods/<item_id:int>")),
    (
        "GET",
        "/v3/v2grp/shop/parts/5/a",
        200,
        discovered("GET", "/v3/v2grp/shop/parts/<part_id>/<kind>"),
    ),
    ("GET", "/photos/cat.jpg", 200, discovered("GET", "/photos/<name:ext=jpg|png>")),
    ("GET", "/users/1/", 200, discovered("GET", "/users/<user_id:int>")),
]


def test_routes_are_grouped_as_written_through_the_lifespan(traced):
    app = make_app()
    events = []

    @app.before_server_start
    async def starting(app):
        events.append("before_server_start")

    @app.after_server_stop
    async def stopped(app):
        events.append("after_server_stop")

    async def run():
        async with served(ar.instrument(app, tracer_provider=traced.provider)) as client:
            return [(await client.request(m, p)).status_code for m, p, _, _ in REQUESTS]

    assert asyncio.run(run()) == [status for _, _, status, _ in REQUESTS]
    assert traced.grouped() == [group for _, _, _, group in REQUESTS]
    assert events == ["before_server_start", "after_server_stop"]  # the lifespan, unchanged


def test_a_websocket_handshake_is_grouped_by_its_route(traced):
    wrapped = ar.instrument(make_app(), tracer_provider=traced.provider)
    sent = websocket_handshake(wrapped, "/ws/lobby")
    assert sent[0]["type"] == "websocket.accept"
    # (named by the upstream middleware's method for a handshake: it has none)
    assert [group[1:] for group in traced.grouped()] == [("/ws/<room>", "discovered")]


def test_sanics_own_asgi_test_client_and_route_groups(route_groups, monkeypatch):
    monkeypatch.setattr(Sanic, "__call__", Sanic.__call__)  # the client patches the class
    app = make_app()
    client = SanicASGITestClient(app)
    # the test client calls the app it is given: pointed at the instrumented one
    client._transport = httpx.ASGITransport(app=ar.instrument(app))

    async def run():
        _, first = await client.get("/users/42")
        _, second = await client.get("/nope")
        return first.status, second.status

    assert asyncio.run(run()) == (200, 404)
    assert route_groups.names == ["GET /users/<user_id:int>", "GET"]
    assert [r.route for r in route_groups] == ["/users/<user_id:int>", None]
    assert [r.source for r in route_groups] == ["discovered", "method"]


def test_asking_changes_nothing_in_the_app(traced):
    app = make_app()
    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    routes_before = [(r.path, r.methods) for r in app.router.routes]

    async def run():
        async with served(wrapped) as client:
            get = type(app.router).get
            get.cache_clear()
            router = wrapped.start.router
            scope = {"type": "http", "method": "GET", "path": "/users/9", "raw_path": b"/users/9"}
            assert router.route("GET", "/users/9", scope) == Found(
                "/users/<user_id:int>", show_user
            )
            assert get.cache_info().currsize == 0  # Sanic's own route cache untouched
            assert (await client.get("/users/9")).status_code == 200

    asyncio.run(run())
    assert Sanic.get_app(app.name) is app
    assert [(r.path, r.methods) for r in app.router.routes] == routes_before


def test_before_the_app_starts_requests_fall_back_to_the_registry(traced):
    app = make_app()
    router = router_for(app)
    scope = {"type": "http", "method": "GET", "path": "/users/1", "raw_path": b"/users/1"}
    assert router is not None
    assert router.route("GET", "/users/1", scope) is None  # the router is not finalised yet
    wrapped = ar.instrument(app, tracer_provider=traced.provider, routes=["/users/<user_id:int>"])
    match = wrapped.start.match("GET", "/users/1", scope)
    assert (match.route, match.source) == ("/users/<user_id:int>", "registry")


def test_handlers_are_named_with_the_route():
    app = make_app()
    app.router.finalize()
    router = router_for(app)
    assert router is not None

    def ask(method, path, **scope):
        return router.route(method, path, {"path": path, "raw_path": path.encode(), **scope})

    assert ask("GET", "/orders/1") == Found("/orders/<order_id:int>", OrderView.get)
    assert ask("PUT", "/orders/1") == Found("/orders/<order_id:int>", OrderView.put)
    assert ask("PATCH", "/orders/1").handler is not None  # a 405: the route's own view
    assert ask("GET", "/ws/x", type="websocket") == Found("/ws/<room>", chat)
    assert ask("GET", "/things/1") == Found("/things/<thing_id>", show_thing)
    assert ask("GET", "/things/1?x=1") == Found("/things/<thing_id>", show_thing)
    assert router.route(None, "/crash", {"path": "/crash"}) == Found("/crash", crash)


def test_host_routes_and_ids_of_one_shape():
    app = Sanic(f"test_sanic_{next(_names)}")
    app.add_route(show_user, "/users/<user_id:int>", host="api.example.com")
    app.add_route(admin_stats, "/users/<user_id:int>", host="admin.example.com", name="admin")
    app.add_route(show_item, "/items/<item_id:int>")
    app.router.finalize()
    router = router_for(app)
    assert router is not None
    asked = []
    resolve = app.router.resolve

    def counting(**kwargs):
        asked.append(kwargs["path"])
        return resolve(**kwargs)

    router._router = type("Counting", (), {"resolve": staticmethod(counting)})()
    router._router.find_route = app.router.find_route
    router._router.routes = app.router.routes

    def ask(path, host):
        headers = [(b"accept", b"*/*"), (b"host", host)] if host else []
        scope = {"path": path, "raw_path": path.encode(), "headers": headers}
        return router.route("GET", path, scope)

    assert ask("/users/1", b"api.example.com").handler is show_user
    assert ask("/users/2", b"admin.example.com").handler is admin_stats
    assert ask("/users/3", b"api.example.com").handler is show_user
    assert [ask(f"/items/{n}", b"api.example.com").template for n in (10, 11, 12)] == [
        "/items/<item_id:int>"
    ] * 3
    assert ask("/items/13", None).template == "/items/<item_id:int>"
    assert asked == ["/users/1", "/users/2", "/items/10", "/items/13"]  # per shape and host


@pytest.mark.parametrize(
    ("uris", "requests"),
    [
        (["/archive/2024", "/archive/<year:int>"], ["/archive/2024", "/archive/1999"]),
        (["/archive/<year:int>", "/code/<code:[0-5]+>"], ["/code/12", "/code/19"]),
    ],
)
def test_where_a_value_decides_every_path_is_routed_on_its_own(uris, requests):
    app = Sanic(f"test_sanic_{next(_names)}")
    for n, uri in enumerate(uris):
        app.add_route(show_item, uri, name=f"r{n}")
    app.router.finalize()
    router = router_for(app)
    assert router is not None
    answers = [router.route("GET", p, {"path": p, "raw_path": p.encode()}) for p in requests]
    expected = [
        str(app.router.resolve(path=p, method="GET")[0].raw_path) if ok else None
        for p, ok in ((p, _routable(app, p)) for p in requests)
    ]
    assert [a.template.lstrip("/") if a else None for a in answers] == expected


def _routable(app: Sanic[Any, Any], path: str) -> bool:
    try:
        app.router.resolve(path=path, method="GET")
    except Exception:
        return False
    return True


def test_routes_added_after_the_start_are_seen():
    app = make_app()
    app.router.finalize()
    router = router_for(app)
    assert router is not None
    scope = {"path": "/later/1", "raw_path": b"/later/1"}
    assert router.route("GET", "/later/1", scope) is None
    app.router.reset()
    app.add_route(show_item, "/later/<item_id:int>")
    app.router.finalize()
    assert router.route("GET", "/later/1", scope) == Found("/later/<item_id:int>", show_item)


def test_routes_listing():
    router = router_for(make_app())
    assert router is not None
    assert router.framework == "Sanic (ASGI)"
    listed = list(router.routes())
    assert DiscoveredRoute(("GET",), "/users/<user_id:int>", f"{__name__}.show_user") in listed
    assert [(r.methods, r.template) for r in listed] == [
        (("GET",), "/admin/stats"),
        (("GET",), "/crash"),
        (("GET", "PUT"), "/orders/<order_id:int>"),
        (("GET",), "/photos/<name:ext=jpg|png>"),
        (("GET",), "/refuse"),
        (("GET",), "/reports/<report_id:int>"),
        (("GET",), "/things/<thing_id>"),
        (("GET",), "/users/<user_id:int>"),
        (("GET",), "/v1/api/items/<item_id:int>"),
        (("GET",), "/v3/v2grp/shop/goods/<item_id:int>"),
        (("GET",), "/v3/v2grp/shop/parts/<part_id>/<kind>"),
        (("GET",), "/ws/<room>"),
    ]
    assert f"{__name__}.OrderView" in [r.handler for r in listed]
    assert f"{__name__}.chat" in [r.handler for r in listed]


def test_an_unknown_router_falls_back_with_one_warning(traced, caplog):
    app = make_app()
    app.router = object()  # type: ignore[assignment]
    with caplog.at_level(logging.WARNING, logger="appsignal_routes"):
        wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert wrapped.start.router is None
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert router_for(Blueprint("not_an_app")) is None


def test_a_failing_router_never_reaches_the_request(traced):
    app = make_app()
    wrapped = ar.instrument(app, tracer_provider=traced.provider)

    def broken(**_):
        raise RuntimeError

    async def run():
        async with served(wrapped) as client:
            wrapped.start.router._router = type(
                "Broken", (), {"resolve": staticmethod(broken), "find_route": object()}
            )()
            return (await client.get("/users/1")).status_code

    assert asyncio.run(run()) == 200
    assert traced.grouped() == [("GET", None, "method")]


def test_discovery_off_gives_registry_behaviour(traced):
    app = make_app()
    wrapped = ar.instrument(app, tracer_provider=traced.provider, discover_routes=False)
    assert get_all(wrapped, "/users/1", "/reports/1") == [200, 200]
    assert traced.grouped() == [
        ("GET", None, "method"),
        ("GET /reports/:report_id", "/reports/:report_id", "decorator"),
    ]


def test_odd_answers_of_the_router():
    from sanic_routing.exceptions import NoMethod, NotFound

    app = make_app()
    app.router.finalize()
    router = router_for(app)
    assert router is not None
    answers = iter(
        [
            NoMethod("x", allowed_methods=None),
            NoMethod("x", allowed_methods={"GET"}),
            NotFound("x"),  # (asked again with GET)
            NotFound("x"),
        ]
    )

    def resolve(**_):
        raise next(answers)

    router._router = type("Odd", (), {"resolve": staticmethod(resolve)})()
    router._router.find_route = app.router.find_route
    router._router.routes = app.router.routes
    assert router.route("PUT", "/a", {"path": "/a"}) is None  # a 405 naming no method
    assert router.route("PUT", "/b", {"path": "/b"}) is None  # the method it names: no route
    assert router.route(None, "/c", {"path": "/c"}) is None


def test_the_routes_command_lists_the_example(capsys):
    assert main(["routes", "examples.sanic_app:app"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Sanic (ASGI) app examples.sanic_app:app: routes discovered from its router"
    rows = [line.split() for line in lines if line.startswith("GET ")]
    assert [(row[1], " ".join(row[2:4]), row[4]) for row in rows] == [
        ("/admin/stats", "GET /admin/stats", "examples.sanic_app.stats"),
        ("/api/items/<item_id:int>", "GET /api/items/<item_id:int>", "examples.sanic_app.show_item"),  # noqa: E501
        ("/crash", "GET /crash", "examples.sanic_app.crash"),
        ("/orders/<order_id:int>", "GET /orders/<order_id:int>", "examples.sanic_app.OrderView"),
        ("/stream", "GET /stream", "examples.sanic_app.stream"),
        ("/users/<user_id:int>", "GET /users/<user_id:int>", "examples.sanic_app.show_user"),
    ]  # fmt: skip
