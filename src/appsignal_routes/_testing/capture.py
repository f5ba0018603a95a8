"""What the ``route_groups`` pytest fixture captures: the groups of the requests served
in this process while one test runs.

A ``CaptureProcessor`` on the global ``TracerProvider`` hands every local-root SERVER
span that starts during a capture to it. The capture keeps the span itself and reads
its name and attributes when the test looks: the grouping lands on the root span while
the request runs, and the status when the response starts, so a request is complete as
soon as the client has its response, even where the span ends only when that response
is closed (WSGI). Nothing here imports pytest.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, overload

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter
from opentelemetry.trace import ProxyTracerProvider, SpanKind, StatusCode

from appsignal_routes._contain import Containment
from appsignal_routes._grouping.attributes import (
    HTTP_ROUTE,
    METHOD,
    METHOD_ORIGINAL,
    PATH,
    ROUTE_SOURCE,
    status_of,
)
from appsignal_routes._grouping.processor import GroupingSpanProcessor
from appsignal_routes._private.otel import add_span_processor, span_processors

logger = logging.getLogger("appsignal_routes")

_CAPTURE_FAILED: Final = Containment("capturing a request failed")
_COLUMNS: Final = ("method", "path", "status", "name", "route", "source")


@dataclass(frozen=True)
class CapturedRequest:
    """One request as ``route_groups`` shows it: ``name`` is its exported group."""

    method: str
    path: str
    status: int
    name: str
    route: str | None
    source: str | None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _responded(span: ReadableSpan) -> bool:
    """The client has (or could have) its response: the status is set, or the span ended."""
    if span.end_time is not None:
        return True
    return status_of(span.attributes or {}) is not None


def _record(span: ReadableSpan) -> CapturedRequest:
    attributes = span.attributes or {}
    get = attributes.get
    method = _text(get(METHOD[0])) or _text(get(METHOD[1])) or ""
    if method == "_OTHER":
        method = _text(get(METHOD_ORIGINAL)) or method
    target = _text(get(PATH[0])) or _text(get(PATH[1])) or ""
    status = status_of(attributes)
    if not isinstance(status, int):
        # ended without a response status: the app raised, and the server answers 500
        status = 500 if span.status.status_code is StatusCode.ERROR else 0
    return CapturedRequest(
        method=method,
        path=target.split("?", 1)[0],
        status=status,
        name=span.name,
        route=_text(get(HTTP_ROUTE)),
        source=_text(get(ROUTE_SOURCE)),
    )


class RouteGroups(Sequence[CapturedRequest]):
    """The requests served during one test, in the order they finished (responded).

    A sequence of ``CapturedRequest``; ``names`` lists their groups; ``clear()``
    forgets what was captured so far. Its ``repr`` is a table of the requests.
    """

    def __init__(self) -> None:
        self.started_ns = time.time_ns()  # the clock the SDK stamps spans with
        self._lock = threading.Lock()
        self._pending: list[ReadableSpan] = []  # started, no response yet (start order)
        self._finished: list[ReadableSpan] = []

    def _started(self, span: ReadableSpan) -> None:
        with self._lock:
            self._pending.append(span)  # (no object made under the lock: see _ended)

    def _ended(self, _span: ReadableSpan) -> None:
        # Never waits for the lock. A span can end inside a sweep of this very thread:
        # a response left open (a test client's) is a generator that the garbage
        # collector closes, ending its span, whenever an object is made, under this
        # lock too; waiting would never end. The next look sweeps instead.
        if self._lock.acquire(blocking=False):
            try:
                self._sweep()
            finally:
                self._lock.release()

    def _sweep(self) -> None:
        """Move the requests that responded since the last look to the finished ones.
        Called at each root span's end and at each look, so that a response still open
        (a WSGI span not ended) takes its place before the requests that ended after it."""
        if not self._pending:
            return
        done = [span for span in self._pending if _responded(span)]
        if done:
            self._finished.extend(done)
            self._pending = [span for span in self._pending if not _responded(span)]

    def _records(self) -> list[CapturedRequest]:
        with self._lock:
            self._sweep()
            spans = list(self._finished)
        return [_record(span) for span in spans]

    @property
    def names(self) -> list[str]:
        """The exported group of each request, e.g. ``["GET /users/<int:id>", "GET"]``."""
        return [record.name for record in self._records()]

    def clear(self) -> None:
        """Forget every request captured so far, including those still in flight."""
        with self._lock:
            self._pending.clear()
            self._finished.clear()

    @overload
    def __getitem__(self, index: int) -> CapturedRequest: ...
    @overload
    def __getitem__(self, index: slice) -> list[CapturedRequest]: ...
    def __getitem__(self, index: int | slice) -> CapturedRequest | list[CapturedRequest]:
        return self._records()[index]

    def __len__(self) -> int:
        return len(self._records())

    def __repr__(self) -> str:
        return table(self._records())


def table(records: Sequence[CapturedRequest]) -> str:
    """The captured requests as an aligned table, one line each."""
    if not records:
        return "route_groups: no requests captured"
    rows = [list(_COLUMNS)] + [
        [r.method, r.path, str(r.status), r.name, r.route or "-", r.source or "-"] for r in records
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    plural = "" if len(records) == 1 else "s"
    return "\n".join([f"route_groups: {len(records)} request{plural}", *("  " + x for x in lines)])


#: The captures running now (one per test that asked for ``route_groups``); replaced,
#: never changed in place, so that server threads iterate it without a lock.
_active: tuple[RouteGroups, ...] = ()
#: (start, end) in ns of the captures that finished: the spans they saw start are quiet
#: (never exported over the network), even when a batch exporter sends them later.
_windows: deque[tuple[int, int]] = deque(maxlen=256)
_lock = threading.Lock()


def _is_request_root(span: ReadableSpan) -> bool:
    parent = span.parent
    return span.kind is SpanKind.SERVER and (parent is None or parent.is_remote)


def _hand_over(span: ReadableSpan, *, started: bool) -> None:
    """Hand a request's root span that starts or ends to each running capture."""
    with _CAPTURE_FAILED:
        if _is_request_root(span):
            for capture in _active:
                if started:
                    capture._started(span)
                else:
                    capture._ended(span)


