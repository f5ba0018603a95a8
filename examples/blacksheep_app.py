"""BlackSheep without any decorator on its routes: every route grouped by its pattern as
written (``/users/{int:user_id}``; ``/api/items/{int:item_id}`` through an APIController),
found by asking BlackSheep's own routes, and a Controller class with a root name. Built
from BlackSheep's getting-started, controllers, middlewares and responses docs.

Run it:  .venv/bin/uvicorn examples.blacksheep_app:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

from collections.abc import AsyncIterable

from blacksheep import Application, Request, Response, StreamedContent, get, json
from blacksheep.server.controllers import APIController, Controller
from blacksheep.server.controllers import get as action

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export

web = Application()


@get("/users/{int:user_id}")  # GET only: a DELETE is BlackSheep's 404, grouped by this route
async def show_user(user_id: int) -> Response:
    return json({"id": user_id})


class Orders(Controller):
    @action("/orders/{int:order_id}")
    @ar.root_name("Orders#show")  # below the route: BlackSheep keeps the function it wraps
    async def show(self, order_id: int) -> Response:
        return json({"order": order_id})


@get("/admin/stats")  # never reached without a token: still its route's group
async def stats() -> Response:
    return json({"requests": 1})


@get("/crash")
async def crash() -> Response:
    raise RuntimeError("boom")


@get("/stream")
async def stream() -> Response:
    async def chunks() -> AsyncIterable[bytes]:
        for n in range(3):
            yield f"chunk {n}\n".encode()

    return Response(200, content=StreamedContent(b"text/plain", chunks))


class Items(APIController):  # routes under /api/items
    @action("{int:item_id}")
    async def show_item(self, item_id: int) -> Response:
        return json({"id": item_id})


async def require_token(request: Request, handler) -> Response:
    """BlackSheep middleware: answers 401 before any handler runs."""
    if request.path.startswith("/admin") and not request.has_header(b"authorization"):
        return Response(401)
    return await handler(request)


web.middlewares.append(require_token)

app = ar.instrument(web)
