"""start()'s configuration: keywords, then environment, then defaults; bad values fail at
start naming the option and the value; the push API key is masked."""

from __future__ import annotations

import pytest

import appsignal_routes as ar
from appsignal_routes._agent.config import resolve

from ..calls import clear_appsignal_env


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    clear_appsignal_env(monkeypatch)


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
        ({"regex_routes": "pretty"}, "regex_routes='pretty'"),
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
