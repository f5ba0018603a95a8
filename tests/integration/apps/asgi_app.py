"""A raw ASGI app for the integration tests (served by uvicorn)."""

from __future__ import annotations

import asyncio

import appsignal_routes as ar

from . import answer, start

start("integration-asgi")


def _make(n: int):
    @ar.route(f"/r{n}/items/:item_id")
    async def handler(scope, send):
        await asyncio.sleep(0.001)  # let other requests interleave
        await helper(scope, send)

    return handler


@ar.route("/helper/should/not/win")
async def helper(scope, send):
    await answer(send, 200, scope["path"].encode())


HANDLERS = {f"r{n}": _make(n) for n in range(14)}


@ar.route("/users/{user_id:int}")
async def user(scope, send):
    await answer(send, 200)


@ar.route("/users/me")
async def me(scope, send):
    await answer(send, 200)


@ar.route("/admin/panel")
async def admin(scope, send):
    await answer(send, 200)


@ar.route("/crash")
async def crash(scope, send):
    raise RuntimeError("boom")


@ar.root_name
class Reports:
    async def daily(self, scope, send):
        await answer(send, 200)


async def router(scope, receive, send):
    if scope["type"] != "http":
        return
    parts = scope["path"].strip("/").split("/")
    if parts[0] in HANDLERS:
        await HANDLERS[parts[0]](scope, send)
    elif parts == ["users", "me"]:
        await me(scope, send)
    elif parts[0] == "users":
        await user(scope, send)
    elif parts == ["admin", "panel"]:
        await admin(scope, send)
    elif parts == ["reports", "daily"]:
        await Reports().daily(scope, send)
    elif parts == ["crash"]:
        await crash(scope, send)
    else:
        await answer(send, 404, b"not found")


async def auth(scope, receive, send):
    if scope["type"] == "http" and scope["path"].startswith("/admin"):
        await answer(send, 401, b"no")
        return
    await router(scope, receive, send)


app = ar.instrument(auth)
