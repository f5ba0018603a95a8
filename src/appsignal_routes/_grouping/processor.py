"""The grouping span processor: which request does each span belong to.

It gives every local root span (parent none or remote) a ``RequestGroup`` (from the
naming tracer's record, if it started the span: see ``_grouping.handoff``), indexed by the
root's span id, and makes it the context's ``current_group``, where an annotation made
anywhere in the request finds it, with no look-up per span: the spans below a root
are not tracked at all. A span of the request named explicitly finds its group by
its trace id (``group_for``); never by trace id alone, since concurrent requests that
share one upstream trace stay apart in their own contexts. The index is freed as roots
end and is capped, so roots that are never ended cannot grow it without bound.
"""

from __future__ import annotations

import threading
from typing import Final

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import Span as ApiSpan

from appsignal_routes._contain import Containment
from appsignal_routes._private.sdk_spans import (
    context_of,
    is_remote_of,
    name_of,
    parent_of,
    span_id_of,
)
from appsignal_routes._shutdown import signals

from .group import Mode, Naming, RequestGroup, RouteStyle
from .handoff import current_group, starting

_ON_START_FAILED: Final = Containment("on_start failed")

#: Requests tracked at once, before the oldest are dropped (roots that never end).
MAX_TRACKED_SPANS: Final = 100_000


class _SpanIndex:
    """root span id -> the group of its request (process-wide)."""

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


#: The group of a request by its root's span id, or None (the dict never changes identity).
group_of = index.groups.get


def group_for(span: ApiSpan) -> RequestGroup | None:
    """The group of the request ``span`` belongs to: its own, if it is a root, else the
    current context's, if that request is ``span``'s (same trace)."""
    context = span.get_span_context()
    group = group_of(context.span_id)
    if group is None:
        group = current_group.get()
        if group is not None and group.root.get_span_context().trace_id != context.trace_id:
            return None
    return group


def open_requests() -> int:
    """How many requests are in flight: local roots started and not yet ended."""
    return len(index.groups)


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
        self.naming = Naming(max_groups, route_style, mode)
        self._active = True

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:  # noqa: ARG002
        if not self._active:
            return
        try:
            parent = parent_of(span)
            if parent is not None and not is_remote_of(parent):
                return  # a span inside a request: its annotations find the request's group
            started = starting.record  # the naming tracer's, if this span is the one it starts
            if started is not None and started.name is not name_of(span):
                started = None  # another span, started as that one starts
            group = RequestGroup(span, self.naming, started)
            groups = index.groups
            groups[span_id_of(context_of(span))] = group
            if len(groups) > index.limit:
                index.trim()
            current_group.set(group)  # the context the request runs in
        except Exception:
            _ON_START_FAILED.log()

    def on_end(self, span: ReadableSpan) -> None:
        context = context_of(span)
        ended = context is not None and index.groups.pop(span_id_of(context), None) is not None
        if ended and signals.draining:
            signals.request_ended()  # a server's graceful stop: the last request flushes

    @property
    def active(self) -> bool:
        """False once shut down: it then tracks and names nothing."""
        return self._active

    def shutdown(self) -> None:
        self._active = False

    def force_flush(self, timeout_millis: int = 30000) -> bool:  # noqa: ARG002 - SDK signature
        return True
