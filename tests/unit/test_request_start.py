"""The server span starts with its group: the registry's route, or its method alone."""

from __future__ import annotations

import pytest
from opentelemetry.trace import SpanKind

import appsignal_routes as ar
from appsignal_routes._request import start

from ..calls import call_asgi, call_wsgi


def app(environ, start_response):
    start_response("401 Unauthorized", [])
    return [b"no"]


async def asgi_app(scope, receive, send):
    await send({"type": "http.response.start", "status": 401, "headers": []})
    await send({"type": "http.response.body", "body": b"no"})


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
@pytest.mark.parametrize(
    ("method", "path", "name", "source"),
    [
        ("GET", "/users/7", "GET /users/:id", "registry"),
        ("GET", "/nowhere", "GET", "method"),
        ("PURGE", "/users/7", "HTTP /users/:id", "registry"),  # unknown methods are HTTP
        ("PURGE", "/nowhere", "HTTP", "method"),
    ],
)
def test_the_span_starts_named_by_its_group(traced, kind, method, path, name, source):
    seen = []

    def hook(span, request):
        # a request hook runs right after the span starts: its group is there already
        seen.append((span.name, dict(span.attributes)))

    if kind == "wsgi":
        wsgi = ar.instrument(
            app, routes=["/users/:id"], request_hook=hook, tracer_provider=traced.provider
        )
        call_wsgi(wsgi, path, method)
    else:
        asgi = ar.instrument(
            asgi_app,
            routes=["/users/:id"],
            server_request_hook=hook,
            tracer_provider=traced.provider,
        )
        call_asgi(asgi, path, method=method)
    ((started_as, attributes),) = seen
    assert started_as == name
    assert attributes["appsignal_routes.route_source"] == source
    assert ("http.route" in attributes) == (source == "registry")
    (root,) = traced.roots()
    assert root.name == name
    assert root.attributes["appsignal_routes.route_source"] == source


def test_a_route_already_at_start_is_left_to_the_processor():
    attributes = {"http.request.method": "GET", "http.route": "/items/{id}"}
    assert start.start_naming("GET /items/3", attributes, in_place=False) == (
        "GET /items/3",
        attributes,
        None,
    )


def test_when_adding_it_fails_the_request_hook_groups_the_request(traced, monkeypatch):
    def broken(name, attributes, *, in_place):
        raise RuntimeError("broken")

    monkeypatch.setattr(start, "start_naming", broken)
    call_wsgi(
        ar.instrument(app, routes=["/users/:id"], tracer_provider=traced.provider), "/users/7"
    )
    (root,) = traced.roots()
    assert root.name == "GET /users/:id"
    assert root.attributes["appsignal_routes.route_source"] == "registry"


def test_other_spans_of_the_wrapped_tracer_pass_through(traced):
    tracer = start.NamingTracer(traced.tracer, in_place=False)
    with tracer.start_as_current_span("work", kind=SpanKind.INTERNAL) as span:
        assert span.is_recording()
    assert [s.name for s in traced.spans()] == ["work"]


def not_found(environ, start_response):
    start_response("404 Not Found", [])
    return [b"none"]


async def asgi_not_found(scope, receive, send):
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b"none"})


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
def test_a_404_is_never_grouped_by_an_inferred_route(traced, kind):
    if kind == "wsgi":
        call_wsgi(
            ar.instrument(not_found, infer_routes=True, tracer_provider=traced.provider), "/p/1"
        )
        call_wsgi(ar.instrument(app, infer_routes=True, tracer_provider=traced.provider), "/p/2")
    else:
        asgi = ar.instrument(asgi_not_found, infer_routes=True, tracer_provider=traced.provider)
        call_asgi(asgi, "/p/1")
        call_asgi(
            ar.instrument(asgi_app, infer_routes=True, tracer_provider=traced.provider), "/p/2"
        )
    missing, found = traced.roots()
    assert missing.name == "GET"
    assert missing.attributes["appsignal_routes.route_source"] == "method"
    assert missing.attributes.get("appsignal.action_name", "GET") == "GET"
    assert "http.route" not in missing.attributes
    # the 401 keeps the route inferred at start
    assert found.attributes["appsignal_routes.route_source"] == "inferred"
    assert found.name == found.attributes["appsignal.action_name"]
    assert found.name.startswith("GET /p/")


def test_a_websocket_handshake_is_a_request_with_one_group(traced):
    async def refuse(scope, receive, send):
        await send({"type": "websocket.close", "code": 1008})

    @ar.route("/ws/:room")
    async def handler(scope, receive, send):
        await send({"type": "websocket.close", "code": 1000})

    for target in (refuse, handler):
        call_asgi(
            ar.instrument(target, tracer_provider=traced.provider), "/ws/7", scope_type="websocket"
        )
    names = [(s.name, s.attributes.get("appsignal.action_name")) for s in traced.roots()]
    assert names == [("HTTP /ws/:room", "HTTP /ws/:room")] * 2


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
def test_without_a_grouping_processor_the_span_still_starts_grouped(kind):
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    wrapped = ar.instrument(
        app if kind == "wsgi" else asgi_app, routes=["/users/:id"], tracer_provider=provider
    )
    if kind == "wsgi":
        call_wsgi(wrapped, "/users/7")
    else:
        call_asgi(wrapped, "/users/7")
    (span,) = exporter.get_finished_spans()
    assert span.name == "GET /users/:id"
    assert span.attributes["http.route"] == "/users/:id"
    assert span.attributes["appsignal.action_name"] == "GET /users/:id"
    assert span.attributes["appsignal_routes.route_source"] == "registry"


