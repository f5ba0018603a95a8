"""Span exporters of our own (console lines, JSON lines) and the choice among all of them."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Sequence
from typing import IO, Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from appsignal_routes._grouping.attributes import NAMESPACE, status_of

from .config import Config


def is_local_root(span: ReadableSpan) -> bool:
    return span.parent is None or span.parent.is_remote


def status_code(span: ReadableSpan) -> int | None:
    code = status_of(span.attributes or {})
    return code if isinstance(code, int) else None


def duration_ms(span: ReadableSpan) -> float:
    if span.start_time is None or span.end_time is None:
        return 0.0
    return (span.end_time - span.start_time) / 1e6


def job_line(span: ReadableSpan) -> str:
    """A background job: ``Mailer#deliver [background]  ERR  3.1 ms``."""
    namespace = (span.attributes or {}).get(NAMESPACE)
    name = f"{span.name} [{namespace}]"
    error = "ERR" if span.status.status_code is StatusCode.ERROR else "-"
    return f"{name:<40} {error:>3}  {duration_ms(span):.1f} ms\n"


class ConsoleExporter(SpanExporter):
    """One readable line per request: ``GET /users/:user_id  200  3.1 ms``."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = [
            f"{span.name:<40} {status_code(span) or '-':>3}  {duration_ms(span):.1f} ms\n"
            if span.kind is SpanKind.SERVER
            else job_line(span)
            for span in spans
            if is_local_root(span)
            and (span.kind is SpanKind.SERVER or NAMESPACE in (span.attributes or {}))
        ]
        if lines:
            stream = self._stream or sys.stdout
            with self._lock:
                stream.write("".join(lines))
                stream.flush()
        return SpanExportResult.SUCCESS


def span_record(span: ReadableSpan) -> dict[str, Any]:
    """The documented JSON form of one span (one line of a ``jsonl`` file)."""
    context = span.context
    parent = span.parent
    return {
        "name": span.name,
        "kind": span.kind.name,
        "trace_id": f"{context.trace_id:032x}" if context else None,
        "span_id": f"{context.span_id:016x}" if context else None,
        "parent_span_id": f"{parent.span_id:016x}" if parent else None,
        "local_root": is_local_root(span),
        "start_time_unix_nano": span.start_time,
        "end_time_unix_nano": span.end_time,
        "duration_ms": round(duration_ms(span), 3),
        "status": span.status.status_code.name,
        "error": span.status.status_code is StatusCode.ERROR,
        "attributes": dict(span.attributes or {}),
    }


class JsonlExporter(SpanExporter):
    """Appends one JSON object per span to a file (schema: ``span_record``)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        text = "".join(json.dumps(span_record(s), default=str) + "\n" for s in spans)
        try:
            with self._lock, open(self.path, "a", encoding="utf-8") as file:  # noqa: PTH123
                file.write(text)
        except OSError:
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS


def build_exporter(config: Config) -> SpanExporter | None:  # noqa: PLR0911 - one per exporter
    """The exporter ``config`` asks for; None for ``"none"``."""
    choice = config.exporter
    if isinstance(choice, SpanExporter):
        return choice
    if choice == "console":
        return ConsoleExporter()
    if choice == "memory":
        return InMemorySpanExporter()
    if choice == "jsonl":
        return JsonlExporter(config.jsonl_path)
    if choice in ("collector", "agent", "otlp"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter,
        )

        if choice == "collector":
            return OTLPSpanExporter(endpoint=f"{config.collector_endpoint}/v1/traces")
        if choice == "agent":
            return OTLPSpanExporter(
                endpoint=f"http://localhost:{config.opentelemetry_port}/v1/traces"
            )
        return OTLPSpanExporter()  # reads the standard OTEL_EXPORTER_OTLP_* variables
    return None
