"""The apps compared: bare, the hand-written way (upstream middleware plus a hand-written
``http.route`` line in each handler), and this toolkit (``instrument()`` + ``@route``)."""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware as OtelAsgi
from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware as OtelWsgi
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

import appsignal_routes as ar

ROUTE = "/users/:user_id"
BODY = b"ok"


class NullExporter(SpanExporter):
    """Exports nowhere: the benchmarks measure instrumentation, not the network."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def wsgi_bare(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [BODY]


def wsgi_hand_written_handler(environ, start_response):
    trace.get_current_span().set_attribute("http.route", ROUTE)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [BODY]


@ar.route(ROUTE)
def wsgi_toolkit_handler(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [BODY]


async def _reply(send):
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": BODY})


async def asgi_bare(scope, receive, send):
    if scope["type"] == "http":
        await _reply(send)


async def asgi_hand_written_handler(scope, receive, send):
    if scope["type"] == "http":
        trace.get_current_span().set_attribute("http.route", ROUTE)
        await _reply(send)


@ar.route(ROUTE)
async def asgi_toolkit_handler(scope, receive, send):
    if scope["type"] == "http":
        await _reply(send)


def wsgi_app(variant: str, provider: TracerProvider | None):
    """``bare``, ``hand-written``, ``toolkit``; and the layers of ``benchmarks.breakdown``:
    ``upstream`` (no route set), ``instrument`` (matched at start, no decorator; with
    the grouping processor when ``provider`` has it)."""
    if variant == "bare":
        return wsgi_bare
    if variant == "hand-written":
        return OtelWsgi(wsgi_hand_written_handler, tracer_provider=provider)
    if variant == "toolkit":
        return ar.instrument(wsgi_toolkit_handler, tracer_provider=provider)
    if variant == "upstream":
        return OtelWsgi(wsgi_bare, tracer_provider=provider)
    if variant == "instrument":
        return ar.instrument(wsgi_bare, tracer_provider=provider)
    raise ValueError(variant)


def asgi_app(variant: str, provider: TracerProvider | None):
    """As ``wsgi_app``; ``hand-written-exclude`` is the hand-written way with ``exclude_spans``."""
    if variant == "bare":
        return asgi_bare
    if variant == "hand-written":
        return OtelAsgi(asgi_hand_written_handler, tracer_provider=provider)
    if variant == "hand-written-exclude":
        return OtelAsgi(
            asgi_hand_written_handler, tracer_provider=provider, exclude_spans=["receive", "send"]
        )
    if variant == "toolkit":
        return ar.instrument(asgi_toolkit_handler, tracer_provider=provider)
    if variant == "upstream":  # as instrument() configures it, no route set
        return OtelAsgi(asgi_bare, tracer_provider=provider, exclude_spans=["receive", "send"])
    if variant == "instrument":
        return ar.instrument(asgi_bare, tracer_provider=provider)
    raise ValueError(variant)
