"""Load: 5,000 requests over 20 routes from 32 concurrent clients, nothing lost or misgrouped.

Handlers call decorated helpers (the first annotation must win), and batches of
parallel requests share one trace id through ``traceparent``.
"""

from __future__ import annotations

import pytest

from ..integration.servers import serving
from ..integration.traffic import EXPECTED_STATUS, misgrouped, plan, send, wait_for_requests
from ..receiver import running_receiver
from .figures import record

REQUESTS = 5000
CLIENTS = 32


@pytest.mark.parametrize(
    ("server", "app"),
    [
        ("gunicorn-gthread", "tests.integration.apps.wsgi_app:app"),
        ("uvicorn", "tests.integration.apps.asgi_app:app"),
    ],
)
def test_load_loses_and_misgroups_nothing(server, app):
    planned = plan(REQUESTS, seed=11)
    with running_receiver() as receiver, serving(server, app, receiver.endpoint) as base:
        sent = send(base, planned, workers=CLIENTS)
        exported = wait_for_requests(receiver, sent)
    resent = sum(s.attempts > 1 for s in sent)

    assert [s.status for s in sent] == [EXPECTED_STATUS.get(p.path, 200) for p in planned]
    lost = REQUESTS - len(exported)
    wrong = misgrouped(sent, exported)
    shared = [p for p in planned if p.traceparent]
    assert all(exported[p.rid].trace_id == p.traceparent.split("-")[1] for p in shared)  # type: ignore[union-attr]
    record(
        f"load-{server}",
        requests=REQUESTS,
        clients=CLIENTS,
        routes=len({p.group for p in planned}),
        shared_trace_requests=len(shared),
        resent_after_a_broken_connection=resent,
        lost=lost,
        misgrouped=len(wrong),
    )
    assert lost == 0
    assert wrong == []
