"""Apps that mount an app the toolkit cannot see into (a plain WSGI or ASGI callable)
beside a declared route below the mount (issue 23): Bottle's ``mount`` served by
gunicorn, Litestar's ``@asgi(..., is_mount=True)`` served by uvicorn. Each declares
``routes=["/legacy/add"]``, which must outrank the mount."""

from __future__ import annotations

import os
from typing import Any

import bottle
from litestar import Litestar, get
from litestar.handlers import asgi

import appsignal_routes as ar

ar.start(
    exporter="collector",
    collector_endpoint=os.environ["TEST_COLLECTOR"],
    name="integration-opaque-mounts",
    push_api_key="test-key-0000",
)

DECLARED = ["/legacy/add"]


def plain_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"legacy {environ['PATH_INFO']}".encode()]


web = bottle.Bottle()
web.get("/items/<item_id:int>", callback=lambda item_id: {"id": item_id})
web.mount("/legacy/", plain_wsgi)
bottle_app = ar.instrument(web, routes=DECLARED)


async def plain_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": f"legacy {scope['path']}".encode()})


@asgi("/legacy", is_mount=True)
async def legacy(scope: Any, receive: Any, send: Any) -> None:
    await plain_asgi(scope, receive, send)


@get("/items/{item_id:int}", sync_to_thread=False)
def item(item_id: int) -> dict[str, int]:
    return {"id": item_id}


litestar_app = ar.instrument(
    Litestar(route_handlers=[item, legacy], openapi_config=None), routes=DECLARED
)
