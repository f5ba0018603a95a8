"""BlackSheep: ``ar.instrument(app)`` groups each request by the route pattern as written
(``/cats/{int:cat_id}``, ``/users/:user_id``), controllers and sub-routers included, as
BlackSheep's own routes match it, served through the ASGI lifespan."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from blacksheep import Application, FromQuery, Request, Response, Router, WebSocket, text
from blacksheep.exceptions import BadRequest
from blacksheep.server import controllers
from blacksheep.server.controllers import Controller
from blacksheep.server.routing import HeadersFilter
from blacksheep.server.routing import Route as BlackSheepRoute

import appsignal_routes as ar
from appsignal_routes._cli.command import main
from appsignal_routes.frameworks import DiscoveredRoute, router_for
from appsignal_routes.frameworks.blacksheep import _release

from .asgi_serving import get_all, served, websocket_handshake


def discovered(method: str, template: str) -> tuple[str, str, str]:
    return (f"{method} {template}", template, "discovered")


async def require_token(request: Request, handler: Any) -> Response:
    """BlackSheep middleware: refuses /admin without a token, before any handler."""
    if request.url.path.startswith(b"/admin") and not request.has_header(b"authorization"):
        return Response(401)
    response: Response = await handler(request)
    return response


def make_app(*, prefix: str = "") -> Application:  # noqa: C901 - every kind of route
    api = Router(prefix="/api")
    beta = Router(prefix="/beta", headers={"x-beta": "1"})  # a sub-router with a filter
    router = Router(sub_routers=[api, beta], prefix=prefix)

    class Orders(Controller):
        @classmethod
        def route(cls) -> str:
            return "/orders"

        @router.get("/{int:order_id}")
        @ar.root_name("Orders#show")
        async def show(self, order_id: int) -> Response:
            return text(f"order {order_id}")

        @router.get("/{int:order_id}/lines")
        async def lines(self, order_id: int) -> Response:
            return text("lines")

    @router.get("/cats/{int:cat_id}")
    async def show_cat(cat_id: int) -> Response:
        return text(f"cat {cat_id}")

    @router.get("/users/:user_id")
    async def show_user(user_id: str) -> Response:
        return text(f"user {user_id}")

    @router.get("/dogs/<dog_id>")
    async def show_dog(dog_id: str) -> Response:
        return text("dog")

    @router.get("/admin/stats")
    async def stats() -> Response:
        return text("stats")

    @router.get("/crash")
    async def crash() -> Response:
        raise RuntimeError("boom")

    @router.get("/search")
    async def search(limit: FromQuery[int]) -> Response:  # limit=x: a 400
        return text("found")

    @router.get("/refuse")
    async def refuse() -> Response:
        raise BadRequest("no")

    @router.get("/reports/{int:report_id}")
    @ar.route("/reports/:report_id")
    async def report(report_id: int) -> Response:
        return text("report")

    @router.get("/files/*")
    async def files() -> Response:
        return text("file")

    @api.get("/items/{int:item_id}")
    async def show_item(item_id: int) -> Response:
        return text("item")

    @beta.get("/items/{int:item_id}")
    async def beta_item(item_id: int) -> Response:
        return text("beta item")

    @beta.get("/things/{int:thing_id}")
    async def beta_thing(thing_id: int) -> Response:
        return text("beta thing")

    @router.ws("/ws/{room}")
    async def chat(websocket: WebSocket, room: str) -> None:
        await websocket.accept()
        await websocket.send_text(room)
        await websocket.close()

    app = Application(router=router)
    app.middlewares.append(require_token)
    return app


REQUESTS: list[tuple[str, str, dict[str, str], int, tuple[str, str | None, str]]] = [
    ("GET", "/cats/1", {}, 200, discovered("GET", "/cats/{int:cat_id}")),
    ("GET", "/users/abc", {}, 200, discovered("GET", "/users/:user_id")),
    ("GET", "/dogs/rex", {}, 200, discovered("GET", "/dogs/<dog_id>")),
    ("GET", "/orders/7", {}, 200, ("Orders#show", "/orders/{int:order_id}", "root_name")),
    ("GET", "/orders/7/lines", {}, 200, discovered("GET", "/orders/{int:order_id}/lines")),
    ("GET", "/admin/stats", {}, 401, discovered("GET", "/admin/stats")),
    ("GET", "/missing", {}, 404, ("GET", None, "method")),
    ("GET", "/cats/x", {}, 404, ("GET", None, "method")),
    ("DELETE", "/cats/1", {}, 404, discovered("DELETE", "/cats/{int:cat_id}")),
    ("GET", "/crash", {}, 500, discovered("GET", "/crash")),
    ("GET", "/search?limit=x", {}, 400, discovered("GET", "/search")),
    ("GET", "/refuse", {}, 400, discovered("GET", "/refuse")),
    ("GET", "/reports/2", {}, 200, ("GET /reports/:report_id", "/reports/:report_id", "decorator")),
    ("GET", "/files/a/b.txt", {}, 200, discovered("GET", "/files/*")),
    ("GET", "/api/items/3", {}, 200, discovered("GET", "/api/items/{int:item_id}")),
    ("GET", "/beta/items/4", {"x-beta": "1"}, 200, discovered("GET", "/beta/items/{int:item_id}")),
    ("GET", "/beta/items/4", {}, 404, ("GET", None, "method")),
    ("GET", "/CATS/5", {}, 200, discovered("GET", "/cats/{int:cat_id}")),
]


def test_routes_are_grouped_as_written_through_the_lifespan(traced):
    app = make_app()
    stopped = []

    @app.on_stop
    async def on_stop(app: Application) -> None:
        stopped.append(True)

    async def run():
        async with served(ar.instrument(app, tracer_provider=traced.provider)) as client:
            assert app.started  # by the lifespan's startup, through instrument()
            return [
                (await client.request(m, p, headers=h)).status_code for m, p, h, _, _ in REQUESTS
            ]

    assert asyncio.run(run()) == [status for _, _, _, status, _ in REQUESTS]
    assert traced.grouped() == [group for *_, group in REQUESTS]
    assert stopped == [True]


def test_root_path_and_a_router_prefix(traced):
    # BlackSheep routes the path below root_path from 2.6.2 on, the whole path before
    below_root = _release() >= (2, 6, 2)

    async def run():
        prefixed = ar.instrument(make_app(prefix="/svc"), tracer_provider=traced.provider)
        async with served(prefixed) as client:
            assert (await client.get("/svc/cats/1")).status_code == 200
        mounted = _with_root_path(ar.instrument(make_app(), tracer_provider=traced.provider))
        async with served(mounted, base_url="http://testserver/mounted") as client:
            return (await client.get("/cats/2")).status_code

    assert asyncio.run(run()) == (200 if below_root else 404)
    assert [name for name, _, _ in traced.grouped()] == [
        "GET /svc/cats/{int:cat_id}",
        "GET /cats/{int:cat_id}" if below_root else "GET",  # as BlackSheep routes it
    ]


def _with_root_path(app: Any) -> Any:
    async def mounted(scope, receive, send):
        if scope["type"] == "http":
            scope = {**scope, "root_path": "/mounted"}
        await app(scope, receive, send)

    return mounted


def test_a_websocket_handshake_is_grouped_by_its_route(traced):
    wrapped = ar.instrument(make_app(), tracer_provider=traced.provider)
    sent = websocket_handshake(wrapped, "/ws/lobby")
    assert sent[0]["type"] == "websocket.accept"
    # (named by the upstream middleware's method for a handshake: it has none)
    assert [group[1:] for group in traced.grouped()] == [("/ws/{room}", "discovered")]


def test_route_groups_with_an_asgi_client(route_groups):
    app = ar.instrument(make_app())

    assert get_all(app, "/cats/42", "/nope") == [200, 404]
    assert route_groups.names == ["GET /cats/{int:cat_id}", "GET"]
    assert [r.status for r in route_groups] == [200, 404]


def test_before_the_app_starts_requests_fall_back_to_the_registry(traced):
    app = make_app()
    scope = {"type": "http", "method": "GET", "path": "/cats/1", "raw_path": b"/cats/1"}
    wrapped = ar.instrument(app, tracer_provider=traced.provider, routes=["/cats/{cat_id:int}"])
    assert wrapped.start.router.route("GET", "/cats/1", scope) is None  # no routes yet
    match = wrapped.start.match("GET", "/cats/1", scope)
    assert (match.route, match.source) == ("/cats/{cat_id:int}", "registry")


def counting_matches(monkeypatch) -> list[bytes]:
    """The paths BlackSheep's routes are matched against, from now on."""
    asked: list[bytes] = []
    match_by_path = BlackSheepRoute.match_by_path

    def counting(route: BlackSheepRoute, path: bytes) -> Any:
        asked.append(path)
        return match_by_path(route, path)

    monkeypatch.setattr(BlackSheepRoute, "match_by_path", counting)
    return asked


