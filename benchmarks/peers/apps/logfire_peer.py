"""Pydantic Logfire (logfire): ``logfire.configure`` then ``logfire.instrument_wsgi`` /
``instrument_asgi`` as its docs set up a generic app. Logfire is OpenTelemetry: the
handler names the request as OTel does, ``http.route`` on the server span.

Offline: ``send_to_logfire=False``, no console; spans go to a batch processor and an
exporter that sends nowhere, as the hand-written way and the toolkit do under the servers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import logfire
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from ._common import ROUTE, handlers


class RecentSpans(SpanExporter):
    """Sends nowhere; keeps the last few server spans' routes for the naming check."""

    def __init__(self) -> None:
        self.routes: deque[str] = deque(maxlen=16)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans[-4:]:
            route = (span.attributes or {}).get("http.route")
            if route:
                self.routes.append(f"{span.name} http.route={route}")
        return SpanExportResult.SUCCESS


exporter = RecentSpans()
processor = BatchSpanProcessor(exporter)
logfire.configure(
    send_to_logfire=False,
    console=False,
    service_name="bench-peers",
    additional_span_processors=[processor],
)

NAME = ROUTE


def _name_request() -> None:
    trace.get_current_span().set_attribute("http.route", NAME)


_wsgi, _asgi = handlers(_name_request)


wsgi_app = logfire.instrument_wsgi(_wsgi)
asgi_app = logfire.instrument_asgi(_asgi)


def exported_names() -> list[str]:
    logfire.force_flush()
    processor.force_flush()
    names = sorted(set(exporter.routes))
    exporter.routes.clear()
    return names
