"""Start a real server in a subprocess on a free loopback port, and stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_listening(
    port: int, process: subprocess.Popen[bytes], timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not listen on {port} within {timeout} s")


COMMANDS = {
    "gunicorn-gthread": lambda app, port: [
        str(BIN / "gunicorn"),
        "--worker-class",
        "gthread",
        "--threads",
        "8",
        "-w",
        "1",
        "-b",
        f"127.0.0.1:{port}",
        "--graceful-timeout",
        "5",
        app,
    ],
    "gunicorn-sync": lambda app, port: [
        str(BIN / "gunicorn"),
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        app,
    ],
    "uvicorn": lambda app, port: [
        str(BIN / "uvicorn"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        app,
    ],
}


@contextmanager
def serving(server: str, app: str, collector: str) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "TEST_COLLECTOR": collector,
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST": "x-request-id",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        COMMANDS[server](app, port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_listening(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()
