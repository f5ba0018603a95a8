"""instrument(): detection, wrapping once, options passed through, grouping at start."""

from __future__ import annotations

import contextvars
import types
from collections.abc import Generator

import pytest
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware as OtelAsgi
from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware as OtelWsgi
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import appsignal_routes as ar
from appsignal_routes._request.middleware import AsgiMiddleware, WsgiMiddleware, detect_interface

from ..calls import call_asgi, call_wsgi


def wsgi_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


async def asgi_app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


class AsgiClass:
    async def __call__(self, scope, receive, send):
        await asgi_app(scope, receive, send)


class WsgiClass:
    def __call__(self, environ, start_response):
        return wsgi_app(environ, start_response)


def test_detection():
    assert detect_interface(wsgi_app) == "wsgi"
    assert detect_interface(asgi_app) == "asgi"
    assert detect_interface(AsgiClass()) == "asgi"
    assert detect_interface(WsgiClass()) == "wsgi"
    assert detect_interface(lambda scope, receive, send: None) == "asgi"

    class Asgi2:
        def __init__(self, scope):
            self.scope = scope

        async def __call__(self, receive, send):
            return None

    assert detect_interface(Asgi2) == "asgi"
    with pytest.raises(TypeError, match="cannot tell"):
        detect_interface(lambda *args: None)
    with pytest.raises(TypeError, match="takes a WSGI or ASGI app"):
        detect_interface(42)


def test_instrument_wraps_once_and_refuses_double_tracing():
    wrapped = ar.instrument(wsgi_app)
    assert isinstance(wrapped, WsgiMiddleware)
    assert ar.instrument(wrapped) is wrapped
    assert ar.instrument_wsgi(wrapped) is wrapped
    async_wrapped = ar.instrument(asgi_app)
    assert isinstance(async_wrapped, AsgiMiddleware)
    assert ar.instrument(async_wrapped) is async_wrapped
    assert ar.instrument_asgi(async_wrapped) is async_wrapped
    with pytest.raises(TypeError, match="already wrapped in OpenTelemetryMiddleware"):
        ar.instrument(OtelWsgi(wsgi_app))
    with pytest.raises(TypeError, match="already wrapped in OpenTelemetryMiddleware"):
        ar.instrument(OtelAsgi(asgi_app))


def test_wsgi_request_that_never_reaches_a_handler_is_grouped_by_the_registry(traced):
    app = ar.instrument(wsgi_app, routes=["/users/:id"], tracer_provider=traced.provider)
    assert call_wsgi(app, "/users/5") == ("200 OK", b"ok")
    call_wsgi(app, "/elsewhere")
    first, second = traced.roots()
    assert first.name == "GET /users/:id"
    assert first.attributes["appsignal_routes.route_source"] == "registry"
    assert second.name == "GET"


def test_wsgi_matching_is_relative_to_the_mount_point(traced):
    app = ar.instrument(wsgi_app, routes=["/users/:id"], tracer_provider=traced.provider)
    call_wsgi(app, "/users/5", script_name="/api")
    assert traced.roots()[0].name == "GET /users/:id"


def test_user_request_hook_still_runs(traced):
    seen = []
    app = ar.instrument(
        wsgi_app,
        tracer_provider=traced.provider,
        request_hook=lambda span, env: seen.append(env["PATH_INFO"]),
    )
    call_wsgi(app, "/x")
    assert seen == ["/x"]
    asgi_seen = []
    app2 = ar.instrument(
        asgi_app,
        tracer_provider=traced.provider,
        server_request_hook=lambda span, scope: asgi_seen.append(scope["path"]),
    )
    call_asgi(app2, "/y")
    assert asgi_seen == ["/y"]


def test_excluded_urls_for_wsgi_and_asgi_from_option_and_environment(traced, monkeypatch):
    monkeypatch.setenv("OTEL_PYTHON_EXCLUDED_URLS", "healthz,metrics")
    app = ar.instrument(wsgi_app, excluded_urls=[r"^/ping$"], tracer_provider=traced.provider)
    for path in ("/ping", "/healthz", "/metrics", "/users"):
        assert call_wsgi(app, path) == ("200 OK", b"ok")
    aapp = ar.instrument(asgi_app, excluded_urls=[r"^/ping$"], tracer_provider=traced.provider)
    for path in ("/ping", "/healthz", "/users"):
        assert call_asgi(aapp, path)[0]["status"] == 200
    assert len(traced.roots()) == 2  # only the two /users requests were traced


