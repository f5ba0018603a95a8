"""The tracing configuration an app gives its framework applies to the one server span:
Starlette's ``OpenTelemetryMiddleware`` (its provider, its ``excluded_urls``), FastAPI's
``telemetry={...}`` (its ``tracer_provider``, its ``exclude``)."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.opentelemetry import OpenTelemetryMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import appsignal_routes as ar
from appsignal_routes.frameworks._tracing import Tracing, excluding, tracing_of

from ...conftest import make_traced


async def item(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


ROUTES = [Route("/items/{item_id}", item), Route("/health", item), Route("/metrics", item)]


@pytest.fixture
def global_traced(traced):
    """``ar.start()``'s provider: the global one."""
    trace.set_tracer_provider(traced.provider)
    return traced


def served(traced) -> list[tuple[str, object]]:
    return [(s.name, (s.attributes or {}).get("http.route")) for s in traced.spans()]


@pytest.mark.parametrize(
    "form",
    [
        "middleware-list",
        pytest.param("wrapping", marks=pytest.mark.private_path("starlette.telemetry")),
        "string",
    ],
)
def test_starlettes_middleware_provider_and_excluded_urls_are_followed(global_traced, form):
    own = make_traced()
    excluded = ["/health$", "/metrics$"]
    if form == "wrapping":
        app = OpenTelemetryMiddleware(
            Starlette(routes=ROUTES), tracer_provider=own.provider, excluded_urls=excluded
        )
    else:
        options = {"tracer_provider": own.provider}
        options["excluded_urls"] = ", ".join(excluded) if form == "string" else excluded
        app = Starlette(routes=ROUTES, middleware=[Middleware(OpenTelemetryMiddleware, **options)])
    with TestClient(ar.instrument(app)) as client:
        assert [client.get(p).status_code for p in ("/items/1", "/health", "/metrics")] == [200] * 3
    assert served(own) == [("GET /items/{item_id}", "/items/{item_id}")]  # its provider only
    assert [s.kind for s in own.spans()] == [SpanKind.SERVER]
    assert served(global_traced) == []


def test_starlettes_middleware_with_a_no_op_provider_traces_nothing(global_traced):
    app = Starlette(
        routes=ROUTES,
        middleware=[
            Middleware(OpenTelemetryMiddleware, tracer_provider=trace.NoOpTracerProvider())
        ],
    )
    with TestClient(ar.instrument(app)) as client:
        assert client.get("/items/1").text == "ok"
    assert served(global_traced) == []


def test_an_explicit_provider_given_to_instrument_wins(global_traced):
    own, given = make_traced(), make_traced()
    app = Starlette(
        routes=ROUTES,
        middleware=[Middleware(OpenTelemetryMiddleware, tracer_provider=own.provider)],
    )
    TestClient(ar.instrument(app, tracer_provider=given.provider)).get("/items/1")
    assert served(given) == [("GET /items/{item_id}", "/items/{item_id}")]
    assert served(own) == []


def make_fastapi(**telemetry: object) -> FastAPI:
    app = FastAPI(telemetry=telemetry)  # type: ignore[arg-type]

    @app.get("/items/{item_id}")
    async def show(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/health")
    async def health() -> dict[str, bool]:
        return {"ok": True}

    return app


@pytest.mark.private_path("fastapi.telemetry")
def test_fastapis_own_provider_gets_the_server_span_with_its_children(global_traced):
    own = make_traced()
    app = make_fastapi(
        tracer_provider=own.provider, exclude=lambda scope: scope["path"] == "/health"
    )
    with TestClient(ar.instrument(app)) as client:
        assert client.get("/items/3").json() == {"id": 3}
        assert client.get("/health").json() == {"ok": True}
    assert served(global_traced) == []
    spans = own.spans()
    (server,) = (s for s in spans if s.kind is SpanKind.SERVER)
    assert server.name == "GET /items/{item_id}"
    assert len(spans) > 1  # FastAPI's own operation spans, in the server span's trace
    assert {s.context.trace_id for s in spans} == {server.context.trace_id}
    assert all(s.parent is not None for s in spans if s is not server)


@pytest.mark.private_path("fastapi.telemetry")
def test_fastapi_with_starlettes_middleware_too(global_traced):
    own = make_traced()
    app = make_fastapi(exclude=lambda scope: scope["path"] == "/health")
    app.add_middleware(
        OpenTelemetryMiddleware, tracer_provider=own.provider, excluded_urls="items/9"
    )
    with TestClient(ar.instrument(app)) as client:
        for path in ("/items/1", "/items/9", "/health"):
            assert client.get(path).status_code == 200
    assert [n for n, _ in served(own) if n.startswith("GET")] == ["GET /items/{item_id}"]


@pytest.mark.private_path("fastapi.telemetry")
def test_an_exclusion_that_fails_traces_the_request(global_traced, caplog):
    def broken(scope: object) -> bool:
        raise RuntimeError("bad exclusion")

    app = make_fastapi(exclude=broken)
    ar.instrument(app)  # FastAPI's own call of it fails the request; ours never does
    middleware = ar.instrument(app)
    assert middleware.skips is not None
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        assert middleware.skips({"type": "http", "path": "/"}) is False
    assert "exclusion failed" in caplog.text


def test_reading_the_tracing_never_raises(monkeypatch, caplog):
    app = Starlette(routes=ROUTES, middleware=[Middleware(OpenTelemetryMiddleware)])
    assert tracing_of(app) == Tracing(None, None)
    assert tracing_of(object()) is None
    assert tracing_of(Starlette(routes=ROUTES)) is None

    def broken(app: object) -> Tracing:
        raise RuntimeError("unknown internals")

    monkeypatch.setattr("appsignal_routes.frameworks.starlette.tracing", broken)
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        assert tracing_of(app) is None
    assert "reading the tracing" in caplog.text


def test_excluding_combines():
    assert excluding(None, None) is None

    def first(scope: object) -> bool:
        return scope == 1

    assert excluding(None, first) is first
    both = excluding(first, lambda scope: scope == 2)
    assert both is not None
    assert [both(1), both(2), both(3)] == [True, True, False]


def test_fastapi_internals_without_a_telemetry_config(monkeypatch):
    app = make_fastapi()
    monkeypatch.setattr(app, "_telemetry", None)
    assert tracing_of(app) is None
