"""Traffic for the server tests: a plan of requests, sent concurrently, checked at the receiver."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from ..receiver import ReceivedSpan, Receiver
from .apps.routes import CASES

EXPECTED_STATUS = {"/admin/panel": 401, "/missing/path": 404, "/crash": 500}


@dataclass(frozen=True)
class Planned:
    rid: int
    path: str
    group: str
    traceparent: str | None


@dataclass(frozen=True)
class Sent:
    planned: Planned
    status: int  # 0: no response (connection refused or reset)
    seconds: float
    attempts: int = 1  # 2: the connection broke once and the request was sent again


def plan(requests: int, seed: int = 7) -> list[Planned]:
    """Every route once, then a random mix; every 4th batch of 8 shares one trace id."""
    rng = random.Random(seed)
    planned = []
    for rid in range(requests):
        path, group = CASES[rid] if rid < len(CASES) else rng.choice(CASES)
        batch = rid // 8
        traceparent = f"00-{batch + 1:032x}-{batch + 7:016x}-01" if batch % 4 == 0 else None
        planned.append(Planned(rid, path, group, traceparent))
    return planned


def send(base: str, planned: list[Planned], workers: int = 32) -> list[Sent]:
    with httpx.Client(base_url=base, timeout=30) as client:

        def one(item: Planned) -> Sent:
            headers = {"x-request-id": str(item.rid)}
            if item.traceparent:
                headers["traceparent"] = item.traceparent
            started = time.perf_counter()
            status, attempts = 0, 0
            # one retry: a pooled keep-alive connection may break as it is reused. If the
            # server had read the request, it is served twice: two spans, each with its
            # own span id, which by_request_id accepts for retried requests only.
            while attempts < 2 and not status:
                attempts += 1
                try:
                    status = client.get(item.path, headers=headers).status_code
                except httpx.TransportError:
                    status = 0
            return Sent(item, status, time.perf_counter() - started, attempts)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, planned))


def by_request_id(
    roots: list[ReceivedSpan], sent: list[Sent] | None = None
) -> dict[int, ReceivedSpan]:
    """The exported root span of each request, by its x-request-id.

    The same span received twice is one span: OTLP export is at-least-once, and an
    exporter resends a batch whose answer timed out. Two different spans for one request
    id fail, unless the client sent that request twice (see ``send``).
    """
    resent = {s.planned.rid for s in sent or () if s.attempts > 1}
    found: dict[int, ReceivedSpan] = {}
    for span in roots:
        rid = int(span.attributes["http.request.header.x_request_id"][0])
        if rid in found and found[rid].span_id != span.span_id:
            assert rid in resent, f"request {rid} served twice but sent once"
        found[rid] = span
    return found


def misgrouped(sent: list[Sent], roots: dict[int, ReceivedSpan]) -> list[tuple[int, str, str]]:
    """(request id, expected group, exported name) for every request grouped wrongly."""
    return [
        (s.planned.rid, s.planned.group, roots[s.planned.rid].name)
        for s in sent
        if s.planned.rid in roots and roots[s.planned.rid].name != s.planned.group
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def wait_for_requests(
    receiver: Receiver, sent: list[Sent], timeout: float = 60
) -> dict[int, ReceivedSpan]:
    """The root span of every request sent, waiting until each has arrived (or timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        exported = by_request_id(receiver.roots(), sent)
        if len(exported) >= len(sent) or time.monotonic() > deadline:
            return exported
        time.sleep(0.1)
