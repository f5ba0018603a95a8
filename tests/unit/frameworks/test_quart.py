"""Quart route discovery: requests grouped by the werkzeug rule Quart dispatches them to,
with the real Quart app, its test client and direct ASGI calls. What Flask and Quart share
is written once, in ``werkzeug_scenarios.py``: ``TestQuart``."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from quart import Blueprint, Quart, request, websocket
from quart.views import MethodView
from werkzeug.routing import BaseConverter

import appsignal_routes as ar
from appsignal_routes.frameworks import DiscoveredRoute
from appsignal_routes.frameworks import quart as adapter

from ...calls import serve_asgi as call
from ...calls import status_of
from .werkzeug_scenarios import WerkzeugScenarios


class HexConverter(BaseConverter):
    regex = "[0-9a-f]+"


def make_app(**options: Any) -> Quart:
    """An app with converters, a MethodView, nested blueprints, a WebSocket and a 401 hook:
    the Flask app of ``test_flask.py``, its views async, and a WebSocket."""
    app = Quart(__name__, **options)
    app.url_map.converters["hex"] = HexConverter
    add_views(app)
    add_blueprints(app)

    @app.before_request
    async def require_token() -> Any:
        if request.path.startswith("/admin") and "Authorization" not in request.headers:
            return {"error": "token required"}, 401
        return None

    return app


def add_views(app: Quart) -> None:
    @app.get("/users/<int:user_id>")
    async def show_user(user_id: int) -> dict[str, int]:
        return {"id": user_id}

    @app.get("/users/me")
    async def me() -> str:
        return "me"

    @app.route("/files/<path:rest>")
    async def files(rest: str) -> str:
        return rest

    @app.get("/blobs/<hex:digest>")
    async def blob(digest: str) -> str:
        return digest

    @app.get("/folder/")
    async def folder() -> str:
        return "folder"

    @app.get("/admin/stats")
    async def stats() -> str:
        return "stats"

    @app.websocket("/ws/<int:room>")
    async def chat(room: int) -> None:
        await websocket.accept()
        await websocket.send(f"room {room}")

    class Orders(MethodView):
        async def get(self, order_id: int) -> str:
            return str(order_id)

        async def put(self, order_id: int) -> str:
            return str(order_id)

    app.add_url_rule("/orders/<int:order_id>", view_func=Orders.as_view("orders"))


def add_blueprints(app: Quart) -> None:
    api = Blueprint("api", __name__, url_prefix="/api")
    v1 = Blueprint("v1", __name__, url_prefix="/v1")

    @api.get("/items/<int:item_id>")
    async def item(item_id: int) -> str:
        return str(item_id)

    @v1.post("/carts/<cart_id>")
    async def cart(cart_id: str) -> str:
        return cart_id

    api.register_blueprint(v1)
    app.register_blueprint(api)


def fetch(app: Quart, path: str, method: str = "GET", **options: Any) -> int:
    """The status of one request through Quart's test client."""

    async def go() -> int:
        response = await app.test_client().open(path, method=method, **options)
        await response.get_data()
        return int(response.status_code)

    return asyncio.run(go())


class TestQuart(WerkzeugScenarios):
    framework = "Quart"
    interface = "asgi_app"
    adapter = adapter
    listed_also = (
        DiscoveredRoute(("GET", "HEAD", "OPTIONS"), "/ws/<int:room>", "chat (WebSocket)"),
    )
    make_app = staticmethod(make_app)
    fetch = staticmethod(fetch)
    not_an_app = Blueprint("bp", __name__)


@pytest.fixture
def app(traced: Any) -> Quart:
    return TestQuart().instrument(make_app(), traced)


def test_a_websocket_is_grouped_by_its_websocket_rule(app, traced):
    async def go() -> str:
        async with app.test_client().websocket("/ws/3") as socket:
            return str(await socket.receive())

    assert asyncio.run(go()) == "room 3"
    # Quart's test client gives its WebSocket scope a method; a server gives none
    call(app, "/ws/4", None, type="websocket", scheme="ws")
    assert traced.grouped() == [
        ("GET /ws/<int:room>", "/ws/<int:room>", "discovered"),
        ("HTTP /ws/<int:room>", "/ws/<int:room>", "discovered"),
    ]


def test_an_http_request_to_a_websocket_rule_is_grouped_by_it(app, traced):
    assert fetch(app, "/ws/3") == 400
    assert traced.grouped() == [("GET /ws/<int:room>", "/ws/<int:room>", "discovered")]


def test_the_quart_object_itself_can_be_instrumented(traced):
    wrapped = ar.instrument(make_app(), tracer_provider=traced.provider)

    async def go() -> list[int]:
        transport = httpx.ASGITransport(app=wrapped)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [
                (await client.get("/api/items/3")).status_code,
                (await client.delete("/users/1")).status_code,
            ]

    assert asyncio.run(go()) == [200, 405]
    assert traced.grouped() == [
        ("GET /api/items/<int:item_id>", "/api/items/<int:item_id>", "discovered"),
        ("DELETE /users/<int:user_id>", "/users/<int:user_id>", "discovered"),
    ]


