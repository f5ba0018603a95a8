"""A Starlette app that starts jobs from its handlers, served by uvicorn in the job tests.

``/signup`` calls one job inline (a child of the request), starts one on a thread and
an asyncio task that calls its job after the response, without waiting for either, and
hands one to Starlette's background tasks, which run after the response: those three
are roots of their own.
"""

from __future__ import annotations

import asyncio
import os
import threading

from opentelemetry import trace
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import appsignal_routes as ar

ar.start(collector_endpoint=os.environ["TEST_COLLECTOR"])

_tasks: set[asyncio.Task[None]] = set()  # fire-and-forget tasks, kept from the collector


@ar.job("Audit#record")
def record(user: str) -> None:
    pass


@ar.job("Mailer#welcome")
async def welcome(user: str) -> None:
    await asyncio.sleep(0.01)


@ar.job("Search#index")
def index(user: str) -> None:
    pass


@ar.job("Stats#count", namespace="stats")
async def count(user: str) -> None:
    await asyncio.sleep(0.01)


async def count_after_the_response(user: str) -> None:
    """A fire-and-forget task that calls its job once the request's span has ended."""
    for _ in range(500):
        if not trace.get_current_span().is_recording():
            break
        await asyncio.sleep(0.01)
    await count(user)


@ar.route("/signup")
async def signup(request: Request) -> PlainTextResponse:
    user = request.query_params.get("user", "ann")
    record(user)
    threading.Thread(target=index, args=(user,)).start()
    task = asyncio.get_running_loop().create_task(count_after_the_response(user))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return PlainTextResponse("ok", background=BackgroundTask(welcome, user))


app = ar.instrument(Starlette(routes=[Route("/signup", signup)]))
