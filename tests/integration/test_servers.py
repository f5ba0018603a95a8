"""Real servers, a real HTTP client, real OTLP protobuf to a loopback receiver.

At least 200 concurrent requests over more than 10 routes, some batches sharing one
trace id through ``traceparent``; every exported root span must carry the group its
request belongs to.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ..receiver import running_receiver
from .apps.routes import CASES
from .servers import serving

REQUESTS = 240


def _traceparent(batch: int) -> str:
    return f"00-{batch + 1:032x}-{batch + 7:016x}-01"


def _plan() -> list[tuple[int, str, str, str | None]]:
    rng = random.Random(7)
    plan = []
    for rid in range(REQUESTS):
        path, group = CASES[rid % len(CASES)] if rid < len(CASES) else rng.choice(CASES)
        # every 4th batch of 8 requests shares one upstream trace id
        traceparent = _traceparent(rid // 8) if (rid // 8) % 4 == 0 else None
        plan.append((rid, path, group, traceparent))
    return plan


@pytest.mark.parametrize(
    ("server", "app"),
    [
        ("gunicorn-gthread", "tests.integration.apps.wsgi_app:app"),
        ("uvicorn", "tests.integration.apps.asgi_app:app"),
    ],
)
def test_concurrent_requests_are_grouped_exactly(server, app):
    plan = _plan()
    with running_receiver() as receiver, serving(server, app, receiver.endpoint) as base:
        with httpx.Client(base_url=base, timeout=30) as client:

            def send(item):
                rid, path, _group, traceparent = item
                headers = {"x-request-id": str(rid)}
                if traceparent:
                    headers["traceparent"] = traceparent
                return client.get(path, headers=headers).status_code

            with ThreadPoolExecutor(max_workers=32) as pool:
                statuses = list(pool.map(send, plan))
        roots = receiver.wait_for(REQUESTS)

    expected_status = {"/admin/panel": 401, "/missing/path": 404, "/crash": 500}
    assert statuses == [expected_status.get(path, 200) for _, path, _, _ in plan]
    assert len(roots) == REQUESTS  # nothing lost, nothing doubled
    by_rid = {}
    for span in roots:
        header = span.attributes["http.request.header.x_request_id"]
        by_rid[int(header[0])] = span
    misgrouped = [
        (rid, path, group, by_rid[rid].name)
        for rid, path, group, _ in plan
        if by_rid[rid].name != group
    ]
    assert misgrouped == []
    for rid, _path, _group, traceparent in plan:
        if traceparent:
            assert by_rid[rid].trace_id == traceparent.split("-")[1]
    sample = by_rid[10]
    assert sample.attributes["http.route"] == "/users/{user_id:int}"
    assert sample.attributes["appsignal_routes.route_source"] == "decorator"
    assert sample.resource["appsignal.config.name"].startswith("integration-")
    assert sample.resource["appsignal.config.language_integration"] == "python"
    assert sample.resource["appsignal.config.push_api_key"] == "test-key-0000"
    assert by_rid[13].attributes["appsignal_routes.route_source"] == "registry"  # the 401
    assert by_rid[12].attributes["appsignal.root_name"] == "Reports#daily"
    assert receiver.paths and set(receiver.paths) == {"/v1/traces"}