class CaptureProcessor(SpanProcessor):
    """Hands the local-root SERVER spans that start during a capture to it."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:  # noqa: ARG002
        if _active:
            _hand_over(span, started=True)

    def on_end(self, span: ReadableSpan) -> None:
        if _active:
            _hand_over(span, started=False)

    def shutdown(self) -> None:
        """Nothing to release; the provider it serves may go on serving other tests."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:  # noqa: ARG002 - SDK signature
        return True


_processor = CaptureProcessor()


def _has_capture(provider: TracerProvider) -> bool:
    return any(p is _processor for p in span_processors(provider))


def install() -> None:
    """Make the global provider record requests and feed the captures.

    Without an SDK provider (the app never called ``start()``, or ``active=False``) the
    global one is set: the grouping processor and no exporter. An SDK provider already
    there (``start()``'s or the user's own) gets the capture processor added, once.
    """
    with _lock:
        provider = trace.get_tracer_provider()
        if isinstance(provider, ProxyTracerProvider):
            provider = TracerProvider()
            add_span_processor(provider, GroupingSpanProcessor())
            add_span_processor(provider, _processor)
            trace.set_tracer_provider(provider)
        elif isinstance(provider, TracerProvider) and not _has_capture(provider):
            add_span_processor(provider, _processor)
        elif not isinstance(provider, TracerProvider):
            logger.warning(
                "appsignal-routes: the global TracerProvider %r is not the SDK's; "
                "route_groups cannot see its requests",
                provider,
            )


def begin() -> RouteGroups:
    """Start capturing the requests served in this process."""
    install()
    global _active  # noqa: PLW0603 - the process's running captures
    capture = RouteGroups()
    with _lock:
        _active = (*_active, capture)
    return capture


def end(capture: RouteGroups) -> None:
    """Stop a capture; the spans that started during it stay quiet for network exporters."""
    global _active  # noqa: PLW0603
    with _lock:
        _active = tuple(c for c in _active if c is not capture)
        _windows.append((capture.started_ns, time.time_ns()))
    capture.clear()


def is_quiet(span: ReadableSpan) -> bool:
    """Whether a span belongs to a test that captured requests (never sent over the network)."""
    if _active:
        return True
    start = span.start_time
    return start is not None and any(a <= start <= b for a, b in list(_windows))


class QuietExport(SpanProcessor):
    """An export processor that skips the spans of tests that captured requests."""

    def __init__(self, inner: SpanProcessor) -> None:
        self.inner = inner

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self.inner.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        if not is_quiet(span):
            self.inner.on_end(span)

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def guard_export(processor: SpanProcessor, exporter: SpanExporter) -> SpanProcessor:
    """``start()``'s export processor in a test session: a network exporter (the OTLP
    ones of ``collector``, ``agent``, ``otlp``, or any ``opentelemetry.exporter``
    instance) never sends the spans of a test that used ``route_groups``."""
    if type(exporter).__module__.startswith("opentelemetry.exporter."):
        return QuietExport(processor)
    return processor
