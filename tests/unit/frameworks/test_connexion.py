"""Connexion 3: ``ar.instrument`` groups each request by the operation Connexion's routing
hands it to, as the OpenAPI spec writes its path, joined to its API's base path, for
``AsyncApp``, ``FlaskApp`` and a ``ConnexionMiddleware`` around another app; requests
cut short before the handler included, and one server span per request."""

from __future__ import annotations

import copy
import logging

import connexion
import pytest
from connexion.middleware import ConnexionMiddleware
from connexion.options import SwaggerUIOptions
from opentelemetry.trace import SpanKind
from starlette import _utils as starlette_utils
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import appsignal_routes as ar
from appsignal_routes.frameworks import DiscoveredRoute, Found, router_for
from appsignal_routes.frameworks import connexion as adapter

HERE = __name__  # the operation ids below name functions of this module


def server_spans(traced):
    return [s for s in traced.spans() if s.kind is SpanKind.SERVER]


# the handlers the spec's operation ids resolve to


def show_pet(pet_id):
    return {"id": pet_id}


def list_pets():
    return [{"id": 1}]


def add_pet(body):
    return body, 201


@ar.root_name("Owners#show")
def show_owner(owner_id):
    return {"owner": owner_id}


def stats():
    return {"requests": 1}


def crash():
    raise RuntimeError("boom")


def show_tag(tag_name):
    return {"tag": tag_name}


def check_key(key, required_scopes=None):
    return {"sub": "tester"} if key == "secret" else None


def health(*args, **kwargs):
    return PlainTextResponse("ok")


def flask_health():
    return "ok"


def spec(server="/v1", **extra_paths):
    """An OpenAPI 3 spec of a small pet store, as a dict."""
    path_id = {"name": "pet_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    owner_id = {"name": "owner-id", "in": "path", "required": True, "schema": {"type": "string"}}
    ok = {"200": {"description": "ok"}}
    paths = {
        "/pets": {
            "get": {"operationId": f"{HERE}.list_pets", "responses": ok},
            "post": {
                "operationId": f"{HERE}.add_pet",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {"201": {"description": "created"}},
            },
        },
        "/pets/{pet_id}": {
            "get": {"operationId": f"{HERE}.show_pet", "parameters": [path_id], "responses": ok}
        },
        "/owners/{owner-id}": {
            "get": {
                "operationId": f"{HERE}.show_owner",
                "parameters": [owner_id],
                "responses": ok,
            }
        },
        "/admin/stats": {
            "get": {
                "operationId": f"{HERE}.stats",
                "security": [{"key": []}],
                "responses": ok,
            }
        },
        "/crash": {"get": {"operationId": f"{HERE}.crash", "responses": ok}},
        **extra_paths,
    }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Pets", "version": "1"},
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "key": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Key",
                    "x-apikeyInfoFunc": f"{HERE}.check_key",
                }
            }
        },
    }