@pytest.fixture
def stable_http_semconv(monkeypatch):
    """The stable HTTP conventions, whose duration metric carries http.route."""
    from opentelemetry.instrumentation._semconv import (
        _OpenTelemetrySemanticConventionStability as S,
    )

    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "http/dup")
    monkeypatch.setattr(S, "_initialized", False)
    yield
    monkeypatch.delenv("OTEL_SEMCONV_STABILITY_OPT_IN")
    S._initialized = False
    S._initialize()


@pytest.mark.parametrize("grouping", [True, False], ids=["processor", "no-processor"])
@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
def test_the_registry_route_reaches_the_span_and_the_duration_metric(
    kind, grouping, traced, stable_http_semconv
):
    exporter = InMemorySpanExporter()
    provider = traced.provider
    if not grouping:  # the naming tracer on its own (a provider of the user's)
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader])
    hooked = []
    app = ar.instrument(
        wsgi_app if kind == "wsgi" else asgi_app,
        routes=["/items/{item_id:int}"],
        tracer_provider=provider,
        meter_provider=meters,
        **(
            {"request_hook": lambda span, environ: hooked.append(span.name)}
            if kind == "wsgi"
            else {"server_request_hook": lambda span, scope: hooked.append(span.name)}
        ),
    )
    if kind == "wsgi":
        call_wsgi(app, "/items/3", script_name="/shop")
    else:
        call_asgi(app, "/items/3", root_path="/shop")
    assert hooked == ["GET /items/{item_id:int}"]  # the user's own hook still runs
    root = (traced.roots() if grouping else exporter.get_finished_spans())[0]
    assert root.name == "GET /items/{item_id:int}"
    assert root.attributes["http.route"] == "/items/{item_id:int}"
    points = [
        point.attributes
        for metric in reader.get_metrics_data().resource_metrics[0].scope_metrics[0].metrics
        if metric.name == "http.server.request.duration"
        for point in metric.data.data_points
    ]
    assert points
    assert all(p.get("http.route") == "/items/{item_id:int}" for p in points)
    # the metric takes the route, not the toolkit's own marks
    assert all("appsignal_routes.route_source" not in p for p in points)


def test_asgi_send_and_receive_spans_are_excluded_by_default(traced):
    call_asgi(ar.instrument(asgi_app, tracer_provider=traced.provider), "/a")
    assert len(traced.spans()) == 1
    call_asgi(ar.instrument(asgi_app, tracer_provider=traced.provider, exclude_spans=[]), "/a")
    names = [s.name for s in traced.spans()[1:]]
    assert "GET http send" in names
    assert all("/a" not in name for name in names)  # no raw path, even in child span names


def test_asgi_lifespan_and_websocket_scopes(traced):
    calls = []

    async def app(scope, receive, send):
        calls.append(scope["type"])

    wrapped = ar.instrument(app, routes=["/ws/:room"], tracer_provider=traced.provider)
    call_asgi(wrapped, "/", scope_type="lifespan")
    call_asgi(wrapped, "/ws/lobby", scope_type="websocket")
    call_asgi(wrapped, "/other", scope_type="websocket")
    assert calls == ["lifespan", "websocket", "websocket"]
    # a WebSocket handshake has no HTTP method of its own: "HTTP", as for unknown methods
    assert sorted(s.name for s in traced.roots()) == ["HTTP", "HTTP /ws/:room"]


def test_inferred_routes_are_opt_in_and_never_http_route(traced):
    uuid = "12345678-1234-1234-1234-123456789abc"
    app = ar.instrument(wsgi_app, infer_routes=True, tracer_provider=traced.provider)
    call_wsgi(app, f"/orders/123/lines/{uuid}")
    aapp = ar.instrument(asgi_app, infer_routes=True, tracer_provider=traced.provider)
    call_asgi(aapp, "/users/alice@example.com/2024-01-31")
    plain = ar.instrument(wsgi_app, tracer_provider=traced.provider)
    call_wsgi(plain, "/orders/123")
    first, second, third = traced.roots()
    assert first.name == "GET /orders/:order_id/lines/:line_id"
    assert first.attributes["appsignal_routes.route_source"] == "inferred"
    assert "http.route" not in first.attributes
    assert second.name == "GET /users/:user_id/:id"
    assert third.name == "GET"


