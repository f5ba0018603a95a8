"""Datadog (ddtrace): DDWSGIMiddleware and the ASGI TraceMiddleware, as its docs set up a
generic app; the handler names the request through the root span's ``resource``.

Offline: the trace agent is the loopback sink (``DD_TRACE_AGENT_URL``); sampling is
ddtrace's default, which sends every trace to the agent (priority sampling 1.0).
"""

from __future__ import annotations

import os

from ._common import ROUTE, SINK, handlers, wait_for_names

os.environ.setdefault("DD_TRACE_AGENT_URL", SINK)
os.environ.setdefault("DD_SERVICE", "bench-peers")
os.environ.setdefault("DD_TRACE_SAMPLING_RULES", '[{"sample_rate": 1.0}]')

from ddtrace.contrib.asgi import TraceMiddleware  # after its env is set
from ddtrace.contrib.wsgi import DDWSGIMiddleware
from ddtrace.trace import tracer

NAME = f"GET {ROUTE}"


def _name_request() -> None:
    span = tracer.current_root_span()
    if span is not None:
        span.resource = NAME
        span.set_tag("http.route", ROUTE)


_wsgi, _asgi = handlers(_name_request)


wsgi_app = DDWSGIMiddleware(_wsgi)
asgi_app = TraceMiddleware(_asgi)


def exported_names() -> list[str]:
    # msgpack keeps strings as they are: the resource is readable in the payload
    return wait_for_names(r"(GET /users/[\w{}:<>]+)", tracer.flush)
