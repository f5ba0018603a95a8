"""Goal g: requests per second on a real server, load from a separate process (wrk)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DURATION = 5
ROUNDS = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(server: str, port: int) -> list[str]:
    if server == "uvicorn":
        return [
            str(BIN / "uvicorn"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "benchmarks.server_app:app",
        ]
    return [
        str(BIN / "gunicorn"),
        "-k",
        "gthread",
        "--threads",
        "8",
        "-w",
        "1",
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "benchmarks.server_app:app",
    ]


def requests_per_second(server: str, variant: str) -> float:
    port = _free_port()
    env = {
        **os.environ,
        "BENCH_KIND": "asgi" if server == "uvicorn" else "wsgi",
        "BENCH_VARIANT": variant,
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        _command(server, port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{server} ({variant}) did not start") from None
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/users/42"
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
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
