"""Flush spans when an ASGI server announces its shutdown (``lifespan.shutdown``).

uvicorn restores the previous SIGTERM handler and re-raises the signal after its
graceful shutdown, so ``atexit`` never runs there and queued spans would be lost. By
the time a server sends ``lifespan.shutdown`` it has finished the requests in flight,
so this is the moment to flush. An app that returns without speaking the lifespan
protocol gets it spoken for it, so its server still tells us. An app that raises is left
to its server, which decides what that means (uvicorn ``--lifespan auto``: "not
supported", then serves the app; ``--lifespan on``: a failed startup, and it exits);
the SIGTERM handler of ``start()`` flushes there instead.
"""

from __future__ import annotations

import logging

from opentelemetry import trace
from opentelemetry.trace import TracerProvider

from appsignal_routes._types import AsgiApp as App
from appsignal_routes._types import Message, Receive, Scope, Send

from .bounded import FLUSH_TIMEOUT, run_off_loop

logger = logging.getLogger("appsignal_routes")


async def flush(tracer_provider: TracerProvider | None) -> None:
    """Export what is queued, giving up after ``FLUSH_TIMEOUT`` seconds; never raises.
    The export runs in a thread: the event loop goes on meanwhile (other apps it
    serves, a server's own shutdown work), and the server waits for this coroutine."""
    provider = tracer_provider if tracer_provider is not None else trace.get_tracer_provider()
    force_flush = getattr(provider, "force_flush", None)
    if force_flush is not None:
        await run_off_loop(
            FLUSH_TIMEOUT,
            lambda: force_flush(int(FLUSH_TIMEOUT * 1000)),
            "flushing spans at shutdown",
        )


async def run_lifespan(
    app: App, scope: Scope, receive: Receive, send: Send, tracer_provider: TracerProvider | None
) -> None:
    """Run the app's lifespan, flushing when the server shuts down."""
    seen: set[str] = set()

    async def receive_and_flush() -> Message:
        message = await receive()
        kind = str(message.get("type"))
        seen.add(kind)
        if kind == "lifespan.shutdown":
            await flush(tracer_provider)
        return message

    async def send_and_note(message: Message) -> None:
        seen.add(str(message.get("type")))
        await send(message)

    # An exception goes to the server as it is, even one raised before any message: by
    # the ASGI spec that says "lifespan not supported", but a server told to run the
    # lifespan (``uvicorn --lifespan on``, a test client's ``with``) fails the startup.
    await app(scope, receive_and_flush, send_and_note)
    if "lifespan.shutdown" not in seen and "lifespan.startup.failed" not in seen:
        await _answer_for_the_app(receive, send, seen, tracer_provider)


async def _answer_for_the_app(
    receive: Receive, send: Send, seen: set[str], tracer_provider: TracerProvider | None
) -> None:
    """The app left early without taking part: answer the server ourselves."""
    if "lifespan.startup" in seen and "lifespan.startup.complete" not in seen:
        await send({"type": "lifespan.startup.complete"})
    while True:
        message = await receive()
        kind = message.get("type")
        if kind == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif kind == "lifespan.shutdown":
            await flush(tracer_provider)
            await send({"type": "lifespan.shutdown.complete"})
            return
        else:
            return  # not a lifespan message: this is no lifespan conversation
