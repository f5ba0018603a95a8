"""Litestar without any decorator: every route grouped by its path as declared, types
included (``/users/{user_id:int}``, ``/api/items/{item_id:int}`` through a Router),
found by asking the app's router, and a Controller handler with a root name.

Run it:  .venv/bin/uvicorn examples.litestar_app:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar import Controller, Litestar, Router, get
from litestar.response import Response, Stream

import appsignal_routes as ar

try:
    from litestar.params import FromPath
except ImportError:  # older Litestar 2 knows a path parameter by its name alone

    class FromPath:  # type: ignore[no-redef]
        def __class_getitem__(cls, item: type) -> type:
            return item


ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export


@get("/users/{user_id:int}")  # GET only: a DELETE is a 405, grouped by this route too
async def show_user(user_id: FromPath[int]) -> dict[str, int]:
    return {"id": user_id}


class OrderController(Controller):
    path = "/orders"

    @get("/{order_id:int}")
    @ar.root_name("OrderController#show")  # Litestar turns methods into handler objects
    async def show(self, order_id: FromPath[int]) -> dict[str, int]:
        return {"order": order_id}


@get("/admin/stats")  # never reached without a token: still its route's group
async def stats() -> dict[str, int]:
    return {"requests": 1}


@get("/crash")
async def crash() -> None:
    raise RuntimeError("boom")


@get("/stream")
async def stream() -> Stream:
    async def chunks() -> AsyncIterator[str]:
        for n in range(3):
            yield f"chunk {n}\n"

    return Stream(chunks(), media_type="text/plain")


@get("/items/{item_id:int}")
async def show_item(item_id: FromPath[int]) -> dict[str, int]:
    return {"id": item_id}


def require_token(app):
    """Pure ASGI middleware: answers 401 before any handler runs."""

    async def middleware(scope, receive, send):
        headers = dict(scope.get("headers", []))
        if scope["path"].startswith("/admin") and b"authorization" not in headers:
            response = Response("token required", status_code=401, media_type="text/plain")
            await response.to_asgi_response(app=None, request=None)(scope, receive, send)
            return
        await app(scope, receive, send)

    return middleware


web = Litestar(
    route_handlers=[
        show_user,
        OrderController,
        stats,
        crash,
        stream,
        Router(path="/api", route_handlers=[show_item]),
    ],
    middleware=[require_token],
)

app = ar.instrument(web)
