"""Starlette's private names (see ``_private``): what its ``OpenTelemetryMiddleware``
(Starlette 1.7+) keeps of its options, ``_tracer_provider`` and ``_excluded_urls``.

Probed when first read, not at import: the probe imports the middleware's module, whose
presence in ``sys.modules`` the Starlette adapter takes as a sign that an app may use it.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from opentelemetry.sdk.trace import TracerProvider

from . import take


def _options_found() -> bool:
    """Whether the middleware keeps its provider and its compiled patterns so."""
    try:
        from starlette.middleware.opentelemetry import (  # noqa: PLC0415 - Starlette 1.7+
            OpenTelemetryMiddleware,
        )
    except ImportError:  # no such middleware: nothing to read
        return False
    provider = TracerProvider(shutdown_on_exit=False)
    middleware: Any = OpenTelemetryMiddleware(
        object(),  # type: ignore[arg-type]
        tracer_provider=provider,
        excluded_urls=["/probe"],
    )
    patterns = tuple(middleware._excluded_urls)
    return middleware._tracer_provider is provider and [p.pattern for p in patterns] == ["/probe"]


@functools.cache
def _options_kept() -> bool:
    return take("starlette.telemetry", _options_found)


def middleware_options(middleware: object) -> tuple[Any, tuple[re.Pattern[str], ...]]:
    """The tracer provider and the URL patterns an ``OpenTelemetryMiddleware`` instance
    keeps; (None, ()) where Starlette keeps them otherwise."""
    if not _options_kept():
        return None, ()
    return (
        getattr(middleware, "_tracer_provider", None),
        tuple(getattr(middleware, "_excluded_urls", ())),
    )
