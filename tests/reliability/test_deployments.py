"""Three production deployments that misgrouped or lost requests (issue 16), each under
the real server, with a real client and the loopback collector.

1. WebSocket handshakes under uvicorn (httptools + websockets, h11 + wsproto): one route
   is one group, ``HTTP /ws/:room``, whether the handler ran or the handshake was
   refused before it.
2. uvicorn ``--workers 2``, lifespan on and off (the app is imported inside uvicorn's
   own signal capture, which later restores the default handler past ours and re-raises
   SIGTERM): no span of a completed request is lost at SIGTERM. Django too.
3. A body over 64 KiB, then keep-alive requests on the same connection: each request is
   its own root SERVER span, its parent the incoming ``traceparent`` or none.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from ..integration.servers import serving_process
from ..integration.traffic import by_request_id, plan, send
from ..receiver import ReceivedSpan, running_receiver
from .figures import record
from .test_restarts import QUEUED, sigterm_mid_traffic

DEPLOY = "tests.integration.apps.deploy_app:app"
ASGI = "tests.integration.apps.asgi_app:app"
DJANGO = "tests.integration.apps.django_asgi:application"
SERVER_KIND = 2
UVICORN_PROTOCOLS = ["uvicorn", "uvicorn-h11"]  # httptools + websockets, h11 + wsproto


def wait_until_serving(url: str, timeout: float = 30) -> None:
    """Pre-fork servers listen before their workers have imported the app."""
    deadline = time.monotonic() + timeout
    for attempt in itertools.count():
        if _answers(url, 10**6 + attempt) or time.monotonic() > deadline:
            return
        time.sleep(0.1)


def _answers(url: str, rid: int) -> bool:
    """One request, with a request id of its own (never one of the test's)."""
    try:
        httpx.get(f"{url}/r0/items/0", headers={"x-request-id": str(rid)}, timeout=2)
    except httpx.TransportError:
        return False
    return True


def request_id(span: ReceivedSpan) -> int | None:
    values = span.attributes.get("http.request.header.x_request_id")
    return int(values[0]) if values else None


# 1. WebSocket handshakes ----------------------------------------------------------

HANDSHAKES = 40  # half accepted by the handler, half refused before it


async def handshakes(base: str) -> dict[int, str]:
    """Open each WebSocket; the outcome per request id: ``accepted`` or ``refused``."""
    url = base.replace("http://", "ws://")
    outcome: dict[int, str] = {}
    for rid in range(HANDSHAKES):
        accepted = rid % 2 == 0
        query = "?token=ok" if accepted else ""
        headers = {"x-request-id": str(rid)}
        try:
            async with websockets.connect(
                f"{url}/ws/room{rid}{query}", additional_headers=headers
            ) as ws:
                await ws.send("hello")
                assert await ws.recv() == f"/ws/room{rid}:hello"
            outcome[rid] = "accepted"
        except InvalidStatus as refused:
            # closed before accept: uvicorn answers the handshake 403
            outcome[rid] = f"refused {refused.response.status_code}"
    return outcome


@pytest.mark.parametrize("server", UVICORN_PROTOCOLS)
def test_a_websocket_route_is_one_group_whether_or_not_its_handler_ran(server):
    with running_receiver() as receiver, serving_process(server, DEPLOY, receiver.endpoint) as proc:
        outcome = asyncio.run(handshakes(proc.url))
        roots = by_request_id(receiver.wait_for(HANDSHAKES, timeout=20))
    groups = {
        rid: (
            span.name,
            span.attributes.get("appsignal.action_name"),
            span.attributes.get("http.route"),
        )
        for rid, span in roots.items()
    }
    wanted = ("HTTP /ws/:room", "HTTP /ws/:room", "/ws/:room")
    misgrouped = {rid: group for rid, group in groups.items() if group != wanted}
    record(
        f"websocket-{server}",
        handshakes=len(outcome),
        accepted=sum(o == "accepted" for o in outcome.values()),
        refused=sum(o == "refused 403" for o in outcome.values()),
        spans=len(roots),
        lost=HANDSHAKES - len(roots),
        misgrouped=len(misgrouped),
        groups=sorted({g[0] for g in groups.values()}),
    )
    assert list(outcome.values()).count("refused 403") == HANDSHAKES // 2
    assert len(roots) == HANDSHAKES, proc.log()
    assert misgrouped == {}


# 2. SIGTERM under uvicorn --workers -----------------------------------------------


@pytest.mark.parametrize(
    "server",
    ["uvicorn-workers", "uvicorn-workers-no-lifespan", "uvicorn-no-lifespan", "gunicorn-uvicorn"],
)
def test_sigterm_mid_traffic_loses_nothing_under_workers(server):
    sigterm_mid_traffic(server, ASGI, wait_until_serving)


@pytest.mark.parametrize("server", ["uvicorn-workers", "uvicorn-workers-no-lifespan"])
def test_django_under_uvicorn_workers_loses_nothing_at_sigterm(server):
    """Bounded traffic, then SIGTERM with slow requests still in flight."""
    planned = plan(200, seed=5)
    with (
        running_receiver() as receiver,
        serving_process(server, DJANGO, receiver.endpoint, QUEUED) as proc,
    ):
        wait_until_serving(proc.url)
        sent = send(proc.url, planned, workers=8)
        slow_done: list[int] = []

        def slow(rid: int) -> None:
            response = httpx.get(
                f"{proc.url}/slow/500", headers={"x-request-id": str(rid)}, timeout=10
            )
            if response.status_code == 200:
                slow_done.append(rid)

        slow_clients = [threading.Thread(target=slow, args=(1000 + n,)) for n in range(4)]
        for thread in slow_clients:
            thread.start()
        time.sleep(0.2)  # the slow requests are in flight
        exit_seconds = proc.terminate(timeout=20)
        for thread in slow_clients:
            thread.join()
        answered = [s.planned.rid for s in sent if s.status == 200] + slow_done
        exported = by_request_id(receiver.wait_for(len(answered), timeout=10))
        lost = sorted(set(answered) - set(exported))
        record(
            f"sigterm-django-{server}",
            requests=len(planned) + len(slow_clients),
            answered=len(answered),
            in_flight_at_signal=len(slow_clients),
            exported=len(set(answered) & set(exported)),
            lost=len(lost),
            exit_seconds=round(exit_seconds, 2),
        )
        assert len(slow_done) == len(slow_clients), proc.log()
        assert len(answered) == len(planned) + len(slow_clients)
        assert lost == [], f"{len(lost)} of {len(answered)} lost; server log:\n{proc.log()}"
    assert exit_seconds < 15


# 3. A large upload, then keep-alive requests ---------------------------------------

ROUNDS = 5
AFTER_UPLOAD = 20
UPLOAD = b"x" * (200 * 1024)  # over uvicorn's 64 KiB high-water mark: reading pauses


def traceparent(rid: int) -> str:
    return f"00-{rid + 1:032x}-{rid + 1:016x}-01"


@pytest.mark.parametrize("server", UVICORN_PROTOCOLS)
def test_requests_after_a_large_upload_on_one_connection_are_their_own_roots(server):
    expected: dict[int, tuple[str, str | None]] = {}  # rid -> (group, remote parent span id)
    with running_receiver() as receiver, serving_process(server, DEPLOY, receiver.endpoint) as proc:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        with httpx.Client(base_url=proc.url, limits=limits, timeout=10) as http:
            rid = 0
            for _ in range(ROUNDS):
                response = http.post("/upload", content=UPLOAD, headers={"x-request-id": str(rid)})
                assert response.text == str(len(UPLOAD))
                expected[rid] = ("POST /upload", None)
                rid += 1
                for _ in range(AFTER_UPLOAD):
                    headers = {"x-request-id": str(rid)}
                    parent = None
                    if rid % 2:  # every other request continues a remote trace
                        headers["traceparent"] = traceparent(rid)
                        parent = f"{rid + 1:016x}"
                    assert http.get(f"/items/{rid}", headers=headers).status_code == 200
                    expected[rid] = ("GET /items/:item_id", parent)
                    rid += 1
        deadline = time.monotonic() + 20
        while len(receiver.spans) < len(expected) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # anything more (an INTERNAL span in another request's trace)
    spans = list(receiver.spans)
    servers = {request_id(s): s for s in spans if s.kind == SERVER_KIND}
    captured = [s for s in spans if s.kind != SERVER_KIND]  # children of another request
    wrong = {
        rid: (span.name, span.parent_span_id or None)
        for rid, span in servers.items()
        if rid is not None and (span.name, span.parent_span_id or None) != expected[rid]
    }
    traces = [s.trace_id for s in servers.values()]
    record(
        f"upload-keepalive-{server}",
        requests=len(expected),
        server_spans=len(servers),
        captured_by_another_request=len(captured),
        lost=len(expected) - len(servers),
        misgrouped_or_misparented=len(wrong),
    )
    assert captured == []
    assert set(servers) == set(expected)
    assert wrong == {}
    assert len(set(traces)) == len(traces)  # no two requests glued into one trace
