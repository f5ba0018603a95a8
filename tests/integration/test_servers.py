"""Real servers, a real HTTP client, real OTLP protobuf to a loopback receiver.

240 concurrent requests over 20 routes, some batches sharing one trace id through
``traceparent``; every exported root span must carry the group its request belongs to.
"""

from __future__ import annotations

import time

import pytest

from ..receiver import running_receiver
from .apps.routes import CASES
from .servers import serving, serving_process
from .traffic import EXPECTED_STATUS, by_request_id, misgrouped, plan, send

REQUESTS = 240


@pytest.mark.parametrize(
    ("server", "app"),
    [
        ("gunicorn-gthread", "tests.integration.apps.wsgi_app:app"),
        ("uvicorn", "tests.integration.apps.asgi_app:app"),
    ],
)
def test_concurrent_requests_are_grouped_exactly(server, app):
    planned = plan(REQUESTS)
    with running_receiver() as receiver, serving(server, app, receiver.endpoint) as base:
        sent = send(base, planned)
        roots = receiver.wait_for(REQUESTS)

    assert [s.status for s in sent] == [EXPECTED_STATUS.get(p.path, 200) for p in planned]
    assert len(roots) == REQUESTS  # nothing lost
    exported = by_request_id(roots, sent)  # nothing doubled
    assert misgrouped(sent, exported) == []
    for item in planned:
        if item.traceparent:
            assert exported[item.rid].trace_id == item.traceparent.split("-")[1]
    user = exported[14]
    assert user.attributes["http.route"] == "/users/{user_id:int}"
    assert user.attributes["appsignal_routes.route_source"] == "decorator"
    assert user.resource["appsignal.config.name"].startswith("integration-")
    assert user.resource["appsignal.config.language_integration"] == "python"
    assert user.resource["appsignal.config.push_api_key"] == "test-key-0000"
    assert exported[16].attributes["appsignal.root_name"] == "Reports#daily"
    assert exported[17].attributes["appsignal_routes.route_source"] == "registry"  # the 401
    assert receiver.paths and set(receiver.paths) == {"/v1/traces"}


def test_with_the_appsignal_package_only_the_grouping_is_added():
    """AppSignal's own OpenTelemetry set-up exports; start() adds the grouping processor."""
    planned = plan(len(CASES) * 3)
    with (
        running_receiver() as receiver,
        serving_process(
            "gunicorn-gthread",
            "tests.integration.apps.wsgi_app:app",
            receiver.endpoint,
            # both packages read the endpoint from the environment
            {"TEST_WITH_APPSIGNAL": "1", "APPSIGNAL_COLLECTOR_ENDPOINT": receiver.endpoint},
        ) as server,
    ):
        sent = send(server.url, planned)
        roots = receiver.wait_for(len(planned))
        time.sleep(0.5)  # a second exporter, if there were one, would have sent by now
        roots = receiver.roots()

    assert [s.status for s in sent] == [EXPECTED_STATUS.get(p.path, 200) for p in planned]
    exported = by_request_id(roots, sent)  # fails on a span exported twice
    assert len(exported) == len(planned), server.log()
    assert misgrouped(sent, exported) == []
    resource = roots[0].resource
    # the resource is AppSignal's own: set by its package, not by start()
    assert resource["appsignal.config.name"] == "integration-appsignal"
    assert resource["appsignal.config.revision"] == "abc123"
    assert resource["appsignal.config.push_api_key"] == "test-key-0000"
    assert "process.pid" in resource  # AppSignal asks for the process resource detector
    assert exported[16].attributes["appsignal.action_name"] == "Reports#daily"
