"""Goal g: requests per second on a real server, load from a separate process (wrk)."""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass

# the tests' way of starting a real server on a free loopback port, and stopping it
from tests.integration.servers import serving_process

DURATION = 5
ROUNDS = 3


#: What the servers of the tests set for their own needs, put back to the defaults.
_DEFAULTS = {
    "OTEL_BSP_SCHEDULE_DELAY": "5000",
    "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST": "",
}


def requests_per_second(server: str, variant: str) -> float:
    """Start ``server`` with the variant's app, load it with wrk, return requests/s."""
    env = {
        **_DEFAULTS,
        "BENCH_KIND": "asgi" if server == "uvicorn" else "wsgi",
        "BENCH_VARIANT": variant,
    }
    with serving_process(server, "benchmarks.server_app:app", "", env) as running:
        url = f"{running.url}/users/42"
        subprocess.run(["wrk", "-t1", "-c16", "-d1s", url], capture_output=True, check=True)
        out = subprocess.run(
            ["wrk", "-t1", "-c16", f"-d{DURATION}s", url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{server} ({variant}) answered {errors.group(1)} errors")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if match is None:
        raise RuntimeError(f"no Requests/sec in wrk output:\n{out}")
    return float(match.group(1))


@dataclass(frozen=True)
class Load:
    server: str
    ratios: list[float]  # toolkit / seed, one per round
    rps: dict[str, float]  # median requests/s per variant

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)


def measure(server: str) -> Load:
    variants = ["bare", "seed", "toolkit"]
    if server == "uvicorn":
        variants.insert(2, "seed-exclude")
    figures: dict[str, list[float]] = {v: [] for v in variants}
    ratios = []
    for index in range(ROUNDS):
        order = variants if index % 2 == 0 else list(reversed(variants))
        this_round = {variant: requests_per_second(server, variant) for variant in order}
        for variant, rps in this_round.items():
            figures[variant].append(rps)
        ratios.append(this_round["toolkit"] / this_round["seed"])
    return Load(server, ratios, {v: statistics.median(f) for v, f in figures.items()})


def wrk_available() -> bool:
    return shutil.which("wrk") is not None
