r"""The SDK span's own fields, read and written at the cost of an attribute access.

The grouping processor reads five fields of every root span and the parent of every
span, and writes up to three short strings that it built itself onto a request's root.
Through the SDK's public API each read is a Python call (a property; ``attributes`` a
new read-only view, whose ``.get`` raises and catches ``KeyError`` for a missing key),
and each ``Span.set_attribute`` validates the value and takes two locks: about ten
thousand instructions.

Readers: C-level ``attrgetter``\ s of the fields behind the SDK's properties, when a
probe at import finds them where the properties read them; else of the properties.

Writers: ``put`` does what ``set_attribute`` does for such a value, under the span's own
lock: nothing once the span has ended, the attribute moved to the end if present, and
the same limits, by handing anything they would act on (a full attribute dict, a value
over the length limit) to ``set_attribute`` itself. A span of another kind, or an SDK
whose spans keep their attributes otherwise, always gets ``set_attribute``.

The current span of a context: ``SPAN_KEY``, the API's own key, for a look-up with no
Python call, when a probe at import finds the API keeping it there (else the key that
``set_span_in_context`` puts a span under, found in a context it made: a ``Context`` is
a dict); ``span_in`` reads it by that key, or through ``get_current_span`` when the API
keeps it otherwise.

Each probe goes through ``_private.take``: ``APPSIGNAL_ROUTES_FALLBACKS=force`` makes
every one of them take the public way (see ``_private``, which lists them all).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from operator import attrgetter, itemgetter
from typing import Any

from opentelemetry.attributes import BoundedAttributes
from opentelemetry.context import Context
from opentelemetry.sdk import trace as sdk_trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace.sampling import ALWAYS_ON
from opentelemetry.trace import (
    INVALID_SPAN,
    NonRecordingSpan,
    Span,
    SpanContext,
    SpanKind,
    get_current_span,
    propagation,
    set_span_in_context,
)

from . import take

logger = logging.getLogger("appsignal_routes")


def _fields_found() -> bool:
    """Whether the SDK's spans keep what their properties return in the fields read here."""
    context = SpanContext(1, 2, is_remote=False)
    attributes = BoundedAttributes(attributes={"k": "v"}, immutable=False)
    try:
        probe: Any = sdk_trace.ReadableSpan(
            name="probe",
            context=context,
            parent=context,
            kind=SpanKind.SERVER,
            attributes=attributes,
        )
        return (
            probe._name == probe.name
            and probe._context is probe.context
            and probe._parent is probe.parent
            and probe._kind is probe.kind
            and probe._attributes._dict == dict(probe.attributes or {})
        )
    except Exception:
        return False


def _context_is_a_tuple() -> bool:
    """Whether a ``SpanContext`` is the tuple its properties index (it is, by design)."""
    context = SpanContext(1, 2, is_remote=True)
    return isinstance(context, tuple) and context[1] == context.span_id and context[2] is True


if take("api.span_context.tuple", _context_is_a_tuple):
    span_id_of: Callable[[Any], int] = itemgetter(1)  # of a SpanContext
    is_remote_of: Callable[[Any], bool] = itemgetter(2)
else:  # another API layout
    span_id_of = attrgetter("span_id")
    is_remote_of = attrgetter("is_remote")


def _plain_attributes(span: Any) -> Mapping[str, object]:
    """A span's attributes as a dict, copied at C speed: a ``.get`` on the SDK's
    read-only view would raise and catch a ``KeyError`` for every missing key."""
    return dict(span.attributes or {})


if take("sdk.span.fields", _fields_found):
    name_of: Callable[[Any], str] = attrgetter("_name")
    context_of: Callable[[Any], SpanContext | None] = attrgetter("_context")
    parent_of: Callable[[Any], SpanContext | None] = attrgetter("_parent")
    kind_of: Callable[[Any], SpanKind] = attrgetter("_kind")
    #: A span's attributes (read at once, never kept: they change).
    attributes_of: Callable[[Any], Mapping[str, object]] = attrgetter("_attributes._dict")
else:  # another SDK layout
    name_of = attrgetter("name")
    context_of = attrgetter("context")
    parent_of = attrgetter("parent")
    kind_of = attrgetter("kind")
    attributes_of = _plain_attributes


def _span_key() -> object | None:
    """The API's key of the current span in a context, if a probe finds it there."""
    key = getattr(propagation, "_SPAN_KEY", None)
    probe = NonRecordingSpan(SpanContext(1, 2, is_remote=False))
    try:
        return key if key is not None and set_span_in_context(probe).get(key) is probe else None
    except Exception:
        return None


def _span_by_key(context: Context) -> Any:
    """The current span of ``context`` by the API's key (None where it has none)."""
    return context.get(SPAN_KEY)


def _span_by_api(context: Context) -> Span | None:
    """The current span of ``context`` through the public API (None where it has none)."""
    span = get_current_span(context)
    return None if span is INVALID_SPAN else span


def _span_key_of_a_context() -> object | None:
    """The one key ``set_span_in_context`` sets, found in the context it makes."""
    probe = NonRecordingSpan(SpanContext(1, 2, is_remote=False))
    try:
        context = set_span_in_context(probe, Context())
        keys = [key for key, value in context.items() if value is probe]
        return keys[0] if len(keys) == 1 and get_current_span(context) is probe else None
    except Exception:
        return None


_key = _span_key()
if not take("api.context.span_key", lambda: _key is not None):
    _key = _span_key_of_a_context()