def test_a_failing_registry_never_reaches_the_request(traced, monkeypatch):
    from appsignal_routes._routes import registry

    class Broken:
        def match(self, path):
            raise RuntimeError("broken")

    monkeypatch.setattr(registry, "registry", lambda: Broken())
    assert call_wsgi(ar.instrument(wsgi_app, tracer_provider=traced.provider), "/x") == (
        "200 OK",
        b"ok",
    )
    assert (
        call_asgi(ar.instrument(asgi_app, tracer_provider=traced.provider), "/x")[0]["status"]
        == 200
    )
    assert [s.name for s in traced.roots()] == ["GET", "GET"]


@types.coroutine
def _unanswered() -> Generator[None, None, None]:
    yield


def test_a_request_abandoned_and_closed_in_another_context_closes_quietly(traced):
    """A request its server abandons mid-way, whose coroutine is closed later in another
    context (the garbage collector finalising it), closes as it would without the
    toolkit: nothing raised (it was: the ContextVar token of another Context)."""

    async def app(scope, receive, send):
        await receive()

    async def receive():
        await _unanswered()

    async def send(message):
        return None

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/items/1",
        "raw_path": b"/items/1",
        "root_path": "",
        "headers": [],
        "query_string": b"",
        "scheme": "http",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
        "http_version": "1.1",
    }
    wrapped = ar.instrument(app, routes=["/items/:id"], tracer_provider=traced.provider)
    request = wrapped(scope, receive, send)
    contextvars.copy_context().run(request.send, None)  # suspended, waiting for receive
    request.close()  # here, in another context
    assert [span.name for span in traced.roots()] == ["GET /items/:id"]


def _duration_points(reader):
    return [
        point.attributes
        for metric in reader.get_metrics_data().resource_metrics[0].scope_metrics[0].metrics
        if metric.name == "http.server.request.duration"
        for point in metric.data.data_points
    ]


class _TheirMapping(dict):
    """Request attributes of another kind than the plain dict we rely on."""


@pytest.mark.parametrize("grouping", [True, False], ids=["processor", "no-processor"])
@pytest.mark.parametrize("theirs", ["mapping", "route"])
def test_an_upstream_that_changes_its_attributes_costs_the_metric_its_route_only(
    theirs, grouping, traced, stable_http_semconv, monkeypatch
):
    """The upstream ASGI middleware's attributes are its own: another kind of mapping,
    or a route of its own in them, and its duration metric goes without ours, never
    with a wrong one; the request and its span are grouped as ever."""
    from opentelemetry.instrumentation import asgi as otel_asgi

    collect = otel_asgi.collect_request_attributes

    def collected(scope, *args):
        attributes = collect(scope, *args)
        if theirs == "mapping":
            return _TheirMapping(attributes)
        return {**attributes, "http.route": "/their/route"}

    monkeypatch.setattr(otel_asgi, "collect_request_attributes", collected)
    exporter = InMemorySpanExporter()
    provider = traced.provider
    if not grouping:
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    app = ar.instrument(
        asgi_app,
        routes=["/items/{item_id:int}"],
        tracer_provider=provider,
        meter_provider=MeterProvider(metric_readers=[reader]),
    )
    assert call_asgi(app, "/items/3")[0]["status"] == 200
    (root,) = traced.roots() if grouping else exporter.get_finished_spans()
    assert root.name == "GET /items/{item_id:int}"
    points = _duration_points(reader)
    assert points
    if theirs == "mapping":
        assert root.attributes["http.route"] == "/items/{item_id:int}"
        assert all("http.route" not in p for p in points)
    else:  # theirs stays theirs; the span the group names gets ours back
        assert all(p.get("http.route") == "/their/route" for p in points)
        if grouping:
            assert root.attributes["http.route"] == "/items/{item_id:int}"


def test_a_failure_giving_the_metric_its_route_stays_out_of_the_request(caplog):
    from appsignal_routes._request.start import route_for_metric

    class Unequal:
        def __ne__(self, other):
            raise RuntimeError("broken")

    attributes = {"http.route": Unequal()}
    with caplog.at_level("DEBUG", logger="appsignal_routes"):
        route_for_metric(None, attributes, "/items/{id}", "/items/{id}")
    assert any("duration metric" in record.getMessage() for record in caplog.records)
