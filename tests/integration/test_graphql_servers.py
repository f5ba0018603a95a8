"""GraphQL APIs as deployed (issue 27): each library and integration under a real server
(uvicorn for ASGI, waitress for WSGI), a real HTTP client, real OTLP to the loopback
receiver. Every named operation is its own group, everything else the endpoint's;
none lost, none traced twice, concurrent requests apart."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ..receiver import running_receiver
from .apps.graphql_apps import APPS
from .graphql_traffic import REQUESTS
from .servers import serving

ROUNDS = 3  # each request sent this many times, all at once
ERROR = 2  # OTLP's STATUS_CODE_ERROR


@pytest.mark.parametrize("name", list(APPS))
def test_every_request_has_its_group_under_a_real_server(name):
    served = APPS[name]
    server = "uvicorn" if served.interface == "asgi" else "waitress"
    planned = [(rid, REQUESTS[rid % len(REQUESTS)]) for rid in range(len(REQUESTS) * ROUNDS)]
    with (
        running_receiver() as receiver,
        serving(
            server, f"tests.integration.apps.graphql_apps:served_{name}", receiver.endpoint
        ) as base,
        httpx.Client(base_url=base) as client,
    ):

        def one(item):
            rid, sent = item
            headers = {"x-request-id": str(rid)}
            if sent.method == "POST":
                headers["content-type"] = "application/json"
            return client.request(
                sent.method, sent.path(served), content=sent.data(), headers=headers
            ).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(one, planned))
        roots = receiver.wait_for(len(planned))

    assert all(status < 500 for status in statuses)
    assert len(roots) == len(planned)  # nothing lost, nothing traced twice
    by_rid = {int(root.attributes["http.request.header.x_request_id"][0]): root for root in roots}
    assert sorted(by_rid) == [rid for rid, _ in planned]
    for rid, sent in planned:
        root = by_rid[rid]
        assert root.name == sent.expected(served), (rid, sent.label)
        assert (root.status_code == ERROR) is sent.error, (rid, sent.label)
        if sent.group is not None:
            assert root.attributes["appsignal.root_name"] == sent.group
            assert root.attributes["appsignal_routes.route_source"] == "graphql"
            assert root.attributes["graphql.operation.name"] == sent.group.split(" ")[1]
        else:
            assert "graphql.operation.name" not in root.attributes
