"""A raw ASGI app grouped by appsignal-routes.

Run it:  .venv/bin/uvicorn examples.raw_asgi:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

import appsignal_routes as ar

ar.start(exporter="console")


async def reply(send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": body})


@ar.route("/users/{user_id:int}")
async def show_user(scope, send):
    await reply(send, 200, scope["path"].encode())


async def router(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["path"].startswith("/users/"):
        await show_user(scope, send)
    else:
        await reply(send, 404, b"not found")


app = ar.instrument(router)
