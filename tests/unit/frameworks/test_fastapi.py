"""FastAPI: ``ar.instrument(app)`` groups each request by the route FastAPI dispatches it
to (included routers too), and every combination of FastAPI's native telemetry, the
contrib FastAPIInstrumentor, Starlette's OpenTelemetryMiddleware and ``instrument()``
exports exactly one server span per request, in one trace."""

from __future__ import annotations

import logging

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.trace import SpanKind

import appsignal_routes as ar
from appsignal_routes.frameworks import DiscoveredRoute, router_for

from ...calls import template_of

#: FastAPI's own tracing (``FastAPI(telemetry=...)``), new in FastAPI 0.142
NATIVE_TELEMETRY = pytest.mark.since("fastapi", "0.142", reason="FastAPI's native telemetry")

REQUESTS = [
    ("GET", "/users/1", 200),
    ("GET", "/orders/7", 200),
    ("GET", "/admin/stats", 401),
    ("GET", "/missing", 404),
    ("DELETE", "/users/1", 405),
    ("GET", "/api/items/3", 200),
    ("GET", "/reports/2", 200),
]
#: the group of each request in REQUESTS, named by route discovery
DISCOVERED = [
    ("GET /users/{user_id}", "/users/{user_id}", "discovered"),
    ("Orders#show", "/orders/{order_id}", "root_name"),
    ("GET /admin/stats", "/admin/stats", "discovered"),
    ("GET", None, "method"),
    ("DELETE /users/{user_id}", "/users/{user_id}", "discovered"),
    ("GET /api/items/{item_id}", "/api/items/{item_id}", "discovered"),
    ("GET /reports/:report_id", "/reports/:report_id", "decorator"),
]


def make_app(**options):
    app = FastAPI(**options)

    @app.get("/users/{user_id}")
    async def show_user(user_id: int):
        return {"id": user_id}

    @app.get("/orders/{order_id}")
    @ar.root_name("Orders#show")
    async def show_order(order_id: int):
        return {"order": order_id}

    @app.get("/admin/stats")
    async def stats():
        return {"requests": 1}

    @app.get("/reports/{report_id}")
    @ar.route("/reports/:report_id")
    async def report(report_id: int):
        return {}

    @app.middleware("http")
    async def require_token(request: Request, call_next):
        if request.url.path.startswith("/admin") and "authorization" not in request.headers:
            return PlainTextResponse("token required", status_code=401)
        return await call_next(request)

    items = APIRouter(prefix="/items")

    @items.get("/{item_id}")
    async def item(item_id: int):
        return {"id": item_id}

    app.include_router(items, prefix="/api")
    return app


def send_all(app):
    with TestClient(app) as client:
        for method, path, status in REQUESTS:
            assert client.request(method, path).status_code == status, path


def one_server_span_each(traced, requests=None):
    """Exactly one SERVER span per request, each in a trace of its own, and every other
    span in one of those traces."""
    requests = len(REQUESTS) if requests is None else requests
    spans = traced.spans()
    servers = [s for s in spans if s.kind is SpanKind.SERVER]
    assert len(servers) == requests, [s.name for s in servers]
    traces = {s.context.trace_id for s in servers}
    assert len(traces) == requests
    assert {s.context.trace_id for s in spans} == traces
    assert traced.roots() == servers


@pytest.fixture
def native(traced):
    """FastAPI's native telemetry on, as with ar.start(): the global provider is set."""
    trace.set_tracer_provider(traced.provider)
    return traced


@NATIVE_TELEMETRY
@pytest.mark.private_path("fastapi.telemetry")
def test_native_telemetry_adopts_our_span(native):
    app = make_app()
    send_all(ar.instrument(app, tracer_provider=native.provider))
    one_server_span_each(native)
    assert native.grouped() == DISCOVERED
    # FastAPI's operation spans are kept, in the trace of our server span
    first = native.roots()[0]
    below = {s.name for s in native.spans() if s.context.trace_id == first.context.trace_id}
    assert {"fastapi.dependencies", "fastapi.endpoint"} <= below
    assert first.attributes["http.status_code"] == 200


@pytest.mark.private_path("fastapi.telemetry")
def test_instrument_asgi_forced_makes_one_server_span_too(native):
    send_all(ar.instrument_asgi(make_app(), tracer_provider=native.provider))
    one_server_span_each(native)
    assert native.grouped() == DISCOVERED


