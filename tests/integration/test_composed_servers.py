"""Composed apps under real servers, a real HTTP client, OTLP to the loopback receiver:
every request to a mounted app is grouped by that app's route below the mount's
prefix, the requests a mounted app refuses before its view included (issue 23)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ..receiver import running_receiver
from .servers import serving_process

#: (method, path, status, group) of the FastAPI app with Flask mounted at /legacy
FASTAPI_A2WSGI = [
    ("GET", "/items/1", 200, "GET /items/{item_id}"),
    ("GET", "/legacy/users/7", 200, "GET /legacy/users/<int:user_id>"),
    ("POST", "/legacy/add", 200, "POST /legacy/add"),
    ("GET", "/legacy/admin/stats", 401, "GET /legacy/admin/stats"),
    ("DELETE", "/legacy/users/7", 405, "DELETE /legacy/users/<int:user_id>"),
    ("GET", "/legacy/nowhere", 404, "GET"),
    ("GET", "/nowhere", 404, "GET"),
]

#: (method, path, status, group) of two Flask apps behind DispatcherMiddleware
DISPATCHER = [
    ("GET", "/users/7", 200, "GET /users/<int:user_id>"),
    ("POST", "/add", 200, "POST /add"),
    ("GET", "/backend/users/8", 200, "GET /backend/users/<int:user_id>"),
    ("POST", "/backend/add", 200, "POST /backend/add"),
    ("GET", "/backend/admin/stats", 401, "GET /backend/admin/stats"),
    ("PUT", "/backend/users/8", 405, "PUT /backend/users/<int:user_id>"),
    ("GET", "/backend/nowhere", 404, "GET"),
]

ROUNDS = 6  # each request this many times, concurrently


@pytest.mark.parametrize(
    ("server", "app", "cases"),
    [
        ("uvicorn", "tests.integration.apps.composed:fastapi_app", FASTAPI_A2WSGI),
        ("gunicorn-gthread", "tests.integration.apps.composed:dispatcher_app", DISPATCHER),
        ("waitress", "tests.integration.apps.composed:dispatcher_app", DISPATCHER),
    ],
)
def test_mounted_apps_are_grouped_by_their_own_routes(server, app, cases):
    planned = [case for _ in range(ROUNDS) for case in cases]
    with (
        running_receiver() as receiver,
        serving_process(server, app, receiver.endpoint) as running,
        httpx.Client(base_url=running.url, timeout=30) as client,
    ):

        def one(rid: int) -> int:
            method, path, _, _ = planned[rid]
            headers = {"x-request-id": str(rid), "x-forwarded-for": "10.1.2.3"}
            return client.request(method, path, headers=headers).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(one, range(len(planned))))
        roots = receiver.wait_for(len(planned))

    assert statuses == [status for _, _, status, _ in planned], running.log()
    assert len(roots) == len(planned), running.log()  # none lost, none traced twice
    by_id = {int(s.attributes["http.request.header.x_request_id"][0]): s for s in roots}
    assert len(by_id) == len(planned)
    grouped = [by_id[rid].name for rid in range(len(planned))]
    assert grouped == [group for *_, group in planned]
    routed = by_id[1]  # the mounted Flask app's first route
    assert routed.attributes["http.route"] == planned[1][3].partition(" ")[2]
    assert routed.attributes["appsignal_routes.route_source"] == "discovered"
