"""Under trio, flushes run off the event loop too (trio is no dev dependency: anyio's
pytest plugin would run every ``anyio`` test of the project on it; ``make suites``
runs this file in its own environment, where the frameworks' suites need trio)."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import trio
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

import appsignal_routes as ar
from appsignal_routes import _signals


@contextlib.contextmanager
def silent_endpoint() -> Iterator[str]:
    """An OTLP endpoint on loopback that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}/v1/traces"


async def returns_at_once(scope: Any, receive: Any, send: Any) -> None:
    return


def test_a_flush_to_an_endpoint_that_never_answers_leaves_trio_serving(monkeypatch):
    monkeypatch.setattr("appsignal_routes._lifespan.FLUSH_TIMEOUT", 0.5)
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

        async def other_work() -> None:  # another task the loop serves
            while "lifespan.shutdown.complete" not in sent:
                served_meanwhile.append("lifespan.startup.complete" in sent)
                await trio.sleep(0.01)

        async def main() -> None:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(other_work)
                await app({"type": "lifespan"}, receive, send)

        trio.run(main)
    provider.shutdown()
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert served_meanwhile.count(True) > 1  # ran while the shutdown was flushing


def test_a_flush_that_ends_in_time_under_trio(monkeypatch):
    provider = TracerProvider(shutdown_on_exit=False)
    flushed: list[int] = []
    monkeypatch.setattr(provider, "force_flush", flushed.append)
    app = ar.instrument(returns_at_once, tracer_provider=provider)
    inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[str] = []

    async def receive() -> dict[str, Any]:
        return inbox.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message["type"])

    trio.run(app, {"type": "lifespan"}, receive, send)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert len(flushed) == 1


def test_on_event_loop_tells_trio_running():
    async def inside() -> bool:
        return _signals.on_event_loop()

    assert trio.run(inside)
    assert not _signals.on_event_loop()
