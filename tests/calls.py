"""Requests made in-process, as a server makes them: one WSGI and one ASGI call helper for
every test that needs no real server (and for inputs a real HTTP client refuses to send)."""

from __future__ import annotations

import asyncio
from typing import Any
from wsgiref.util import setup_testing_defaults

from opentelemetry import trace
from opentelemetry.trace import SpanKind

import appsignal_routes as ar


def call_wsgi(
    app: Any,
    path: str,
    method: str = "GET",
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    script_name: str = "",
) -> tuple[str, bytes]:
    """The status line and body. ``PATH_INFO`` holds the path's UTF-8 bytes as latin-1
    (PEP 3333)."""
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    wsgi_path = path.encode("utf-8", "surrogatepass").decode("latin-1")
    environ.update(
        PATH_INFO=wsgi_path, REQUEST_METHOD=method, QUERY_STRING=query, SCRIPT_NAME=script_name
    )
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    statuses: list[str] = []
    result = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return statuses[0], body


def call_asgi(
    app: Any,
    path: str,
    method: str = "GET",
    *,
    query: str = "",
    root_path: str = "",
    scope_type: str = "http",
) -> list[dict[str, Any]]:
    """The messages the app sent. A ``websocket`` scope has no method and a ``ws`` scheme."""
    scope: dict[str, Any] = {
        "type": scope_type,
        "path": root_path + path,
        "raw_path": (root_path + path).encode("utf-8", "surrogatepass"),
        "root_path": root_path,
        "headers": [],
        "query_string": query.encode(),
        "scheme": "http" if scope_type == "http" else "ws",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
        "http_version": "1.1",
    }
    if scope_type == "http":
        scope["method"] = method
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def serve_asgi(
    app: Any, path: str, method: str | None = "GET", **scope: Any
) -> list[dict[str, Any]]:
    """The messages ``app`` sent for one request made as a server makes it: the request's
    body, then nothing until the response is complete, then a disconnect (Django listens
    for one meanwhile). ``scope`` entries replace the defaults; a ``websocket`` scope
    connects, then disconnects."""
    full: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost")],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
        **scope,
    }
    events = [{"type": "http.request", "body": b"", "more_body": False}]
    if full["type"] == "websocket":
        events = [{"type": "websocket.connect"}, {"type": "websocket.disconnect", "code": 1000}]
    sent: list[dict[str, Any]] = []

    async def run() -> None:
        done = asyncio.Event()

        async def receive() -> dict[str, Any]:
            if events:
                return events.pop(0)
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await asyncio.wait_for(app(full, receive, send), timeout=30)

    asyncio.run(run())
    return sent


def status_of(sent: list[dict[str, Any]]) -> int:
    """The status of the response among the messages an ASGI app sent."""
    return int(next(m["status"] for m in sent if m["type"] == "http.response.start"))


#: The environment variables start() reads, cleared by tests of configuration and export.
APPSIGNAL_ENV = (
    "APPSIGNAL_ACTIVE",
    "APPSIGNAL_APP_NAME",
    "APPSIGNAL_APP_ENV",
    "APPSIGNAL_PUSH_API_KEY",
    "APP_REVISION",
    "APPSIGNAL_COLLECTOR_ENDPOINT",
    "APPSIGNAL_OPENTELEMETRY_PORT",
    "APPSIGNAL_SERVICE_NAME",
    "OTEL_SERVICE_NAME",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "APPSIGNAL_ROUTES_EXPORTER",
)


def clear_appsignal_env(monkeypatch: Any) -> None:
    for key in APPSIGNAL_ENV:
        monkeypatch.delenv(key, raising=False)


def server_request(name: str = "GET /raw", route: str | None = None) -> None:
    """A request as the upstream middleware traces it, on the global provider."""
    tracer = trace.get_tracer("t")
    with tracer.start_as_current_span(
        name, kind=SpanKind.SERVER, attributes={"http.request.method": "GET"}
    ):
        if route:
            ar.set_route(route)


def template_of(answer: object) -> object:
    """A router's answer as its template: a ``Found``'s, or the str (or None) itself."""
    return getattr(answer, "template", answer)
