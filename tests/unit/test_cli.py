"""The command line: demo on a real server, report of a jsonl file, diagnose."""

from __future__ import annotations

import json

import pytest

from appsignal_routes._cli.command import main

from ..command import appsignal_routes


def test_demo_prints_the_grouped_table():
    result = appsignal_routes("demo", timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    rows = {
        line.split("  ")[0].strip(): line.split()
        for line in out.splitlines()
        if line and not line.startswith(("-", "group", "50"))
    }
    assert "50 requests" in out
    assert (
        rows["GET /users/:user_id"][-4] == "16"
    )  # /users/1 ... /users/12 and /users/42 share one group
    assert rows["ReportHandlers#daily"][-4] == "6"  # the class handler
    assert rows["GET /admin/stats"][-4] == "10"  # 4 served + 6 answered 401 before the handler
    assert rows["GET /orders/{order_id:int}"][-3] == "2"  # two 500s
    assert rows["GET"][-4] == "4"  # the 404s
    assert not any("/users/1 " in line for line in out.splitlines())
    assert result.stderr == ""


def test_demo_in_process_prints_the_same_groups(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "GET /users/:user_id" in out
    assert "ReportHandlers#daily" in out


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def record(name, source, path, error=False, duration=2.0, kind="SERVER", local_root=True):
    return {
        "name": name,
        "kind": kind,
        "local_root": local_root,
        "error": error,
        "duration_ms": duration,
        "attributes": {"appsignal_routes.route_source": source, "url.path": path},
    }


def test_report_groups_and_lists_ungrouped_paths_with_suggestions(tmp_path, capsys):
    path = tmp_path / "spans.jsonl"
    write_jsonl(
        path,
        [
            record("GET /users/:id", "decorator", "/users/1"),
            record("GET /users/:id", "decorator", "/users/2", error=True, duration=10.0),
            record("GET", "method", "/orders/17"),
            record("GET", "method", "/orders/18?x=1"),
            record("GET", "method", "/favicon.ico"),
            record("db", "", "", kind="INTERNAL", local_root=False),
        ],
    )
    assert main(["report", str(path)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[2].split() == ["GET", "3", "0", "2.0", "2.0"]
    assert lines[3].split() == ["GET", "/users/:id", "2", "1", "2.0", "10.0"]
    assert "ungrouped paths" in out
    ungrouped = out.split("ungrouped paths")[1].splitlines()[1:]
    assert "/orders/17" in ungrouped[0] and "@route('/orders/:order_id')" in ungrouped[0]
    assert "/favicon.ico" in out and "@route('/favicon.ico')" in out


def test_report_of_a_missing_file_is_a_clear_error(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


@pytest.fixture
def clean_env(monkeypatch):
    for key in (
        "APPSIGNAL_COLLECTOR_ENDPOINT",
        "APPSIGNAL_PUSH_API_KEY",
        "APPSIGNAL_APP_NAME",
        "APPSIGNAL_APP_ENV",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    ):
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def test_diagnose_good_configuration(clean_env, capsys):
    assert main(["diagnose"]) == 0
    out = capsys.readouterr().out
    assert "exporter             console" in out
    assert "opentelemetry-sdk" in out
    assert "problems: none found" in out


def test_diagnose_broken_configuration_masks_the_key(clean_env, capsys):
    clean_env.setenv("APPSIGNAL_COLLECTOR_ENDPOINT", "http://127.0.0.1:9")
    clean_env.setenv("APPSIGNAL_PUSH_API_KEY", "very-secret-key-9876")
    assert main(["diagnose"]) == 1
    out = capsys.readouterr().out
    assert "very-secret" not in out
    assert "********9876" in out
    assert "UNREACHABLE" in out
    assert "no app name" in out


def test_diagnose_invalid_value(clean_env, capsys):
    clean_env.setenv("APPSIGNAL_OPENTELEMETRY_PORT", "x")
    assert main(["diagnose"]) == 1
    assert "APPSIGNAL_OPENTELEMETRY_PORT='x'" in capsys.readouterr().out
