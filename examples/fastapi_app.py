"""FastAPI with ``instrument()`` alone: every path operation grouped by its path
(``/users/{user_id}``, ``/api/items/{item_id}`` through an included router), found by
asking the app's router, and a root name on a class's handler. FastAPI's native
telemetry adopts the server span of ``instrument()``: one span per request.

Run it:  .venv/bin/uvicorn examples.fastapi_app:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse, StreamingResponse

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export

web = FastAPI()


@web.get("/users/{user_id}")  # GET only: a DELETE is a 405, grouped by this path too
async def show_user(user_id: int):
    return {"id": user_id}


@ar.root_name  # "Orders#show"
class Orders:
    @staticmethod
    async def show(order_id: int):
        return {"order": order_id}


web.add_api_route("/orders/{order_id}", Orders.show, methods=["GET"])


@web.get("/admin/stats")  # never reached without a token: still its path's group
async def stats():
    return {"requests": 1}


@web.get("/crash")
async def crash():
    raise RuntimeError("boom")


@web.get("/stream")
async def stream():
    async def chunks():
        for n in range(3):
            yield f"chunk {n}\n"

    return StreamingResponse(chunks(), media_type="text/plain")


items = APIRouter(prefix="/items")


@items.get("/{item_id}")
async def show_item(item_id: int):
    return {"id": item_id}


web.include_router(items, prefix="/api")


@web.middleware("http")
async def require_token(request: Request, call_next):
    """Answers 401 before any endpoint runs."""
    if request.url.path.startswith("/admin") and "authorization" not in request.headers:
        return PlainTextResponse("token required", status_code=401)
    return await call_next(request)


app = ar.instrument(web)