def test_ids_of_one_shape_are_matched_once_and_a_value_that_decides_is_not(monkeypatch):
    app = Application(router=Router())

    @app.router.get("/users/{int:user_id}")
    async def show_user(user_id: int) -> Response:
        return text("")

    @app.router.get("/years/2024")
    async def this_year() -> Response:
        return text("")

    @app.router.get("/years/{int:year}")
    async def a_year(year: int) -> Response:
        return text("")

    asyncio.run(app.start())
    asked = counting_matches(monkeypatch)
    router = router_for(app)
    assert router is not None

    def ask(path: str) -> str | None:
        scope = {"type": "http", "path": path, "raw_path": path.encode()}
        return router.route("GET", path, scope)  # type: ignore[return-value]

    assert ask("/years/2024") == "/years/2024"
    assert ask("/years/1999") == "/years/{int:year}"
    asked.clear()
    assert [ask(f"/users/{n}") for n in (10, 11)] == ["/users/{int:user_id}"] * 2
    assert sorted(set(asked)) == [b"/users/10", b"/users/11"]  # (a static "2024")


def test_a_value_pattern_of_the_apps_own_routes_each_path_on_its_own(monkeypatch):
    monkeypatch.setitem(BlackSheepRoute.value_patterns, "low", r"[0-5]+")
    app = Application(router=Router())

    @app.router.get("/codes/{low:code}")
    async def a_code(code: str) -> Response:
        return text("")

    asyncio.run(app.start())
    router = router_for(app)
    assert router is not None
    answers = [router.route("GET", p, {"path": p}) for p in ("/codes/12", "/codes/19")]
    assert answers == ["/codes/{low:code}", None]


