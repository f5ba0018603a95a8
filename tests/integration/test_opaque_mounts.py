"""A mounted app the toolkit cannot see into (a plain WSGI or ASGI callable) never
outranks a declared route: Bottle's ``mount`` under gunicorn and Litestar's ``asgi``
mount under uvicorn, real HTTP, OTLP to the loopback receiver (issue 23)."""

from __future__ import annotations

import httpx
import pytest

from ..receiver import running_receiver
from .servers import serving_process

#: (method, path, status, exported group, route source)
CASES = [
    ("GET", "/items/3", 200, "GET /items/{}", "discovered"),
    ("GET", "/legacy/add", 200, "GET /legacy/add", "registry"),
    ("POST", "/legacy/add", 200, "POST /legacy/add", "registry"),
    ("GET", "/legacy/other/1", 200, "GET /legacy", "discovered"),
    ("GET", "/nowhere", 404, "GET", "method"),
]


@pytest.mark.parametrize(
    ("server", "app", "item_route"),
    [
        ("gunicorn-gthread", "tests.integration.apps.opaque_mounts:bottle_app", "<item_id:int>"),
        ("uvicorn", "tests.integration.apps.opaque_mounts:litestar_app", "{item_id:int}"),
    ],
)
def test_a_declared_route_outranks_a_mount_none_can_see_into(server, app, item_route):
    with (
        running_receiver() as receiver,
        serving_process(server, app, receiver.endpoint) as running,
        httpx.Client(base_url=running.url, timeout=30) as client,
    ):
        responses = []
        for rid, (method, path, *_) in enumerate(CASES):
            response = client.request(method, path, headers={"x-request-id": str(rid)})
            responses.append((response.status_code, response.text))
        roots = receiver.wait_for(len(CASES))

    assert [status for status, _ in responses] == [status for _, _, status, _, _ in CASES]
    assert responses[1][1].startswith("legacy /add")  # the mounted app answered it
    assert len(roots) == len(CASES), running.log()
    by_id = {int(s.attributes["http.request.header.x_request_id"][0]): s for s in roots}
    observed = [
        (
            by_id[rid].name,
            by_id[rid].attributes.get("http.route"),
            by_id[rid].attributes.get("appsignal_routes.route_source"),
        )
        for rid in range(len(CASES))
    ]
    expected = []
    for _, _, _, written, source in CASES:
        group = written.replace("{}", item_route)
        expected.append((group, group.partition(" ")[2] or None, source))
    assert observed == expected
