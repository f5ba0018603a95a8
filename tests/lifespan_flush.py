"""A server's shutdown flushing spans to an OTLP endpoint that never answers, while the
event loop has other work: the flush must not block the loop. One scenario for asyncio
(``tests/unit/test_lifespan.py``) and trio (``tests/suites/test_trio.py``, run where trio
is installed): each hands in how its loop runs two tasks at once and how a task sleeps.
No event loop library is imported here."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

import appsignal_routes as ar

Task = Callable[[], Awaitable[None]]


@contextlib.contextmanager
def silent_endpoint() -> Iterator[str]:
    """An OTLP endpoint on loopback that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}/v1/traces"


async def returns_at_once(scope: Any, receive: Any, send: Any) -> None:
    return


def check_a_flush_that_never_answers_leaves_the_loop_serving(
    monkeypatch: pytest.MonkeyPatch,
    run_together: Callable[[Task, Task], None],
    sleep: Callable[[float], Awaitable[Any]],
) -> None:
    """The lifespan's startup and shutdown answered, and the other task served while the
    shutdown's flush waited (its timeout cut to half a second)."""
    monkeypatch.setattr("appsignal_routes._shutdown.lifespan.FLUSH_TIMEOUT", 0.5)
    with silent_endpoint() as endpoint:
        provider = TracerProvider(shutdown_on_exit=False)
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint, timeout=1)))
        with provider.get_tracer("t").start_as_current_span("GET"):
            pass
        app = ar.instrument(returns_at_once, tracer_provider=provider)
        sent: list[str] = []
        served_meanwhile: list[bool] = []
        inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

        async def receive() -> dict[str, Any]:
            return inbox.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message["type"])

        async def lifespan() -> None:
            await app({"type": "lifespan"}, receive, send)

        async def other_work() -> None:  # another task the loop serves
            while "lifespan.shutdown.complete" not in sent:
                served_meanwhile.append("lifespan.startup.complete" in sent)
                await sleep(0.01)

        run_together(lifespan, other_work)
    provider.shutdown()
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert served_meanwhile.count(True) > 1  # ran while the shutdown was flushing