def test_ids_share_one_match_where_every_route_takes_digits_alike(monkeypatch):
    app = Application(router=Router())

    @app.router.get("/users/{int:user_id}")
    async def show_user(user_id: int) -> Response:
        return text("")

    asyncio.run(app.start())
    router = router_for(app)
    assert router is not None
    asked = counting_matches(monkeypatch)
    for n in (10, 11, 12):
        path = f"/users/{n}"
        assert router.route("GET", path, {"path": path}) == "/users/{int:user_id}"
    assert asked == [b"/users/10"]


def test_routes_listing():
    app = make_app()
    asyncio.run(app.start())
    router = router_for(app)
    assert router is not None
    assert router.framework == "BlackSheep"
    listed = list(router.routes())
    assert DiscoveredRoute(("GET",), "/cats/{int:cat_id}", "") not in listed
    assert listed[0].methods == ("GET",)
    templates = [r.template for r in listed]
    for template in (
        "/cats/{int:cat_id}",
        "/users/:user_id",
        "/orders/{int:order_id}",
        "/api/items/{int:item_id}",
        "/beta/items/{int:item_id}",
        "/ws/{room}",
    ):
        assert template in templates
    assert templates == sorted(templates)
    handlers = {r.template: r.handler for r in listed}
    assert handlers["/orders/{int:order_id}"] == f"{__name__}.make_app.<locals>.Orders.show"
    assert handlers["/cats/{int:cat_id}"] == f"{__name__}.make_app.<locals>.show_cat"


def test_an_unknown_router_falls_back_with_one_warning(traced, caplog):
    class Odd(Application):
        router = property(lambda self: object(), lambda self, value: None)  # type: ignore[assignment]

    app = Odd()
    with caplog.at_level(logging.WARNING, logger="appsignal_routes"):
        wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert wrapped.start.router is None
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert router_for(Router()) is None


def test_a_failing_router_never_reaches_the_request(traced):
    app = make_app()
    wrapped = ar.instrument(app, tracer_provider=traced.provider)

    async def run():
        async with served(wrapped) as client:
            wrapped.start.router._router = None  # reading its routes fails
            return (await client.get("/cats/1")).status_code

    assert asyncio.run(run()) == 200
    assert traced.grouped() == [("GET", None, "method")]


def test_a_filtered_sub_router_reads_the_request_once():
    app = make_app()
    asyncio.run(app.start())
    router = router_for(app)
    assert router is not None
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/beta/items/1",
        "query_string": b"",
        "headers": [(b"x-beta", b"1")],
    }
    assert router.route("GET", "/beta/items/1", scope) == "/beta/items/{int:item_id}"
    assert router.route("GET", "/beta/items/1", {**scope, "headers": []}) is None
    things = {**scope, "path": "/beta/things/2", "root_path": "/elsewhere"}
    assert router.route("GET", "/beta/things/2", things) == "/beta/things/{int:thing_id}"
    assert router.route(None, "/cats/1", {"path": "/cats/1?x=1"}) == "/cats/{int:cat_id}"
    assert HeadersFilter  # (the filter BlackSheep builds from headers=)


EX = "examples.blacksheep_app"


