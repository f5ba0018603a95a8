"""Start a real server in a subprocess on a free loopback port, and stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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
    "gunicorn-preload": lambda app, port: [
        str(BIN / "gunicorn"),
        "--preload",
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        app,
    ],
    "waitress": lambda app, port: [
        str(BIN / "waitress-serve"),
        f"--listen=127.0.0.1:{port}",
        "--threads=8",
        app,
    ],
    # CherryPy's own WSGI server (what cherrypy.quickstart runs), for the CherryPy example
    "cheroot": lambda app, port: [
        str(BIN / "cheroot"),
        "--bind",
        f"127.0.0.1:{port}",
        "--threads",
        "8",
        app,
    ],
    "hypercorn": lambda app, port: [
        str(BIN / "hypercorn"),
        "-b",
        f"127.0.0.1:{port}",
        "--graceful-timeout",
        "5",
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
    # the deployments of issue 16: uvicorn's other parser and protocol, its workers
    # (the app imported inside its own signal capture), lifespan off, gunicorn's worker
    "uvicorn-h11": lambda app, port: [
        *_uvicorn(app, port),
        "--http",
        "h11",
        "--ws",
        "wsproto",
    ],
    "uvicorn-no-lifespan": lambda app, port: [*_uvicorn(app, port), "--lifespan", "off"],
    "uvicorn-workers": lambda app, port: [*_uvicorn(app, port), "--workers", "2"],
    "uvicorn-workers-no-lifespan": lambda app, port: [
        *_uvicorn(app, port),
        "--workers",
        "2",
        "--lifespan",
        "off",
    ],
    "gunicorn-uvicorn": lambda app, port: [
        str(BIN / "gunicorn"),
        "--worker-class",
        "uvicorn.workers.UvicornWorker",
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "--graceful-timeout",
        "5",
        app,
    ],
}


def _uvicorn(app: str, port: int) -> list[str]:
    return [
        str(BIN / "uvicorn"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        app,
    ]


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    stderr: IO[bytes]

    def log(self) -> str:
        """What the server wrote to stderr so far (for assertion messages)."""
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-4000:]

    def terminate(self, timeout: float = 15) -> float:
        """SIGTERM, then wait for the exit; returns the seconds it took."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return time.monotonic() - started


@contextmanager
def serving_process(
    server: str, app: str, collector: str, env: dict[str, str] | None = None
) -> Iterator[Server]:
    port = free_port()
    environ = {
        **os.environ,
        "TEST_COLLECTOR": collector,
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST": "x-request-id",
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            COMMANDS[server](app, port),
            cwd=ROOT,
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        running = Server(f"http://127.0.0.1:{port}", process, stderr)
        try:
            wait_until_listening(port, process)
            yield running
        finally:
            if process.poll() is None:
                running.terminate()


@contextmanager
def serving(server: str, app: str, collector: str) -> Iterator[str]:
    with serving_process(server, app, collector) as running:
        yield running.url
