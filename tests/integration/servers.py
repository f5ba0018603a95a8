"""Start a real server in a subprocess on a free loopback port, and stop it."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx

T = TypeVar("T")

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


def _gunicorn(app: str, port: int, *options: str, graceful: bool = False) -> list[str]:
    grace = ["--graceful-timeout", "5"] if graceful else []
    return [str(BIN / "gunicorn"), *options, "-b", f"127.0.0.1:{port}", *grace, app]


def _uvicorn(app: str, port: int, *options: str) -> list[str]:
    return [
        str(BIN / "uvicorn"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        app,
        *options,
    ]


COMMANDS = {
    "gunicorn-gthread": lambda app, port: _gunicorn(
        app, port, "--worker-class", "gthread", "--threads", "8", "-w", "1", graceful=True
    ),
    "gunicorn-sync": lambda app, port: _gunicorn(app, port, "-w", "2"),
    "gunicorn-preload": lambda app, port: _gunicorn(app, port, "--preload", "-w", "2"),
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
    "uvicorn": _uvicorn,
    # the deployments of issue 16: uvicorn's other parser and protocol, its workers
    # (the app imported inside its own signal capture), lifespan off, gunicorn's worker
    "uvicorn-h11": lambda app, port: _uvicorn(app, port, "--http", "h11", "--ws", "wsproto"),
    "uvicorn-no-lifespan": lambda app, port: _uvicorn(app, port, "--lifespan", "off"),
    "uvicorn-workers": lambda app, port: _uvicorn(app, port, "--workers", "2"),
    "uvicorn-workers-no-lifespan": lambda app, port: _uvicorn(
        app, port, "--workers", "2", "--lifespan", "off"
    ),
    "gunicorn-uvicorn": lambda app, port: _gunicorn(
        app, port, "--worker-class", "uvicorn.workers.UvicornWorker", "-w", "2", graceful=True
    ),
}


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
        stop(self.process, timeout)
        return time.monotonic() - started


def stop(process: subprocess.Popen[Any], timeout: float = 15) -> None:
    """SIGTERM to the process if it still runs, then its exit waited for (a kill after
    ``timeout`` seconds)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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


#: the command an example's docstring documents: "Run it: COMMAND (then open ...)"
RUN_IT = re.compile(r"Run it:\s+(.+?)(?:\s+\(|$)", re.MULTILINE)


def documented_command(example: str) -> list[str]:
    text = (ROOT / "examples" / f"{example}.py").read_text(encoding="utf-8")
    match = RUN_IT.search(text)
    assert match, f"examples/{example}.py documents no 'Run it:' command"
    return shlex.split(match.group(1))


def run_documented(example: str, send: Callable[[httpx.Client], T]) -> tuple[T, list[str]]:
    """``examples/{example}.py`` started with its documented command on a free port, as in
    development (no APPSIGNAL_ or OTEL_EXPORTER_ setting: the console exporter), ``send``
    given a client on it, then Ctrl-C: what ``send`` returned, and the group of each line
    the example printed on the console."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("APPSIGNAL_", "OTEL_EXPORTER_"))
    }
    # the documented commands listen on 8000; gunicorn reads PORT, uvicorn UVICORN_PORT
    env.update(PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT), PORT=str(port), UVICORN_PORT=str(port))
    process = subprocess.Popen(
        documented_command(example),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        wait_until_listening(port, process)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            sent = send(client)
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=15)
    lines = [line for line in out.splitlines() if re.search(r"\d+\.\d ms$", line)]
    return sent, [re.split(r"\s{2,}", line)[0] for line in lines]
