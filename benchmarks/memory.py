"""Memory: resident memory after 100,000 requests against after 1,000 (run in its own
process, so the other benchmarks' garbage does not count)."""

from __future__ import annotations

import gc
import json
from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

import appsignal_routes as ar
from appsignal_routes._grouping.processor import index

from .inprocess import wsgi_request
from .variants import NullExporter, wsgi_app


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def main() -> None:
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(NullExporter(), max_queue_size=2048))
    provider.add_span_processor(ar.GroupingSpanProcessor())
    request = wsgi_request(wsgi_app("toolkit", provider))
    for _ in range(1_000):
        request()
    provider.force_flush()
    gc.collect()
    after_1k = rss_bytes()
    for _ in range(99_000):
        request()
    provider.force_flush()
    gc.collect()
    after_100k = rss_bytes()
    print(
        json.dumps(
            {
                "rss_after_1k": after_1k,
                "rss_after_100k": after_100k,
                "tracked_spans": len(index),
            }
        )
    )


if __name__ == "__main__":
    main()
