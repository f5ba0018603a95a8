"""Starlette without any decorator: every route grouped by its path as written, found by
asking the app's router (``/users/{user_id:int}``, ``/api/items/{item_id:int}`` through
a Mount), and an HTTPEndpoint class with a root name.

Run it:  .venv/bin/uvicorn examples.starlette_app:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.middleware import Middleware
from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.routing import Mount, Route

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export


async def show_user(request):  # GET only: a DELETE is a 405, grouped by this route too
    return JSONResponse({"id": request.path_params["user_id"]})


@ar.root_name  # "Orders#get"
class Orders(HTTPEndpoint):
    async def get(self, request):
        return JSONResponse({"order": request.path_params["order_id"]})


async def stats(request):  # never reached without a token: still its route's group
    return JSONResponse({"requests": 1})


async def crash(request):
    raise RuntimeError("boom")


async def stream(request):
    async def chunks():
        for n in range(3):
            yield f"chunk {n}\n"

    return StreamingResponse(chunks(), media_type="text/plain")


async def show_item(request):
    return JSONResponse({"id": request.path_params["item_id"]})


class RequireToken:
    """Pure ASGI middleware: answers 401 before any endpoint runs."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers", []))
        if (
            scope["type"] == "http"
            and scope["path"].startswith("/admin")
            and (b"authorization" not in headers)
        ):
            response = PlainTextResponse("token required", status_code=401)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


web = Starlette(
    routes=[
        Route("/users/{user_id:int}", show_user),
        Route("/orders/{order_id:int}", Orders),
        Route("/admin/stats", stats),
        Route("/crash", crash),
        Route("/stream", stream),
        Mount("/api", routes=[Route("/items/{item_id:int}", show_item)]),
    ],
    middleware=[Middleware(RequireToken)],
)

app = ar.instrument(web)
