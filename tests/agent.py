"""The real AppSignal agent, offline: started as the ``appsignal`` package starts it,
pushing to a loopback ``/2/collect`` receiver that inflates and decodes its payloads.

The agent ships inside the ``appsignal`` wheel (``appsignal/appsignal-agent``). It is
configured through its private ``_APPSIGNAL_*`` environment, which
``appsignal.config.Config.set_private_environ`` writes from the package's options; we
point its push endpoint at the receiver, log at debug level into a temporary directory
and give it its own working directory (its lock file, socket and payload queue).

What it groups is read twice:

- its log, at debug level, has one line per trace: ``Processing span batch for trace
  <id> for <group> in <namespace>`` (the id written byte by byte without leading zeros);
- its push, deflated protobuf on ``/2/collect`` every 30 seconds after it starts,
  holds per minute one record per action: name (1), namespace (2), count (3),
  errors (4). The schema is not published: the fields are read by their numbers.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import tempfile
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PUSH_KEY = "agent-test-key"
APP_NAME = "agent-test"
ENVIRONMENT = "test"

_LINE = re.compile(r"Processing span batch for trace (\w+) for (.*) in (\w+)$")


def unavailable() -> str | None:
    """Why the real agent cannot run here, or None when it can."""
    try:
        from appsignal.agent import Agent
    except ImportError:
        return "the appsignal package is not installed"
    agent = Agent()
    if agent.architecture_and_platform() == ["any"] or not agent.agent_path.exists():
        return "the appsignal wheel ships no agent for this platform"
    return None


def log_trace_id(trace_id: str) -> str:
    """A 32-hex-digit trace id as the agent writes it in its log: byte by byte, each
    without its leading zero."""
    return "".join(f"{byte:x}" for byte in bytes.fromhex(trace_id))


# -- decoding the push: protobuf wire format, no schema ------------------------------


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def fields(data: bytes) -> list[tuple[int, Any]]:
    """The (number, value) pairs of one protobuf message: ints, or bytes for
    length-delimited and fixed-width fields."""
    out: list[tuple[int, Any]] = []
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, at = _varint(data, at)
        elif wire == 1:
            value, at = data[at : at + 8], at + 8
        elif wire == 5:
            value, at = data[at : at + 4], at + 4
        elif wire == 2:
            size, at = _varint(data, at)
            value, at = data[at : at + size], at + size
        else:
            raise ValueError(f"unexpected wire type {wire}")
        out.append((number, value))
    return out


@dataclass(frozen=True)
class Action:
    name: str
    namespace: str
    count: int
    errors: int


def actions(payload: bytes) -> list[Action]:
    """The actions of one push (already inflated), one per minute bucket they fell in."""
    found = []
    for number, bucket in fields(payload):
        if number != 6:
            continue
        for inner, record in fields(bucket):
            if inner != 4:
                continue
            values = {n: v for n, v in fields(record) if n in (1, 2, 3, 4)}
            found.append(
                Action(
                    name=values.get(1, b"").decode(),
                    namespace=values.get(2, b"").decode(),
                    count=values.get(3, 0),
                    errors=values.get(4, 0),
                )
            )
    return found


# -- the loopback push endpoint ----------------------------------------------------------


@dataclass
class Push:
    at: float
    query: str
    payload: bytes  # inflated


@dataclass
class CollectReceiver:
    pushes: list[Push] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.headers.get("content-encoding") == "deflate":
                    body = zlib.decompress(body)
                path, _, query = self.path.partition("?")
                if path == "/2/collect":
                    with receiver.lock:
                        receiver.pushes.append(Push(time.time(), query, body))
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the agent ---------------------------------------------------------------------------


@dataclass
class RealAgent:
    """One agent, started as the package starts it; ``stop()`` kills it."""

    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="agent-")))
    receiver: CollectReceiver = field(default_factory=CollectReceiver)
    port: int = field(default_factory=free_port)
    endpoint: str = ""
    started_at: float = 0.0

    @property
    def working_directory(self) -> Path:
        return self.directory / "working"

    @property
    def log_path(self) -> Path:
        return self.directory / "log" / "appsignal.log"

    def package_environment(self) -> dict[str, str]:
        """The AppSignal package's environment for a process that starts its own client
        (``Appsignal().start()``) against this agent: same lock, port and endpoint."""
        return {
            "APPSIGNAL_ACTIVE": "true",
            "APPSIGNAL_APP_NAME": APP_NAME,
            "APPSIGNAL_APP_ENV": ENVIRONMENT,
            "APPSIGNAL_PUSH_API_KEY": PUSH_KEY,
            "APPSIGNAL_PUSH_API_ENDPOINT": self.endpoint,
            "APPSIGNAL_LOG": "file",
            "APPSIGNAL_LOG_LEVEL": "debug",
            "APPSIGNAL_LOG_PATH": str(self.log_path.parent),
            "APPSIGNAL_WORKING_DIRECTORY_PATH": str(self.working_directory),
            "APPSIGNAL_OPENTELEMETRY_PORT": str(self.port),
            "APPSIGNAL_ENABLE_HOST_METRICS": "false",
            "APPSIGNAL_SEND_ENVIRONMENT_METADATA": "false",
        }

    def start(self) -> None:
        from appsignal.agent import Agent
        from appsignal.config import Config

        self.endpoint = self.receiver.start()
        self.working_directory.mkdir(parents=True)
        self.log_path.parent.mkdir(parents=True)
        saved = dict(os.environ)
        try:
            # the package reads its options from APPSIGNAL_* and writes _APPSIGNAL_* for
            # the agent into this process's environment: both are undone below
            os.environ.update(self.package_environment())
            config = Config()
            agent = Agent()
            self.started_at = time.time()
            agent.start(config)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        if not agent.active:
            raise RuntimeError(f"the AppSignal agent did not start; its log:\n{self.log()}")
        deadline = time.monotonic() + 10
        while not _listening(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the agent does not listen on {self.port}:\n{self.log()}")
            time.sleep(0.05)

    def pid(self) -> int | None:
        try:
            text = (self.working_directory / "agent.lock").read_text()
        except FileNotFoundError:
            return None
        return int(text.split(";")[2])

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited within 5 s."""
        pid = self.pid()
        if pid is not None:
            for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0)):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    break
                if _exited(pid, wait):
                    break
        self.receiver.stop()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def groups_by_trace(self) -> dict[str, str]:
        """Each trace the agent processed -> the group it put it in (from its log)."""
        out = {}
        for line in self.log().splitlines():
            match = _LINE.search(line)
            if match is not None:
                out[match.group(1)] = match.group(2)
        return out

    def wait_for_traces(self, count: int, timeout: float = 20.0) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        while True:
            groups = self.groups_by_trace()
            if len(groups) >= count or time.monotonic() > deadline:
                return groups
            time.sleep(0.1)

    def wait_for_push(self, after: float, timeout: float = 45.0) -> None:
        """Until the agent pushed at least once after ``after`` (a ``time.time()``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.receiver.lock:
                if any(push.at > after for push in self.receiver.pushes):
                    return
            time.sleep(0.2)
        raise TimeoutError(f"the agent pushed nothing within {timeout} s; its log:\n{self.log()}")

    def pushed(self) -> dict[str, tuple[int, int]]:
        """Every action pushed so far -> (requests, errors), summed over the pushes."""
        counts: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        with self.receiver.lock:
            payloads = [push.payload for push in self.receiver.pushes]
        for payload in payloads:
            for action in actions(payload):
                counts[action.name] += action.count
                errors[action.name] += action.errors
        return {name: (counts[name], errors[name]) for name in counts}


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _exited(pid: int, wait: float) -> bool:
    """Whether process ``pid`` is gone (or a zombie) within ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if " Z " in Path(f"/proc/{pid}/stat").read_text():
                return True
        except OSError:
            return True
        time.sleep(0.05)
    return False
