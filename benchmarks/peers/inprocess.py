"""One variant in-process against the hand-written way, in one process of its own (an agent
patches the interpreter on import): ``python -m benchmarks.peers.inprocess <variant>``.

First checks that the variant really named the request, then times WSGI and ASGI
requests through the same helpers as ``benchmarks/inprocess.py``, A and B alternating
in each round (``benchmarks/compare.py``), on the process's CPU clock so that an agent's
background threads (its sender, its harvest) count. Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
import time
from collections.abc import Callable

from benchmarks import inprocess as bench
from benchmarks.compare import compare
from benchmarks.variants import asgi_app, wsgi_app
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import appsignal_routes as ar

ROUNDS = int(os.environ.get("PEERS_ROUNDS", "9"))
ROUND_SECONDS = float(os.environ.get("PEERS_ROUND_SECONDS", "0.4"))
CHECK_REQUESTS = 5


def _otel_names(variant: str, kind: str) -> list[str]:
    """The hand-written way's and the toolkit's naming, read from the spans they export."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    if variant == "toolkit":
        provider.add_span_processor(ar.GroupingSpanProcessor())
    _drive(variant, kind, provider)
    return sorted(
        {
            f"{span.name} http.route={(span.attributes or {}).get('http.route')}"
            for span in exporter.get_finished_spans()
            if span.parent is None
        }
    )


def _drive(variant: str, kind: str, provider: TracerProvider) -> None:
    if kind == "wsgi":
        request = bench.wsgi_request(wsgi_app(variant, provider))
        for _ in range(CHECK_REQUESTS):
            request()
        return
    loop = asyncio.new_event_loop()
    try:
        request = bench.asgi_request(asgi_app(variant, provider), loop)
        for _ in range(CHECK_REQUESTS):
            request()
    finally:
        loop.close()


def _number(operation: Callable[[], object]) -> int:
    """Calls per round so that one round of ``operation`` takes about ROUND_SECONDS."""
    for _ in range(20):
        operation()
    started = time.process_time()
    for _ in range(50):
        operation()
    per_call = max((time.process_time() - started) / 50, 1e-7)
    return max(50, int(ROUND_SECONDS / per_call))


def _ratio(a: Callable[[], object], b: Callable[[], object]) -> dict[str, float]:
    ratio = compare(a, b, number=_number(a), rounds=ROUNDS, clock=time.process_time_ns)
    return {
        "median": ratio.median,
        "low": ratio.low,
        "high": ratio.high,
        "a_us": ratio.a_ns / 1000,
        "b_us": ratio.b_ns / 1000,
        "rounds": ratio.rounds,
    }


def main(variant: str) -> dict[str, object]:
    result: dict[str, object] = {"variant": variant}
    loop = asyncio.new_event_loop()
    by_hand_wsgi = bench.wsgi_request(wsgi_app("hand-written", bench.plain_provider()))
    by_hand_asgi = bench.asgi_request(asgi_app("hand-written", bench.plain_provider()), loop)
    if variant == "toolkit":
        names = {kind: _otel_names(variant, kind) for kind in ("wsgi", "asgi")}
        ours_wsgi = bench.wsgi_request(wsgi_app("toolkit", bench.toolkit_provider()))
        ours_asgi = bench.asgi_request(asgi_app("toolkit", bench.toolkit_provider()), loop)
        expected = "GET /users/:user_id http.route=/users/:user_id"
        named = {kind: expected in found for kind, found in names.items()}
    else:
        peer = importlib.import_module(f"benchmarks.peers.apps.{variant}_peer")
        ours_wsgi = bench.wsgi_request(peer.wsgi_app)
        ours_asgi = bench.asgi_request(peer.asgi_app, loop)
        names, named = {}, {}
        for kind, request in (("wsgi", ours_wsgi), ("asgi", ours_asgi)):
            peer.exported_names()  # forget what an earlier step sent
            for _ in range(CHECK_REQUESTS):
                request()
            names[kind] = peer.exported_names()
            named[kind] = any(peer.NAME in name for name in names[kind])
    result["names"] = names
    result["hand_written_names"] = {
        kind: _otel_names("hand-written", kind) for kind in ("wsgi", "asgi")
    }
    if not all(named.values()):
        result["error"] = f"did not name the request {names}"
        return result
    result["wsgi"] = _ratio(ours_wsgi, by_hand_wsgi)
    result["asgi"] = _ratio(ours_asgi, by_hand_asgi)
    loop.close()
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])), flush=True)
    sys.stdout.flush()
    os._exit(0)  # the agents' exit hooks (Sentry's, Scout's drain) add nothing measured
