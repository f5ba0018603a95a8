"""One endpoint, one group: a request routed to a decorated handler is grouped by the
decorator's name from its start, whether or not the handler runs (an auth middleware's
refusal, a guard, a dependency, a 405), in every framework discovery knows.

Each app refuses a request with ``?deny`` before its handler runs (401/403), the way
an auth middleware, hook, guard or dependency of that framework does.
"""

from __future__ import annotations

from typing import Any

import bottle
import falcon
import falcon.asgi
import pytest
from fastapi import Depends, FastAPI, HTTPException, Request
from flask import Flask
from flask import request as flask_request
from flask.views import MethodView
from litestar import Controller, Litestar, get
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import appsignal_routes as ar

from ...calls import call_wsgi, serve_asgi, status_of

try:
    from litestar.params import FromPath
except ImportError:  # Litestar before FromPath: a path parameter is known by its name alone

    class FromPath:  # type: ignore[no-redef]
        def __class_getitem__(cls, item):
            return item


def wsgi_status(app: Any, path: str, method: str = "GET", query: str = "") -> int:
    return int(call_wsgi(app, path, method, query=query)[0].split()[0])


def asgi_status(app: Any, path: str, method: str = "GET", query: str = "") -> int:
    return status_of(serve_asgi(app, path, method, query_string=query.encode()))


# -- Flask ---------------------------------------------------------------------------


def flask_app() -> Any:

    app = Flask(__name__)

    @app.before_request
    def auth() -> Any:
        return ({"error": "token required"}, 401) if "deny" in flask_request.args else None

    @app.get("/users/<int:user_id>")
    @ar.route("/users/:user_id")
    def show_user(user_id: int) -> dict[str, int]:
        return {"id": user_id}

    @ar.root_name
    class Orders(MethodView):
        def get(self, order_id: int) -> str:
            return "order"

        def post(self, order_id: int) -> str:
            return "posted"

    app.add_url_rule("/orders/<int:order_id>", view_func=Orders.as_view("orders"))

    @ar.route("/reports/:report_id")
    class Reports(MethodView):  # a class-level @route: every method, a 405 too
        def get(self, report_id: int) -> str:
            return "report"

    app.add_url_rule("/reports/<int:report_id>", view_func=Reports.as_view("reports"))
    return app


FLASK_CASES = [
    ("GET", "/users/7", "", 200, ("GET /users/:user_id", "/users/:user_id", "decorator")),
    ("GET", "/users/7", "deny", 401, ("GET /users/:user_id", "/users/:user_id", "decorator")),
    ("POST", "/users/7", "", 405, ("POST /users/:user_id", "/users/:user_id", "decorator")),
    ("GET", "/orders/3", "", 200, ("Orders#get", "/orders/<int:order_id>", "root_name")),
    ("GET", "/orders/3", "deny", 401, ("Orders#get", "/orders/<int:order_id>", "root_name")),
    ("HEAD", "/orders/3", "deny", 401, ("Orders#get", "/orders/<int:order_id>", "root_name")),
    ("POST", "/orders/3", "deny", 401, ("Orders#post", "/orders/<int:order_id>", "root_name")),
    # a method the class lacks, its methods named apart: the route
    (
        "PUT",
        "/orders/3",
        "",
        405,
        ("PUT /orders/<int:order_id>", "/orders/<int:order_id>", "discovered"),
    ),
    ("PUT", "/reports/3", "", 405, ("PUT /reports/:report_id", "/reports/:report_id", "decorator")),
    ("GET", "/missing", "", 404, ("GET", None, "method")),
]


@pytest.mark.parametrize(("method", "path", "query", "status", "group"), FLASK_CASES)
def test_flask(traced, method, path, query, status, group):
    app = ar.instrument(flask_app(), tracer_provider=traced.provider)
    assert wsgi_status(app, path, method, query) == status
    assert traced.grouped() == [group]


# -- Quart ---------------------------------------------------------------------------


def test_quart(traced):
    # (imported here: the lowest-versions run installs Quart in a pass of its own)
    from quart import Quart
    from quart import request as quart_request

    app = Quart(__name__)

    @app.before_request
    async def auth() -> Any:
        return ({"error": "token required"}, 401) if "deny" in quart_request.args else None

    @app.get("/users/<int:user_id>")
    @ar.route("/users/:user_id")
    async def show_user(user_id: int) -> str:
        return str(user_id)

    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert asgi_status(wrapped, "/users/7", query="deny") == 401
    assert asgi_status(wrapped, "/users/7") == 200
    expected = ("GET /users/:user_id", "/users/:user_id", "decorator")
    assert traced.grouped() == [expected, expected]


# -- Bottle --------------------------------------------------------------------------


def test_bottle(traced):

    app = bottle.Bottle()

    @app.hook("before_request")
    def auth() -> None:
        if "deny" in bottle.request.query:
            bottle.abort(401, "token required")

    @app.get("/orders/<order_id:int>")
    @ar.route("/orders/:order_id")
    def show_order(order_id: int) -> dict[str, int]:
        return {"order": order_id}

    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert wsgi_status(wrapped, "/orders/7", query="deny") == 401
    assert wsgi_status(wrapped, "/orders/7", "DELETE") == 405
    assert traced.grouped() == [
        ("GET /orders/:order_id", "/orders/:order_id", "decorator"),
        # a 405: Bottle has no callback for it (each method has its own)
        ("DELETE /orders/<order_id:int>", "/orders/<order_id:int>", "discovered"),
    ]


