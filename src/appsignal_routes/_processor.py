"""The grouping span processor: which request does each span belong to.

It tracks every local root span (parent none or remote) and the spans below it, so
that an annotation made on any span of a request reaches that request's
``RequestGroup``. Spans are keyed by span id, never by trace id: concurrent requests
that share one upstream trace stay apart. The index is freed as spans end and is
capped, so spans that are never ended cannot grow it without bound.
"""

from __future__ import annotations

import logging
import threading
from typing import Final

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from . import _signals
from ._grouping import Mode, Naming, RequestGroup, RouteStyle

logger = logging.getLogger("appsignal_routes")

#: Spans tracked at once, over all requests in flight, before the oldest are dropped.
MAX_TRACKED_SPANS: Final = 100_000


class _SpanIndex:
    """span id -> the group of the request the span belongs to (process-wide)."""

    def __init__(self, limit: int = MAX_TRACKED_SPANS) -> None:
        self.limit = limit
        self.groups: dict[int, RequestGroup] = {}
        self._lock = threading.Lock()

    def add(self, span_id: int, group: RequestGroup) -> None:
        groups = self.groups
        groups[span_id] = group
        if len(groups) > self.limit:
            self.trim()

    def trim(self) -> None:
        """Drop the oldest entries down to the limit."""
        groups = self.groups
        with self._lock:
            while len(groups) > self.limit:
                try:
                    del groups[next(iter(groups))]
                except (KeyError, RuntimeError, StopIteration):  # noqa: PERF203 - raced with an end
                    break

    def __len__(self) -> int:
        return len(self.groups)


#: One process has one set of requests in flight, whichever processor saw them start.
index = _SpanIndex()


#: The group of a span id, or None (the index's dict never changes identity).
group_of = index.groups.get


def open_requests() -> int:
    """How many requests are in flight: local roots started and not yet ended."""
    return sum(
        1
        for span_id, group in list(index.groups.items())
        if group.root.get_span_context().span_id == span_id
    )


class GroupingSpanProcessor(SpanProcessor):
    """Names each request's local root span by its route or root name.

    Add it to your own ``TracerProvider`` (``start()`` does this for you). It never
    raises into the code that starts or ends spans; failures are logged at debug level.

    Args:
        max_groups: distinct group names per process; past it, ``"{METHOD} [other]"``.
        route_style: ``"template"`` exports routes as written; ``"appsignal"`` rewrites
            them to the ``/users/:user_id`` form.
        mode: which AppSignal attributes to set: ``"agent"`` (``appsignal.root_name``),
            ``"collector"`` (``appsignal.action_name``) or ``"both"``.
    """

    def __init__(
        self,
        *,
        max_groups: int = 1000,
        route_style: RouteStyle = "template",
        mode: Mode = "both",
    ) -> None:
        self.naming = Naming(max_groups=max_groups, route_style=route_style, mode=mode)
        self._active = True

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:  # noqa: ARG002
        if not self._active:
            return
        try:
            parent = span.parent
            span_id = span.get_span_context().span_id
            if parent is None or parent.is_remote:
                index.add(span_id, RequestGroup(span, self.naming))
            else:
                group_ = group_of(parent.span_id)
                if group_ is not None:
                    index.add(span_id, group_)
        except Exception:
            logger.debug("appsignal-routes: on_start failed", exc_info=True)

    def on_end(self, span: ReadableSpan) -> None:
        context = span.context
        if context is not None:
            group = index.groups.pop(context.span_id, None)
            # a server's graceful stop: the last request to end flushes (see _signals)
            if _signals.draining and group is not None and group.root.context == context:
                _signals.request_ended()

    @property
    def active(self) -> bool:
        """False once shut down: it then tracks and names nothing."""
        return self._active

    def shutdown(self) -> None:
        self._active = False

    def force_flush(self, timeout_millis: int = 30000) -> bool:  # noqa: ARG002 - SDK signature
        return True
