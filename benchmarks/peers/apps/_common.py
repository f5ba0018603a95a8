"""What every agent's app shares: the handlers, the sink's address, reading the sink."""

from __future__ import annotations

import os
import re
import time
import urllib.request
from collections.abc import Callable

BODY = b"ok"
HEADERS = [("Content-Type", "text/plain")]
ASGI_HEADERS = [(b"content-type", b"text/plain")]
#: the route in the spelling most agents' integrations use for frameworks
ROUTE = "/users/{user_id}"

SINK = os.environ.get("PEERS_SINK", "http://127.0.0.1:9")
SCOUT = os.environ.get("PEERS_SCOUT", "tcp://127.0.0.1:9")


def wsgi_reply(start_response) -> list[bytes]:
    start_response("200 OK", HEADERS)
    return [BODY]


async def asgi_reply(send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": ASGI_HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def handlers(name_request: Callable[[], None]) -> tuple[Callable, Callable]:
    """The trivial WSGI and ASGI handlers, each naming its request the agent's way."""

    def wsgi(environ, start_response):
        name_request()
        return wsgi_reply(start_response)

    async def asgi(scope, receive, send):
        if scope["type"] == "http":
            name_request()
            await asgi_reply(send)

    return wsgi, asgi


def sink_text() -> str:
    """Everything the sink received since the last call (and forget it)."""
    with urllib.request.urlopen(f"{SINK}/_captured", timeout=10) as response:
        return response.read().decode("utf-8", "replace")


def wait_for_names(
    pattern: str, flush: Callable[[], object] = lambda: None, timeout: float = 15
) -> list[str]:
    """Flush, then read the sink until ``pattern`` (one group: the name) matches."""
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        flush()
        seen += sink_text()
        found = re.findall(pattern, seen)
        if found:
            return sorted(set(found))
        time.sleep(0.25)
    return []
