"""``start()`` and ``stop()``: the one place that wires OpenTelemetry together.

``start()`` resolves the configuration, keeps an SDK ``TracerProvider`` that is
already global (the user's own, or AppSignal's) or creates one, adds the grouping
processor and the chosen exporter, and declares the configured routes. The started
agent is process-wide state (one per process); ``stop()`` undoes it.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)

from appsignal_routes._grouping.processor import GroupingSpanProcessor, group_for, open_requests
from appsignal_routes._private.otel import add_span_processor, span_processors
from appsignal_routes._routes import registry
from appsignal_routes._routes.infer import LEARN_THRESHOLD, set_learning
from appsignal_routes._shutdown import signals
from appsignal_routes._shutdown.bounded import run_within
from appsignal_routes._types import StartOptions, checked_options

from .config import Config, resolve
from .exporters import build_exporter

if TYPE_CHECKING:
    from typing_extensions import Unpack

logger = logging.getLogger("appsignal_routes")

_START_OPTIONS: Final = StartOptions.__optional_keys__

#: How long ``stop()`` waits for spans to be flushed, in seconds.
STOP_TIMEOUT = 5.0

_lock = threading.Lock()
_agent: Agent | None = None

#: Wraps the export processor ``start()`` builds for an exporter (see ``guard_exports``).
ExportGuard = Callable[[SpanProcessor, SpanExporter], SpanProcessor]
_export_guards: list[ExportGuard] = []


def guard_exports(guard: ExportGuard) -> None:
    """From now on, every export processor ``start()`` builds is wrapped by ``guard``
    (given the processor and its exporter; it returns the processor to use). The pytest
    plugin registers one, so that a network exporter sends nothing of the tests that
    capture ``route_groups``. Registering the same guard again changes nothing."""
    if guard not in _export_guards:
        _export_guards.append(guard)


@dataclass(frozen=True)
class Agent:
    """What ``start()`` set up: its configuration and the OpenTelemetry parts it used."""

    config: Config
    tracer_provider: TracerProvider | None
    processor: GroupingSpanProcessor | None
    exporter: SpanExporter | None
    export_processor: SpanProcessor | None
    owns_provider: bool


def start(**options: Unpack[StartOptions]) -> Agent:
    """Configure OpenTelemetry for grouped requests; call once, at the entry point.

    Idempotent: a second call returns the first ``Agent`` and changes nothing. The
    options (``StartOptions``) fall back to their environment variables, then to
    their defaults.

    Raises:
        TypeError: an unknown option.
        ValueError: a bad option value (the message names the option and the value).
    """
    global _agent  # noqa: PLW0603 - the one started agent of the process
    checked_options("start", options, _START_OPTIONS)
    given = {key: value for key, value in options.items() if value is not None}
    with _lock:
        if _agent is not None:
            logger.info("appsignal-routes: start() called again; keeping the running agent")
            return _agent
        config = resolve(given)
        for warning in config.warnings:
            logger.warning("appsignal-routes: %s", warning)
        _agent = _install(config)
        if _agent.tracer_provider is not None:
            atexit.register(stop)
            # atexit does not run when SIGTERM kills the process by default
            signals.install(stop, open_requests, _agent.tracer_provider.force_flush)
        return _agent


def _install(config: Config) -> Agent:
    registry.declare_all(config.routes)
    registry.settings.regex_routes = config.regex_routes
    if not config.active:
        return Agent(config, None, None, None, None, owns_provider=False)
    # learning is a mode of inference: it turns inference on
    registry.set_infer_by_default(config.infer_routes or config.learn_routes)
    set_learning(LEARN_THRESHOLD if config.learn_routes else None)
    current = trace.get_tracer_provider()
    owns = not isinstance(current, TracerProvider)
    provider = TracerProvider(resource=_resource(config)) if owns else current
    assert isinstance(provider, TracerProvider)  # noqa: S101 - narrowed above
    # A provider someone else set up (AppSignal's own, or the user's) exports already:
    # add an exporter to it only when one was asked for.
    exporter = build_exporter(config) if owns or config.exporter_explicit else None
    if not owns:
        logger.info(
            "appsignal-routes: keeping the global TracerProvider; adding the grouping processor%s",
            " and the requested exporter" if exporter is not None else "",
        )
    export_processor: SpanProcessor | None = None
    if exporter is not None:
        simple = config.exporter in ("console", "memory")
        export_processor = SimpleSpanProcessor(exporter) if simple else BatchSpanProcessor(exporter)
        if config.ignore_actions:
            export_processor = _IgnoringProcessor(
                export_processor, frozenset(config.ignore_actions)
            )
        for guard in _export_guards:
            export_processor = guard(export_processor, exporter)
    processor = _existing_processor(provider)
    added: GroupingSpanProcessor | None = None
    if processor is None:
        processor = added = GroupingSpanProcessor(
            max_groups=config.max_groups,
            route_style="appsignal" if config.route_style == "appsignal" else "template",
        )
    pipeline = _pipeline(added, export_processor)
    if pipeline is not None:
        add_span_processor(provider, pipeline)
    if owns:
        trace.set_tracer_provider(provider)
    return Agent(config, provider, processor, exporter, export_processor, owns_provider=owns)


class _Pipeline(SpanProcessor):
    """The grouping processor and the export processor ``start()`` adds, as one: a span
    starts in the grouping first (it names a request's root as it starts), and ends in
    the export first, while the grouping still knows its request (``ignore_actions``
    drops a whole request; at a graceful stop the grouping flushes as the last request
    ends, which must find that request's root queued). Written out for the two, not
    looped: it runs twice for every span."""

    def __init__(self, grouping: SpanProcessor, export: SpanProcessor) -> None:
        self.grouping = grouping
        self.export = export

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self.grouping.on_start(span, parent_context)
        self.export.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        self.export.on_end(span)
        self.grouping.on_end(span)

    def shutdown(self) -> None:
        self.export.shutdown()
        self.grouping.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        exported = self.export.force_flush(timeout_millis)
        return self.grouping.force_flush(timeout_millis) and exported


def _pipeline(grouping: SpanProcessor | None, export: SpanProcessor | None) -> SpanProcessor | None:
    """What ``start()`` adds to the provider: the two in their order, or the one given."""
    if grouping is not None and export is not None:
        return _Pipeline(grouping, export)
    return grouping or export


class _IgnoringProcessor(SpanProcessor):
    """Drops every span of a request whose group is in ``ignore_actions``."""

    def __init__(self, inner: SpanProcessor, ignored: frozenset[str]) -> None:
        self._inner = inner
        self._ignored = ignored

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self._inner.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        if span.name in self._ignored:
            return
        group = group_for(span) if span.context is not None else None  # type: ignore[arg-type]
        if group is not None and group.root.name in self._ignored:
            return
        self._inner.on_end(span)

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)


def _existing_processor(provider: TracerProvider) -> GroupingSpanProcessor | None:
    for added in span_processors(provider):
        processor = added.grouping if isinstance(added, _Pipeline) else added
        if isinstance(processor, GroupingSpanProcessor) and processor.active:
            return processor
    return None


def _resource(config: Config) -> Resource:
    attributes: dict[str, str] = {
        "service.name": config.resolved_service_name,
        "host.name": config.hostname,
        "appsignal.config.environment": config.environment,
        "appsignal.config.language_integration": "python",
        "appsignal.config.app_path": os.getcwd(),  # noqa: PTH109
    }
    if config.name:
        attributes["appsignal.config.name"] = config.name
    if config.push_api_key:
        attributes["appsignal.config.push_api_key"] = config.push_api_key
    attributes["appsignal.config.revision"] = config.revision or "unknown"
    return Resource.create(attributes)


def stop(timeout: float = STOP_TIMEOUT) -> None:
    """Flush and shut down what ``start()`` created, within ``timeout`` seconds."""
    global _agent
    with _lock:
        agent, _agent = _agent, None
    if agent is None or agent.tracer_provider is None:
        return
    atexit.unregister(stop)
    signals.uninstall()

    def shut_down() -> None:
        if agent.owns_provider:
            agent.tracer_provider.shutdown()  # type: ignore[union-attr]
            return
        if agent.export_processor is not None:
            agent.export_processor.shutdown()
        if agent.processor is not None:
            agent.processor.shutdown()

    run_within(timeout, shut_down, "flushing spans in stop()")


def current_agent() -> Agent | None:
    """The started agent, or None."""
    return _agent