TAGS = {
    "/tags/{tag_name}": {
        "get": {
            "operationId": f"{HERE}.show_tag",
            "parameters": [
                {"name": "tag_name", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {"200": {"description": "ok"}},
        }
    }
}

OK = {"200": {"description": "ok"}}
NO_UI = SwaggerUIOptions(swagger_ui=False, serve_spec=False)


def make_app(kind):
    """An app of ``kind`` with two APIs: the spec's own base path and ``/v2``."""
    app = kind(__name__, swagger_ui_options=NO_UI)
    app.add_api(spec())
    app.add_api(spec(**TAGS), base_path="/v2")
    if kind is connexion.AsyncApp:
        app.add_url_rule("/health", "health", health)
    else:
        app.add_url_rule("/health", "health", flask_health)
    return app


REQUESTS = [
    ("GET", "/v1/pets/3", {}, 200),
    ("GET", "/v2/pets", {}, 200),
    ("GET", "/v2/tags/red", {}, 200),
    ("GET", "/v1/owners/ann", {}, 200),
    ("POST", "/v1/pets", {"json": {"nom": "x"}}, 400),
    ("POST", "/v1/pets", {"content": b"x", "headers": {"content-type": "text/plain"}}, 415),
    ("GET", "/v1/admin/stats", {}, 401),
    ("GET", "/v1/admin/stats", {"headers": {"x-key": "secret"}}, 200),
    ("DELETE", "/v1/pets/3", {}, 405),
    ("GET", "/v1/crash", {}, 500),
    ("GET", "/health", {}, 200),
    ("GET", "/v1/pets/abc", {}, 404),
    ("GET", "/v1/nope", {}, 404),
    ("GET", "/nope", {}, 404),
]
GROUPS = [
    ("GET /v1/pets/{pet_id}", "/v1/pets/{pet_id}", "discovered"),
    ("GET /v2/pets", "/v2/pets", "discovered"),
    ("GET /v2/tags/{tag_name}", "/v2/tags/{tag_name}", "discovered"),
    ("Owners#show", "/v1/owners/{owner-id}", "root_name"),
    ("POST /v1/pets", "/v1/pets", "discovered"),
    ("POST /v1/pets", "/v1/pets", "discovered"),
    ("GET /v1/admin/stats", "/v1/admin/stats", "discovered"),
    ("GET /v1/admin/stats", "/v1/admin/stats", "discovered"),
    ("DELETE /v1/pets/{pet_id}", "/v1/pets/{pet_id}", "discovered"),
    ("GET /v1/crash", "/v1/crash", "discovered"),
    ("GET /health", "/health", "discovered"),
    ("GET", None, "method"),
    ("GET", None, "method"),
    ("GET", None, "method"),
]


def send_all(client):
    for method, path, options, status in REQUESTS:
        assert client.request(method, path, **options).status_code == status, (method, path)


@pytest.mark.parametrize("kind", [connexion.AsyncApp, connexion.FlaskApp])
def test_connexions_own_test_client(traced, kind):
    app = make_app(kind)
    app.middleware = ar.instrument(app.middleware, tracer_provider=traced.provider)
    send_all(app.test_client(raise_server_exceptions=False))
    assert traced.grouped() == GROUPS
    assert len(server_spans(traced)) == len(REQUESTS)  # Flask inside adds none


@pytest.mark.parametrize("kind", [connexion.AsyncApp, connexion.FlaskApp])
@pytest.mark.parametrize("lifespan", [True, False])
def test_the_instrumented_app_before_and_after_connexion_builds_its_stack(traced, kind, lifespan):
    app = ar.instrument(make_app(kind), tracer_provider=traced.provider)
    client = TestClient(app, raise_server_exceptions=False)
    if lifespan:  # the stack is built at the lifespan's start, before the first request
        with client:
            send_all(client)
    else:  # built by the first request, after the toolkit asked its routes
        send_all(client)
    assert traced.grouped() == GROUPS
    assert len(server_spans(traced)) == len(REQUESTS)


def test_a_decorated_handler_in_flask_and_the_flask_app_is_not_asked(traced):
    app = connexion.FlaskApp(__name__, swagger_ui_options=NO_UI)
    app.add_api(spec())
    router = router_for(app)
    assert router is not None
    assert router.framework == "Connexion (Flask)"
    assert router_for(connexion.AsyncApp(__name__)).framework == "Connexion (async)"
    app.middleware = ar.instrument(app.middleware, tracer_provider=traced.provider)
    client = app.test_client()
    client.get("/v1/owners/bob")
    assert traced.grouped() == [("Owners#show", "/v1/owners/{owner-id}", "root_name")]


def test_the_router_answers_the_operations_handler_and_leaves_the_scope_as_it_was():
    app = make_app(connexion.AsyncApp)
    router = router_for(app)
    assert router is not None
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/v1/pets/7",
        "root_path": "",
        "headers": [],
        "query_string": b"",
    }
    before = copy.deepcopy(scope)
    assert router.route("GET", "/v1/pets/7", scope) == Found("/v1/pets/{pet_id}", show_pet)
    assert router.route("GET", "/v1/pets/8", scope | {"path": "/v1/pets/8"}) == Found(
        "/v1/pets/{pet_id}", show_pet
    )
    assert scope == before
    assert router.route(None, "/", {"type": "websocket", "path": "/v1/pets/7"}) is None
    health_found = router.route("GET", "/health", scope | {"path": "/health"})
    assert health_found == Found("/health", health)


def test_routes_are_listed_and_apis_added_after_instrument_count(traced):
    app = connexion.AsyncApp(__name__, swagger_ui_options=NO_UI)
    app.add_api(spec())
    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert wrapped.start.router is not None
    listed = list(wrapped.start.router.routes())
    app.add_api(spec(**TAGS), base_path="/v2")  # the app is still open: nothing was built
    assert DiscoveredRoute(("GET",), "/v1/pets/{pet_id}", f"{HERE}.show_pet") in listed
    assert DiscoveredRoute(("POST",), "/v1/pets", f"{HERE}.add_pet") in listed
    assert len(listed) == 6
    with TestClient(wrapped) as client:
        assert client.get("/v2/tags/blue").status_code == 200
    assert traced.grouped() == [("GET /v2/tags/{tag_name}", "/v2/tags/{tag_name}", "discovered")]


def test_apis_at_one_base_path_and_a_base_path_of_digits(traced):
    app = connexion.AsyncApp(__name__, swagger_ui_options=NO_UI)
    app.add_api(spec(server="/2024"))
    app.add_api({**spec(server="/2024"), "paths": TAGS}, name="tags")  # chained behind the first
    app.middleware = ar.instrument(app.middleware, tracer_provider=traced.provider)
    client = app.test_client()
    assert client.get("/2024/pets/1").status_code == 200
    assert client.get("/2024/tags/x").status_code == 200
    assert client.get("/2025/pets/1").status_code == 404  # a shape of /2024/...: no route
    assert client.get("/2024/pets/").status_code == 200  # redirected to /2024/pets
    assert client.get("/").status_code == 404
    assert traced.grouped() == [
        ("GET /2024/pets/{pet_id}", "/2024/pets/{pet_id}", "discovered"),
        ("GET /2024/tags/{tag_name}", "/2024/tags/{tag_name}", "discovered"),
        ("GET", None, "method"),
        ("GET", None, "method"),  # the redirect, then its target
        ("GET /2024/pets", "/2024/pets", "discovered"),
        ("GET", None, "method"),
    ]


def hello(request):
    return PlainTextResponse("hello")


def test_a_connexion_middleware_around_a_starlette_app(traced):
    """Connexion's own ``examples/frameworks``: the spec's operations, and the wrapped
    app's routes for what Connexion's routing passes on."""
    inner = Starlette(
        routes=[
            Route("/v1/pets/{pet_id:int}", hello),
            Route("/about/{page}", hello),
        ]
    )
    app = ConnexionMiddleware(inner, swagger_ui_options=NO_UI)
    app.add_api(spec())
    router = router_for(app)
    assert router is not None
    assert router.framework == "Connexion"
    with TestClient(ar.instrument(app, tracer_provider=traced.provider)) as client:
        client.get("/v1/pets/2")
        client.get("/about/us")
        client.get("/v1/nope")
    assert traced.grouped() == [
        ("GET /v1/pets/{pet_id}", "/v1/pets/{pet_id}", "discovered"),
        ("GET /about/{page}", "/about/{page}", "discovered"),
        ("GET", None, "method"),
    ]


#: Starlette 0.33 on routes the path below the root path, and the path includes it (as
#: uvicorn 0.26 on gives it); before, the path was the path below the root path
ROOT_IN_PATH = hasattr(starlette_utils, "get_route_path")


class ReverseProxied:
    """Connexion's ``examples/reverseproxy``: a wrapper put on ``app.middleware``."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in {"http", "websocket"}:  # a lifespan scope has no path
            await self.app(scope, receive, send)
            return
        root_path = "/proxied"
        scope["root_path"] = root_path
        if ROOT_IN_PATH:
            scope["path"] = root_path + scope["path"]
        await self.app(scope, receive, send)


def test_a_wrapped_middleware_and_a_root_path(traced):
    app = connexion.FlaskApp(__name__, swagger_ui_options=NO_UI)
    app.add_api(spec())
    app.middleware = ReverseProxied(app.middleware)
    with TestClient(ar.instrument(app, tracer_provider=traced.provider)) as client:
        assert client.get("/v1/pets/5").status_code == 200
    with TestClient(
        ar.instrument(make_app(connexion.AsyncApp), tracer_provider=traced.provider),
        root_path="/svc",
    ) as client:
        prefix = "/svc" if ROOT_IN_PATH else ""  # as uvicorn --root-path gives it
        assert client.get(f"{prefix}/v1/pets/6").status_code == 200
        assert client.get(f"{prefix}/health").status_code == 200
    assert traced.grouped() == [
        ("GET /v1/pets/{pet_id}", "/v1/pets/{pet_id}", "discovered"),
        ("GET /v1/pets/{pet_id}", "/v1/pets/{pet_id}", "discovered"),
        ("GET /health", "/health", "discovered"),
    ]


def test_an_operation_that_does_not_resolve_is_grouped_by_its_path(traced):
    broken = spec(
        **{"/later/{item_id}": {"get": {"operationId": "nowhere.at_all", "responses": OK}}}
    )
    app = connexion.AsyncApp(__name__, swagger_ui_options=NO_UI, resolver_error=501)
    app.add_api(broken)
    app.middleware = ar.instrument(app.middleware, tracer_provider=traced.provider)
    assert app.test_client().get("/v1/later/1").status_code == 501
    assert traced.grouped() == [("GET /v1/later/{item_id}", "/v1/later/{item_id}", "discovered")]


def test_an_unknown_connexion_falls_back_with_one_warning(traced, caplog):
    app = connexion.AsyncApp(__name__)
    app.middleware = object()
    with caplog.at_level(logging.WARNING, logger="appsignal_routes"):
        wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert wrapped.start.router is None
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    middleware = ConnexionMiddleware(Starlette())
    middleware.apis = None
    assert router_for(middleware) is None
    with pytest.raises(TypeError, match="without its APIs list"):
        adapter.router_for(middleware)
    assert adapter.router_for(connexion.context) is None  # not an app


class Loop:
    """A wrapper that wraps itself: the search for Connexion's middleware gives up."""

    def __init__(self):
        self.app = self


def test_wrappers_are_followed_so_far():
    app = connexion.AsyncApp(__name__)
    app.middleware = Loop()
    with pytest.raises(TypeError, match="has no ConnexionMiddleware"):
        adapter.router_for(app)


def test_remembered_answers_stay_bounded(traced, monkeypatch):
    monkeypatch.setattr(adapter, "SIZE", 2)
    app = make_app(connexion.AsyncApp)
    app.middleware = ar.instrument(app.middleware, tracer_provider=traced.provider)
    client = app.test_client()
    for path in ["/v1/pets/1", "/v1/pets", "/v2/pets", "/v1/pets/12", "/v1/pets/1"]:
        assert client.get(path).status_code == 200
    assert [name for name, _, _ in traced.grouped()] == [
        "GET /v1/pets/{pet_id}",
        "GET /v1/pets",
        "GET /v2/pets",
        "GET /v1/pets/{pet_id}",
        "GET /v1/pets/{pet_id}",
    ]


def test_a_failing_router_never_reaches_the_request(traced):
    app = make_app(connexion.AsyncApp)
    app.middleware = ar.instrument(app.middleware, tracer_provider=traced.provider)
    client = app.test_client()
    client.get("/v1/pets/1")  # the stack is built
    app.middleware.app.middleware_stack = [object()]  # no RoutingMiddleware in it
    try:
        client.get("/v1/pets/1")
    finally:
        app.middleware.app.middleware_stack = None
    assert traced.grouped()[1] == ("GET", None, "method")


def test_the_swagger_ui_and_the_spec_connexion_serves(traced):
    app = connexion.AsyncApp(__name__)  # the Swagger UI on, as by default
    app.add_api(spec())
    app.add_api(spec(**TAGS), base_path="/v2", swagger_ui_options=NO_UI)
    app.middleware = ar.instrument(app.middleware, tracer_provider=traced.provider)
    client = app.test_client()
    assert client.get("/v1/openapi.json").status_code == 200
    assert client.get("/v1/ui/").status_code == 200
    assert client.get("/v1/ui/swagger-ui.css").status_code == 200
    assert client.get("/v2/openapi.json").status_code == 404  # not served for this API
    assert client.get("/v1/pets/1").status_code == 200
    assert traced.grouped() == [
        ("GET /v1/openapi.json", "/v1/openapi.json", "discovered"),
        ("GET /v1/ui/", "/v1/ui/", "discovered"),
        ("GET /v1/ui", "/v1/ui", "discovered"),  # its static files, by their mount
        ("GET", None, "method"),
        ("GET /v1/pets/{pet_id}", "/v1/pets/{pet_id}", "discovered"),
    ]


class Tagging:
    """A middleware of the user's, added with options (Connexion keeps a partial)."""

    def __init__(self, app, tag):
        self.app = app
        self.tag = tag

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)


def test_an_app_with_a_middleware_list_of_its_own(traced):
    from connexion.middleware import MiddlewarePosition
    from connexion.middleware.swagger_ui import SwaggerUIMiddleware

    middlewares = [
        m for m in ConnexionMiddleware.default_middlewares if m is not SwaggerUIMiddleware
    ]
    app = connexion.AsyncApp(__name__, middlewares=middlewares)
    app.add_middleware(Tagging, position=MiddlewarePosition.BEFORE_ROUTING, tag="x")
    app.add_api(spec())
    app.middleware = ar.instrument(app.middleware, tracer_provider=traced.provider)
    client = app.test_client()
    assert client.get("/v1/openapi.json").status_code == 404  # no Swagger UI middleware
    assert client.get("/v1/pets/1").status_code == 200
    assert client.get("/v1/openapi.json").status_code == 404
    assert traced.grouped() == [
        ("GET", None, "method"),
        ("GET /v1/pets/{pet_id}", "/v1/pets/{pet_id}", "discovered"),
        ("GET", None, "method"),
    ]
