"""Requests per second and CPU time per request on a real server, load from a separate
process (wrk)."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

# the tests' way of starting a real server on a free loopback port, and stopping it
from tests.integration.servers import serving_process

DURATION = 3
ROUNDS = 7


#: What the servers of the tests set for their own needs, put back to the defaults.
_DEFAULTS = {
    "OTEL_BSP_SCHEDULE_DELAY": "5000",
    "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST": "",
}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (a gunicorn master's
    workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended meanwhile
        own, parent = int(stat.parent.name), int(fields[1])
        if pid in (own, parent):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


@dataclass(frozen=True)
class Run:
    rps: float
    cpu_us: float  # the server's CPU time per request, in microseconds


def load(url: str, pid: int, seconds: int) -> Run:
    """Load ``url`` with wrk for ``seconds`` (any error status fails)."""
    cpu_before = _cpu_seconds(pid)
    out = subprocess.run(
        ["wrk", "-t1", "-c16", f"-d{seconds}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url} answered {errors.group(1)} errors")
    cpu = _cpu_seconds(pid) - cpu_before
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    if match is None or count is None:
        raise RuntimeError(f"no Requests/sec in wrk output:\n{out}")
    return Run(float(match.group(1)), cpu / int(count.group(1)) * 1e6)


@dataclass(frozen=True)
class Load:
    server: str
    ratios: list[float]  # toolkit / hand-written, one per round
    rps: dict[str, float]  # median requests/s per variant
    cpu_us: dict[str, float]  # median server CPU time per request, in microseconds

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)


def measure(server: str) -> Load:
    """Every variant served at once, each by its own server process; in each round wrk
    loads one after the other, in alternating order, so that the machine's noise of the
    moment falls on all of them alike. An idle server costs the others nothing."""
    variants = ["bare", "hand-written", "toolkit"]
    if server == "uvicorn":
        variants.insert(2, "hand-written-exclude")
    runs: dict[str, list[Run]] = {v: [] for v in variants}
    ratios = []
    with ExitStack() as stack:
        servers = {}
        for variant in variants:
            env = {
                **_DEFAULTS,
                "BENCH_KIND": "asgi" if server == "uvicorn" else "wsgi",
                "BENCH_VARIANT": variant,
            }
            running = stack.enter_context(
                serving_process(server, "benchmarks.server_app:app", "", env)
            )
            servers[variant] = (f"{running.url}/users/42", running.process.pid)
        for url, pid in servers.values():
            load(url, pid, 1)  # warm up
        for index in range(ROUNDS):
            order = variants if index % 2 == 0 else list(reversed(variants))
            this_round = {variant: load(*servers[variant], DURATION) for variant in order}
            for variant, run in this_round.items():
                runs[variant].append(run)
            ratios.append(this_round["toolkit"].rps / this_round["hand-written"].rps)
    return Load(
        server,
        ratios,
        {v: statistics.median(r.rps for r in rs) for v, rs in runs.items()},
        {v: statistics.median(r.cpu_us for r in rs) for v, rs in runs.items()},
    )


def wrk_available() -> bool:
    return shutil.which("wrk") is not None
