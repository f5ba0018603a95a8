"""Starlette apps whose lifespan fails, for real uvicorn (``LIFESPAN_APP`` picks one).

- ``failing``: a middleware's startup raises (a database down) before the app takes
  part in the lifespan: the server must see it.
- ``unsupported``: raises on the lifespan scope, the ASGI way of "not supported": the
  server serves it all the same (``--lifespan auto``).
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import appsignal_routes as ar

from . import start

start("integration-lifespan")


class _Pooled:
    """A middleware that opens its database pool as the lifespan starts."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            raise RuntimeError("database down")
        await self.app(scope, receive, send)


async def item(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


routes = [Route("/items/{item_id}", item)]
failing = ar.instrument(Starlette(routes=routes, middleware=[Middleware(_Pooled)]))
_plain = Starlette(routes=routes)


async def _http_only(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        raise RuntimeError("only http here")
    await _plain(scope, receive, send)


unsupported = ar.instrument(_http_only)
