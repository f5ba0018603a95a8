"""Containment: a failure inside the toolkit never reaches the request; the app's own
exceptions, even the ones that are not ``Exception``, pass through unchanged."""

from __future__ import annotations

import asyncio
import inspect
import logging
import traceback

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

import appsignal_routes as ar
from appsignal_routes import _contain

from .inprocess import call_asgi, call_wsgi

BROKEN = [
    "appsignal_routes._grouping.group.RequestGroup.apply",
    "appsignal_routes._grouping.group.RequestGroup.__init__",
    "appsignal_routes._grouping.group.RequestGroup.set_route",
    "appsignal_routes._grouping.group.RequestGroup.set_root_name",
    "appsignal_routes._grouping.group.Naming.admit",
    "appsignal_routes._routes.table.RouteTable.match",
    "appsignal_routes._request.start.infer_template",
    "appsignal_routes._grouping.annotation.current_group",
    "appsignal_routes._request.start.start_naming",
    "appsignal_routes._grouping.processor.current_group",
]


def provider_and_spans() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(ar.GroupingSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


@pytest.mark.parametrize("target", BROKEN)
def test_an_internal_failure_never_reaches_the_request(target, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError(f"{target} broke")

    monkeypatch.setattr(target, broken)
    _contain.reset_all()  # the failures logged once are logged again
    provider, exporter = provider_and_spans()
    calls = []

    @ar.root_name("Users#show")
    def show(environ, start_response):
        ar.set_route("/users/:id")
        calls.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"ok"]

    @ar.route("/users/:id")
    async def show_async(scope, receive, send):
        calls.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    wsgi = ar.instrument(show, routes=["/users/:id"], infer_routes=True, tracer_provider=provider)
    asgi = ar.instrument(show_async, infer_routes=True, tracer_provider=provider)
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        # registered paths, and paths only inference can group
        for path in ("/users/1", "/users/2", "/orders/12345", "/orders/67890"):
            assert call_wsgi(wsgi, path) == ("200 OK", b"ok")
            assert call_asgi(asgi, path)[0]["status"] == 200
    assert len(calls) == 8
    roots = [s for s in exporter.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert len(roots) == 8
    # the failure did happen, and was only logged at debug level (records of other
    # loggers, such as an exporter thread left by an earlier test, are not ours)
    ours = [record for record in caplog.records if record.name == "appsignal_routes"]
    assert any("failed" in record.getMessage() for record in ours)
    assert all(record.levelno == logging.DEBUG for record in ours)


def sync_handler(error):
    raise error


async def async_handler(error):
    raise error


def generator_handler(error):
    yield 1
    raise error


async def async_generator_handler(error):
    yield 1
    raise error


def drive(function, error):
    """Call a decorated handler of any kind until it raises."""
    result = function(error)
    if inspect.iscoroutine(result):
        asyncio.run(result)
    elif hasattr(result, "__anext__"):

        async def consume():
            async for _ in result:
                pass

        asyncio.run(consume())
    elif hasattr(result, "__next__"):
        list(result)


ERRORS = [KeyboardInterrupt, SystemExit, asyncio.CancelledError, GeneratorExit, ValueError]
HANDLERS = [sync_handler, async_handler, generator_handler, async_generator_handler]


@pytest.mark.parametrize("error_type", ERRORS)
@pytest.mark.parametrize("handler", HANDLERS)
@pytest.mark.parametrize("decorator", [ar.route("/users/:id"), ar.root_name("Users#show")])
def test_handler_exceptions_pass_through_unchanged(error_type, handler, decorator):
    provider, exporter = provider_and_spans()
    decorated = decorator(handler)
    error = error_type("from the handler")
    with (
        pytest.raises(error_type) as raised,
        provider.get_tracer("t").start_as_current_span(
            "GET", kind=SpanKind.SERVER, attributes={"http.request.method": "GET"}
        ),
    ):
        drive(decorated, error)
    if error_type is not GeneratorExit or handler in (sync_handler, async_handler):
        assert raised.value is error
        frames = [frame.name for frame in traceback.extract_tb(raised.value.__traceback__)]
        assert handler.__name__ in frames
    (root,) = exporter.get_finished_spans()
    assert root.name in ("GET /users/:id", "Users#show")


@pytest.mark.parametrize("error_type", [KeyboardInterrupt, SystemExit, ValueError])
def test_wsgi_app_exceptions_pass_through_the_middleware(error_type):
    provider, _ = provider_and_spans()
    error = error_type("from the app")

    def app(environ, start_response):
        raise error

    with pytest.raises(error_type) as raised:
        call_wsgi(ar.instrument(app, tracer_provider=provider), "/")
    assert raised.value is error


@pytest.mark.parametrize("error_type", [KeyboardInterrupt, asyncio.CancelledError, ValueError])
def test_asgi_app_exceptions_pass_through_the_middleware(error_type):
    provider, _ = provider_and_spans()
    error = error_type("from the app")

    async def app(scope, receive, send):
        raise error

    with pytest.raises(error_type) as raised:
        call_asgi(ar.instrument(app, tracer_provider=provider), "/")
    assert raised.value is error
