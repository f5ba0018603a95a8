"""Where a request's cost goes: the toolkit's layers added one at a time, WSGI and ASGI.

Each layer is an app users can run (``benchmarks.variants``), on the same trivial
handler:

- ``upstream``: the upstream middleware alone, as ``instrument()`` configures it
  (ASGI without its send/receive spans), no route set: the floor;
- ``instrument``: ``instrument()``, which matches the request as it starts (the route
  is in the registry) and names the span as it starts: the wrapper, the match and the
  naming tracer, on a provider without the grouping processor;
- ``instrument+processor``: the same on the toolkit's provider (with the processor);
- ``toolkit``: plus ``@route`` on the handler, the toolkit as users run it;
- ``hand-written``: the hand-written way, for reference (upstream + one ``set_attribute``
  line in the handler; for ASGI
  with the upstream's default send/receive spans).

Time: every layer in one process, all alternating in short chunks of requests, many
times over (``compare.chunked``); each layer's figure is the median of its per-chunk
differences from ``upstream``, and what it adds is that minus the layer before's.
Instructions: callgrind, as ``benchmarks.instructions``. Run as ``python -m
benchmarks.breakdown`` (``make bench-breakdown``); it writes
``benchmarks/RESULTS-breakdown.md``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from . import instructions
from .compare import against, chunked
from .inprocess import layer_request
from .run import machine, versions

LAYERS: tuple[tuple[str, str], ...] = (
    ("upstream", "the upstream middleware alone, no route set"),
    ("instrument", "+ `instrument()`: wrapper, match at start, naming tracer"),
    ("instrument+processor", "+ the grouping processor"),
    ("toolkit", "+ `@route` on the handler: the toolkit as users run it"),
)
REFERENCE = (
    "hand-written",
    'the hand-written way (upstream + one `set_attribute("http.route", ...)` line)',
)
CHUNK = 40  # requests per timing
REPEATS = 300  # chunks per layer
RESULTS = Path(__file__).with_name("RESULTS-breakdown.md")


def time_layers(kind: str) -> dict[str, tuple[float, float]]:
    """Per variant: median time of one request (ns), and the median of its per-chunk
    difference from ``upstream`` (ns)."""
    loop = asyncio.new_event_loop()
    try:
        names = [name for name, _ in (*LAYERS, REFERENCE)]
        requests: dict[str, Callable[[], None]] = {
            name: layer_request(kind, name, loop) for name in names
        }
        return against(chunked(requests, CHUNK, REPEATS), "upstream")
    finally:
        loop.close()


def count_layers() -> dict[tuple[str, str], int]:
    """Instructions per request of every variant, WSGI and ASGI (two callgrinds at once)."""
    names = [name for name, _ in (*LAYERS, REFERENCE)]
    jobs = [
        (kind, name, count)
        for kind in ("wsgi", "asgi")
        for name in names
        for count in (instructions.COUNT, 0)
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        totals = dict(
            zip(jobs, pool.map(lambda job: instructions.instructions(*job), jobs), strict=True)
        )
    return {
        (kind, name): (totals[kind, name, instructions.COUNT] - totals[kind, name, 0])
        // instructions.COUNT
        for kind in ("wsgi", "asgi")
        for name in names
    }


def table(
    kind: str, timed: dict[str, tuple[float, float]], counted: dict[tuple[str, str], int] | None
) -> list[str]:
    rows = [
        f"**{kind.upper()}**",
        "",
        (
            "| layer | time per request | added (median of per-chunk differences) "
            "| instructions per request | added | added instructions per ns |"
        ),
        "|---|---:|---:|---:|---:|---:|",
    ]
    before_ns = 0.0
    before_count: int | None = None
    for name, what in (*LAYERS, REFERENCE):
        total_ns, over_floor_ns = timed[name]
        reference = name == REFERENCE[0]
        added_ns = over_floor_ns - (0.0 if reference else before_ns)
        cells = [what, f"{total_ns / 1000:.1f} µs"]
        if name == "upstream":
            cells.append("")
        else:
            cells.append(
                f"{added_ns / 1000:+.2f} µs" + (" (over the upstream alone)" if reference else "")
            )
        if counted is None:
            cells += ["", "", ""]
        else:
            count = counted[kind, name]
            base = counted[kind, "upstream"] if reference else before_count
            if base is None:
                cells += [f"{count:,}", "", ""]
            else:
                added = count - base
                rate = f"{added / added_ns:.1f}" if added_ns > 0 and added > 0 else ""
                cells += [f"{count:,}", f"{added:+,}", rate]
            if not reference:
                before_count = count
        if not reference:
            before_ns = over_floor_ns
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def main() -> None:
    started = datetime.now(timezone.utc)
    timed = {kind: time_layers(kind) for kind in ("wsgi", "asgi")}
    counted = count_layers() if instructions.available() else None
    lines = [
        "# Where a request's cost goes",
        "",
        (
            f"Written by `make bench-breakdown` (`python -m benchmarks.breakdown`) on "
            f"{started:%Y-%m-%d %H:%M} UTC. {machine()}. {versions()}."
        ),
        "",
        "<!-- --8<-- [start:table] -->",
    ]
    for kind in ("wsgi", "asgi"):
        lines += table(kind, timed[kind], counted)
        lines.append("")
    lines.append("<!-- --8<-- [end:table] -->")
    if counted is None:
        lines.append("valgrind is not installed: no instruction counts.")
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
