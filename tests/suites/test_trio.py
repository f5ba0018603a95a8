"""Under trio, flushes run off the event loop too (trio is no dev dependency: anyio's
pytest plugin would run every ``anyio`` test of the project on it; ``make suites``
runs this file in its own environment, where the frameworks' suites need trio)."""

from __future__ import annotations

from typing import Any

import trio
from opentelemetry.sdk.trace import TracerProvider
from tests.lifespan_flush import (
    Task,
    check_a_flush_that_never_answers_leaves_the_loop_serving,
    returns_at_once,
)

import appsignal_routes as ar
from appsignal_routes._shutdown import signals


def test_a_flush_to_an_endpoint_that_never_answers_leaves_trio_serving(monkeypatch):
    def together(first: Task, second: Task) -> None:
        async def main() -> None:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(second)
                await first()

        trio.run(main)

    check_a_flush_that_never_answers_leaves_the_loop_serving(monkeypatch, together, trio.sleep)


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
        return signals.on_event_loop()

    assert trio.run(inside)
    assert not signals.on_event_loop()
