"""A server span's parent comes from the request's headers or nowhere: never from a span
that another request left in the context (uvicorn after a large upload, issue 16)."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from opentelemetry.trace import SpanKind

import appsignal_routes as ar
from appsignal_routes._request.isolation import same_request

TRACEPARENT = "00-0000000000000000000000000000abcd-00000000000000ef-01"


def asgi_scope(path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
        "query_string": b"",
        "scheme": "http",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
        "http_version": "1.1",
    }


async def asgi_call(app: Any, scope: dict[str, Any]) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        pass

    await app(scope, receive, send)


def wsgi_environ(path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO=path, REQUEST_METHOD="GET")
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def two_chunks(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A response of two chunks: read the first only, and it is left open."""
    start_response("200 OK", [])
    return [b"a", b"b"]


def wsgi_call(app: Any, environ: dict[str, Any]) -> None:
    result = app(environ, lambda *_: None)
    b"".join(result)
    result.close()


def one_request(
    traced: Any, handler: Any, path: str, headers: dict[str, str] | None = None, *, wsgi: bool
) -> Callable[[], object]:
    """A request to ``path`` (``headers`` sent), ready to be sent by a call: served by a WSGI
    or ASGI app whose only work is calling ``handler``, instrumented."""
    if wsgi:

        def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            handler()
            start_response("200 OK", [])
            return [b"ok"]

        app: Any = ar.instrument_wsgi(wsgi_app, tracer_provider=traced.provider)
        environ = wsgi_environ(path, headers)
        return lambda: wsgi_call(app, environ)

    async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
        handler()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    app = ar.instrument_asgi(asgi_app, tracer_provider=traced.provider)
    scope = asgi_scope(path, headers)
    return lambda: asyncio.run(asgi_call(app, scope))


def left_over_context(traced: Any, *, wsgi: bool) -> contextvars.Context:
    """The context of a request still in its handler, as a server may hand it on."""
    captured: list[contextvars.Context] = []

    @ar.route("/upload")
    def upload() -> None:
        captured.append(contextvars.copy_context())

    one_request(traced, upload, "/upload", wsgi=wsgi)()
    return captured[0]


@pytest.mark.parametrize("wsgi", [False, True], ids=["asgi", "wsgi"])
@pytest.mark.parametrize("traceparent", [None, TRACEPARENT], ids=["no-parent", "traceparent"])
def test_a_request_started_in_another_requests_context_is_its_own_root(traced, wsgi, traceparent):
    leftover = left_over_context(traced, wsgi=wsgi)
    headers = {"traceparent": traceparent} if traceparent else {}

    @ar.route("/items/:item_id")
    def item() -> None:
        pass

    leftover.run(one_request(traced, item, "/items/7", headers, wsgi=wsgi))

    upload, later = traced.spans()
    assert upload.name == "GET /upload"
    assert later.kind is SpanKind.SERVER
    assert later.name == "GET /items/:item_id"
    assert later.context.trace_id != upload.context.trace_id
    if traceparent:
        assert later.parent is not None
        assert later.parent.is_remote
        assert later.parent.span_id == 0xEF
    else:
        assert later.parent is None
    # the other request's route did not move either
    assert upload.attributes["http.route"] == "/upload"


@pytest.mark.parametrize("wsgi", [False, True], ids=["asgi", "wsgi"])
def test_an_outer_span_of_the_same_request_stays_the_parent(traced, wsgi):
    """A user's own outer tracing middleware, or the app wrapped twice: not another request."""
    tracer = traced.tracer
    if wsgi:

        def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            start_response("200 OK", [])
            return [b"ok"]

        once: Any = ar.instrument_wsgi(inner, tracer_provider=traced.provider)
        twice = ar.instrument_wsgi(
            lambda environ, start_response: once(environ, start_response),
            tracer_provider=traced.provider,
        )

        def users_outer(environ: dict[str, Any]) -> None:
            with tracer.start_as_current_span("outer", kind=SpanKind.SERVER):
                wsgi_call(once, environ)

        users_outer(wsgi_environ("/a"))
        wsgi_call(twice, wsgi_environ("/b"))
    else:

        async def inner_asgi(scope: Any, receive: Any, send: Any) -> None:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        once = ar.instrument_asgi(inner_asgi, tracer_provider=traced.provider)

        async def copying(scope: Any, receive: Any, send: Any) -> None:
            await once(dict(scope), receive, send)  # a framework that copies the scope

        twice = ar.instrument_asgi(copying, tracer_provider=traced.provider)

        async def users_outer(scope: dict[str, Any]) -> None:
            with tracer.start_as_current_span("outer", kind=SpanKind.SERVER):
                await asgi_call(once, scope)

        asyncio.run(users_outer(asgi_scope("/a")))
        asyncio.run(asgi_call(twice, asgi_scope("/b")))

    roots = [s for s in traced.spans() if s.parent is None]
    assert len(roots) == 2  # the outer span and the outer middleware's
    nested = [s for s in traced.spans() if s.parent is not None]
    assert len(nested) == 2
    for span in nested:
        assert span.kind is SpanKind.INTERNAL  # as the upstream middleware nests
        assert span.context.trace_id in {r.context.trace_id for r in roots}


