"""FastAPI's private names (see ``_private``): its native telemetry (0.142+), an app's
``_native_telemetry`` (a ``fastapi.telemetry._asgi.NativeTelemetry``, whose
``_get_tracer`` is overridden) and ``_telemetry`` (its options), and the contrib
instrumentor's mark on an app, ``_is_instrumented_by_opentelemetry``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from fastapi import FastAPI
from opentelemetry import trace

from . import take


def _native_found() -> bool:
    """Whether an app keeps FastAPI's own telemetry in ``_native_telemetry``, built from
    its options in ``_telemetry``, with the tracer from ``_get_tracer``."""
    try:  # FastAPI 0.142+
        from fastapi.telemetry._asgi import NativeTelemetry  # noqa: PLC0415
    except ImportError:
        return False
    app: Any = FastAPI()
    native = getattr(app, "_native_telemetry", None)
    return (
        type(native) is NativeTelemetry
        and native.config is getattr(app, "_telemetry", None)
        and isinstance(native.config, Mapping)
        and callable(getattr(NativeTelemetry, "_get_tracer", None))
    )


def _contrib_mark_found() -> bool:
    """Whether the contrib ``FastAPIInstrumentor`` marks the apps it traces."""
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor  # noqa: PLC0415
    except ImportError:  # not installed: the fallback, which looks for its code, will do
        return False
    app = FastAPI()
    FastAPIInstrumentor.instrument_app(app)
    try:
        return getattr(app, "_is_instrumented_by_opentelemetry", None) is True
    finally:
        FastAPIInstrumentor.uninstrument_app(app)


_NATIVE = take("fastapi.telemetry", _native_found)
_CONTRIB_MARK = take("fastapi.contrib_mark", _contrib_mark_found)


def native_telemetry(app: FastAPI) -> Any:
    """The app's native telemetry; None before FastAPI 0.142, and where FastAPI keeps
    it otherwise (its spans are then left as they are: a second root beside ours)."""
    return getattr(app, "_native_telemetry", None) if _NATIVE else None


def telemetry_options(app: FastAPI) -> object:
    """What the app was told (``FastAPI(telemetry=...)``); None where unknown."""
    return getattr(app, "_telemetry", None) if _NATIVE else None


def _from_the_contrib(app: FastAPI) -> bool:
    """Whether the app's middleware stack is built by the contrib instrumentor's
    replacement (an instance attribute defined in its module)."""
    build = vars(app).get("build_middleware_stack")
    code = getattr(getattr(build, "__func__", None), "__code__", None)
    filename = str(getattr(code, "co_filename", "")).replace("\\", "/")
    return "opentelemetry/instrumentation/fastapi" in filename


def traced_by_contrib(app: FastAPI) -> bool:
    """Whether the contrib ``FastAPIInstrumentor`` traces ``app``: its mark, or where
    it marks apps otherwise, its replacement of the app's ``build_middleware_stack``."""
    if _CONTRIB_MARK:
        return bool(getattr(app, "_is_instrumented_by_opentelemetry", False))
    return _from_the_contrib(app)


def adopt(
    app: FastAPI,
    adopted: ContextVar[trace.Span | None],
    tracer: Callable[[trace.Tracer], trace.Tracer],
) -> None:
    """Replace ``app``'s native telemetry by one that sets ``adopted`` to the recording
    span current when a request reaches it, and starts its spans with ``tracer(its own
    tracer)``; nothing where FastAPI keeps its telemetry otherwise.

    Raises:
        TypeError: the app's telemetry is not FastAPI's own (an unknown FastAPI).
    """
    if not _NATIVE:
        return
    from fastapi.telemetry._asgi import NativeTelemetry  # noqa: PLC0415 - found by the probe

    telemetry: Any = getattr(app, "_native_telemetry", None)
    adopting = _adopting(adopted, tracer)
    if isinstance(telemetry, adopting):
        return
    if type(telemetry) is not NativeTelemetry:
        raise TypeError(f"unknown FastAPI telemetry {type(telemetry).__name__}")
    app._native_telemetry = adopting(telemetry.config)


@functools.cache
def _adopting(
    adopted: ContextVar[trace.Span | None], tracer: Callable[[trace.Tracer], trace.Tracer]
) -> type[Any]:
    from fastapi.telemetry._asgi import NativeTelemetry  # noqa: PLC0415 - found by the probe

    class AdoptingTelemetry(NativeTelemetry):
        """FastAPI's native telemetry, whose request span is the one already current."""

        async def __call__(self, **kwargs: Any) -> None:
            current = trace.get_current_span()
            token = adopted.set(current if current.is_recording() else None)
            try:
                await super().__call__(**kwargs)
            finally:
                adopted.reset(token)

        def _get_tracer(self, *, provider: trace.TracerProvider) -> trace.Tracer:
            return tracer(super()._get_tracer(provider=provider))

    return AdoptingTelemetry
