"""Real servers, a real HTTP client, real OTLP protobuf to a loopback receiver.

240 concurrent requests over 20 routes, some batches sharing one trace id through
``traceparent``; every exported root span must carry the group its request belongs to.
"""

from __future__ import annotations

import pytest

from ..receiver import running_receiver
from .servers import serving
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
    exported = by_request_id(roots)  # nothing doubled
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
