"""SIGTERM: queued spans reach the collector even where ``atexit`` never runs."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from opentelemetry import trace

import appsignal_routes as ar
from appsignal_routes._shutdown import signals

from ..conftest import make_traced
from ..receiver import running_receiver

SCRIPT = textwrap.dedent(
    """
    import os, signal, sys, time
    from opentelemetry import trace
    from opentelemetry.trace import SpanKind
    import appsignal_routes as ar

    captured = []
    if sys.argv[1] == "own-handler":
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    elif sys.argv[1] == "ignored":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    elif sys.argv[1] == "uvicorn-workers":
        # as uvicorn --workers: the server captures SIGTERM before the app is imported
        original = signal.signal(signal.SIGTERM, lambda signum, frame: captured.append(signum))
    ar.start(exporter="collector", collector_endpoint=os.environ["COLLECTOR"])
    tracer = trace.get_tracer("script")
    with tracer.start_as_current_span("GET", kind=SpanKind.SERVER,
                                      attributes={"http.method": "GET"}):
        ar.set_route("/users/:id")
    print("ready", flush=True)
    deadline = time.monotonic() + 30
    while not captured and time.monotonic() < deadline:
        time.sleep(0.01)
    # ... then restores the handler it found, past ours, and re-raises: no atexit
    signal.signal(signal.SIGTERM, original)
    signal.raise_signal(signal.SIGTERM)
    """
)


def run_and_terminate(mode: str, collector: str, timeout: float = 10) -> int:
    env = {**os.environ, "COLLECTOR": collector, "OTEL_BSP_SCHEDULE_DELAY": "3600000"}
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, mode], env=env, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return 0
    finally:
        process.stdout.close()


@pytest.mark.parametrize(
    ("mode", "returncode"),
    [("default", -signal.SIGTERM), ("own-handler", 3), ("uvicorn-workers", -signal.SIGTERM)],
)
def test_spans_are_flushed_on_sigterm(mode, returncode):
    with running_receiver() as receiver:
        assert run_and_terminate(mode, receiver.endpoint) == returncode
        roots = receiver.wait_for(1, timeout=5)
    assert [span.name for span in roots] == ["GET /users/:id"]


def test_an_ignored_sigterm_stays_ignored():
    with running_receiver() as receiver:
        assert run_and_terminate("ignored", receiver.endpoint, timeout=1) == 0  # still running
        assert receiver.roots() == []  # killed by SIGKILL: nothing could flush


def test_the_handler_is_put_back_by_stop():
    before = signal.getsignal(signal.SIGTERM)
    ar.start(exporter="memory")
    assert isinstance(signal.getsignal(signal.SIGTERM), signals._Chain)
    ar.stop()
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_handler_installed_after_start_is_kept_by_stop():
    def theirs(signum, frame):
        pass

    before = signal.getsignal(signal.SIGTERM)
    try:
        ar.start(exporter="memory")
        signal.signal(signal.SIGTERM, theirs)
        ar.stop()
        assert signal.getsignal(signal.SIGTERM) is theirs
    finally:
        signal.signal(signal.SIGTERM, before)


def test_outside_the_main_thread_nothing_is_installed():
    results = []
    thread = threading.Thread(target=lambda: results.append(signals.install(print, int)))
    thread.start()
    thread.join()
    assert results == [False]


def test_a_failing_flush_still_ends_the_process(monkeypatch):
    kills = []
    monkeypatch.setattr(os, "kill", lambda pid, signum: kills.append(signum))
    monkeypatch.setattr(signal, "signal", lambda signum, handler: None)

    def broken_flush():
        raise RuntimeError("exporter broke")

    chain = signals._Chain(broken_flush, lambda: 0)
    chain.previous = signal.SIG_DFL
    chain(signal.SIGTERM, None)
    assert kills == [signal.SIGTERM]


def test_the_flush_waits_until_no_request_has_been_in_flight_for_a_moment(monkeypatch):
    monkeypatch.setattr(os, "kill", lambda pid, signum: None)
    monkeypatch.setattr(signal, "signal", lambda signum, handler: None)
    # one request running, then none, then one the server had queued, then none
    counts = iter([1, 1, 0, 1, 0])
    seen: list[int] = []

    def in_flight() -> int:
        seen.append(next(counts, 0))
        return seen[-1]

    flushed_after = []
    chain = signals._Chain(lambda: flushed_after.append(list(seen)), in_flight)
    chain.previous = signal.SIG_DFL
    started = time.monotonic()
    chain(signal.SIGTERM, None)
    # flushed only once it had seen no request for the quiet period, after the late one
    assert flushed_after[0][:5] == [1, 1, 0, 1, 0]
    assert time.monotonic() - started >= signals.QUIET_PERIOD


def test_a_server_handler_before_start_is_called_and_nothing_is_flushed():
    received, flushed = [], []
    chain = signals._Chain(lambda: flushed.append(1), lambda: 0)
    chain.previous = lambda signum, frame: received.append(signum)
    chain(signal.SIGTERM, None)
    assert received == [signal.SIGTERM]
    assert flushed == []  # the server stops on its own; atexit flushes later


def test_an_ignored_sigterm_neither_flushes_nor_ends_the_process():
    flushed = []
    chain = signals._Chain(lambda: flushed.append(1), lambda: 0)
    chain.previous = signal.SIG_IGN
    chain(signal.SIGTERM, None)
    assert flushed == []


def test_a_refused_handler_is_reported_as_not_installed(monkeypatch):
    def refuse(signum, handler):
        raise ValueError("signal only works in main thread of the main interpreter")

    monkeypatch.setattr(signal, "signal", refuse)
    assert signals.install(print, int) is False


@pytest.fixture
def drain_reset():
    yield
    signals.uninstall()


def test_after_a_servers_own_stop_the_last_request_to_end_flushes(drain_reset):
    received, flushed = [], []
    open_requests = [2]
    chain = signals._Chain(lambda: None, lambda: open_requests[0], flushed.append)
    chain.previous = lambda signum, frame: received.append(signum)
    chain(signal.SIGTERM, None)
    assert received == [signal.SIGTERM]
    assert signals.draining
    assert flushed == []  # two requests still in flight: they flush as they end
    open_requests[0] = 1
    signals.request_ended()
    assert flushed == []
    open_requests[0] = 0
    signals.request_ended()
    assert len(flushed) == 1
    assert 0 < flushed[0] <= signals.FLUSH_TIMEOUT * 1000


def test_a_servers_stop_with_no_request_in_flight_flushes_at_once(drain_reset):
    flushed = []
    chain = signals._Chain(lambda: None, lambda: 0, flushed.append)
    chain.previous = lambda signum, frame: None
    chain(signal.SIGTERM, None)
    chain(signal.SIGTERM, None)  # a second signal: the same drain, flushed again
    assert len(flushed) == 2


def test_a_request_that_never_ends_holds_the_others_only_for_a_while(drain_reset, monkeypatch):
    flushed = []
    chain = signals._Chain(lambda: None, lambda: 1, flushed.append)  # one never ends
    chain.previous = lambda signum, frame: None
    chain(signal.SIGTERM, None)
    signals.request_ended()
    assert flushed == []
    assert signals._drain is not None
    monkeypatch.setattr(signals._drain, "started", time.monotonic() - signals.DRAIN_TIMEOUT - 1)
    signals.request_ended()
    assert len(flushed) == 1


def test_a_hanging_flush_spends_the_budget_once(drain_reset, monkeypatch):
    monkeypatch.setattr(signals, "FLUSH_TIMEOUT", 0.05)
    release = threading.Event()
    calls = []

    def hanging(timeout_millis: int) -> None:
        calls.append(timeout_millis)
        release.wait(5)

    chain = signals._Chain(lambda: None, lambda: 0, hanging)
    chain.previous = lambda signum, frame: None
    try:
        chain(signal.SIGTERM, None)  # gives up after FLUSH_TIMEOUT
        signals.request_ended()  # the collector is stuck: no more waiting per request
    finally:
        release.set()
    assert len(calls) == 1


def test_a_failing_drain_never_raises(drain_reset):
    def broken() -> int:
        raise RuntimeError("count broke")

    chain = signals._Chain(lambda: None, broken, lambda timeout: None)
    chain.previous = lambda signum, frame: None
    chain(signal.SIGTERM, None)
    signals.request_ended()  # logged, never raised


def test_request_ends_flush_through_the_processor_only_while_draining(drain_reset):
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import SpanKind

    provider = TracerProvider()
    provider.add_span_processor(ar.GroupingSpanProcessor())
    tracer = provider.get_tracer("t")
    flushed = []
    with tracer.start_as_current_span("GET", kind=SpanKind.SERVER):
        pass
    assert flushed == []
    signals._start_draining(flushed.append, lambda: 1)  # a request is in flight
    with tracer.start_as_current_span("GET", kind=SpanKind.SERVER):
        with tracer.start_as_current_span("child"):
            pass
        assert flushed == []  # a child span ending is no request ending
    assert len(flushed) == 0  # in_flight still says 1
    signals._drain.in_flight = lambda: 0  # type: ignore[union-attr]
    with tracer.start_as_current_span("GET", kind=SpanKind.SERVER):
        pass
    assert len(flushed) == 1
    signals.uninstall()
    assert not signals.draining
    signals.request_ended()  # no drain: nothing
    assert len(flushed) == 1


def test_the_default_handler_flushes_after_drain_timeout_even_with_a_request_stuck(monkeypatch):
    monkeypatch.setattr(os, "kill", lambda pid, signum: None)
    monkeypatch.setattr(signal, "signal", lambda signum, handler: None)
    monkeypatch.setattr(signals, "DRAIN_TIMEOUT", 0.05)
    stopped = []
    chain = signals._Chain(lambda: stopped.append(1), lambda: 1)
    chain.previous = signal.SIG_DFL
    chain(signal.SIGTERM, None)
    assert stopped == [1]


LOOP_SCRIPT = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from opentelemetry import trace
    from opentelemetry.trace import SpanKind
    import appsignal_routes as ar
    from appsignal_routes._shutdown import signals

    captured = []
    if sys.argv[1].startswith("uvicorn-workers"):
        # the server captures SIGTERM before the app is imported, as uvicorn --workers
        original = signal.signal(signal.SIGTERM, lambda signum, frame: captured.append(signum))
    ar.start(exporter="collector", collector_endpoint=os.environ["COLLECTOR"])
    tracer = trace.get_tracer("script")

    def stopping():
        chain = signals._installed
        return bool(captured) or bool(chain is not None and getattr(chain, "ending", False))

    idle = sys.argv[1].endswith("-idle")  # no request in flight at the signal

    async def request():  # in flight when the signal arrives; ends only once it did
        with tracer.start_as_current_span("GET", kind=SpanKind.SERVER,
                                          attributes={"http.method": "GET"}):
            ar.set_route("/slow/:id")
            if not idle:
                print("ready", flush=True)
            while not idle and not stopping() and not signals.draining:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)  # the loop still serves after the signal
        print("request", "done", flush=True)
        await signals.flushed()

    async def main():
        await request()
        if idle:
            print("ready", flush=True)
        while not captured:
            await asyncio.sleep(0.01)
            print("tick", flush=True)  # the loop runs while the flush goes on
        # ... then it restores the handler it found, past ours, and re-raises: no atexit
        signal.signal(signal.SIGTERM, original)
        signal.raise_signal(signal.SIGTERM)

    asyncio.run(main())
    """
)


