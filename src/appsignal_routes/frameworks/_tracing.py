"""The tracing configuration an app already gives its framework, for ``instrument()``.

The framework's own server span stands aside for the toolkit's (see each adapter's
``prepare``); what the app told it still applies to the one span there is: the tracer
provider (and with it the sampler and the exporters: one provider per trace, children
included), and the requests not to trace. An adapter says so with an optional
``tracing(app) -> Tracing | None``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from opentelemetry.trace import TracerProvider

from appsignal_routes._contain import Containment

from . import adapter_hook

logger = logging.getLogger("appsignal_routes")

_READING_FAILED: Final = Containment("reading the tracing of %r failed")


@dataclass(frozen=True)
class Tracing:
    """What an app told its framework's tracing: its ``tracer_provider`` (None: the
    global one), and ``excludes(scope)``, true for a request it does not trace."""

    tracer_provider: TracerProvider | None = None
    excludes: Callable[[Any], bool] | None = None


def tracing_of(app: object) -> Tracing | None:
    """The tracing configuration ``app`` gives its framework, or None (none, or no
    adapter that reads it). Never raises: on a failure, None, logged at debug level."""
    with _READING_FAILED.about(app):
        hook = adapter_hook(app, "tracing")
        tracing = None if hook is None else hook(app)
        return tracing if isinstance(tracing, Tracing) else None
    return None


def excluding(*tests: Callable[[Any], bool] | None) -> Callable[[Any], bool] | None:
    """One ``excludes`` of several (None among them ignored), or None for none."""
    given = [test for test in tests if test is not None]
    if not given:
        return None
    if len(given) == 1:
        return given[0]
    return lambda scope: any(test(scope) for test in given)
