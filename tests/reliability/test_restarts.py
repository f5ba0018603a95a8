"""Graceful stops: SIGTERM in the middle of traffic loses no span of a completed request.

Each server stops its own way: gunicorn and hypercorn exit normally (``atexit``
flushes), uvicorn re-raises SIGTERM after its shutdown (the ASGI lifespan shutdown
flushes), waitress keeps the default handler (the handler ``start()`` chains flushes).
Also: gunicorn ``--preload`` forks after ``start()``, and every worker must export.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from ..integration.apps.routes import CASES
from ..integration.servers import serving_process
from ..integration.traffic import by_request_id, plan, send
from ..receiver import running_receiver
from .figures import record

WSGI = "tests.integration.apps.wsgi_app:app"
ASGI = "tests.integration.apps.asgi_app:app"
CLIENTS = 16
#: Spans wait in the queue until the stop: only a flush at exit can save them.
QUEUED = {"OTEL_BSP_SCHEDULE_DELAY": "60000", "OTEL_BSP_MAX_QUEUE_SIZE": "100000"}


def traffic_until_gone(base: str, completed: list[int], stop: threading.Event) -> None:
    """Send requests until the server stops answering; note each one that completed."""
    counter = itertools.count()
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=base, timeout=10) as http:
            while not stop.is_set():
                with lock:
                    rid = next(counter)
                path = CASES[rid % len(CASES)][0]
                try:
                    http.get(path, headers={"x-request-id": str(rid)})
                except httpx.TransportError:
                    if stop.wait(0.01):
                        return
                    continue
                with lock:
                    completed.append(rid)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.parametrize(
    ("server", "app"),
    [
        ("gunicorn-gthread", WSGI),
        ("gunicorn-sync", WSGI),
        ("waitress", WSGI),
        ("uvicorn", ASGI),
        ("hypercorn", ASGI),
    ],
)
def test_sigterm_mid_traffic_loses_no_completed_request(server, app):
    sigterm_mid_traffic(server, app)


def sigterm_mid_traffic(server: str, app: str, ready: Callable[[str], None] | None = None) -> None:
    """SIGTERM 1.5 s into traffic that goes on until the server is gone (once ``ready``
    returns, where given): no span of a completed request is lost, the exit takes less
    than 15 s."""
    completed: list[int] = []
    stop = threading.Event()
    with (
        running_receiver() as receiver,
        serving_process(server, app, receiver.endpoint, QUEUED) as proc,
    ):
        if ready is not None:
            ready(proc.url)
        clients = threading.Thread(target=traffic_until_gone, args=(proc.url, completed, stop))
        clients.start()
        time.sleep(1.5)
        before_signal = len(completed)
        exit_seconds = proc.terminate(timeout=20)
        stop.set()
        clients.join()
        exported = by_request_id(receiver.wait_for(len(completed), timeout=10))
        lost = sorted(set(completed) - set(exported))
        record(
            f"sigterm-{server}",
            completed_before_signal=before_signal,
            completed=len(completed),
            exported=len(set(completed) & set(exported)),
            lost=len(lost),
            exit_seconds=round(exit_seconds, 2),
            returncode=proc.process.returncode,
        )
        assert before_signal > 0
        assert lost == [], f"{len(lost)} of {len(completed)} lost; server log:\n{proc.log()}"
    assert exit_seconds < 15


def test_preforked_workers_all_export():
    planned = plan(400, seed=3)
    with (
        running_receiver() as receiver,
        serving_process("gunicorn-preload", WSGI, receiver.endpoint) as proc,
    ):
        sent = send(proc.url, planned, workers=32)
        roots = receiver.wait_for(len(planned), timeout=30)
        exported = by_request_id(roots, sent)
        pids = {s.attributes["test.worker_pid"] for s in roots if "test.worker_pid" in s.attributes}
        record(
            "preload-gunicorn-2-workers",
            requests=len(sent),
            exported=len(exported),
            workers_exporting=len(pids),
        )
        assert all(s.status for s in sent)
        assert len(exported) == len(planned), proc.log()
        assert len(pids) == 2