def test_the_routes_command_lists_the_example_before_it_starts(capsys):
    assert main(["routes", "examples.blacksheep_app:app"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[0] == "BlackSheep app examples.blacksheep_app:app: routes discovered from its router"
    )
    rows = [line.split() for line in lines if line.startswith("GET ")]
    assert [(row[1], " ".join(row[2:4]), row[4]) for row in rows] == [
        ("/admin/stats", "GET /admin/stats", "examples.blacksheep_app.stats"),
        ("/api/items/{int:item_id}", "GET /api/items/{int:item_id}", f"{EX}.Items.show_item"),
        ("/crash", "GET /crash", "examples.blacksheep_app.crash"),
        ("/orders/{int:order_id}", "GET /orders/{int:order_id}", f"{EX}.Orders.show"),
        ("/stream", "GET /stream", "examples.blacksheep_app.stream"),
        ("/users/{int:user_id}", "GET /users/{int:user_id}", "examples.blacksheep_app.show_user"),
    ]  # fmt: skip


def test_routes_listed_before_and_after_the_start_agree():
    app = make_app(prefix="/svc")
    router = router_for(app)
    assert router is not None
    before = list(router.routes())
    asyncio.run(app.start())
    assert before == list(router.routes())
    # (BlackSheep joins a controller's routes to a prefixed router's prefix twice)
    assert "/svc/orders/svc/{int:order_id}" in [r.template for r in before]


def test_inherited_controller_routes_are_listed_as_the_start_applies_them():
    router = Router()

    class Listing(Controller):  # a base controller: its routes live in its subclasses
        @router.get("/")
        async def index(self) -> Response:
            return text(type(self).__name__)

    abstract = getattr(controllers, "abstract", None)  # (BlackSheep 2.0 has none)
    if abstract is not None:
        abstract()(Listing)

    class Shelves(Listing):
        @classmethod
        def route(cls) -> str:
            return "/shelves"

    app = Application(router=router)
    routing = router_for(app)
    assert routing is not None
    before = [(r.methods, r.template) for r in routing.routes()]
    asyncio.run(app.start())
    assert before == [(r.methods, r.template) for r in routing.routes()]
    assert (("GET",), "/shelves") in before


def test_an_app_blacksheep_traces_itself_is_left_as_it_is(caplog):
    try:
        from blacksheep.server.otel import OTELMiddleware
    except ModuleNotFoundError:  # before BlackSheep 2.4: as it is named there

        class OTELMiddleware:  # type: ignore[no-redef]
            __module__ = "blacksheep.server.otel"

            def __init__(self, exc_handler: Any) -> None:
                pass

            async def __call__(self, request: Request, handler: Any) -> Response:
                response: Response = await handler(request)
                return response

    app = make_app()
    # what use_open_telemetry(app, ...) adds (without its global logging set-up)
    app.middlewares.append(OTELMiddleware(app.handle_request_handler_exception))
    with caplog.at_level(logging.INFO, logger="appsignal_routes"):
        assert ar.instrument(app) is app  # one server span a request: BlackSheep's
    assert "traced by BlackSheep's OTELMiddleware already" in caplog.text
    assert ar.instrument(make_app()) is not app


def test_mounted_apps_are_grouped_by_their_own_routes(traced):
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def thing(request):
        return PlainTextResponse("thing")

    async def opaque(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"raw"})

    app = make_app()
    app.mount("/star", Starlette(routes=[Route("/things/{n:int}", thing)]))
    app.mount("/raw", opaque)

    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    paths = ("/star/things/3", "/star/nope", "/raw/x", "/cats/1")
    assert get_all(wrapped, *paths) == [200, 404, 200, 200]
    assert traced.grouped() == [
        discovered("GET", "/star/things/{n:int}"),
        ("GET", None, "method"),
        ("GET", None, "method"),  # an app the toolkit cannot see into: no guess
        discovered("GET", "/cats/{int:cat_id}"),
    ]


def test_a_mounted_apps_handler_is_named_with_its_route(monkeypatch):
    from appsignal_routes.frameworks import Found
    from appsignal_routes.frameworks import blacksheep as adapter

    def handler():
        pass

    class Inner:  # a router that names the handler (Sanic's does)
        def route(self, method, path, request):
            assert (path, request["root_path"]) == ("/users/7", "/inner")
            return Found("users/<n:int>", handler)

    async def inner_app(scope, receive, send):
        pass

    monkeypatch.setattr(adapter, "router_of", lambda app: Inner())
    app = make_app()
    app.mount("/inner", inner_app)
    asyncio.run(app.start())
    router = router_for(app)
    assert router is not None
    scope = {"type": "http", "path": "/inner/users/7", "raw_path": b"/inner/users/7"}
    assert router.route("GET", "/inner/users/7", scope) == Found("/inner/users/<n:int>", handler)
