"""start() and stop(): configuration, exporters, an existing provider kept, idempotence."""

from __future__ import annotations

import logging

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

import appsignal_routes as ar
from appsignal_routes._agent import agent as _agent
from appsignal_routes._grouping.processor import open_requests
from appsignal_routes._routes import registry

from ..calls import clear_appsignal_env
from ..calls import server_request as request


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    clear_appsignal_env(monkeypatch)


def test_start_is_idempotent_and_installs_grouping(caplog):
    caplog.set_level(logging.INFO, logger="appsignal_routes")
    agent = ar.start(exporter="memory", routes=["/users/:id"])
    assert ar.start(exporter="console") is agent
    assert "start() called again" in caplog.text
    request(route="/users/:id")
    request()
    names = [s.name for s in agent.exporter.get_finished_spans()]
    assert names == ["GET /users/:id", "GET"]
    assert registry.registry().match("/users/1").text == "/users/:id"
    resource = agent.tracer_provider.resource.attributes
    assert resource["appsignal.config.language_integration"] == "python"
    assert resource["appsignal.config.environment"] == "development"
    assert "appsignal.config.app_path" in resource
    ar.stop()
    assert ar.start(exporter="memory") is not agent


def test_an_existing_sdk_provider_is_kept_and_only_gets_the_processor():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    agent = ar.start(exporter="none")
    assert agent.tracer_provider is provider
    assert agent.owns_provider is False
    assert agent.exporter is None
    request(route="/kept")
    assert [s.name for s in exporter.get_finished_spans()] == ["GET /kept"]
    ar.stop()
    request(route="/after-stop")
    assert exporter.get_finished_spans()[-1].name == "GET /raw"  # processor inert once stopped


def test_an_existing_provider_gets_an_exporter_only_when_one_is_asked_for(monkeypatch):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    # AppSignal's package already exports to this endpoint: no second exporter by default
    monkeypatch.setenv("APPSIGNAL_COLLECTOR_ENDPOINT", "http://127.0.0.1:9")
    agent = ar.start()
    assert agent.exporter is None
    assert agent.export_processor is None
    request(route="/once")
    assert [s.name for s in exporter.get_finished_spans()] == ["GET /once"]
    ar.stop()
    asked = ar.start(exporter="memory")
    assert asked.exporter is not None
    request(route="/twice")
    assert [s.name for s in asked.exporter.get_finished_spans()] == ["GET /twice"]  # type: ignore[attr-defined]


@pytest.mark.private_path("sdk.provider.processors")  # (the fallback sees only its own)
def test_a_provider_that_already_has_the_processor_is_not_given_another():
    provider = TracerProvider()
    mine = ar.GroupingSpanProcessor()
    provider.add_span_processor(mine)
    trace.set_tracer_provider(provider)
    assert ar.start(exporter="none").processor is mine


def test_inactive_installs_nothing_but_decorators_still_work():
    agent = ar.start(active=False, routes=["/declared"])
    assert agent.tracer_provider is None
    assert not isinstance(trace.get_tracer_provider(), TracerProvider)

    @ar.route("/x")
    def handler():
        return 1

    assert handler() == 1
    assert "/declared" in registry.registry()


def test_stop_is_bounded_when_shutdown_hangs(monkeypatch, caplog):
    import threading

    agent = ar.start(exporter="memory")
    release = threading.Event()
    monkeypatch.setattr(agent.tracer_provider, "shutdown", lambda: release.wait(5))
    caplog.set_level(logging.WARNING, logger="appsignal_routes")
    ar.stop(timeout=0.2)
    release.set()
    assert "gave up flushing" in caplog.text
    ar.stop()  # a second stop is a no-op


def test_ignore_actions_drops_every_span_of_those_requests():
    agent = ar.start(exporter="memory", ignore_actions=["GET /health"])
    tracer = trace.get_tracer("t")
    with tracer.start_as_current_span(
        "GET /raw", kind=SpanKind.SERVER, attributes={"http.request.method": "GET"}
    ):
        ar.set_route("/health")
        with tracer.start_as_current_span("db"):
            pass
    request(route="/users/:id")
    with tracer.start_as_current_span("standalone"):
        pass
    names = [s.name for s in agent.exporter.get_finished_spans()]
    assert names == ["GET /users/:id", "standalone"]
    assert agent.tracer_provider.force_flush()


class Recording(SpanProcessor):
    """An export processor in front of the real one: records, as each span ends,
    whether the grouping still counts its request as open."""

    def __init__(self, inner: SpanProcessor, seen: list[tuple[str, bool]]) -> None:
        self.inner = inner
        self.seen = seen

    def on_start(self, span, parent_context=None):
        self.inner.on_start(span, parent_context)

    def on_end(self, span):
        self.seen.append((span.name, open_requests() == 1))
        self.inner.on_end(span)

    def shutdown(self):
        self.inner.shutdown()

    def force_flush(self, timeout_millis=30000):
        return self.inner.force_flush(timeout_millis)


@pytest.mark.parametrize("existing_provider", [False, True])
def test_a_registered_guard_wraps_the_export_which_ends_spans_before_the_grouping(
    monkeypatch, existing_provider
):
    monkeypatch.setattr(_agent, "_export_guards", list(_agent._export_guards))
    if existing_provider:  # the user's own: start() adds grouping and export to it
        trace.set_tracer_provider(TracerProvider())
    seen: list[tuple[str, bool]] = []
    guarded: list[type] = []

    def guard(processor, exporter):
        guarded.append(type(exporter))
        return Recording(processor, seen)

    _agent.guard_exports(guard)
    _agent.guard_exports(guard)  # once is enough
    agent = ar.start(exporter="memory", routes=["/users/:id"])
    request(route="/users/:id")
    assert guarded == [InMemorySpanExporter]
    # the root's end reached the export while its request was still open
    assert seen == [("GET /users/:id", True)]
    assert [s.name for s in agent.exporter.get_finished_spans()] == ["GET /users/:id"]
    assert agent.tracer_provider.force_flush()