def test_the_path_is_read_below_the_root_path_as_quart_reads_it(traced):
    wrapped = ar.instrument(make_app(), tracer_provider=traced.provider)
    assert status_of(call(wrapped, "/shop/users/1", root_path="/shop")) == 200
    assert status_of(call(wrapped, "/shop", root_path="/shop")) == 404
    assert status_of(call(wrapped, "/users/1", root_path="/shop")) == 404
    assert status_of(call(wrapped, "http://localhost/users/2")) == 200  # an absolute path
    assert [name for name, _, _ in traced.grouped()] == [
        "GET /users/<int:user_id>",
        "GET",
        "GET",
        "GET /users/<int:user_id>",
    ]


def test_a_rule_added_after_instrument_is_discovered(app, traced):
    assert fetch(app, "/late/1") == 404  # remembered as no rule ...
    # ... then a rule appears (Quart's own add_url_rule refuses after the first request)
    app.url_map.add(app.url_rule_class("/late/<int:n>", endpoint="late", methods=["GET"]))

    async def late(n: int) -> str:
        return str(n)

    app.view_functions["late"] = late
    assert fetch(app, "/late/1") == 200
    assert [name for name, _, _ in traced.grouped()] == ["GET", "GET /late/<int:n>"]


def test_a_route_decorator_on_the_view_wins(traced):
    app = Quart(__name__)

    @app.get("/users/<int:user_id>")
    @ar.route("/users/:user_id")
    async def show_user(user_id: int) -> str:
        return str(user_id)

    app.asgi_app = ar.instrument(app.asgi_app, tracer_provider=traced.provider)  # type: ignore[method-assign]
    assert fetch(app, "/users/1") == 200
    assert traced.grouped() == [("GET /users/:user_id", "/users/:user_id", "decorator")]


def test_host_matching_routes_by_the_request_host(traced):
    app = Quart(__name__, host_matching=True, static_host="static.test")

    @app.get("/", host="api.test")
    async def api_home() -> str:
        return "api"

    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert (
        status_of(call(wrapped, "/", headers=[(b"host", b"api.test:443")], scheme="https")) == 200
    )
    assert status_of(call(wrapped, "/", headers=[(b"host", b"other.test")])) == 404
    assert status_of(call(wrapped, "/", headers=[], server=("api.test", 80))) == 200
    assert [name for name, _, _ in traced.grouped()] == ["GET /", "GET", "GET /"]


def test_with_host_matching_quart_matches_its_server_name_not_the_request_host(traced):
    app = Quart(__name__, host_matching=True, static_host="static.test")
    app.config["SERVER_NAME"] = "API.test:443"
    app.add_url_rule("/", "home", lambda: "home", host="api.test")
    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert status_of(call(wrapped, "/", headers=[(b"host", b"other.test")], scheme="https")) == 200
    assert traced.grouped()[0][0] == "GET /"


def test_subdomain_matching_routes_by_the_subdomain(traced):
    app = Quart(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test:80"  # the port http implies is ignored

    @app.get("/", subdomain="api")
    async def api_home() -> str:
        return "api"

    @app.get("/about")
    async def about() -> str:
        return "about"

    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    host = [(b"host", b"api.example.test")]
    assert status_of(call(wrapped, "/", headers=host)) == 200
    assert status_of(call(wrapped, "/about", headers=[(b"host", b"example.test")])) == 200
    assert status_of(call(wrapped, "/about", headers=host)) == 404
    assert status_of(call(wrapped, "/about", headers=[], http_version="1.0")) == 200
    with pytest.warns(UserWarning, match="doesn't match configured server name"):
        assert status_of(call(wrapped, "/about", headers=[(b"host", b"10.0.0.1")])) == 404
    names = [name for name, _, _ in traced.grouped()]
    assert names == ["GET /", "GET /about", "GET", "GET /about", "GET"]


def test_a_server_name_without_subdomain_matching_still_binds_the_subdomain(traced):
    app = Quart(__name__)  # as Quart does: a request to a subdomain matches no rule
    app.config["SERVER_NAME"] = "example.test"
    app.add_url_rule("/about", "about", lambda: "about")
    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert status_of(call(wrapped, "/about", headers=[(b"host", b"example.test")])) == 200
    assert status_of(call(wrapped, "/about", headers=[(b"host", b"www.example.test")])) == 404
    assert [name for name, _, _ in traced.grouped()] == ["GET /about", "GET"]


def test_a_default_subdomain_is_bound_without_subdomain_matching(traced):
    app = Quart(__name__)
    app.url_map.default_subdomain = "www"
    app.add_url_rule("/about", "about", lambda: "about")
    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert status_of(call(wrapped, "/about")) == 200
    assert traced.grouped()[0][0] == "GET /about"
