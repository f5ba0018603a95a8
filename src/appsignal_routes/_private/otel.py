"""The OpenTelemetry API's and SDK's private names (see ``_private``): the runtime
context's ``ContextVar`` and a provider's span processors. (The SDK span's fields and
the API's span key are read in ``_private.sdk_spans``.)"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

from . import take


def _runtime_context_var() -> ContextVar[Any] | None:
    runtime = getattr(otel_context, "_RUNTIME_CONTEXT", None)
    current = getattr(runtime, "_current_context", None)
    return current if isinstance(current, ContextVar) else None


def _runtime_context_found() -> bool:
    """Whether the default runtime context keeps the current context in a ``ContextVar``
    (not with ``OTEL_PYTHON_CONTEXT`` naming another)."""
    current = _runtime_context_var()
    return current is not None and current.get() is otel_context.get_current()


#: The current context at C speed (the runtime context's ``ContextVar.get``): it is
#: empty (false) outside every span. None where there is no such shortcut.
context_getter: Callable[[], Any] | None = (
    _runtime_context_var().get  # type: ignore[union-attr] # found by the probe
    if take("api.context.runtime", _runtime_context_found)
    else None
)


def _processors_by_field(provider: TracerProvider) -> Iterable[SpanProcessor]:
    active = getattr(provider, "_active_span_processor", None)
    return tuple(getattr(active, "_span_processors", ()))


#: The processors the toolkit added to each provider (the fallback's whole knowledge).
_added: weakref.WeakKeyDictionary[TracerProvider, list[SpanProcessor]] = weakref.WeakKeyDictionary()


def _processors_found() -> bool:
    """Whether a provider lists the processors added to it where they are read here."""
    provider = TracerProvider(resource=Resource.get_empty(), shutdown_on_exit=False)
    processor = SpanProcessor()
    provider.add_span_processor(processor)
    return tuple(_processors_by_field(provider)) == (processor,)


_PROCESSORS_LISTED = take("sdk.provider.processors", _processors_found)


def add_span_processor(provider: TracerProvider, processor: SpanProcessor) -> None:
    """``provider.add_span_processor(processor)``, remembered for ``span_processors``."""
    provider.add_span_processor(processor)
    if not _PROCESSORS_LISTED:
        _added.setdefault(provider, []).append(processor)


def span_processors(provider: TracerProvider) -> Iterable[SpanProcessor]:
    """The processors on ``provider``: all of them, or, where the SDK keeps them
    otherwise, those added through ``add_span_processor``."""
    if _PROCESSORS_LISTED:
        return _processors_by_field(provider)
    return tuple(_added.get(provider, ()))
