"""Instructions per request, counted by valgrind's callgrind: the same for the same code
and inputs whatever else the machine is doing, so the toolkit's cost against the
hand-written way can be read on a shared, noisy machine too (time ratios there swing by
tens of percent).

Each variant runs in a process of its own, twice: with 200 warm-up requests and then
``COUNT`` more, and with the warm-up alone; the difference, divided by ``COUNT``, is
what one request costs, start-up and imports left out.

Run as ``python -m benchmarks.instructions`` (``make bench`` does); with
``--one KIND VARIANT N`` it is the process that callgrind counts.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

COUNT = 1000
WARM_UP = 200
VARIANTS = (
    ("wsgi", "hand-written"),
    ("wsgi", "toolkit"),
    ("asgi", "hand-written"),
    ("asgi", "toolkit"),
)
_COLLECTED = re.compile(r"Collected : (\d+)")


def available() -> bool:
    return shutil.which("valgrind") is not None


def _one(kind: str, variant: str, count: int) -> None:
    """Serve ``WARM_UP + count`` requests of one variant in-process."""
    from . import inprocess  # noqa: PLC0415 - only in the counted process

    request = inprocess.layer_request(kind, variant, asyncio.new_event_loop())
    for _ in range(WARM_UP + count):
        request()


def counted(module: str, *args: str) -> int:
    """All the instructions callgrind counts in ``python -m module --one *args``."""
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            module,
            "--one",
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
        # one hash seed for every run: the two runs of a variant differ by the requests
        # alone, and dicts and sets are laid out alike from one run of the bench to another
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    found = _COLLECTED.search(done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count: {done.stderr[-500:]}")
    return int(found.group(1))


def instructions(kind: str, variant: str, count: int) -> int:
    """All the instructions of a process that serves ``WARM_UP + count`` requests."""
    return counted("benchmarks.instructions", kind, variant, str(count))


@dataclass(frozen=True)
class Counted:
    kind: str
    toolkit: int  # instructions per request
    hand_written: int

    @property
    def ratio(self) -> float:
        return self.toolkit / self.hand_written


def run() -> list[Counted]:
    """Instructions per request of the toolkit and of the hand-written way, WSGI and ASGI."""
    jobs = [(kind, variant, count) for kind, variant in VARIANTS for count in (COUNT, 0)]
    with ThreadPoolExecutor(max_workers=2) as pool:  # two cores: two callgrinds at once
        totals = dict(zip(jobs, pool.map(lambda job: instructions(*job), jobs), strict=True))
    per_request = {
        (kind, variant): (totals[kind, variant, COUNT] - totals[kind, variant, 0]) // COUNT
        for kind, variant in VARIANTS
    }
    return [
        Counted(kind, per_request[kind, "toolkit"], per_request[kind, "hand-written"])
        for kind in ("wsgi", "asgi")
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        _one(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        for counted in run():
            print(
                f"{counted.kind}: toolkit {counted.toolkit:,}, the hand-written way "
                f"{counted.hand_written:,} "
                f"instructions per request, ratio {counted.ratio:.3f}"
            )