def test_native_telemetry_off(traced):
    send_all(ar.instrument(make_app(telemetry={"tracing": False}), tracer_provider=traced.provider))
    one_server_span_each(traced)
    assert traced.grouped() == DISCOVERED


@pytest.mark.private_path("fastapi.telemetry")
def test_native_telemetry_with_its_own_provider(traced):
    app = make_app(telemetry={"tracer_provider": traced.provider})
    send_all(ar.instrument(app, tracer_provider=traced.provider))
    one_server_span_each(traced)
    assert traced.grouped() == DISCOVERED


@NATIVE_TELEMETRY
def test_native_telemetry_alone_makes_one_span(native):
    send_all(make_app())
    one_server_span_each(native)
    assert [name for name, _, _ in native.grouped()] == [
        "GET /users/{user_id}",
        "Orders#show",
        "GET",  # FastAPI names no route for a request answered before routing
        "GET",
        "DELETE /users/{user_id}",
        "GET /api/items/{item_id}",
        "GET /reports/{report_id}",
    ]


def test_an_app_the_instrumentor_traces_is_left_as_it_is(native, caplog):
    app = make_app()
    FastAPIInstrumentor.instrument_app(app, tracer_provider=native.provider)
    try:
        with caplog.at_level(logging.INFO, logger="appsignal_routes"):
            assert ar.instrument(app, tracer_provider=native.provider) is app
        assert "FastAPIInstrumentor" in caplog.text
        send_all(app)
    finally:
        FastAPIInstrumentor.uninstrument_app(app)
    one_server_span_each(native)
    assert native.grouped() == [
        ("GET /users/{user_id}", "/users/{user_id}", "framework"),
        ("Orders#show", "/orders/{order_id}", "root_name"),
        ("GET /admin/stats", "/admin/stats", "framework"),
        ("GET", None, "method"),
        ("DELETE /users/{user_id}", "/users/{user_id}", "framework"),
        ("GET /api/items/{item_id}", "/api/items/{item_id}", "framework"),
        # the instrumentor's route was there first: the decorator does not regroup it
        ("GET /reports/{report_id}", "/reports/{report_id}", "framework"),
    ]


def test_instrumented_after_instrument(native):
    app = make_app()
    wrapped = ar.instrument(app, tracer_provider=native.provider)
    FastAPIInstrumentor.instrument_app(app, tracer_provider=native.provider)
    try:
        send_all(wrapped)
    finally:
        FastAPIInstrumentor.uninstrument_app(app)
    one_server_span_each(native)  # the instrumentor's span is an INTERNAL one below ours
    assert native.grouped() == DISCOVERED


@pytest.mark.since("starlette", "1.7", reason="Starlette's own OpenTelemetryMiddleware")
@pytest.mark.private_path("fastapi.telemetry")
def test_starlettes_middleware_in_a_fastapi_app(native):
    from starlette.middleware.opentelemetry import OpenTelemetryMiddleware

    app = make_app()
    app.add_middleware(OpenTelemetryMiddleware, tracer_provider=native.provider)
    send_all(ar.instrument(app, tracer_provider=native.provider))
    one_server_span_each(native)
    assert native.grouped() == DISCOVERED


@pytest.mark.private_path("fastapi.telemetry")
def test_mounted_fastapi_apps_adopt_too(native):
    outer = make_app()
    inner = FastAPI()

    @inner.get("/things/{thing_id}")
    async def thing(thing_id: int):
        return {}

    outer.mount("/sub", inner)
    with TestClient(ar.instrument(outer, tracer_provider=native.provider)) as client:
        assert client.get("/sub/things/1").status_code == 200
    one_server_span_each(native, 1)
    assert native.grouped() == [
        ("GET /sub/things/{thing_id}", "/sub/things/{thing_id}", "discovered")
    ]


