"""The app a real server runs in the load benchmark (``benchmarks.load``).

``BENCH_KIND`` is ``wsgi`` or ``asgi``; ``BENCH_VARIANT`` is ``bare``, ``hand-written``,
``hand-written-exclude`` (ASGI only) or ``toolkit``. Spans go to a batch processor and an
exporter that sends nowhere, as a production set-up would minus the network.
"""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

import appsignal_routes as ar

from .variants import NullExporter, asgi_app, wsgi_app

KIND = os.environ["BENCH_KIND"]
VARIANT = os.environ["BENCH_VARIANT"]

if VARIANT == "toolkit":
    ar.start(exporter=NullExporter())
elif VARIANT != "bare":
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(NullExporter()))
    trace.set_tracer_provider(provider)

app = (wsgi_app if KIND == "wsgi" else asgi_app)(VARIANT, None)
