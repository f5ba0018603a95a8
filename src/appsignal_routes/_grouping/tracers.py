"""A tracer over another that starts some spans its own way: the base of the tracer
that names a request's server span as it starts (``_request.start.NamingTracer``) and
of the one that makes FastAPI's own telemetry adopt that span."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind, Tracer
from opentelemetry.util.types import Attributes

#: The parent context ``start_span`` is given, and the arguments that follow its
#: attributes (links, start time, record_exception, set_status_on_exception), which the
#: tracer wrappers pass on as they came.
Parent: TypeAlias = Context | None
Rest: TypeAlias = tuple[Sequence[Link] | None, int | None, bool, bool]


class WrappingTracer(Tracer):
    """A tracer over another (``tracer``) that starts some spans its own way: its
    subclasses' ``_start``, handed ``start_span``'s arguments as they came (the last
    four as one tuple, for the wrapped tracer). The rest passes through unchanged."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    def start_span(  # noqa: PLR0917 - the Tracer interface
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> Span:
        return self._start(
            name,
            context,
            kind,
            attributes,
            (links, start_time, record_exception, set_status_on_exception),
        )

    def _start(self, name: str, ctx: Parent, kind: SpanKind, attrs: Attributes, rest: Rest) -> Span:
        return self._tracer.start_span(name, ctx, kind, attrs, *rest)

    def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:
        return self._tracer.start_as_current_span(*args, **kwargs)
