"""``appsignal-routes demo``: a sample app on a real loopback server, grouped.

A plain WSGI app with decorated function handlers, a decorated handler class, an
auth middleware that answers 401 before the handler runs, a handler that fails and
a 404, served by the standard library's ``wsgiref`` on 127.0.0.1 and called over
HTTP. Spans are kept in memory and summed up as the grouped table.
"""

from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from appsignal_routes._agent.agent import start, stop
from appsignal_routes._agent.exporters import duration_ms, is_local_root, status_code
from appsignal_routes._decorators.handlers import root_name, route
from appsignal_routes._request.middleware import instrument

from .table import Request, group_rows, render

StartResponse = Callable[..., Any]
Environ = dict[str, Any]


def _reply(start_response: StartResponse, status: str, body: object) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json")])
    return [data]


@route("/users")
def list_users(environ: Environ, start_response: StartResponse) -> list[bytes]:  # noqa: ARG001
    return _reply(start_response, "200 OK", [{"id": 1}, {"id": 2}])


@route("/users/:user_id")
def show_user(environ: Environ, start_response: StartResponse, user_id: str) -> list[bytes]:  # noqa: ARG001
    return _reply(start_response, "200 OK", {"id": user_id})


@route("/orders/{order_id:int}")
def show_order(environ: Environ, start_response: StartResponse, order_id: str) -> list[bytes]:  # noqa: ARG001
    if order_id == "13":
        raise RuntimeError("order 13 is cursed")
    return _reply(start_response, "200 OK", {"order": order_id})


@route("/admin/stats")
def admin_stats(environ: Environ, start_response: StartResponse) -> list[bytes]:  # noqa: ARG001
    return _reply(start_response, "200 OK", {"users": 2})


@root_name
class ReportHandlers:
    """A handler class: each method is grouped as ``ReportHandlers#method``."""

    def daily(self, environ: Environ, start_response: StartResponse) -> list[bytes]:  # noqa: ARG002
        return _reply(start_response, "200 OK", {"report": "daily"})


_reports = ReportHandlers()


def router(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    parts = environ.get("PATH_INFO", "/").strip("/").split("/")
    if parts == ["users"]:
        return list_users(environ, start_response)
    if len(parts) == 2 and parts[0] == "users":  # noqa: PLR2004
        return show_user(environ, start_response, parts[1])
    if len(parts) == 2 and parts[0] == "orders" and parts[1].isdigit():  # noqa: PLR2004
        return show_order(environ, start_response, parts[1])
    if parts == ["admin", "stats"]:
        return admin_stats(environ, start_response)
    if parts == ["reports", "daily"]:
        return _reports.daily(environ, start_response)
    return _reply(start_response, "404 Not Found", {"error": "not found"})


def auth(
    app: Callable[[Environ, StartResponse], Iterable[bytes]],
) -> Callable[..., Iterable[bytes]]:
    """Answers 401 for /admin without a token, before any handler runs."""

    def middleware(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/admin") and environ.get("HTTP_AUTHORIZATION") != "Bearer demo":
            return _reply(start_response, "401 Unauthorized", {"error": "unauthorized"})
        return app(environ, start_response)

    return middleware


class _QuietHandler(WSGIRequestHandler):
    """No access log, and the failing handler's traceback is not printed over the table."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def get_stderr(self) -> io.StringIO:
        return io.StringIO()


#: (path, token) pairs the demo sends, about 50 requests in all.
_NO_TOKEN: str | None = None
TRAFFIC: list[tuple[str, str | None]] = [
    *[("/users", _NO_TOKEN)] * 6,
    *[(f"/users/{n}", _NO_TOKEN) for n in range(1, 13)],
    *[(f"/orders/{n}", _NO_TOKEN) for n in (7, 8, 9, 10, 11, 12, 13, 13)],
    *[("/admin/stats", "Bearer demo")] * 4,
    *[("/admin/stats", _NO_TOKEN)] * 6,
    *[("/reports/daily", _NO_TOKEN)] * 6,
    *[(path, _NO_TOKEN) for path in ("/nope", "/users/1/edit", "/favicon.ico", "/wp-login.php")],
    *[("/users/42", _NO_TOKEN)] * 4,
]


def _get(url: str, token: str | None) -> int:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", token)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.read()
        return int(error.code)


def run_demo() -> str:
    """Serve the sample app, send the traffic, return the grouped table."""
    agent = start(
        exporter="memory", environment="development", service_name="appsignal-routes-demo"
    )
    exporter = agent.exporter
    if not isinstance(exporter, InMemorySpanExporter):
        raise TypeError("the demo needs its own in-memory exporter; call it in a fresh process")
    app = instrument(auth(router))
    server = make_server("127.0.0.1", 0, app, server_class=WSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        statuses = [_get(base + path, token) for path, token in TRAFFIC]
    finally:
        server.shutdown()
        server.server_close()
    spans = [s for s in exporter.get_finished_spans() if is_local_root(s)]
    stop()
    requests = [
        Request(
            group=s.name,
            error=s.status.status_code is StatusCode.ERROR or (status_code(s) or 0) >= 500,  # noqa: PLR2004
            duration_ms=duration_ms(s),
        )
        for s in spans
    ]
    summary = (
        f"{len(statuses)} requests to http://127.0.0.1 (wsgiref), "
        f"{len(spans)} request spans exported, {len(group_rows(requests))} groups\n\n"
    )
    return summary + render(group_rows(requests))
