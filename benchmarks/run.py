"""``make bench``: the toolkit against the hand-written way (the upstream OpenTelemetry
middleware plus one ``set_attribute("http.route", ...)`` line per handler) and the other
comparisons, side by side, into ``benchmarks/RESULTS.md``.

Each comparison has a target; prints whether each is met and exits non-zero when one
is missed.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from . import discovery, inprocess, instructions, load

HERE = Path(__file__).resolve().parent
PACKAGES = [
    "appsignal-routes",
    "opentelemetry-sdk",
    "opentelemetry-instrumentation-wsgi",
    "opentelemetry-instrumentation-asgi",
    "wrapt",
    "uvicorn",
    "gunicorn",
]
MEMORY_LIMIT = 2 * 2**20


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def package_versions(names: list[str]) -> list[str]:
    """``"name version"`` for each package, or ``"name (not installed)"``."""
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return found


def versions() -> str:
    found = package_versions(PACKAGES)
    wrapt_c = os.environ.get("WRAPT_DISABLE_EXTENSIONS", "").lower() not in ("1", "true")
    found.append("wrapt C extension " + ("on" if wrapt_c else "off"))
    return ", ".join(found)


def memory() -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory"],
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.splitlines()[-1])


#: What route discovery may add to a request, as a share of one toolkit request.
DISCOVERY_SHARE = 0.02
#: What matching 1,000 declared routes may take of one toolkit WSGI request.
MATCH_SHARE = 0.05
#: The in-process request ratios in instructions, against the hand-written way: the
#: targets of the time ratios, read in instructions (no verdict: the targets are in time)
INSTRUCTION_TARGETS = {"wsgi": 1.10, "asgi": 0.68}
#: The load targets: requests/s of the toolkit over the hand-written way's
LOAD_TARGETS = {"uvicorn": 1.4, "gunicorn-gthread": 0.97}
#: The CPU figures of each variant under load, as the tables name them
LOAD_LABELS = {
    "bare": "no tracing",
    "hand-written": "the hand-written way",
    "hand-written-exclude": "the hand-written way with `exclude_spans`",
    "toolkit": "the toolkit",
}


def mark(passed: bool) -> str:
    return "met" if passed else "missed"


def instruction_rows(counted: list[instructions.Counted]) -> list[str]:
    """The in-process requests in instructions, which a busy machine does not move."""
    rows: list[str] = []
    for found in counted:
        rows.append(
            f"| one {found.kind.upper()} request in-process | "
            f"{found.toolkit:,} | {found.hand_written:,} | {found.ratio:.3f} | "
            f"<= {INSTRUCTION_TARGETS[found.kind]} |"
        )
        print(rows[-1], flush=True)
    return rows


def discovery_table(request_ns: float, verdicts: list[tuple[str, bool]]) -> list[str]:
    """What asking each framework's router adds to a request, for a path seen before
    (the adapters' caches answer) and for a path never seen before (a new id)."""
    rows: list[str] = []
    for found in discovery.run():
        if found.ratio is None or found.fresh is None:
            verdicts.append((f"discovery {found.framework}", False))
            rows.append(f"| {found.framework} | not discovered | | | | missed |")
            continue
        worst_ns = max(found.ratio.a_ns - found.ratio.b_ns, found.fresh.a_ns - found.fresh.b_ns)
        passed = worst_ns <= DISCOVERY_SHARE * request_ns
        verdicts.append((f"discovery {found.framework}", passed))
        rows.append(
            f"| {found.framework} `{found.route}` | {found.ratio}, "
            f"{found.ratio.a_ns / 1000:.2f} µs | {found.fresh} | "
            f"{found.fresh.a_ns / 1000:.2f} µs vs {found.fresh.b_ns / 1000:.2f} µs | "
            f"{worst_ns / request_ns:+.1%} | {mark(passed)} |"
        )
        print(rows[-1], flush=True)
    return rows


def _more_or_less(ratio: float) -> str:
    """``ratio`` as a difference a user reads: "9.1 % more", "31 % fewer"."""
    if ratio >= 1:
        return f"{ratio - 1:.1%} more"
    return f"{1 - ratio:.1%} fewer"


def _cpu_difference(found: load.Load | None) -> str:
    """What the toolkit costs a request more (or less) than the hand-written way under a
    server, in the server's CPU time."""
    if found is None:
        return "not measured (wrk is not installed)"
    ours, theirs = found.cpu_us["toolkit"], found.cpu_us["hand-written"]
    more = "more" if ours >= theirs else "less"
    return (
        f"{abs(ours - theirs):.0f} µs of CPU {more} per request "
        f"({ours:.0f} µs against {theirs:.0f} µs)"
    )


def summary(
    counted: list[instructions.Counted],
    loaded: dict[str, load.Load],
    results: list[inprocess.Measured],
    growth: int,
) -> list[str]:
    """What the figures mean for a user, one line each, from the figures below."""
    by_key = {m.key: m for m in results}
    servers = {"wsgi": ("gunicorn (gthread)", "gunicorn-gthread"), "asgi": ("uvicorn", "uvicorn")}
    lines = []
    for found in counted:
        server, name = servers[found.kind]
        why = (
            ": the hand-written way keeps the upstream ASGI middleware's default spans for "
            "every `send` and `receive`, which `instrument()` leaves out"
            if found.kind == "asgi"
            else ""
        )
        lines.append(
            f"- One {found.kind.upper()} request costs {_more_or_less(found.ratio)} CPU "
            f"instructions than the hand-written way ({found.toolkit:,} against "
            f"{found.hand_written:,}){why}. Under {server} that is "
            f"{_cpu_difference(loaded.get(name))}."
        )
    call = by_key["@route in a request"].ratio
    outside = by_key["@route outside a request"].ratio
    matching = by_key["1,000 routes"].ratio
    lines += [
        (
            f"- A call of a handler decorated with `@ar.route` costs {call.a_ns / 1000:.2f} µs "
            f"in a request, against {call.b_ns / 1000:.2f} µs for the hand-written "
            f"`set_attribute` line; outside a request {outside.a_ns / 1000:.2f} µs, against "
            f"{outside.b_ns / 1000:.2f} µs for a `functools.wraps` wrapper."
        ),
        (
            f"- Matching a path against 1,000 declared routes takes {matching.a_ns / 1000:.2f} "
            f"µs; against 10 routes, {matching.b_ns / 1000:.2f} µs."
        ),
        (
            f"- Memory does not grow with traffic: {growth / 2**20:+.2f} MB between 1,000 "
            "and 100,000 requests."
        ),
    ]
    return lines


def main() -> int:
    started = datetime.now(timezone.utc)
    verdicts: list[tuple[str, bool]] = []

    results, extra = inprocess.run()
    table_in_process = [
        (
            "| what | compared with | ratio: median (min-max) | target | result | "
            "the toolkit | compared with |"
        ),
        "|---|---|---|---|---|---:|---:|",
    ]
    for m in results:
        table_in_process.append(
            f"| {m.what} | {m.reference} | {m.ratio} | <= {m.limit} | "
            f"{mark(m.passed)} | {m.ratio.a_ns / 1000:.2f} µs | {m.ratio.b_ns / 1000:.2f} µs |"
        )
        print(table_in_process[-1], flush=True)
        verdicts.append((m.key, m.passed))

    share = extra["match_share_of_request"]
    share_ok = share <= MATCH_SHARE
    verdicts.append(("1,000 routes, share of a request", share_ok))

    counted = instructions.run() if instructions.available() else []
    counted_rows = instruction_rows(counted)
    discovery_rows = discovery_table(extra["wsgi_request_ns"], verdicts)

    load_rows: list[str] = []
    loaded: dict[str, load.Load] = {}
    if not load.wrk_available():
        print("wrk is not installed (make bench installs it): nothing measured under load")
        verdicts.append(("under load", False))
    else:
        for server, limit in LOAD_TARGETS.items():
            result = loaded[server] = load.measure(server)
            passed = result.median >= limit
            verdicts.append((f"under {server}", passed))
            rps = ", ".join(f"{LOAD_LABELS[v]} {r:,.0f}" for v, r in result.rps.items())
            cpu = ", ".join(f"{LOAD_LABELS[v]} {c:,.0f}" for v, c in result.cpu_us.items())
            load_rows.append(
                f"| requests/s on {server}, wrk -t1 -c16 | the hand-written way | "
                f"{result.median:.3f} ({min(result.ratios):.3f}-{max(result.ratios):.3f}) | "
                f">= {limit} | {mark(passed)} | {rps} | {cpu} |"
            )
            print(load_rows[-1], flush=True)

    mem = memory()
    growth = mem["rss_after_100k"] - mem["rss_after_1k"]
    mem_ok = growth <= MEMORY_LIMIT and mem["tracked_spans"] == 0
    verdicts.append(("memory", mem_ok))

    command = "make bench  (python -m benchmarks.run)"
    doc = [
        "# Benchmark results",
        "",
        f"Written by `{command}` on {started:%Y-%m-%d %H:%M} UTC.",
        "",
        (
            "The hand-written way is what users do without this toolkit: the upstream "
            'OpenTelemetry middleware plus one `set_attribute("http.route", ...)` line '
            "in each handler. The app is the same trivial one on both sides (one route, a "
            "handler that does nothing), so the toolkit's cost shows in full; on a handler "
            "that does real work it is a far smaller share of a request."
        ),
        "",
        "## What this means for you",
        "",
        *summary(counted, loaded, results, growth),
        "",
        "## Set-up",
        "",
        f"- Machine: {machine()} (shared, noisy: compare ratios, not times).",
        f"- Python {platform.python_version()}; {versions()}.",
        (
            "- Both sides export: spans go to an exporter that sends nowhere (a synchronous "
            "processor in-process, a batch processor on the servers)."
        ),
        "",
        "## In-process",
        "",
        (
            "The toolkit (A) and what it is compared with (B) alternate inside each round, "
            "in alternating order, 21 rounds; the figure is the median of the per-round "
            "ratios A/B, with its min-max, and the times are the medians of one operation. "
            "Each comparison has a target, the most the toolkit may cost against it."
        ),
        "",
        *table_in_process,
        "",
        (
            f"Matching 1,000 declared routes costs {extra['match_1000_ns'] / 1000:.2f} µs, "
            f"{share:.1%} of one toolkit WSGI request in-process "
            f"({extra['wsgi_request_ns'] / 1000:.1f} µs); target <= 5 %: {mark(share_ok)}."
        ),
        "",
        "### The same requests in instructions",
        "",
        (
            "Counted by valgrind's callgrind (`python -m benchmarks.instructions`): "
            "instructions per request do not move with the machine's load, so these "
            "ratios are the steady reading of the two requests above."
        ),
        "",
        "| what | the toolkit | the hand-written way | ratio | target |",
        "|---|---:|---:|---:|---|",
        *(counted_rows or ["| not counted: valgrind is not installed | | | | |"]),
        "",
        "## Route discovery",
        "",
        (
            "The framework's router asked for the route of a request to the 20th of 24 "
            "routes, against a registry match of the same templates: the same path again "
            "and again (the adapters' bounded caches answer), and a path never seen before "
            f"each time (a new id among {discovery.FRESH:,}, more than any cache holds). "
            f"Target: what discovery adds, at worst, is at most {DISCOVERY_SHARE:.0%} of one "
            "toolkit WSGI request in-process."
        ),
        "",
        (
            "| framework and route found | ratio, a path seen before | "
            "ratio, a new id each time | new id: discovered vs registry | "
            "added at worst, share of a request | result |"
        ),
        "|---|---|---|---|---|---|",
        *discovery_rows,
        "",
        "## Under load",
        "",
        (
            "Every variant is served at once by its own server process, and wrk loads them "
            f"in turn, in alternating order, {load.ROUNDS} rounds of {load.DURATION} s each. "
            "The server's CPU time per request (user + system, its worker processes "
            "included, read from /proc around each wrk run) varies far less than "
            "requests/s on a shared machine; the difference between two variants is what "
            "each request costs more."
        ),
        "",
        (
            "| what | compared with | ratio: median (min-max) | target | result | "
            "median requests/s | server CPU µs per request |"
        ),
        "|---|---|---|---|---|---|---|",
        *(load_rows or ["| not measured: wrk is not installed | | | | missed | | |"]),
        "",
        "## Memory",
        "",
        (
            "Resident memory of one process serving WSGI requests in-process, after 1,000 "
            "requests and after 100,000, and the requests the grouping processor still "
            "tracks once they have all ended."
        ),
        "",
        (
            "| what | after 1,000 requests | after 100,000 requests | growth | target | "
            "requests still tracked | result |"
        ),
        "|---|---:|---:|---:|---|---:|---|",
        (
            f"| resident memory, WSGI in-process | {mem['rss_after_1k'] / 2**20:.1f} MB | "
            f"{mem['rss_after_100k'] / 2**20:.1f} MB | {growth / 2**20:+.2f} MB | <= +2 MB, "
            f"none | {mem['tracked_spans']} | {mark(mem_ok)} |"
        ),
        "",
    ]
    (HERE / "RESULTS.md").write_text("\n".join(doc), encoding="utf-8")
    print(
        f"memory: growth {growth / 2**20:+.2f} MB, requests still tracked "
        f"{mem['tracked_spans']}: {mark(mem_ok)}"
    )
    missed = [key for key, passed in verdicts if not passed]
    print("every target met" if not missed else f"targets missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
