"""Starlette apps whose lifespan fails, for real uvicorn (``LIFESPAN_APP`` picks one).

- ``failing``: its startup raises (a database down): the server must see it.
- ``unsupported``: raises on the lifespan scope, the ASGI way of "not supported": the
  server serves it all the same (``--lifespan auto``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import appsignal_routes as ar

ar.start(
    exporter="collector",
    collector_endpoint=os.environ["TEST_COLLECTOR"],
    name="integration-lifespan",
    push_api_key="test-key-0000",
)


@contextlib.asynccontextmanager
async def _database_down(app: Starlette) -> AsyncIterator[None]:
    raise RuntimeError("database down")
    yield


async def item(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


routes = [Route("/items/{item_id}", item)]
failing = ar.instrument(Starlette(routes=routes, lifespan=_database_down))
_plain = Starlette(routes=routes)


async def _http_only(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        raise RuntimeError("only http here")
    await _plain(scope, receive, send)


unsupported = ar.instrument(_http_only)
