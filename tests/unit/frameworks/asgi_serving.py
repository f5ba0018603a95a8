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
