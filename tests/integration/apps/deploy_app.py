"""A raw ASGI app for the deployment tests: WebSockets, large uploads, plain routes.

- ``/ws/{room}``: a WebSocket route; the handshake is refused by the auth layer
  (before the handler) unless the query string carries ``token=ok``.
- ``POST /upload``: reads the whole body, answers with its length.
- ``GET /items/{item_id}``: a plain route.
"""

from __future__ import annotations

import appsignal_routes as ar

from . import answer, start

start("integration-deploy")


@ar.route("/ws/:room")
async def chat(scope, receive, send):
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] != "websocket.receive":
            return
        await send({"type": "websocket.send", "text": f"{scope['path']}:{message.get('text')}"})


@ar.route("/upload")
async def upload(scope, receive, send):
    size = 0
    more = True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await answer(send, 200, str(size).encode())


@ar.route("/items/:item_id")
async def item(scope, receive, send):
    await answer(send, 200, scope["path"].encode())


async def router(scope, receive, send):
    parts = scope["path"].strip("/").split("/")
    if scope["type"] == "websocket":
        if len(parts) == 2 and parts[0] == "ws":
            await chat(scope, receive, send)
        else:
            await send({"type": "websocket.close", "code": 1008})
    elif parts == ["upload"]:
        await upload(scope, receive, send)
    elif len(parts) == 2 and parts[0] == "items":
        await item(scope, receive, send)
    else:
        await answer(send, 404, b"not found")


async def auth(scope, receive, send):
    """Refuses a WebSocket handshake without ``token=ok``, before any handler runs."""
    if scope["type"] == "websocket" and b"token=ok" not in scope.get("query_string", b""):
        await receive()  # websocket.connect
        await send({"type": "websocket.close", "code": 1008})
        return
    await router(scope, receive, send)


app = ar.instrument(auth)
