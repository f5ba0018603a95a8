"""Annotating the current request with a route or a root name.

The decorators and the middleware call the internal ``annotate_*`` functions, which
never raise; users call ``set_route`` and ``set_root_name``, which validate their
input first (a bad template is the caller's bug, reported at the call).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import get_current_span

from appsignal_routes._contain import Containment
from appsignal_routes._private.otel import context_getter
from appsignal_routes._private.sdk_spans import SPAN_KEY
from appsignal_routes._routes.template import check_name, parse

from .attributes import HTTP_ROUTE, ROOT_NAME
from .group import RequestGroup, RouteSource
from .handoff import current_group
from .processor import group_for

#: Truthy when some OpenTelemetry context (perhaps a recording span) is current: a check,
#: at C speed, that returns the current context, which is empty (false) outside every
#: span; a decorated call then skips the annotation without a single Python call. With a
#: runtime context other than the default one (``OTEL_PYTHON_CONTEXT``), there is no such
#: check: None, and every decorated call looks for its span.
context_is_set = context_getter
#: The current context, by the shortest way there is.
current_context: Callable[[], otel_context.Context] = context_is_set or otel_context.get_current


#: A decorated call's annotation (or a job's span) failed: logged once per process,
#: not once per request.
CALL_FAILED: Final = Containment("annotation failed", once=True)


class RouteAnnotator:
    """What ``wrapt`` calls for a ``@route`` handler: annotate the request, then call
    the handler. The request's own group is found without a call (``current_group``,
    confirmed by its root being the current span); anything else by ``annotate_route``."""

    __slots__ = ("route",)

    def __init__(self, route: str) -> None:
        self.route = route

    def __call__(self, wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:  # noqa: ARG002
        try:  # (annotate_route's fast path, inlined: every decorated call in a request)
            group = current_group.get()
            if group is not None and current_context().get(SPAN_KEY) is group.root:
                group.set_route(self.route, "decorator", override=False)  # writes while it records
            else:
                annotate_route(self.route)
        except Exception:  # a ``with`` would cost two calls on every decorated call
            CALL_FAILED.log()
        return wrapped(*args, **kwargs)


class RootNameAnnotator:
    """What ``wrapt`` calls for a ``@root_name`` handler: annotate, then call through."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:  # noqa: ARG002
        annotate_root_name(self.name)  # never raises
        return wrapped(*args, **kwargs)


def root_is_current(group: RequestGroup) -> bool:
    """Whether the current span is ``group``'s root, still recording: the request's own
    context (a group left in a context by a request that never ended is not)."""
    root = group.root
    return current_context().get(SPAN_KEY) is root and root.is_recording()


def set_route(template: str, span: trace.Span | None = None, *, override: bool = False) -> None:
    """Group the current request (or ``span``'s) under ``template``.

    The first route set in a request wins; ``override=True`` replaces it. Does
    nothing outside a recording span. Raises ``TypeError``/``ValueError`` for a bad
    template, as the ``@route`` decorator does.
    """
    annotate_route(parse(template).text, span, override=override)


def set_root_name(name: str, span: trace.Span | None = None, *, override: bool = False) -> None:
    """Name the current request (or ``span``'s) ``name``; it takes precedence over routes.

    The first root name set in a request wins; ``override=True`` replaces it. Raises
    ``TypeError``/``ValueError`` for a bad name.
    """
    annotate_root_name(check_name(name), span, override=override)


def annotate_route(
    route: str,
    span: trace.Span | None = None,
    *,
    override: bool = False,
    source: RouteSource = "decorator",
) -> None:
    """Record a validated route on the request ``span`` belongs to; never raises."""
    try:  # (not ``with CALL_FAILED``: this runs on every decorated call in a request)
        if span is None:
            group = current_group.get()
            if group is not None and root_is_current(group):
                group.set_route(route, source, override)
                return
        group, target = recording_group_of(span)
        if group is not None:
            group.set_route(route, source, override)
        elif target is not None:
            _mark(target, HTTP_ROUTE, route, override)
    except Exception:
        CALL_FAILED.log()


def annotate_root_name(
    name: str, span: trace.Span | None = None, *, override: bool = False
) -> None:
    """Record a validated root name on the request ``span`` belongs to; never raises."""
    try:  # (not ``with CALL_FAILED``: this runs on every decorated call in a request)
        if span is None:
            group = current_group.get()
            if group is not None and root_is_current(group):
                group.set_root_name(name, override)
                return
        group, target = recording_group_of(span)
        if group is not None:
            group.set_root_name(name, override)
        elif target is not None:
            _mark(target, ROOT_NAME, name, override)
    except Exception:
        CALL_FAILED.log()


def recording_group_of(span: trace.Span | None) -> tuple[RequestGroup | None, trace.Span | None]:
    """The group of ``span`` (or of the current span) and the span, if it records."""
    target = get_current_span(current_context()) if span is None else span
    if not target.is_recording():
        return None, None
    group = group_for(target)
    if group is not None and not group.root.is_recording():
        return None, None  # a span left over from a request that has ended
    return group, target


def _mark(span: trace.Span, key: str, value: str, override: bool) -> None:
    """No grouping processor tracks this span: mark the span itself, first value wins."""
    if override or not _has(span, key):
        span.set_attribute(key, value)


def _has(span: trace.Span, key: str) -> bool:
    attributes = getattr(span, "attributes", None)
    return isinstance(attributes, Mapping) and key in attributes