@pytest.mark.since(
    "fastapi", "0.137", reason="routes added to an included router count (before, copied once)"
)
def test_routes_added_after_instrument(traced):
    app = make_app(telemetry={"tracing": False})
    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    later = APIRouter()

    @later.get("/later/{n}")
    async def later_route(n: int):
        return {}

    with TestClient(wrapped) as client:
        client.get("/later/1")
        app.include_router(later, prefix="/v2")
        client.get("/v2/later/1")

        @later.get("/more")
        async def more():
            return {}

        client.get("/v2/more")
    assert [name for name, _, _ in traced.grouped()] == ["GET", "GET /v2/later/{n}", "GET /v2/more"]


def test_discovery_off_and_listing(traced):
    app = make_app(telemetry={"tracing": False})
    send_all(ar.instrument(app, tracer_provider=traced.provider, discover_routes=False))
    assert [source for _, _, source in traced.grouped()] == [
        "method",
        "root_name",
        "method",
        "method",
        "method",
        "method",
        "decorator",
    ]
    router = router_for(app)
    assert router.framework == "FastAPI"
    listed = [
        r for r in router.routes() if not r.template.startswith(("/docs", "/redoc", "/openapi"))
    ]
    assert [(r.methods, r.template) for r in listed] == [
        (("GET",), "/users/{user_id}"),
        (("GET",), "/orders/{order_id}"),
        (("GET",), "/admin/stats"),
        (("GET",), "/reports/{report_id}"),
        (("GET",), "/api/items/{item_id}"),
    ]
    assert isinstance(listed[0], DiscoveredRoute)
    assert listed[0].handler.endswith("show_user")


def test_a_fastapi_without_native_telemetry_is_discovered(traced, monkeypatch):
    app = make_app()
    monkeypatch.setattr(app, "_native_telemetry", None, raising=False)  # FastAPI before 0.142
    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert wrapped.app is app
    found = wrapped.start.router.route("GET", "/users/1", {"type": "http", "path": "/users/1"})
    assert template_of(found) == "/users/{user_id}"


@NATIVE_TELEMETRY
@pytest.mark.private_path("fastapi.telemetry")
def test_unknown_fastapi_internals_fall_back(traced, caplog):
    app = make_app()
    app._native_telemetry = object()  # a FastAPI whose telemetry we do not know
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert wrapped.app is app
    assert wrapped.start.router is not None
    assert "preparing" in caplog.text


@NATIVE_TELEMETRY
def test_adopted_span_takes_what_fastapi_writes_while_it_records(traced):
    from opentelemetry.trace import StatusCode

    from appsignal_routes.frameworks._fastapi_telemetry import _AdoptedSpan

    with traced.tracer.start_as_current_span("GET", kind=SpanKind.SERVER) as span:
        adopted = _AdoptedSpan(span)
        adopted.set_attribute("error.type", "RuntimeError")
        adopted.set_attribute("http.route", "/elsewhere")
        adopted.set_attributes({"http.route": "/elsewhere", "url.scheme": "http"})
        adopted.set_status(StatusCode.ERROR)
        adopted.update_name("GET /elsewhere")
        adopted.end()
        assert span.is_recording()
    adopted.set_attribute("late", 1)
    adopted.set_attributes({"late": 1})
    adopted.set_status(StatusCode.OK)
    (exported,) = traced.spans()
    assert exported.name == "GET"
    assert "http.route" not in exported.attributes
    assert exported.attributes["error.type"] == "RuntimeError"
    assert exported.attributes["url.scheme"] == "http"
    assert "late" not in exported.attributes
    assert exported.status.status_code is StatusCode.ERROR


@NATIVE_TELEMETRY
@pytest.mark.private_path("fastapi.telemetry")
def test_adoption_is_once_and_direct_calls_trace_natively(native):
    from fastapi.exceptions import FastAPIDeprecationWarning

    with pytest.warns(FastAPIDeprecationWarning):
        app = make_app(root_path="/v1")
    ar.instrument(app, tracer_provider=native.provider)
    wrapped = ar.instrument(app, tracer_provider=native.provider)
    with TestClient(wrapped) as client:
        assert client.get("/v1/users/1").status_code == 200
    with TestClient(app) as client:  # not through instrument(): FastAPI's own span
        assert client.get("/users/1").status_code == 200
    one_server_span_each(native, 2)
    # FastAPI's own name includes its root_path; ours is relative to the mount point
    assert [name for name, _, _ in native.grouped()] == [
        "GET /users/{user_id}",
        "GET /v1/users/{user_id}",
    ]
