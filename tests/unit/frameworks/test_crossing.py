"""A request handed across an ASGI/WSGI adapter: the router of the app on the other side
reads what the adapter itself would hand that app (a2wsgi's own conversions are the
judge), and routes on it as the app does."""

from __future__ import annotations

import io
from typing import Any

import pytest
from a2wsgi import ASGIMiddleware, WSGIMiddleware
from a2wsgi.asgi import build_scope
from a2wsgi.wsgi import build_environ
from pyramid.config import Configurator
from pyramid.response import Response
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Host, Mount, Route
from starlette.testclient import TestClient
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware

import appsignal_routes as ar
from appsignal_routes.frameworks._composed import WrappedRouter
from appsignal_routes.frameworks._crossing import environ_of
from appsignal_routes.frameworks._crossing import scope_of as environ_scope

from ...calls import call_wsgi


def scope_of(path: str, root_path: str = "") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": root_path + path,
        "root_path": root_path,
        "query_string": b"q=1",
        "headers": [
            (b"host", b"shop.example.com"),
            (b"content-type", b"application/json"),
            (b"x-tag", b"a"),
            (b"x-tag", b"b"),
        ],
        "server": ("10.0.0.1", 8443),
        "client": ("10.0.0.2", 5000),
    }


@pytest.mark.since("a2wsgi", "1.9", reason="a2wsgi's environ of a path that includes root_path")
def test_an_environ_made_from_a_scope_is_the_one_a2wsgi_makes():
    scope = scope_of("/caf\u00e9/1", "/shop")
    theirs = build_environ(scope, io.BytesIO())  # type: ignore[arg-type]
    ours = environ_of(scope, "/caf\u00e9/1".encode().decode("latin-1"))
    assert type(ours) is dict  # WebOb takes no other
    assert set(theirs) - set(ours) == {
        "asgi.scope",
        "wsgi.version",
        "wsgi.input",
        "wsgi.errors",
        "wsgi.multithread",
        "wsgi.multiprocess",
        "wsgi.run_once",
        "REMOTE_ADDR",
        "REMOTE_PORT",
    }
    assert ours == {key: theirs[key] for key in ours}
    assert ours["HTTP_X_TAG"] == "a,b"
    assert environ_of({"type": "http"}, "/")["SERVER_NAME"] == "localhost"


def test_a_scope_made_from_an_environ_is_the_one_a2wsgi_makes():
    environ = build_environ(scope_of("/caf\u00e9/1", "/shop"), io.BytesIO())  # type: ignore[arg-type]
    theirs = build_scope(environ)  # type: ignore[arg-type]
    ours = environ_scope(environ, "/caf\u00e9/1")
    for key in ("type", "method", "scheme", "path", "root_path", "query_string", "server"):
        assert ours[key] == theirs[key], key  # type: ignore[literal-required]
    assert sorted(ours["headers"]) == sorted(theirs["headers"])


def pyramid_app() -> Any:
    """Routes that read the request beyond its path: a header, the query string."""
    with Configurator() as config:
        config.add_route("api", "/items/{id}", header="X-Api")
        config.add_route("search", "/items/{id}", request_param="q")
        config.add_route("page", "/items/{id}")
        for name in ("api", "search", "page"):
            config.add_view(lambda request: Response(request.matched_route.name), route_name=name)
        return config.make_wsgi_app()


def test_a_wsgi_app_whose_routes_read_headers_behind_a2wsgi_in_starlette(traced):
    web = Starlette(routes=[Mount("/old", app=WSGIMiddleware(pyramid_app()))])
    app = ar.instrument(web, tracer_provider=traced.provider)
    with TestClient(app) as client:
        assert client.get("/old/items/1", headers={"X-Api": "1"}).text == "api"
        assert client.get("/old/items/1?q=x").text == "search"
        assert client.get("/old/items/1").text == "page"
    assert [s.name for s in traced.roots()] == ["GET /old/items/{id}"] * 3


def test_an_asgi_app_with_host_routes_behind_a2wsgi_in_a_dispatcher(traced):
    async def ok(request: Any) -> PlainTextResponse:
        return PlainTextResponse("ok")

    web = Starlette(routes=[Host("api.example.com", app=Starlette(routes=[Route("/v/{n}", ok)]))])
    dispatcher = DispatcherMiddleware(NotFound(), {"/async": ASGIMiddleware(web)})
    app = ar.instrument(dispatcher, tracer_provider=traced.provider)
    assert call_wsgi(app, "/async/v/1", headers={"Host": "api.example.com"})[0] == "200 OK"
    assert call_wsgi(app, "/async/v/1", headers={"Host": "other.example.com"})[0] == "404 Not Found"
    assert [s.name for s in traced.roots()] == ["GET /async/v/{n}", "GET"]


def test_a_request_already_of_the_inner_interface_is_handed_over_as_it_is():
    class Inner:
        framework = "Inner"

        def route(self, method: str | None, path: str, request: Any) -> str:
            return f"{type(request).__name__} {path}"

        def routes(self) -> list[Any]:
            return []

    to_wsgi = WrappedRouter(Inner(), (object(),), "wsgi")
    to_asgi = WrappedRouter(Inner(), (object(),), "asgi")
    environ = {"PATH_INFO": "/caf\u00c3\u00a9"}
    scope = {"type": "http", "path": "/caf\u00e9"}
    assert to_wsgi.route("GET", "/caf\u00c3\u00a9", environ) == "dict /caf\u00c3\u00a9"
    assert to_wsgi.route("GET", "/caf\u00e9", scope) == "dict /caf\u00c3\u00a9"
    assert to_asgi.route("GET", "/caf\u00e9", scope) == "dict /caf\u00e9"
    assert to_asgi.route("GET", "/caf\u00c3\u00a9", environ) == "dict /caf\u00e9"
    assert list(to_asgi.routes()) == []


def test_header_names_are_converted_alike_past_the_names_remembered():
    headers = [(f"x-h{n}".encode(), b"v") for n in range(600)]
    environ = environ_of({"type": "http", "headers": headers}, "/")
    assert [environ[f"HTTP_X_H{n}"] for n in (0, 599)] == ["v", "v"]
