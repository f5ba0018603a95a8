"""Writing the grouping attributes onto a request's root span, at the cost of a dict store.

The SDK's ``Span.set_attribute`` validates every value and takes two locks: about ten
thousand instructions, where this toolkit writes up to three short strings per request
that it built itself. ``put`` does what ``set_attribute`` does for such a value, under
the span's own lock: nothing once the span has ended, the attribute moved to the end if
present, and the same limits, by handing anything they would act on (a full attribute
dict, a value over the length limit) to ``set_attribute`` itself. A span of another
kind, or an SDK whose spans keep their attributes otherwise, always gets ``set_attribute``.
"""

from __future__ import annotations

import logging
from typing import Any

from opentelemetry.sdk import trace as sdk_trace
from opentelemetry.trace import Span

logger = logging.getLogger("appsignal_routes")


class _Direct:
    """Whether spans of the installed SDK take the direct write (False after one did not)."""

    __slots__ = ("on",)

    def __init__(self) -> None:
        self.on = True


direct = _Direct()

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
        sdk_span: Any = span  # (an SDK span: its private layout, checked as it is read)
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
