"""A raw ASGI app grouped by appsignal-routes.

Run it:  .venv/bin/uvicorn examples.raw_asgi:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export


async def reply(send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"text/plain")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@ar.route("/users/{user_id:int}")
async def show_user(scope, send):
    await reply(send, 200, scope["path"].encode())


@ar.root_name  # "Orders#show"
class Orders:
    async def show(self, scope, send):
        await reply(send, 200, scope["path"].encode())


@ar.route("/admin/stats")  # never reached without a token: grouped by the registry
async def stats(scope, send):
    await reply(send, 200, b"1 request\n")


@ar.route("/api/items/{item_id:int}")
async def show_item(scope, send):
    await reply(send, 200, scope["path"].encode())


@ar.route("/crash")
async def crash(scope, send):
    raise RuntimeError("boom")


@ar.route("/stream")
async def stream(scope, send):
    headers = [(b"content-type", b"text/plain")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    for n in range(3):
        await send(
            {"type": "http.response.body", "body": f"chunk {n}\n".encode(), "more_body": True}
        )
    await send({"type": "http.response.body", "body": b""})


async def router(scope, receive, send):
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path.startswith("/users/") and scope["method"] not in ("GET", "HEAD"):
        await reply(send, 405, b"GET only")  # refused before the handler, still its route
    elif path.startswith("/users/"):
        await show_user(scope, send)
    elif path.startswith("/api/items/"):
        await show_item(scope, send)
    elif path.startswith("/orders/"):
        await Orders().show(scope, send)
    elif path == "/admin/stats":
        await stats(scope, send)
    elif path == "/crash":
        await crash(scope, send)
    elif path == "/stream":
        await stream(scope, send)
    else:
        await reply(send, 404, b"not found")


async def require_token(scope, receive, send):
    """Answers 401 before the router runs."""
    admin = scope["type"] == "http" and scope["path"].startswith("/admin")
    if admin and b"authorization" not in dict(scope["headers"]):
        await reply(send, 401, b"token required")
        return
    await router(scope, receive, send)


app = ar.instrument(require_token)