# -- Falcon --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
@pytest.mark.private_path("falcon.router")
def test_falcon(traced, kind):

    class Auth:
        def process_request(self, req: Any, resp: Any) -> None:
            if "deny" in req.params:
                raise falcon.HTTPUnauthorized

    class AsyncAuth:
        async def process_request(self, req: Any, resp: Any) -> None:
            Auth().process_request(req, resp)

    @ar.root_name
    class Items:
        def on_get(self, req: Any, resp: Any, item_id: int) -> None:
            resp.media = {"id": item_id}

    class AsyncItems:
        @ar.route("/items/:item_id")
        async def on_get(self, req: Any, resp: Any, item_id: int) -> None:
            resp.media = {"id": item_id}

    if kind == "wsgi":
        app: Any = falcon.App(middleware=[Auth()])
        app.add_route("/items/{item_id:int}", Items())
        call = wsgi_status
        served = ("Items#on_get", "/items/{item_id:int}", "root_name")
        # a 405: a root name names its method alone
        refused = ("DELETE /items/{item_id:int}", "/items/{item_id:int}", "discovered")
    else:
        app = falcon.asgi.App(middleware=[AsyncAuth()])
        app.add_route("/items/{item_id:int}", AsyncItems())
        call = asgi_status
        served = ("GET /items/:item_id", "/items/:item_id", "decorator")
        # a 405: the route every decorated responder of the resource shares
        refused = ("DELETE /items/:item_id", "/items/:item_id", "decorator")
    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert call(wrapped, "/items/7", query="deny") == 401
    assert call(wrapped, "/items/7") == 200
    assert call(wrapped, "/items/7", "DELETE") == 405
    assert traced.grouped() == [served, served, refused]


# -- Starlette and FastAPI -----------------------------------------------------------


def test_starlette(traced):

    class Auth:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if b"deny" in scope.get("query_string", b""):
                await PlainTextResponse("token required", 401)(scope, receive, send)
                return
            await self.app(scope, receive, send)

    @ar.root_name
    class Orders(HTTPEndpoint):
        async def get(self, request: Any) -> Any:
            return PlainTextResponse("order")

    @ar.route("/reports/:report_id")
    async def report(request: Any) -> Any:
        return PlainTextResponse("report")

    app = Starlette(
        routes=[
            Route("/orders/{order_id:int}", Orders),
            Route("/reports/{report_id:int}", report),
        ],
        middleware=[Middleware(Auth)],
    )
    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert asgi_status(wrapped, "/orders/3", query="deny") == 401
    assert asgi_status(wrapped, "/reports/3", query="deny") == 401
    assert asgi_status(wrapped, "/reports/3", "POST") == 405
    assert traced.grouped() == [
        ("Orders#get", "/orders/{order_id:int}", "root_name"),
        ("GET /reports/:report_id", "/reports/:report_id", "decorator"),
        ("POST /reports/:report_id", "/reports/:report_id", "decorator"),
    ]


def fastapi_token(request: Request) -> None:
    if "deny" in request.query_params:
        raise HTTPException(status_code=401, detail="token required")


def test_fastapi(traced):

    app = FastAPI()
    router_dependencies = [Depends(fastapi_token)]

    @app.get("/orders/{order_id}", dependencies=router_dependencies)
    @ar.root_name("Orders#show")
    async def show_order(order_id: int) -> dict[str, int]:
        return {"order": order_id}

    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert asgi_status(wrapped, "/orders/3", query="deny") == 401  # the dependency refuses
    assert asgi_status(wrapped, "/orders/x") == 422  # validation, before the endpoint
    assert asgi_status(wrapped, "/orders/3") == 200
    expected = ("Orders#show", "/orders/{order_id}", "root_name")
    assert traced.grouped() == [expected] * 3


# -- Litestar ------------------------------------------------------------------------


def litestar_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if "deny" in connection.query_params:
        raise NotAuthorizedException


def test_litestar(traced):

    class OrderController(Controller):
        path = "/orders"
        guards = [litestar_guard]  # noqa: RUF012 - Litestar's own attribute

        @get("/{order_id:int}")
        @ar.root_name("OrderController#show")
        async def show(self, order_id: FromPath[int]) -> dict[str, int]:
            return {"order": order_id}

    app = Litestar(route_handlers=[OrderController])
    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert asgi_status(wrapped, "/orders/3", query="deny") == 401
    assert asgi_status(wrapped, "/orders/3", "POST") == 405
    assert traced.grouped() == [
        ("OrderController#show", "/orders/{order_id:int}", "root_name"),
        ("POST /orders/{order_id:int}", "/orders/{order_id:int}", "discovered"),
    ]


@pytest.mark.private_path("falcon.router")
def test_falcon_answers_are_remembered_bounded(monkeypatch):
    from appsignal_routes.frameworks import falcon as adapter
    from appsignal_routes.frameworks import router_for

    class Items:
        def on_get(self, req: Any, resp: Any, item_id: int) -> None: ...

        def on_put(self, req: Any, resp: Any, item_id: int) -> None: ...

    app = falcon.App()
    app.add_route("/items/{item_id:int}", Items())
    app.add_route("/other/{item_id:int}", Items())
    router = router_for(app)
    assert router is not None
    monkeypatch.setattr(adapter, "SIZE", 1)
    first = router.route("GET", "/items/1", {})
    assert router.route("PUT", "/items/1", {}).handler.__name__ == "on_put"  # emptied, then kept
    assert router.route("GET", "/items/2", {}) is first  # one Found per template and responder
    assert router.route("GET", "/other/2", {}).template == "/other/{item_id:int}"  # emptied
    monkeypatch.setattr(router, "_find", lambda path: (Items(), {}, {}, None))  # no template
    assert router.route("GET", "/items/1", {}) is None
