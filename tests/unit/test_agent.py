"""start() and stop(): configuration, exporters, an existing provider kept, idempotence."""

from __future__ import annotations

import io
import json
import logging

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

import appsignal_routes as ar
from appsignal_routes import _registry
from appsignal_routes._config import resolve
from appsignal_routes._exporters import ConsoleExporter, JsonlExporter

ENV_KEYS = [
    "APPSIGNAL_ACTIVE",
    "APPSIGNAL_APP_NAME",
    "APPSIGNAL_APP_ENV",
    "APPSIGNAL_PUSH_API_KEY",
    "APP_REVISION",
    "APPSIGNAL_COLLECTOR_ENDPOINT",
    "APPSIGNAL_OPENTELEMETRY_PORT",
    "APPSIGNAL_SERVICE_NAME",
    "OTEL_SERVICE_NAME",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "APPSIGNAL_ROUTES_EXPORTER",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)


def request(name="GET /raw", route=None):
    tracer = trace.get_tracer("t")
    with tracer.start_as_current_span(
        name, kind=SpanKind.SERVER, attributes={"http.request.method": "GET"}
    ):
        if route:
            ar.set_route(route)


def test_start_is_idempotent_and_installs_grouping(caplog):
    caplog.set_level(logging.INFO, logger="appsignal_routes")
    agent = ar.start(exporter="memory", routes=["/users/:id"])
    assert ar.start(exporter="console") is agent
    assert "start() called again" in caplog.text
    request(route="/users/:id")
    request()
    names = [s.name for s in agent.exporter.get_finished_spans()]
    assert names == ["GET /users/:id", "GET"]
    assert _registry.registry().match("/users/1").text == "/users/:id"
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
    assert "/declared" in _registry.registry()


def test_console_exporter_prints_one_line_per_request():
    stream = io.StringIO()
    agent = ar.start(exporter=ConsoleExporter(stream))
    request(route="/users/:user_id")
    with trace.get_tracer("t").start_as_current_span("child-only"):
        pass
    ar.stop()
    assert agent.exporter is not None
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("GET /users/:user_id")
    assert lines[0].endswith(" ms")


def test_jsonl_exporter_writes_the_documented_schema(tmp_path):
    path = tmp_path / "spans.jsonl"
    ar.start(exporter="jsonl", jsonl_path=str(path))
    request(route="/a/:id")
    ar.stop()
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(records) == 1
    record = records[0]
    assert record["name"] == "GET /a/:id"
    assert record["kind"] == "SERVER"
    assert record["local_root"] is True
    assert record["attributes"]["http.route"] == "/a/:id"
    assert set(record) >= {
        "trace_id",
        "span_id",
        "parent_span_id",
        "duration_ms",
        "status",
        "error",
    }


def test_jsonl_exporter_reports_failure_for_an_unwritable_path(tmp_path):
    exporter = JsonlExporter(str(tmp_path / "missing" / "dir" / "x.jsonl"))
    from opentelemetry.sdk.trace.export import SpanExportResult

    assert exporter.export([]) is SpanExportResult.FAILURE


def test_configuration_precedence_keywords_then_environment_then_defaults(monkeypatch):
    monkeypatch.setenv("APPSIGNAL_APP_NAME", "from-env")
    monkeypatch.setenv("APPSIGNAL_OPENTELEMETRY_PORT", "9000")
    monkeypatch.setenv("APPSIGNAL_IGNORE_ACTIONS", "GET /health, GET /ping")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "svc")
    config = resolve({"name": "from-kwarg"})
    assert config.name == "from-kwarg"
    assert config.opentelemetry_port == 9000
    assert config.ignore_actions == ("GET /health", "GET /ping")
    assert config.resolved_service_name == "svc"
    assert config.environment == "development"
    assert config.exporter == "console"


@pytest.mark.parametrize(
    ("env", "exporter"),
    [
        ({"APPSIGNAL_COLLECTOR_ENDPOINT": "https://collector.example.com/"}, "collector"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, "otlp"),
        ({"APPSIGNAL_APP_ENV": "development"}, "console"),
        ({"APPSIGNAL_APP_ENV": "production"}, "none"),
    ],
)
def test_default_exporter_choice(env, exporter):
    config = resolve({}, env)
    assert config.exporter == exporter
    assert bool(config.warnings) == (exporter == "none")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"opentelemetry_port": 0}, "opentelemetry_port=0"),
        ({"opentelemetry_port": "8099"}, "must be an int"),
        ({"collector_endpoint": "collector:4318"}, "collector_endpoint='collector:4318'"),
        ({"exporter": "zipkin"}, "exporter='zipkin'"),
        ({"route_style": "express"}, "route_style='express'"),
        ({"max_groups": 0}, "max_groups=0"),
        ({"active": "yes"}, "active='yes'"),
        ({"ignore_actions": "GET /x"}, "list of str"),
        ({"routes": [1]}, "list of str"),
        ({"name": ""}, "non-empty str"),
    ],
)
def test_bad_values_fail_at_start_naming_option_and_value(options, message):
    with pytest.raises(ValueError) as excinfo:
        ar.start(**options)
    assert message in str(excinfo.value)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("APPSIGNAL_OPENTELEMETRY_PORT", "eighty", "APPSIGNAL_OPENTELEMETRY_PORT='eighty'"),
        ("APPSIGNAL_ACTIVE", "maybe", "APPSIGNAL_ACTIVE='maybe'"),
    ],
)
def test_bad_environment_values_fail_at_start(monkeypatch, key, value, message):
    monkeypatch.setenv(key, value)
    with pytest.raises(ValueError) as excinfo:
        ar.start()
    assert message in str(excinfo.value)


def test_unknown_option_is_a_type_error():
    with pytest.raises(TypeError, match="unexpected keyword"):
        ar.start(colector_endpoint="https://x")  # type: ignore[call-arg]


def test_push_api_key_is_masked_in_repr_and_masked_form():
    config = resolve({"push_api_key": "secret-abcdef-1234"})
    assert "secret" not in repr(config)
    assert config.masked_push_api_key == "********1234"
    assert resolve({"push_api_key": "short"}).masked_push_api_key == "********"
    assert resolve({}).masked_push_api_key is None


def test_otlp_exporters_are_built_for_collector_agent_and_otlp():
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    from appsignal_routes._exporters import build_exporter

    collector = build_exporter(resolve({"collector_endpoint": "https://c.example.com"}))
    agent = build_exporter(resolve({"exporter": "agent", "opentelemetry_port": 8123}))
    otlp = build_exporter(resolve({"exporter": "otlp"}))
    assert isinstance(collector, OTLPSpanExporter)
    assert collector._endpoint == "https://c.example.com/v1/traces"
    assert agent._endpoint == "http://localhost:8123/v1/traces"
    assert isinstance(otlp, OTLPSpanExporter)
    assert build_exporter(resolve({"exporter": "none"})) is None


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
    assert agent.export_processor.force_flush()
