"""The exporters start() builds: console, jsonl, and OTLP for collector, agent and otlp."""

from __future__ import annotations

import io
import json

import pytest
from opentelemetry import trace

import appsignal_routes as ar
from appsignal_routes._agent.config import resolve
from appsignal_routes._agent.exporters import ConsoleExporter, JsonlExporter, build_exporter

from ..calls import clear_appsignal_env
from ..calls import server_request as request


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    clear_appsignal_env(monkeypatch)


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


def test_otlp_exporters_are_built_for_collector_agent_and_otlp():
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    collector = build_exporter(resolve({"collector_endpoint": "https://c.example.com"}))
    agent = build_exporter(resolve({"exporter": "agent", "opentelemetry_port": 8123}))
    otlp = build_exporter(resolve({"exporter": "otlp"}))
    assert isinstance(collector, OTLPSpanExporter)
    assert collector._endpoint == "https://c.example.com/v1/traces"
    assert agent._endpoint == "http://localhost:8123/v1/traces"
    assert isinstance(otlp, OTLPSpanExporter)
    assert build_exporter(resolve({"exporter": "none"})) is None