def test_a_root_started_while_the_request_span_starts_keeps_its_own_group():
    """The start record is the request span's alone: another root span that starts as
    it starts (here from a processor ahead of the grouping one) is grouped by itself."""
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()

    class StartsAnother(SpanProcessor):
        def on_start(self, span, parent_context=None):
            if span.name.startswith("GET /"):
                provider.get_tracer("other").start_span("cache warm-up").end()

    provider.add_span_processor(StartsAnother())
    provider.add_span_processor(ar.GroupingSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    call_wsgi(ar.instrument(app, routes=["/users/:id"], tracer_provider=provider), "/users/7")
    spans = {span.name: span for span in exporter.get_finished_spans()}
    assert sorted(spans) == ["GET /users/:id", "cache warm-up"]
    assert spans["cache warm-up"].parent is None
    assert not spans["cache warm-up"].attributes  # not a request: no group, no marks
    request = spans["GET /users/:id"]
    assert request.attributes["appsignal_routes.route_source"] == "registry"
    assert request.attributes["appsignal.action_name"] == "GET /users/:id"


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
@pytest.mark.parametrize("order", [("agent", "both"), ("both", "agent")], ids="-then-".join)
def test_two_processors_of_different_modes_leave_each_other_s_naming_alone(kind, order):
    """The name a request starts with follows the processor that takes it, whichever
    processor was made last: neither changes the other's naming."""
    from ..conftest import make_traced

    made = {mode: make_traced(mode=mode) for mode in order}
    for traced in made.values():
        wrapped = ar.instrument(
            app if kind == "wsgi" else asgi_app,
            routes=["/users/:id"],
            infer_routes=True,
            tracer_provider=traced.provider,
        )
        for path in ("/users/7", "/orders/12345"):
            if kind == "wsgi":
                call_wsgi(wrapped, path)
            else:
                call_asgi(wrapped, path)
    registered, inferred = made["agent"].roots()
    assert registered.name == "GET /users/:id"
    assert registered.attributes["http.route"] == "/users/:id"
    assert "appsignal.action_name" not in registered.attributes  # the agent's mode
    # an inferred route is no http.route: its action name groups it, in every mode
    assert inferred.attributes["appsignal_routes.route_source"] == "inferred"
    assert inferred.attributes["appsignal.action_name"] == inferred.name
    registered, inferred = made["both"].roots()
    assert registered.attributes["appsignal.action_name"] == "GET /users/:id"
    assert inferred.attributes["appsignal.action_name"] == inferred.name


def test_the_matches_of_declared_routes_are_remembered_bounded(traced, monkeypatch):
    monkeypatch.setattr(start, "_KNOWN", 1)
    wsgi = ar.instrument(app, routes=["/users/:id", "/orders/:id"], tracer_provider=traced.provider)
    for path in ("/users/1", "/orders/2", "/users/3", "/users/4"):
        call_wsgi(wsgi, path)
    assert [root.name for root in traced.roots()] == [
        "GET /users/:id",
        "GET /orders/:id",
        "GET /users/:id",
        "GET /users/:id",
    ]


def test_the_names_of_methods_are_remembered_bounded(traced, monkeypatch):
    monkeypatch.setattr(start, "_METHODS", 1)
    monkeypatch.setattr(start, "_by_method", {})  # as a new process has it
    wsgi = ar.instrument(app, routes=["/users/:id"], tracer_provider=traced.provider)
    for method in ("GET", "POST", "GET"):
        call_wsgi(wsgi, "/users/1", method)
        call_wsgi(wsgi, "/nowhere", method)
    assert [root.name for root in traced.roots()] == [
        "GET /users/:id",
        "GET",
        "POST /users/:id",
        "POST",
        "GET /users/:id",
        "GET",
    ]


def test_a_wrapping_tracer_passes_every_span_through_unless_told_otherwise(traced):
    tracer = start.WrappingTracer(traced.tracer)
    tracer.start_span("work", kind=SpanKind.CLIENT, attributes={"peer": "db"}).end()
    (span,) = traced.spans()
    assert (span.name, span.kind, dict(span.attributes)) == (
        "work",
        SpanKind.CLIENT,
        {"peer": "db"},
    )


def test_attributes_of_another_kind_never_get_the_route():
    from types import MappingProxyType

    theirs = MappingProxyType({"http.request.method": "GET"})
    start.route_for_metric(None, theirs, "/items/{id}", "/items/{id}")
    assert "http.route" not in theirs
