"""Every variant under a real server at once (gunicorn gthread or uvicorn), each in its
own server process with its own loopback sink; wrk loads them in turn, in alternating
order, and the figure is the server's CPU time per request (from /proc, its workers and
the agents' threads included) over the hand-written way's, per round."""

from __future__ import annotations

import os
import statistics
from contextlib import ExitStack
from dataclasses import dataclass, field

from benchmarks.load import _DEFAULTS, Run, load
from benchmarks.peers.sink import Sink
from tests.integration.servers import serving_process

DURATION = int(os.environ.get("PEERS_LOAD_SECONDS", "2"))
ROUNDS = int(os.environ.get("PEERS_LOAD_ROUNDS", "5"))


@dataclass
class ServerLoad:
    server: str
    ratios: dict[str, list[float]] = field(default_factory=dict)  # variant: per round
    cpu_us: dict[str, float] = field(default_factory=dict)  # median CPU µs per request
    rps: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # variant: why not measured
    seen: dict[str, bool] = field(default_factory=dict)  # its name reached its sink


#: What the agents that send offline send for the request, as their in-process check
#: found it; New Relic (developer mode) and Logfire (an exporter that sends nowhere)
#: send nothing, so their naming is checked in-process only.
SENT_NAMES = {
    "ddtrace": "GET /users/{user_id}",
    "sentry": '"/users/{user_id}"',
    "elastic": '"GET /users/{user_id}"',
    "scout": '"Controller/users/{user_id}"',
}


def _app(variant: str, kind: str) -> tuple[str, dict[str, str]]:
    if variant in ("hand-written", "toolkit"):
        return "benchmarks.server_app:app", {"BENCH_KIND": kind, "BENCH_VARIANT": variant}
    return f"benchmarks.peers.apps.{variant}_peer:{kind}_app", {}


def _start(stack: ExitStack, server: str, variants: list[str], result: ServerLoad):
    """Each variant's server and sink, warmed up; a variant that fails is recorded."""
    kind = "asgi" if server == "uvicorn" else "wsgi"
    servers: dict[str, tuple[str, int]] = {}
    sinks: dict[str, Sink] = {}
    for variant in variants:
        sink = sinks[variant] = Sink()
        stack.callback(sink.close)
        app, env = _app(variant, kind)
        try:
            running = stack.enter_context(
                serving_process(server, app, "", {**_DEFAULTS, **env, **sink.env()})
            )
            url, pid = f"{running.url}/users/42", running.process.pid
            load(url, pid, 2)  # warm up: imports, the agent's first connection and flush
        except Exception as error:
            result.failed[variant] = f"{type(error).__name__}: {error}"[:200]
            continue
        servers[variant] = (url, pid)
    return servers, sinks


def _rounds(servers: dict[str, tuple[str, int]], result: ServerLoad) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {v: [] for v in servers}
    for index in range(ROUNDS):
        order = list(servers) if index % 2 == 0 else list(reversed(servers))
        this_round = {}
        for variant in order:
            try:
                this_round[variant] = load(*servers[variant], DURATION)
            except Exception as error:
                result.failed.setdefault(variant, f"{type(error).__name__}: {error}"[:200])
        for variant, run in this_round.items():
            runs[variant].append(run)
            if "hand-written" in this_round:
                ratio = run.cpu_us / this_round["hand-written"].cpu_us
                result.ratios.setdefault(variant, []).append(ratio)
    return runs


def measure(server: str, variants: list[str]) -> ServerLoad:
    result = ServerLoad(server)
    with ExitStack() as stack:
        servers, sinks = _start(stack, server, variants, result)
        if "hand-written" not in servers:
            return result
        runs = _rounds(servers, result)
        for variant, name in SENT_NAMES.items():
            if variant in servers:
                result.seen[variant] = name in sinks[variant].recorder.take()
    for variant, measured in runs.items():
        if measured and variant not in result.failed:
            result.cpu_us[variant] = statistics.median(r.cpu_us for r in measured)
            result.rps[variant] = statistics.median(r.rps for r in measured)
    return result
