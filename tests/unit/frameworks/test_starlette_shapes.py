"""Starlette's and FastAPI's answers are remembered by the path's shape (``/users/42`` and
``/users/43`` share one entry) only where no route tells two ids of one length apart: a
remembered answer never gives one path another path's route, in a Mount, in an app
mounted through a2wsgi, or for a 404 (issue 23, discovery's cost for new ids)."""

from __future__ import annotations

from typing import Any

import pytest
from a2wsgi import WSGIMiddleware
from fastapi import FastAPI
from flask import Flask
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

import appsignal_routes as ar
from appsignal_routes import _private
from appsignal_routes.frameworks import router_for
from appsignal_routes.frameworks import starlette as adapter

from ...calls import template_of


async def ok(request: Any) -> PlainTextResponse:
    return PlainTextResponse("ok")


def grouped(traced: Any) -> list[tuple[str, Any]]:
    """(span name, route source) of each exported root span."""
    return [(s.name, s.attributes.get("appsignal_routes.route_source")) for s in traced.roots()]


def ask(router: Any, path: str, method: str = "GET") -> str | None:
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
    return template_of(router.route(method, path, scope))


def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the adapter walks its routes for (the cache's misses)."""
    asked: list[str] = []
    find = adapter._find

    def spy(index: Any, scope: Any, path: str, kind: object, method: str | None) -> Any:
        asked.append(path)
        return find(index, scope, path, kind, method)

    monkeypatch.setattr(adapter, "_find", spy)
    return asked


def test_ids_of_one_shape_are_matched_once(monkeypatch):
    web = Starlette(
        routes=[
            Route("/users/{user_id:int}", ok),
            Route("/users/{user_id:int}/posts/{slug}", ok),
            Mount("/api", routes=[Route("/items/{item_id}", ok, methods=["GET"])]),
        ]
    )
    router = router_for(web)
    asked = counting(monkeypatch)
    for n in range(10, 20):
        assert ask(router, f"/users/{n}") == "/users/{user_id:int}"
        assert ask(router, f"/users/{n}/posts/7") == "/users/{user_id:int}/posts/{slug}"
        assert ask(router, f"/api/items/{n}", "DELETE") == "/api/items/{item_id}"  # a 405
        assert ask(router, f"/users/{n}/nowhere") is None  # a 404
    assert ask(router, "/users/123") == "/users/{user_id:int}"  # another length: asked anew
    assert ask(router, "/users/abc") is None  # not digits: the int convertor refuses it
    assert asked == [
        "/users/10",
        "/users/10/posts/7",
        "/api/items/10",
        "/items/10",  # (inside the Mount)
        "/users/10/nowhere",
        "/users/123",
        "/users/abc",
    ]


#: routes that tell two ids of one length apart, two such paths, and their templates
VALUE_DECIDES = [
    # a static segment of digits beside a parameter
    (
        [Route("/v/2024/report", ok), Route("/v/{year:int}/report", ok)],
        ["/v/2024/report", "/v/2025/report"],
        ["/v/2024/report", "/v/{year:int}/report"],
    ),
    # digits beside a parameter in one segment
    (
        [Route("/n/{n:int}5", ok), Route("/n/{rest}", ok)],
        ["/n/15", "/n/16"],
        ["/n/{n:int}5", "/n/{rest}"],
    ),
    # a static segment of digits in a Mount's path
    (
        [Mount("/2024", routes=[Route("/x", ok)]), Route("/{year}/x", ok)],
        ["/2024/x", "/2025/x"],
        ["/2024/x", "/{year}/x"],
    ),
]


@pytest.mark.parametrize(("routes", "paths", "templates"), VALUE_DECIDES)
def test_a_route_that_reads_the_value_keeps_paths_apart(routes, paths, templates):
    router = router_for(Starlette(routes=routes))
    for order in (paths, paths[::-1], paths):  # asked, then remembered: each its own
        expected = templates if order == paths else templates[::-1]
        assert [ask(router, path) for path in order] == expected


class Small(Convertor[int]):
    """A convertor that takes some digits and not others."""

    regex = "[0-4]+"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


def test_a_convertor_of_its_own_keeps_paths_apart():
    register_url_convertor("small", Small())
    router = router_for(
        Starlette(routes=[Route("/s/{n:small}", ok, name="small"), Route("/s/{other}", ok)])
    )
    for _ in range(2):
        assert ask(router, "/s/12") == "/s/{n:small}"
        assert ask(router, "/s/56") == "/s/{other}"


def test_a_route_of_its_own_matching_keeps_paths_apart():
    class Even(Route):  # asked through its own matches(): it may read the value
        def matches(self, scope: Any) -> Any:
            match, child = super().matches(scope)
            digits = scope["path"].rsplit("/", 1)[-1]
            return (match, child) if digits.isdigit() and int(digits) % 2 == 0 else (None, {})

    router = router_for(Starlette(routes=[Even("/e/{n:int}", ok), Route("/e/{odd}", ok)]))
    for _ in range(2):
        assert ask(router, "/e/12") == "/e/{n:int}"
        assert ask(router, "/e/13") == "/e/{odd}"


def test_a_path_holding_a_nul_is_not_another_paths_shape():
    routes = [Route("/users/{user_id:int}", ok), Route("/users/{name}", ok)]
    router = router_for(Starlette(routes=routes))
    assert ask(router, "/users/12") == "/users/{user_id:int}"
    assert ask(router, "/users/\x002") == "/users/{name}"  # %002: not digits
    assert ask(router, "/users/12") == "/users/{user_id:int}"


def legacy(*, dated: bool) -> Flask:
    app = Flask("legacy")

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> str:
        return "user"

    if dated:  # a rule with a static segment of digits: Flask's answers go by the value

        @app.get("/year/2024")
        def this_year() -> str:
            return "2024"

        @app.get("/year/<int:year>")
        def a_year(year: int) -> str:
            return "a year"

    return app


@pytest.mark.parametrize("dated", [False, True])
def test_a_mounted_flask_app_through_a2wsgi(traced, monkeypatch, dated):
    api = FastAPI(openapi_url=None)

    @api.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    api.mount("/legacy", WSGIMiddleware(legacy(dated=dated)))
    asked = counting(monkeypatch)
    app = ar.instrument(api, tracer_provider=traced.provider)
    paths = ["/legacy/users/1", "/legacy/users/2", "/items/3", "/items/4", "/legacy/nowhere/5"]
    paths += ["/legacy/users/6", "/legacy/nowhere/7"]
    if dated:
        paths += ["/legacy/year/2024", "/legacy/year/2025", "/legacy/year/2024"]
    with TestClient(app) as client:
        statuses = [client.get(path).status_code for path in paths]
    assert statuses == [200, 200, 200, 200, 404, 200, 404, *([200] * 3 if dated else [])]
    assert grouped(traced) == [
        ("GET /legacy/users/<int:user_id>", "discovered"),
        ("GET /legacy/users/<int:user_id>", "discovered"),
        ("GET /items/{item_id}", "discovered"),
        ("GET /items/{item_id}", "discovered"),
        ("GET", "method"),
        ("GET /legacy/users/<int:user_id>", "discovered"),
        ("GET", "method"),
        *(
            [
                ("GET /legacy/year/2024", "discovered"),
                ("GET /legacy/year/<int:year>", "discovered"),
                ("GET /legacy/year/2024", "discovered"),
            ]
            if dated
            else []
        ),
    ]
    # (Flask's first answer is not kept while its map has rules not matched yet, which
    # only the private path can tell: its public fallback keeps it)
    first = ["/legacy/users/1", "/legacy/users/2", "/items/3", "/legacy/nowhere/5"]
    if _private.chosen["werkzeug.map.changes"] == "public" and not dated:
        first.remove("/legacy/users/2")
    if not dated:  # Flask takes any id alike: one walk per shape
        assert asked == first
    else:  # Flask tells ids apart: its answers are kept by the path itself
        assert asked == [
            *first,
            "/legacy/users/6",
            "/legacy/nowhere/7",
            "/legacy/year/2024",
            "/legacy/year/2025",
        ]


def test_routes_added_later_are_seen_through_the_shapes():
    web = Starlette(routes=[Route("/users/{user_id:int}", ok)])
    router = router_for(web)
    assert ask(router, "/users/2024/x") is None
    assert ask(router, "/users/2025/x") is None
    web.router.routes.insert(0, Route("/users/2024/x", ok))  # digits that decide: by path now
    assert ask(router, "/users/2024/x") == "/users/2024/x"
    assert ask(router, "/users/2025/x") is None