@pytest.mark.parametrize("mode", ["default", "uvicorn-workers", "uvicorn-workers-idle"])
def test_on_an_event_loop_a_request_in_flight_at_sigterm_ends_and_is_exported(mode):
    """The loop is not held while the handler waits and flushes: the request in flight
    ends, and its span reaches the collector before the process ends by the signal."""
    with running_receiver() as receiver:
        env = {**os.environ, "COLLECTOR": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "3600000"}
        process = subprocess.Popen(
            [sys.executable, "-c", LOOP_SCRIPT, mode], env=env, stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        lines = [process.stdout.readline().strip()]
        while lines[-1] not in ("ready", ""):
            lines.append(process.stdout.readline().strip())
        process.send_signal(signal.SIGTERM)
        try:
            returncode = process.wait(timeout=15)
        finally:
            if process.poll() is None:
                process.kill()
        lines += process.stdout.read().split()
        process.stdout.close()
        roots = receiver.wait_for(1, timeout=5)
    words = " ".join(lines).split()
    assert "ready" in words
    assert "done" in words
    assert returncode == -signal.SIGTERM
    assert [span.name for span in roots] == ["GET /slow/:id"]


# On an event loop's thread: nothing waits there ----------------------------------------


def test_on_event_loop_tells_a_running_loop():
    assert not signals.on_event_loop()

    async def inside() -> bool:
        return signals.on_event_loop()

    assert asyncio.run(inside())  # (trio's: tests/suites/test_trio.py, run by make suites)


class Gate:
    """A flush that waits until released (a collector that has not answered yet)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls: list[int] = []

    def __call__(self, timeout_millis: int) -> None:
        self.calls.append(timeout_millis)
        self.release.wait(5)


def test_a_servers_stop_on_a_loop_is_called_once_the_flush_is_done(drain_reset):
    gate = Gate()
    stopped: list[bool] = []

    async def serve() -> None:
        main_thread_loop = asyncio.get_running_loop()
        signals._start_draining(gate, lambda: 0, lambda: stopped.append(True))
        for _ in range(3):
            await asyncio.sleep(0)  # the loop goes on while the flush waits
        assert stopped == []
        gate.release.set()
        while not stopped:
            await asyncio.sleep(0.01)
        assert asyncio.get_running_loop() is main_thread_loop

    asyncio.run(serve())
    assert len(gate.calls) == 1


def test_on_a_loop_request_ends_flush_in_a_thread_the_middleware_awaits(drain_reset):
    gate = Gate()
    traced = make_traced()
    trace.set_tracer_provider(traced.provider)
    flushes: list[int] = []

    def flush(timeout_millis: int) -> None:
        gate(timeout_millis)
        flushes.append(len(traced.spans()))

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    wrapped = ar.instrument(app, tracer_provider=traced.provider)

    async def serve() -> list[int]:
        signals._start_draining(flush, lambda: 1)  # a request in flight: no flush yet
        signals._drain.in_flight = lambda: 0  # type: ignore[union-attr]
        request = asyncio.ensure_future(call_asgi_async(wrapped, "/a"))
        while not gate.calls:
            await asyncio.sleep(0.01)  # the span ended, its flush waits: the loop goes on
        signals.request_ended()  # another one ends meanwhile: flushed once more after
        assert not request.done()  # handed back to the server only once flushed
        gate.release.set()
        await request
        return list(flushes)

    assert asyncio.run(serve()) == [1, 1]
    assert len(gate.calls) == 2


async def call_asgi_async(app, path):
    scope = {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        pass

    await app(scope, receive, send)


def test_the_default_handler_on_a_loop_flushes_in_a_thread_then_ends(monkeypatch):
    kills: list[int] = []
    handlers: list[object] = []
    monkeypatch.setattr(os, "kill", lambda pid, signum: kills.append(signum))
    monkeypatch.setattr(signal, "signal", lambda signum, handler: handlers.append(handler))
    in_flight = [1]
    stopped: list[bool] = []
    chain = signals._Chain(lambda: stopped.append(True), lambda: in_flight[0])
    chain.previous = signal.SIG_DFL

    async def serve() -> None:
        chain(signal.SIGTERM, None)  # returns at once: the request in flight goes on
        chain(signal.SIGTERM, None)  # a second signal meanwhile: the same stop
        await asyncio.sleep(0.05)
        assert stopped == []
        in_flight[0] = 0  # the request ended
        while not kills:
            await asyncio.sleep(0.01)

    asyncio.run(serve())
    assert stopped == [True]
    assert kills == [signal.SIGTERM]  # the thread signals again ...
    handlers.clear()
    chain(signal.SIGTERM, None)  # ... and the handler ends the process as by default
    assert handlers == [signal.SIG_DFL]
    assert kills == [signal.SIGTERM, signal.SIGTERM]


def test_a_failing_server_stop_never_raises(caplog):
    def broken() -> None:
        raise RuntimeError("server broke")

    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        signals._contained(broken)()
    assert "own stop failed" in caplog.text


def test_flushed_without_a_drain_returns_at_once(drain_reset):
    asyncio.run(signals.flushed())


def test_a_servers_own_handler_on_a_loop_is_called_after_the_flush(drain_reset):
    flushed: list[int] = []
    received: list[int] = []
    chain = signals._Chain(lambda: None, lambda: 0, flushed.append)
    chain.previous = lambda signum, frame: received.append(signum)

    async def serve() -> None:
        chain(signal.SIGTERM, None)
        while not received:
            await asyncio.sleep(0.01)

    asyncio.run(serve())
    assert len(flushed) == 1
    assert received == [signal.SIGTERM]


def test_with_requests_in_flight_a_servers_stop_is_called_at_once(drain_reset):
    flushed: list[int] = []
    stopped: list[bool] = []
    signals._start_draining(flushed.append, lambda: 2, lambda: stopped.append(True))
    assert stopped == [True]
    assert flushed == []
    signals.uninstall()
    signals._start_draining(flushed.append, lambda: 0, lambda: stopped.append(True))
    assert flushed != []  # off any loop: flushed in place, then the server's stop
    assert stopped == [True, True]
