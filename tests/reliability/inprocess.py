"""Requests made in-process, for inputs a real HTTP client refuses to send (raw bytes)."""

from __future__ import annotations

import asyncio
from typing import Any
from wsgiref.util import setup_testing_defaults


def call_wsgi(
    app: Any, path: str, query: str = "", headers: dict[str, str] | None = None
) -> tuple[str, bytes]:
    """As a server calls it: ``PATH_INFO`` holds the path's UTF-8 bytes as latin-1 (PEP 3333)."""
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    wsgi_path = path.encode("utf-8", "surrogatepass").decode("latin-1")
    environ.update(PATH_INFO=wsgi_path, REQUEST_METHOD="GET", QUERY_STRING=query)
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    statuses: list[str] = []
    body = b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    return statuses[0], body


def call_asgi(app: Any, path: str, query: str = "") -> list[dict[str, Any]]:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogatepass"),
        "root_path": "",
        "headers": [],
        "query_string": query.encode(),
        "scheme": "http",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
        "http_version": "1.1",
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def ok_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


async def ok_asgi(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
