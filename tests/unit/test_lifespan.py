"""ASGI lifespan: spans queued for export are flushed when the server shuts down."""

from __future__ import annotations

import asyncio
import sys

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import appsignal_routes as ar
from appsignal_routes._shutdown.lifespan import flush as lifespan_flush

from ..lifespan_flush import (
    Task,
    check_a_flush_that_never_answers_leaves_the_loop_serving,
    returns_at_once,
)


def queued_provider() -> tuple[TracerProvider, InMemorySpanExporter]:
    """A provider whose batch processor would not export on its own for an hour."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=3_600_000))
    with provider.get_tracer("t").start_as_current_span("GET"):
        pass
    return provider, exporter


def run(app, messages):
    """Drive ``app`` through a lifespan conversation; return what it sent."""
    inbox = list(messages)
    sent = []

    async def receive():
        return inbox.pop(0)

    async def send(message):
        sent.append(message["type"])

    asyncio.run(app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
    return sent


STARTUP_SHUTDOWN = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]


def test_flushes_when_the_app_takes_part():
    provider, exporter = queued_provider()
    seen = []

    async def app(scope, receive, send):
        while True:
            message = await receive()
            seen.append((message["type"], len(exporter.get_finished_spans())))
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return

    wrapped = ar.instrument(app, tracer_provider=provider)
    sent = run(wrapped, STARTUP_SHUTDOWN)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    # flushed before the app's own shutdown runs
    assert seen == [("lifespan.startup", 0), ("lifespan.shutdown", 1)]


async def refuses_lifespan(scope, receive, send):
    raise RuntimeError("only http")


def test_speaks_lifespan_for_an_app_that_returns_at_once():
    provider, exporter = queued_provider()
    sent = run(ar.instrument(returns_at_once, tracer_provider=provider), STARTUP_SHUTDOWN)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert len(exporter.get_finished_spans()) == 1


def test_an_error_raised_before_any_message_reaches_the_server():
    """By the ASGI spec "lifespan not supported", or a startup that failed: the server
    decides (uvicorn --lifespan auto serves the app, --lifespan on exits)."""
    with pytest.raises(RuntimeError, match="only http"):
        run(ar.instrument(refuses_lifespan), STARTUP_SHUTDOWN)


def test_completes_a_startup_the_app_left_unanswered():
    provider, exporter = queued_provider()

    async def app(scope, receive, send):
        await receive()

    sent = run(ar.instrument(app, tracer_provider=provider), STARTUP_SHUTDOWN)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert len(exporter.get_finished_spans()) == 1


def test_a_startup_failure_reaches_the_server():
    error = RuntimeError("database down")

    async def app(scope, receive, send):
        await receive()
        raise error

    with pytest.raises(RuntimeError) as caught:
        run(ar.instrument(app), STARTUP_SHUTDOWN)
    assert caught.value is error


def test_a_failed_startup_is_left_alone():
    async def app(scope, receive, send):
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no"})

    assert run(ar.instrument(app), STARTUP_SHUTDOWN) == ["lifespan.startup.failed"]


def test_stops_at_a_message_that_is_not_lifespan():
    assert run(ar.instrument(returns_at_once), [{"type": "http.request"}]) == []


def test_a_failing_flush_does_not_stop_the_shutdown():
    class Broken(TracerProvider):
        def force_flush(self, timeout_millis: int = 30000) -> bool:
            raise RuntimeError("exporter broke")

    sent = run(ar.instrument(returns_at_once, tracer_provider=Broken()), STARTUP_SHUTDOWN)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_flushes_the_global_provider_by_default(monkeypatch):
    provider, exporter = queued_provider()
    monkeypatch.setattr("opentelemetry.trace.get_tracer_provider", lambda: provider)
    run(ar.instrument(returns_at_once), STARTUP_SHUTDOWN)
    assert len(exporter.get_finished_spans()) == 1


def test_without_an_sdk_provider_there_is_nothing_to_flush():
    sent = run(ar.instrument(returns_at_once), STARTUP_SHUTDOWN)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_a_flush_to_an_endpoint_that_never_answers_leaves_the_loop_serving(monkeypatch):
    async def together(first: Task, second: Task) -> None:
        await asyncio.gather(first(), second())

    check_a_flush_that_never_answers_leaves_the_loop_serving(
        monkeypatch, lambda first, second: asyncio.run(together(first, second)), asyncio.sleep
    )


def test_under_an_unknown_event_loop_the_flush_waits_in_place(monkeypatch):
    """No asyncio loop running, no trio imported: the flush waits as it always did."""
    provider, exporter = queued_provider()
    monkeypatch.delitem(sys.modules, "trio", raising=False)
    coroutine = lifespan_flush(provider)
    with pytest.raises(StopIteration):
        coroutine.send(None)  # done without ever suspending
    assert len(exporter.get_finished_spans()) == 1
