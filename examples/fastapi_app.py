"""FastAPI with the contrib FastAPIInstrumentor: its ``http.route`` naming is kept, and a
``root_name`` still wins. No ``instrument()`` here: the instrumentor already traces.

Run it:  .venv/bin/uvicorn examples.fastapi_app:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, StreamingResponse
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export

app = FastAPI()


@app.get("/users/{user_id}")
async def show_user(user_id: int):  # the instrumentor names it "GET /users/{user_id}"
    return {"id": user_id}


@app.get("/orders/{order_id}")
@ar.root_name("Orders#show")  # a root name wins over the instrumentor's route
async def show_order(order_id: int):
    return {"order": order_id}


@app.get("/admin/stats")
async def stats():
    return {"requests": 1}


@app.get("/crash")
async def crash():
    raise RuntimeError("boom")


@app.get("/stream")
async def stream():
    async def chunks():
        for n in range(3):
            yield f"chunk {n}\n"

    return StreamingResponse(chunks(), media_type="text/plain")


@app.middleware("http")
async def require_token(request: Request, call_next):
    """Answers 401 before any endpoint runs."""
    if request.url.path.startswith("/admin") and "authorization" not in request.headers:
        return PlainTextResponse("token required", status_code=401)
    return await call_next(request)


FastAPIInstrumentor.instrument_app(app)