def test_same_request_tells_copies_from_other_requests():
    scope = asgi_scope("/a")
    assert same_request(scope, scope)
    assert same_request(scope, dict(scope, path="/b"))
    assert not same_request(scope, asgi_scope("/a"))
    environ = wsgi_environ("/a")
    assert same_request(environ, dict(environ))
    assert not same_request(environ, wsgi_environ("/a"))
    assert not same_request(object(), scope)


def test_a_wsgi_response_left_open_is_no_parent_of_the_requests_after_it(traced):
    # Flask's test client keeps a 404's response alive, unread to its end, so its span
    # stays current in the thread: the requests after it must still be roots
    from flask import Flask

    app = Flask(__name__)

    @app.get("/users/<int:user_id>")
    def show(user_id):
        return {"id": user_id}

    app.wsgi_app = ar.instrument(app.wsgi_app, tracer_provider=traced.provider)  # type: ignore[method-assign]
    client = app.test_client()

    def requests():  # in a context of their own: open responses change the context
        kept = [
            client.get("/nope"),
            client.get("/users/42"),
            client.get("/users/43", headers={"traceparent": TRACEPARENT}),
        ]
        for response in reversed(kept):
            response.close()  # each ends its span
        return [response.status_code for response in kept]

    assert contextvars.Context().run(requests) == [404, 200, 200]
    servers = sorted(
        (s.name, s.parent.span_id if s.parent else 0)
        for s in traced.spans()
        if s.kind is SpanKind.SERVER
    )
    assert servers == [
        ("GET", 0),
        ("GET /users/<int:user_id>", 0),
        ("GET /users/<int:user_id>", 0xEF),  # its parent from its own headers
    ]
    assert all(s.kind is SpanKind.SERVER for s in traced.spans())  # no INTERNAL children


def test_a_response_left_open_by_hand_is_no_parent_of_the_next_request(traced):
    app = ar.instrument(two_chunks, tracer_provider=traced.provider)

    def requests():
        left = app(wsgi_environ("/first"), lambda *_: None)
        assert next(iter(left)) == b"a"  # read in part, not closed: its span is current now
        wsgi_call(app, wsgi_environ("/second"))
        wsgi_call(app, wsgi_environ("/third"))
        left.close()

    contextvars.Context().run(requests)
    spans = traced.spans()
    assert [s.kind for s in spans] == [SpanKind.SERVER] * 3
    assert [s.parent for s in spans] == [None] * 3


def test_a_response_left_open_is_found_where_the_api_keeps_its_span_key_otherwise(
    traced, monkeypatch
):
    # what sdk_spans sets up when its probe finds no key: a key no context holds, and
    # the current span read through the public API
    from appsignal_routes._grouping import annotation
    from appsignal_routes._private import sdk_spans
    from appsignal_routes._request import isolation

    monkeypatch.setattr(annotation, "SPAN_KEY", object())
    monkeypatch.setattr(isolation, "span_in", sdk_spans._span_by_api)
    app = ar.instrument(two_chunks, tracer_provider=traced.provider)

    @ar.route("/inner/:id")
    def handler(environ, start_response):
        return two_chunks(environ, start_response)

    inner = ar.instrument(handler, tracer_provider=traced.provider)

    def requests():
        left = app(wsgi_environ("/first"), lambda *_: None)
        assert next(iter(left)) == b"a"  # read in part, not closed: its span is current now
        wsgi_call(inner, wsgi_environ("/inner/7"))
        left.close()

    contextvars.Context().run(requests)
    spans = traced.spans()
    assert [s.parent for s in spans] == [None, None]  # the second is a root all the same
    assert [s.name for s in spans] == ["GET /inner/:id", "GET"]  # and grouped by @route


def test_a_request_after_responses_closed_out_of_order_is_a_root(traced):
    # the garbage collector closes open responses in any order: closing the first one
    # before the second leaves the first one's span current again, ended
    app = ar.instrument(two_chunks, tracer_provider=traced.provider)

    def requests():
        first = app(wsgi_environ("/first"), lambda *_: None)
        next(iter(first))
        second = app(wsgi_environ("/second"), lambda *_: None)
        next(iter(second))
        first.close()
        second.close()  # gives back the context it found: the first span's, ended
        wsgi_call(app, wsgi_environ("/third"))

    contextvars.Context().run(requests)
    spans = traced.spans()
    assert [s.kind for s in spans] == [SpanKind.SERVER] * 3
    assert [s.parent for s in spans] == [None] * 3
