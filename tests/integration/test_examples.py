"""Each example starts with its documented command and prints grouped request lines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from .servers import BIN, ROOT, free_port, wait_until_listening


def _run_example(command: list[str], port: int, paths: list[str]) -> tuple[list[int], str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT), "PORT": str(port)}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        wait_until_listening(port, process)
        statuses = [
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10).status_code for path in paths
        ]
        time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=15)
    return statuses, out


@pytest.mark.parametrize(
    ("command", "paths", "statuses", "groups"),
    [
        (
            lambda port: [sys.executable, "examples/raw_wsgi.py"],
            ["/users/1", "/users/2", "/health", "/nope"],
            [200, 200, 200, 404],
            ["GET /users/:user_id", "GET /users/:user_id", "Health#check", "GET"],
        ),
        (
            lambda port: [
                str(BIN / "uvicorn"),
                "examples.raw_asgi:app",
                "--port",
                str(port),
                "--no-access-log",
            ],
            ["/users/1", "/users/2", "/nope"],
            [200, 200, 404],
            ["GET /users/{user_id:int}", "GET /users/{user_id:int}", "GET"],
        ),
    ],
)
def test_example_runs_with_its_documented_command(command, paths, statuses, groups):
    port = free_port()
    got, out = _run_example(command(port), port, paths)
    assert got == statuses
    lines = [line for line in out.splitlines() if line.strip()]
    assert [line.split("  ")[0].strip() for line in lines] == groups
