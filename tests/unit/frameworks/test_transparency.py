"""The instrumented app does what the app alone does (issue 24: the defects the
frameworks' own test suites found; ``make suites`` runs those suites)."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator
from typing import Any

import flask
import httpx
import pytest
import werkzeug.test
from opentelemetry import baggage, context, trace
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.endpoints import HTTPEndpoint, WebSocketEndpoint
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient

import appsignal_routes as ar

from ..test_isolation import asgi_call, asgi_scope

# 1. a class-style ASGI 3 app ---------------------------------------------------------


class Hello(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"hello {request.url.path}")


class Echo(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: Any, data: str) -> None:
        await websocket.send_text(f"echo {data}")


def test_a_class_whose_instances_are_awaitable_is_an_asgi_3_app(traced):
    client = TestClient(ar.instrument(Hello, tracer_provider=traced.provider))
    response = client.get("/users/7")
    assert (response.status_code, response.text) == (200, "hello /users/7")
    with TestClient(ar.instrument(Echo, tracer_provider=traced.provider)).websocket_connect(
        "/chat"
    ) as websocket:
        websocket.send_text("hi")
        assert websocket.receive_text() == "echo hi"
    spans = traced.spans()
    assert [span.kind for span in spans] == [SpanKind.SERVER, SpanKind.SERVER]
    assert [(span.attributes or {}).get("http.target") for span in spans] == ["/users/7", "/chat"]


def test_an_asgi_2_class_and_a_plain_function_returning_an_awaitable(traced):
    class Asgi2:
        def __init__(self, scope: Any) -> None:
            self.scope = scope

        async def __call__(self, receive: Any, send: Any) -> None:
            await send({"type": "http.response.start", "status": 201, "headers": []})
            await send({"type": "http.response.body", "body": self.scope["path"].encode()})

    def returns_awaitable(scope: Any, receive: Any, send: Any) -> Any:
        return Asgi2(scope)(receive, send)

    for app in (Asgi2, returns_awaitable):
        client = TestClient(ar.instrument_asgi(app, tracer_provider=traced.provider))
        response = client.get("/x")
        assert (response.status_code, response.text) == (201, "/x")
    assert len(traced.roots()) == 2


# 2. an error raised as the lifespan starts -------------------------------------------


def test_a_startup_error_raised_at_once_reaches_a_test_client():
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        raise RuntimeError("database down")
        yield  # pragma: no cover - never reached

    class Refusing:  # a middleware that fails as the lifespan starts, before any message
        def __init__(self, app: Starlette) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "lifespan":
                raise RuntimeError("no configuration")
            await self.app(scope, receive, send)

    app = Starlette(lifespan=lifespan, middleware=[Middleware(Refusing)])
    for given in (Starlette(lifespan=lifespan), app):
        for served in (given, ar.instrument(given)):
            with pytest.raises(RuntimeError), TestClient(served):
                pass  # pragma: no cover - never reached


# 3. a scope whose client is any iterable ---------------------------------------------


def test_a_client_and_server_given_as_iterators(traced):
    async def app(scope: Any, receive: Any, send: Any) -> None:
        body = f"{scope['client'][0]} {scope['server'][1]}".encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    scope = asgi_scope("/a")
    scope.update(client=iter(["10.0.0.1", 5000]), server=iter(["example.org", 8080]))
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(ar.instrument(app, tracer_provider=traced.provider)(scope, receive, send))
    assert sent[1]["body"] == b"10.0.0.1 8080"
    (span,) = traced.spans()
    attributes = span.attributes or {}
    assert attributes.get("client.address", attributes.get("net.peer.ip")) == "10.0.0.1"


# 4. a request made in-process from inside another ------------------------------------


def inner_app(traced: Any) -> Any:
    async def seen(request: Request) -> JSONResponse:
        span = trace.get_current_span().get_span_context()
        return JSONResponse({"baggage": baggage.get_baggage("tenant"), "trace_id": span.trace_id})

    app = Starlette(routes=[Route("/inner/{item}", seen)])
    return ar.instrument(app, tracer_provider=traced.provider)


def outer_app(traced: Any, call: Any) -> Any:
    async def handler(request: Request) -> JSONResponse:
        token = context.attach(baggage.set_baggage("tenant", "acme"))
        try:
            answer = await call(request)
        finally:
            context.detach(token)
        return JSONResponse(answer)

    app = Starlette(routes=[Route("/outer/{item}", handler)])
    return ar.instrument(app, tracer_provider=traced.provider)


def assert_nested(traced: Any, answer: dict[str, Any]) -> None:
    assert answer["baggage"] == "acme"
    spans = {span.name.replace("<item>", "{item}"): span for span in traced.spans()}
    outer, inner = spans["GET /outer/{item}"], spans["GET /inner/{item}"]
    assert answer["trace_id"] == outer.context.trace_id == inner.context.trace_id
    assert inner.kind is SpanKind.SERVER
    assert inner.parent is not None
    assert inner.parent.span_id == outer.context.span_id
    assert inner.name.startswith("GET /inner/")
    assert outer.name.startswith("GET /outer/")


def test_a_request_through_asgi_transport_inside_a_handler_keeps_its_callers_context(traced):
    inner = inner_app(traced)

    async def call(request: Request) -> Any:
        transport = httpx.ASGITransport(app=inner)
        async with httpx.AsyncClient(transport=transport, base_url="http://inner") as client:
            return (await client.get("/inner/1")).json()

    answer = TestClient(outer_app(traced, call)).get("/outer/1").json()
    assert_nested(traced, answer)


def test_a_test_client_inside_a_sync_handler_keeps_its_callers_context(traced):
    inner = inner_app(traced)

    def sync_call() -> Any:
        with TestClient(inner) as client:
            return client.get("/inner/2").json()

    async def call(request: Request) -> Any:
        ctx = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(None, ctx.run, sync_call)

    answer = TestClient(outer_app(traced, call)).get("/outer/2").json()
    assert_nested(traced, answer)


def test_a_context_left_by_a_request_whose_response_is_done_is_still_set_aside(traced):
    """uvicorn starts the next request on a connection once the response is complete:
    a context left over then, while a background task of the request still runs, is
    another request's."""
    left: list[contextvars.Context] = []
    events: dict[str, asyncio.Event] = {}

    async def background() -> None:
        events["running"].set()
        await events["release"].wait()

    async def first(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok", background=BackgroundTask(background))

    async def later(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = ar.instrument(
        Starlette(routes=[Route("/first", first), Route("/later/{item}", later)]),
        tracer_provider=traced.provider,
    )

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        if message.get("type") == "http.response.body" and not message.get("more_body"):
            left.append(contextvars.copy_context())  # the response is complete

    async def serve() -> None:
        events.update(running=asyncio.Event(), release=asyncio.Event())
        serving_first = asyncio.ensure_future(app(asgi_scope("/first"), receive, send))
        await events["running"].wait()
        # the server starts the next request in the context the first one left behind
        await left[0].run(asyncio.ensure_future, asgi_call(app, asgi_scope("/later/3")))
        events["release"].set()
        await serving_first

    asyncio.run(serve())
    spans = {span.name: span for span in traced.spans()}
    first_span, later_span = spans["GET /first"], spans["GET /later/{item}"]
    assert later_span.kind is SpanKind.SERVER
    assert later_span.parent is None
    assert later_span.context.trace_id != first_span.context.trace_id


def test_a_wsgi_request_made_inside_a_wsgi_handler_keeps_its_callers_context(traced):
    inner = flask.Flask("inner")

    @inner.get("/inner/<item>")
    def seen(item: str) -> dict[str, Any]:
        span = trace.get_current_span().get_span_context()
        return {"baggage": baggage.get_baggage("tenant"), "trace_id": span.trace_id}

    outer = flask.Flask("outer")
    inner_client = werkzeug.test.Client(ar.instrument(inner, tracer_provider=traced.provider))

    @outer.get("/outer/<item>")
    def handler(item: str) -> Any:
        token = context.attach(baggage.set_baggage("tenant", "acme"))
        try:
            return inner_client.get(f"/inner/{item}").get_json()
        finally:
            context.detach(token)

    client = werkzeug.test.Client(ar.instrument(outer, tracer_provider=traced.provider))
    answer = client.get("/outer/1").get_json()
    assert_nested(traced, answer)


def test_a_request_made_from_a_websocket_after_it_was_accepted_keeps_its_callers_context(
    traced,
):
    inner = inner_app(traced)

    async def chat(websocket: Any) -> None:
        await websocket.accept()
        token = context.attach(baggage.set_baggage("tenant", "acme"))
        try:
            transport = httpx.ASGITransport(app=inner)
            async with httpx.AsyncClient(transport=transport, base_url="http://in") as client:
                await websocket.send_json((await client.get("/inner/5")).json())
        finally:
            context.detach(token)
        await websocket.close()

    app = ar.instrument(
        Starlette(routes=[WebSocketRoute("/outer/{item}", chat)]), tracer_provider=traced.provider
    )
    with TestClient(app).websocket_connect("/outer/5") as websocket:
        answer = websocket.receive_json()
    assert answer["baggage"] == "acme"
    spans = {span.name: span for span in traced.spans()}
    inner = spans["GET /inner/{item}"]
    (outer,) = (span for name, span in spans.items() if name != "GET /inner/{item}")
    assert inner.kind is SpanKind.SERVER
    assert inner.parent is not None
    assert inner.parent.span_id == outer.context.span_id


def test_a_callable_whose_parameters_cannot_be_told_is_called_the_asgi_3_way(traced):
    class Opaque:  # no signature to read: called as ASGI 3
        __signature__ = property(lambda self: (_ for _ in ()).throw(ValueError("none")))

        def __call__(self, *args: Any) -> Any:
            return PlainTextResponse("opaque")(*args)

    client = TestClient(ar.instrument_asgi(Opaque(), tracer_provider=traced.provider))
    assert client.get("/o").text == "opaque"

    def variadic(*args: Any) -> Any:  # no count of parameters either
        return PlainTextResponse("variadic")(*args)

    client = TestClient(ar.instrument_asgi(variadic, tracer_provider=traced.provider))
    assert client.get("/v").text == "variadic"


def test_a_span_left_open_under_an_ended_request_is_no_caller(traced):
    """The current span still open, but the request it belongs to has ended: another
    request's left-over context, not a caller's."""
    tracer = traced.tracer
    left: list[contextvars.Context] = []

    async def first(scope: Any, receive: Any, send: Any) -> None:
        span = tracer.start_span("left open")  # a user's span never ended
        with trace.use_span(span, end_on_exit=False):
            left.append(contextvars.copy_context())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    app = ar.instrument_asgi(first, tracer_provider=traced.provider)
    asyncio.run(asgi_call(app, asgi_scope("/first")))
    left[0].run(asyncio.run, asgi_call(app, asgi_scope("/second")))
    roots = [s for s in traced.spans() if s.kind is SpanKind.SERVER]
    assert len(roots) == 2
    assert all(root.parent is None for root in roots)
    assert len({root.context.trace_id for root in roots}) == 2
