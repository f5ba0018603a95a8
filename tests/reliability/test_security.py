"""Security: the push API key stays secret, query strings stay out of group names, and
headers are captured only when configured."""

from __future__ import annotations

import logging
import os

import pytest

import appsignal_routes as ar
from appsignal_routes._agent.agent import current_agent

from ..command import appsignal_routes
from ..receiver import running_receiver
from .inprocess import call_asgi, call_wsgi, ok_asgi, ok_wsgi

KEY = "secret-push-key-4d2c9f7e"
QUERY = "token=s3cr3t-value&user=42"


def exported_requests(receiver_endpoint: str, **options: object) -> None:
    """start(), a few requests through both middlewares, stop(): spans go to the receiver."""
    ar.start(
        exporter="collector",
        collector_endpoint=receiver_endpoint,
        push_api_key=KEY,
        name="security",
        **options,  # type: ignore[arg-type]
    )
    ar.start(push_api_key=KEY)  # the second call logs that it keeps the running agent
    ar.route("/users/:id")(ok_wsgi)
    wsgi = ar.instrument(ok_wsgi, infer_routes=True)
    asgi = ar.instrument(ok_asgi, infer_routes=True)
    headers = {"Authorization": f"Bearer {KEY}", "Cookie": "session=abc", "X-Request-Id": "7"}
    for path in ("/users/42", "/orders/12345", "/missing"):
        call_wsgi(wsgi, path, query=QUERY, headers=headers)
        call_asgi(asgi, path, query=QUERY)
    ar.stop()


def test_the_push_key_travels_only_as_the_resource_attribute(caplog):
    with caplog.at_level(logging.DEBUG), running_receiver() as receiver:
        exported_requests(receiver.endpoint)
        spans = receiver.wait_for(6)
    assert len(spans) == 6
    for span in receiver.spans:
        assert span.resource["appsignal.config.push_api_key"] == KEY
        assert not any(KEY in str(value) for value in span.attributes.values()), span.attributes
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert caplog.records  # there was logging to look at
    assert KEY not in logged


def test_the_push_key_is_masked_in_the_agent_repr():
    agent = ar.start(exporter="memory", push_api_key=KEY)
    assert KEY not in repr(agent)
    assert KEY not in repr(current_agent())


def test_diagnose_masks_the_push_key():
    env = {
        **os.environ,
        "APPSIGNAL_PUSH_API_KEY": KEY,
        "APPSIGNAL_COLLECTOR_ENDPOINT": "http://127.0.0.1:9",
    }
    result = appsignal_routes("diagnose", env=env)
    assert "push_api_key" in result.stdout
    assert KEY not in result.stdout + result.stderr
    assert "********9f7e" in result.stdout  # masked: only the last four characters


def test_query_strings_never_reach_group_names():
    with running_receiver() as receiver:
        exported_requests(receiver.endpoint)
        roots = receiver.wait_for(6)
    names = sorted(span.name for span in roots)
    assert names == [
        "GET",
        "GET",
        "GET /orders/:order_id",
        "GET /orders/:order_id",
        "GET /users/:id",
        "GET /users/:id",
    ]
    for span in roots:
        for key in ("http.route", "appsignal.action_name", "appsignal.root_name"):
            assert "s3cr3t" not in str(span.attributes.get(key, ""))


def test_headers_are_not_captured_unless_configured(monkeypatch):
    for name in list(os.environ):
        if name.startswith("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS"):
            monkeypatch.delenv(name)
    with running_receiver() as receiver:
        exported_requests(receiver.endpoint)
        roots = receiver.wait_for(6)
    assert roots
    for span in roots:
        assert not [k for k in span.attributes if ".header." in k], span.attributes


@pytest.mark.parametrize("configured", ["x-request-id"])
def test_only_the_configured_headers_are_captured(monkeypatch, configured):
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST", configured)
    with running_receiver() as receiver:
        exported_requests(receiver.endpoint)
        roots = receiver.wait_for(6)
    wsgi_roots = [s for s in roots if "http.request.header.x_request_id" in s.attributes]
    assert len(wsgi_roots) == 3
    for span in roots:
        headers = [k for k in span.attributes if ".header." in k]
        assert headers in ([], ["http.request.header.x_request_id"])
