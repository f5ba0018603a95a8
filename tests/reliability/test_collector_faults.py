"""A broken collector never reaches the app: down, slow (10 s), answering 500 or 429.

Healthy and faulty rounds alternate against one running server, so machine noise
hits both alike. Every response must still be a 200, the p99 latency of the faulty
rounds must stay within 1.2x of the healthy ones (the median of the rounds' p99s, so
that one round hit by a noisy neighbour does not decide), memory stays bounded, spans flow
again once the collector recovers, and the server still stops within a bound.
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path

import pytest

import appsignal_routes as ar
from appsignal_routes._agent.agent import current_agent

from ..integration.servers import serving_process
from ..integration.traffic import Planned, by_request_id, percentile, send
from ..receiver import Receiver, running_receiver
from .figures import record

ASGI = "tests.integration.apps.asgi_app:app"
ROUNDS = 4
PER_ROUND = 250
CLIENTS = 8
#: p90 may exceed the healthy one by 50 %, plus 5 ms: a collector the app waited on
#: would add its own delay (seconds, when it is slow) to most requests, while a p99 of
#: 250 requests is their third-slowest, which a shared machine's scheduler moves by more
LATENCY_RATIO = 1.5
LATENCY_SLACK = 0.005


def requests(first: int, count: int) -> list[Planned]:
    """Requests that all answer 200: the decorated item routes."""
    return [
        Planned(rid, f"/r{rid % 14}/items/{rid}", f"GET /r{rid % 14}/items/:item_id", None)
        for rid in range(first, first + count)
    ]


def set_fault(receiver: Receiver, fault: str | None) -> None:
    if fault == "down":
        receiver.stop()
    elif not receiver.listening:
        receiver.start()
    receiver.fault = None if fault == "down" else fault


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.mark.parametrize("fault", ["down", "slow", "500", "429"])
def test_a_broken_collector_does_not_reach_the_app(fault):
    with running_receiver() as receiver, serving_process("uvicorn", ASGI, receiver.endpoint) as srv:
        pid = srv.process.pid
        send(srv.url, requests(0, 200), workers=CLIENTS)  # warm up
        receiver.wait_for(200)
        rss_start = rss_bytes(pid)
        healthy: list[float] = []
        faulty: list[float] = []
        round_p90: dict[str | None, list[float]] = {None: [], fault: []}
        statuses: list[int] = []
        rid = 1000
        for _ in range(ROUNDS):
            for current, latencies in ((None, healthy), (fault, faulty)):
                set_fault(receiver, current)
                sent = send(srv.url, requests(rid, PER_ROUND), workers=CLIENTS)
                rid += PER_ROUND
                latencies.extend(s.seconds for s in sent)
                round_p90[current].append(percentile([s.seconds for s in sent], 0.90))
                statuses.extend(s.status for s in sent)
        rss_growth = rss_bytes(pid) - rss_start

        # recovery: after the last faulty round, new spans arrive again
        set_fault(receiver, None)
        recovered = requests(100_000, 100)
        send(srv.url, recovered, workers=CLIENTS)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            exported = by_request_id(receiver.roots())
            if all(p.rid in exported for p in recovered):
                break
            time.sleep(0.1)
        arrived = sum(p.rid in exported for p in recovered)

        # stopping while the collector is broken again is bounded
        set_fault(receiver, fault)
        send(srv.url, requests(200_000, 100), workers=CLIENTS)
        exit_seconds = srv.terminate(timeout=30)

    p99_healthy, p99_faulty = percentile(healthy, 0.99), percentile(faulty, 0.99)
    median_healthy = statistics.median(round_p90[None])
    median_faulty = statistics.median(round_p90[fault])
    record(
        f"collector-{fault}",
        requests=len(statuses),
        non_200=sum(s != 200 for s in statuses),
        p50_healthy_ms=round(percentile(healthy, 0.5) * 1000, 2),
        p50_faulty_ms=round(percentile(faulty, 0.5) * 1000, 2),
        p99_healthy_ms=round(p99_healthy * 1000, 2),
        p99_faulty_ms=round(p99_faulty * 1000, 2),
        p99_ratio=round(p99_faulty / p99_healthy, 2),
        round_p90_median_ratio=round(median_faulty / median_healthy, 2),
        rss_growth_mb=round(rss_growth / 2**20, 1),
        recovered=f"{arrived}/{len(recovered)}",
        exit_seconds=round(exit_seconds, 1),
    )
    assert set(statuses) == {200}
    assert median_faulty <= median_healthy * LATENCY_RATIO + LATENCY_SLACK
    assert rss_growth < 32 * 2**20
    assert arrived == len(recovered)
    # lifespan flush (5 s) + stop() at the re-raised SIGTERM (5 s) + the server's own stop
    assert exit_seconds < 15


@pytest.fixture
def short_exporter_timeout(monkeypatch):
    """The exporter gives up after 1 s, and its thread is waited for, so that it does not
    outlive the test (its retries draw on the global random module, which hypothesis,
    later in the run, takes for a strategy's)."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "1")
    before = set(threading.enumerate())
    yield
    for thread in set(threading.enumerate()) - before:
        if thread.name.startswith(("OtelBatch", "appsignal-routes")):
            thread.join(timeout=15)


@pytest.mark.parametrize("fault", ["down", "slow", "500", "429"])
@pytest.mark.usefixtures("short_exporter_timeout")
def test_stop_returns_within_its_bound(fault):
    with running_receiver() as receiver:
        receiver.slow_seconds = 30
        set_fault(receiver, fault)
        ar.start(exporter="collector", collector_endpoint=receiver.endpoint)
        tracer = current_agent().tracer_provider.get_tracer("t")  # type: ignore[union-attr]
        for _ in range(3000):
            with tracer.start_as_current_span("GET"):
                pass
        started = time.monotonic()
        ar.stop(timeout=2)
        took = time.monotonic() - started
    record(f"stop-{fault}", spans=3000, stop_seconds=round(took, 2))
    assert took < 3
