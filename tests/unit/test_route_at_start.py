"""The server span starts with its group: the registry's route, or its method alone."""

from __future__ import annotations

from wsgiref.util import setup_testing_defaults

import pytest
from opentelemetry.trace import SpanKind

import appsignal_routes as ar
from appsignal_routes import _route_at_start

from .test_middleware import call_asgi


def app(environ, start_response):
    start_response("401 Unauthorized", [])
    return [b"no"]


def call(wsgi, path, method="GET"):
    environ = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO=path, REQUEST_METHOD=method)
    return b"".join(wsgi(environ, lambda status, headers, exc_info=None: None))


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
        call(wsgi, path, method)
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
    assert _route_at_start.at_start("GET /items/3", attributes, in_place=False) == (
        "GET /items/3",
        attributes,
    )


def test_when_adding_it_fails_the_request_hook_groups_the_request(traced, monkeypatch):
    def broken(name, attributes, *, in_place):
        raise RuntimeError("broken")

    monkeypatch.setattr(_route_at_start, "at_start", broken)
    call(ar.instrument(app, routes=["/users/:id"], tracer_provider=traced.provider), "/users/7")
    (root,) = traced.roots()
    assert root.name == "GET /users/:id"
    assert root.attributes["appsignal_routes.route_source"] == "registry"


def test_other_spans_of_the_wrapped_tracer_pass_through(traced):
    tracer = _route_at_start.RouteAtStart(traced.tracer, in_place=False)
    with tracer.start_as_current_span("work", kind=SpanKind.INTERNAL) as span:
        assert span.is_recording()
    assert [s.name for s in traced.spans()] == ["work"]
