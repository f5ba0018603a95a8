"""A startup that fails under real uvicorn fails as it would without the toolkit; an app
that does not support lifespan is served, and its spans are not lost at the stop."""

from __future__ import annotations

import os
import subprocess

import httpx

from ..receiver import running_receiver
from .servers import ROOT, _uvicorn, free_port, serving_process


def test_uvicorn_lifespan_on_exits_with_the_startup_failure():
    with running_receiver() as receiver:
        environ = {**os.environ, "TEST_COLLECTOR": receiver.endpoint, "PYTHONPATH": str(ROOT)}
        command = [*_uvicorn("tests.integration.apps.lifespan_app:failing", free_port())]
        finished = subprocess.run(
            [*command, "--lifespan", "on"],
            cwd=ROOT,
            env=environ,
            capture_output=True,
            timeout=60,
            check=False,
        )
    log = finished.stderr.decode(errors="replace")
    assert finished.returncode == 3, log  # uvicorn's "startup failed" status
    assert "RuntimeError: database down" in log
    assert "Application startup failed. Exiting." in log


def test_an_app_without_lifespan_support_is_served_and_flushed_at_the_stop():
    queued = {"OTEL_BSP_SCHEDULE_DELAY": "60000"}  # only a flush at the stop exports
    with running_receiver() as receiver:
        with serving_process(
            "uvicorn", "tests.integration.apps.lifespan_app:unsupported", receiver.endpoint, queued
        ) as server:
            answers = [httpx.get(f"{server.url}/items/{n}").status_code for n in range(3)]
            server.terminate()
            log = server.log()
        roots = receiver.wait_for(3)
    assert answers == [200, 200, 200]
    assert "lifespan' protocol appears unsupported" in log
    assert sorted(root.name for root in roots) == ["GET", "GET", "GET"]  # nothing lost
