"""Sanic in ASGI mode without any decorator on its routes: every route grouped by its uri
as written (``/users/<user_id:int>``; ``/api/items/<item_id:int>`` through a Blueprint's
``url_prefix``), found by asking Sanic's own router, and an HTTPMethodView class with a
root name. Built from Sanic's getting-started, blueprint, middleware and streaming docs.

Run it:  .venv/bin/uvicorn examples.sanic_app:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

from sanic import Blueprint, Request, Sanic, json
from sanic.exceptions import Unauthorized
from sanic.views import HTTPMethodView

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export

web = Sanic("ExampleApp")


@web.get("/users/<user_id:int>")  # GET only: a DELETE is a 405, grouped by this route too
async def show_user(request: Request, user_id: int):
    return json({"id": user_id})


@ar.root_name  # "OrderView#get"
class OrderView(HTTPMethodView):
    async def get(self, request: Request, order_id: int):
        return json({"order": order_id})


web.add_route(OrderView.as_view(), "/orders/<order_id:int>")


@web.get("/admin/stats")  # never reached without a token: still its route's group
async def stats(request: Request):
    return json({"requests": 1})


@web.get("/crash")
async def crash(request: Request):
    raise RuntimeError("boom")


@web.get("/stream")
async def stream(request: Request):
    response = await request.respond(content_type="text/plain")
    for n in range(3):
        await response.send(f"chunk {n}\n")
    await response.eof()


api = Blueprint("api", url_prefix="/api")


@api.get("/items/<item_id:int>")
async def show_item(request: Request, item_id: int):
    return json({"id": item_id})


web.blueprint(api)


@web.on_request
async def require_token(request: Request):
    """Request middleware: answers 401 before any handler runs."""
    if request.path.startswith("/admin") and "authorization" not in request.headers:
        raise Unauthorized("token required")


app = ar.instrument(web)
