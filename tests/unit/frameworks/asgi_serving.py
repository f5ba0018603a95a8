"""An ASGI app served in-process as an ASGI server serves it: the lifespan's startup
first, then requests through httpx's ASGI transport, then the lifespan's shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx


@asynccontextmanager
async def served(app: Any, base_url: str = "http://testserver") -> AsyncIterator[httpx.AsyncClient]:
    """``app`` started by its lifespan (startup must complete), a client on it, and
    its lifespan's shutdown once the block ends (it must complete too)."""
    inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
    lifespan = asyncio.ensure_future(app(scope, inbox.get, sent.put))
    await inbox.put({"type": "lifespan.startup"})
    started = await sent.get()
    assert started["type"] == "lifespan.startup.complete", started
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        stopped = await sent.get()
        await lifespan
    assert stopped["type"] == "lifespan.shutdown.complete", stopped


def get_all(app: Any, *paths: str) -> list[int]:
    """The status of a GET of each path, in turn, with ``app`` served as by ``served``."""

    async def run() -> list[int]:
        async with served(app) as client:
            return [(await client.get(path)).status_code for path in paths]

    return asyncio.run(run())


def websocket_handshake(app: Any, path: str) -> list[dict[str, Any]]:
    """What ``app`` sent to a client that opens a WebSocket at ``path`` and, once answered,
    closes it: the app served through its lifespan, as an ASGI server serves it."""
    inbox: list[dict[str, Any]] = [{"type": "websocket.connect"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if inbox:
            return inbox.pop(0)
        await asyncio.sleep(0.01)
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        async with served(app):
            scope = {
                "type": "websocket",
                "path": path,
                "raw_path": path.encode(),
                "root_path": "",
                "query_string": b"",
                "headers": [(b"host", b"testserver")],
                "scheme": "ws",
                "subprotocols": [],
                "asgi": {"version": "3.0"},
            }
            await app(scope, receive, send)

    asyncio.run(run())
    return sent