#: The key of the current span in a context (``get_current_span`` reads it); where the
#: API keeps it otherwise, a key no context holds: a look-up by it finds nothing.
SPAN_KEY: Any = _key if _key is not None else object()
#: The current span of a context, or None.
span_in: Callable[[Context], Span | None] = _span_by_key if _key is not None else _span_by_api


class _Direct:
    """Whether spans of the installed SDK take the direct write (False after one did not)."""

    __slots__ = ("on",)

    def __init__(self) -> None:
        self.on = True


def _writes_found() -> bool:
    """Whether an SDK span keeps what ``put`` writes where it writes it: its attributes
    in ``_attributes._dict`` (a ``BoundedAttributes``, with its limits), its name in
    ``_name``, its end in ``_end_time``, under its ``_lock``."""
    provider = sdk_trace.TracerProvider(
        sampler=ALWAYS_ON, resource=Resource.get_empty(), shutdown_on_exit=False
    )
    span: Any = provider.get_tracer("probe").start_span("probe", attributes={"k": "v"})
    with span._lock:
        store = span._attributes._dict
        limits = (span._attributes.maxlen, span._attributes.max_value_len)
        store["k2"] = "v2"
        span._name = "renamed"
        open_before = span._end_time is None
    span.end()
    return (
        open_before
        and span._end_time is not None
        and span.name == "renamed"
        and dict(span.attributes or {}) == {"k": "v", "k2": "v2"}
        and all(limit is None or isinstance(limit, int) for limit in limits)
    )


direct = _Direct()
direct.on = take("sdk.span.writes", _writes_found)

#: The SDK's span classes, by exact type (what its tracer makes is a private subclass):
#: a subclass of someone else's may keep its attributes in its own way.
_SDK_SPANS = frozenset({sdk_trace.Span, getattr(sdk_trace, "_Span", sdk_trace.Span)})


def put(span: Span, key: str, value: str) -> None:
    """``span.set_attribute(key, value)`` for a valid key and a ``str`` value; never
    logs the SDK's warning for an ended span (callers check it still records)."""
    if direct.on and type(span) in _SDK_SPANS:
        sdk_span: Any = span  # (an SDK span: its private layout, checked as it is read)
        try:
            with sdk_span._lock:  # end() sets _end_time under it
                if sdk_span._end_time is not None:
                    return
                attributes = sdk_span._attributes
                store = attributes._dict
                maxlen = attributes.maxlen
                limit = attributes.max_value_len
                if (limit is None or len(value) <= limit) and (
                    maxlen is None or len(store) < maxlen or key in store
                ):
                    if key in store:
                        del store[key]  # as the SDK does: the latest write comes last
                    store[key] = value
                    return
        except AttributeError:  # spans laid out otherwise: the public way from now on
            direct.on = False
            logger.debug("appsignal-routes: span attributes are written the public way")
    span.set_attribute(key, value)  # (outside the span's lock, which it takes itself)


def put_two(span: Span, key: str, value: str, other: str, other_value: str) -> None:
    """``put`` twice: the two attributes a request's root span starts with beside its
    route (its action name and route source), under one lock."""
    if direct.on and type(span) in _SDK_SPANS:
        sdk_span: Any = span
        try:
            with sdk_span._lock:
                if sdk_span._end_time is not None:
                    return
                attributes = sdk_span._attributes
                store = attributes._dict
                maxlen = attributes.maxlen
                limit = attributes.max_value_len
                if (
                    (limit is None or (len(value) <= limit and len(other_value) <= limit))
                    and (maxlen is None or len(store) + 2 <= maxlen)
                    and key not in store
                    and other not in store
                ):
                    store[key] = value
                    store[other] = other_value
                    return
        except AttributeError:
            direct.on = False
            logger.debug("appsignal-routes: span attributes are written the public way")
    span.set_attribute(key, value)
    span.set_attribute(other, other_value)


def drop(span: Span, key: str) -> None:
    """Remove attribute ``key`` from a recording SDK span, if it has it; elsewhere do
    nothing (the public API cannot remove an attribute)."""
    if type(span) in _SDK_SPANS:  # (no public way: not switched, see _private)
        sdk_span: Any = span
        try:
            with sdk_span._lock:
                if sdk_span._end_time is None:
                    sdk_span._attributes._dict.pop(key, None)
        except AttributeError:
            logger.debug("appsignal-routes: cannot remove %s from a span", key)


def put_all(span: Span, items: list[tuple[str, str]], name: str | None) -> None:
    """``put`` each of ``items`` and, unless ``name`` is None, rename the span, under
    one lock: what a request's group writes when it changes after the span started."""
    if direct.on and type(span) in _SDK_SPANS:
        sdk_span: Any = span
        try:
            with sdk_span._lock:
                if sdk_span._end_time is not None:
                    return
                attributes = sdk_span._attributes
                store = attributes._dict
                maxlen = attributes.maxlen
                limit = attributes.max_value_len
                added = sum(1 for key, _ in items if key not in store)
                if (limit is None or all(len(value) <= limit for _, value in items)) and (
                    maxlen is None or len(store) + added <= maxlen
                ):
                    for key, value in items:
                        if key in store:
                            del store[key]  # as the SDK does: the latest write comes last
                        store[key] = value
                    if name is not None:
                        sdk_span._name = name
                    return
        except AttributeError:
            direct.on = False
            logger.debug("appsignal-routes: span attributes are written the public way")
    for key, value in items:
        span.set_attribute(key, value)
    if name is not None:
        span.update_name(name)
