"""WSGI: the registry's route reaches the server span in its start attributes."""

from __future__ import annotations

from wsgiref.util import setup_testing_defaults

from opentelemetry.trace import SpanKind

import appsignal_routes as ar
from appsignal_routes import _route_at_start


def app(environ, start_response):
    start_response("401 Unauthorized", [])
    return [b"no"]


def call(wsgi, path):
    environ = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO=path, REQUEST_METHOD="GET")
    return b"".join(wsgi(environ, lambda status, headers, exc_info=None: None))


def test_the_route_is_a_start_attribute(traced):
    seen = []

    def hook(span, environ):
        seen.append(dict(span.attributes))

    wsgi = ar.instrument(
        app, routes=["/users/:id"], request_hook=hook, tracer_provider=traced.provider
    )
    call(wsgi, "/users/7")
    # the request hook runs right after the span starts: the route is there already
    assert seen[0]["http.route"] == "/users/:id"
    (root,) = traced.roots()
    assert root.name == "GET /users/:id"
    assert root.attributes["appsignal_routes.route_source"] == "registry"


def test_when_adding_it_fails_the_request_hook_groups_the_request(traced, monkeypatch):
    def broken(attributes, route):
        raise RuntimeError("broken")

    monkeypatch.setattr(_route_at_start, "with_route", broken)
    call(ar.instrument(app, routes=["/users/:id"], tracer_provider=traced.provider), "/users/7")
    (root,) = traced.roots()
    assert root.name == "GET /users/:id"
    assert root.attributes["appsignal_routes.route_source"] == "registry"


def test_other_spans_of_the_wrapped_tracer_pass_through(traced):
    tracer = _route_at_start.RouteAtStart(traced.tracer)
    with tracer.start_as_current_span("work", kind=SpanKind.INTERNAL) as span:
        assert span.is_recording()
    assert [s.name for s in traced.spans()] == ["work"]
