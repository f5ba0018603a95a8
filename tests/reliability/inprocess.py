"""Apps for requests made in-process, for inputs a real HTTP client refuses to send."""

from __future__ import annotations

from typing import Any

from ..calls import call_asgi, call_wsgi

__all__ = ["call_asgi", "call_wsgi", "ok_asgi", "ok_wsgi"]


def ok_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


async def ok_asgi(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
