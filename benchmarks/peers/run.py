"""``make bench-peers``: every agent against the hand-written way and this toolkit, in-process
and under gunicorn gthread and uvicorn; writes ``benchmarks/RESULTS-peers.md``,
``benchmarks/peers.png`` and ``docs/images/peers.png``.

A variant that cannot be run offline, or that did not name the request, is reported as
"not measured: <reason>", never dropped.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from benchmarks.load import wrk_available
from benchmarks.peers import chart, inprocess, load
from benchmarks.peers.sink import Sink
from benchmarks.run import machine, package_versions

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PEERS = ["elastic", "ddtrace", "logfire", "newrelic", "scout", "sentry"]
LABELS = {
    "hand-written": "the hand-written way",
    "toolkit": "appsignal-routes",
    "elastic": "Elastic APM",
    "ddtrace": "ddtrace",
    "logfire": "Logfire",
    "newrelic": "New Relic",
    "scout": "Scout",
    "sentry": "Sentry",
}
PACKAGES = [
    "appsignal-routes",
    "opentelemetry-sdk",
    "opentelemetry-instrumentation-wsgi",
    "opentelemetry-instrumentation-asgi",
    "wrapt",
    "ddtrace",
    "sentry-sdk",
    "newrelic",
    "elastic-apm",
    "logfire",
    "scout-apm",
    "gunicorn",
    "uvicorn",
]
SETUPS = {
    "toolkit": "`ar.instrument(app)` + `@ar.route`, GroupingSpanProcessor (as `make bench`)",
    "elastic": "`elasticapm.Client(server_url=sink, transaction_sample_rate=1.0, "
    "cloud_provider='none')`; ASGI `ASGITracingMiddleware`, WSGI `begin_transaction`/"
    "`end_transaction` (no generic WSGI tracing middleware); `elasticapm.set_transaction_name`",
    "ddtrace": "`DDWSGIMiddleware` / `contrib.asgi.TraceMiddleware`, `DD_TRACE_AGENT_URL`="
    "sink, sampling rule 1.0; root span `resource` (+ `http.route` tag)",
    "logfire": "`logfire.configure(send_to_logfire=False, console=False, "
    "additional_span_processors=[batch, exporter that sends nowhere])`, "
    "`instrument_wsgi` / `instrument_asgi`; `http.route` on the span",
    "newrelic": "`newrelic.agent.initialize(ini)` with `developer_mode = true`, distributed "
    "tracing with every root sampled, `WSGIApplicationWrapper` / `ASGIApplicationWrapper`; "
    "`set_transaction_name(route, group='Uri')`",
    "scout": "`scout_apm.api.install(monitor=True, core_agent_download=False, "
    "core_agent_launch=False, core_agent_socket_path=sink)`, `WebTransaction` per request; "
    "`rename_transaction`",
    "sentry": "`sentry_sdk.init(dsn=sink, traces_sample_rate=1.0)`, `SentryWsgiMiddleware` / "
    "`SentryAsgiMiddleware`; `scope.set_transaction_name(route, source='route')`",
}


#: scout-apm requires wrapt < 2: the toolkit runs on wrapt 1.x here, on 2.x in `make bench`
WRAPT_NOTE = (
    " The toolkit runs on wrapt 1.x here (scout-apm requires wrapt < 2)."
    if metadata.version("wrapt").startswith("1.")
    else ""
)


def versions() -> str:
    return ", ".join(package_versions(PACKAGES))


def in_process(variant: str) -> dict:
    sink = Sink()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.peers.inprocess", variant],
            cwd=ROOT,
            env={**os.environ, **sink.env()},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"variant": variant, "error": "timed out after 300 s"}
    finally:
        sink.close()
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        why = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"variant": variant, "error": f"exit {done.returncode}: {why[:200]}"}
    return json.loads(lines[-1])


def fmt(median: float, low: float, high: float) -> str:
    return f"{median:.2f} ({low:.2f}-{high:.2f})"


COLUMNS = {
    "wsgi": "WSGI in-process",
    "asgi": "ASGI in-process",
    "gunicorn-gthread": "gunicorn gthread CPU/req",
    "uvicorn": "uvicorn CPU/req",
}


def cell(found: dict, column: str, servers: dict[str, load.ServerLoad]) -> tuple[str, float | None]:
    """One table cell (ratio to the hand-written way, median (min-max)) and the bar's height."""
    variant = found["variant"]
    if "error" in found:
        return "not measured", None
    if column in ("wsgi", "asgi"):
        r = found[column]
        return fmt(r["median"], r["low"], r["high"]), r["median"]
    result = servers.get(column)
    if result is None:
        return "not measured: wrk missing", None
    ratios = result.ratios.get(variant)
    if variant in result.failed or not ratios:
        return f"not measured: {result.failed.get(variant, 'no run')}", None
    median = statistics.median(ratios)
    text = fmt(median, min(ratios), max(ratios)) + f", {result.cpu_us[variant]:.0f} µs"
    return text, median


def naming(found: dict, servers: dict[str, load.ServerLoad]) -> str:
    if "error" in found:
        return f"not measured: {found['error']}"
    names = list(dict.fromkeys(n for kind in found["names"].values() for n in kind))
    text = ", ".join(f"`{n}`" for n in names)
    seen = [r.seen[found["variant"]] for r in servers.values() if found["variant"] in r.seen]
    if seen and all(seen):
        text += " (also found at its sink under both servers)"
    elif seen:
        text += " (under a server: not found at its sink within the run)"
    return text


def table(
    measured: dict[str, dict], servers: dict[str, load.ServerLoad]
) -> tuple[list[str], dict[str, dict[str, float | None]], list[str]]:
    """The table's rows (cheapest WSGI first), the chart's series and its bar order."""
    reference = []
    for server in ("gunicorn-gthread", "uvicorn"):
        cpu = servers[server].cpu_us.get("hand-written") if server in servers else None
        reference.append(f"1, {cpu:.0f} µs" if cpu else "not measured")
    rows = [
        (
            f"| the hand-written way (reference) | 1 | 1 | {' | '.join(reference)} | "
            "`GET /users/42` with `http.route=/users/:user_id` |"
        )
    ]
    series: dict[str, dict[str, float | None]] = {title: {} for title in COLUMNS.values()}
    order = sorted(
        measured,
        key=lambda v: 0 if v == "toolkit" else measured[v].get("wsgi", {}).get("median", 1e9),
    )
    for variant in order:
        texts = []
        for column, title in COLUMNS.items():
            text, value = cell(measured[variant], column, servers)
            texts.append(text)
            series[title][LABELS[variant]] = value
        rows.append(
            f"| {LABELS[variant]} | {' | '.join(texts)} | {naming(measured[variant], servers)} |"
        )
    return rows, series, [LABELS[v] for v in order]


def document(rows: list[str], started: datetime, minutes: float, variants: list[str]) -> str:
    method = [
        (
            f"- Machine: {machine()}; shared with other work while the benchmark ran (load "
            f"average (1 min) {os.getloadavg()[0]:.2f} when the results were written): read "
            "the medians and the ratios, not the times."
        ),
        f"- Python {platform.python_version()}; {versions()}.{WRAPT_NOTE}",
        (
            "- In-process: each agent in a process of its own (agents patch the interpreter), "
            "with the hand-written way beside it in the same process; the same trivial app as "
            "`benchmarks/variants.py` (one route, `/users/<id>`), driven through the helpers of "
            "`benchmarks/inprocess.py`. A and B alternate in each round (`benchmarks/compare.py`), "
            f"{inprocess.ROUNDS} rounds of about {inprocess.ROUND_SECONDS} s of the agent's "
            "requests; the clock is the process's CPU time, so the agents' background threads "
            "(senders, harvests) count."
        ),
        (
            "- Under load: every variant served at once by its own server process (gunicorn "
            "gthread, 1 worker x 8 threads; uvicorn), each agent with a sink of its own; "
            f"wrk -t1 -c16 loads them in turn, in alternating order, {load.ROUNDS} rounds of "
            f"{load.DURATION} s; the server's user + system CPU time per request is read from "
            "/proc (workers included), and each round's figure is divided by the hand-written "
            "way's."
        ),
        (
            "- Offline: a loopback sink answers every agent (HTTP 200 `{}` to Datadog's trace "
            "agent, Sentry's envelopes, Elastic's intake and config; Scout's core-agent framing "
            "on TCP); New Relic runs in developer mode (a fake collector inside the agent); "
            "Logfire does not send (`send_to_logfire=False`). Sampling is 100 % everywhere. "
            "The hand-written way, the toolkit and Logfire export to an exporter that sends "
            "nowhere; the other agents serialize and send to the sink, which is part of their "
            "cost. An agent whose send queue is full drops what does not fit, as in production "
            "(Sentry keeps 100 envelopes, Scout 500 commands): in a tight in-process loop that "
            "happens more than under a server, so their in-process figures are a lower bound."
        ),
        (
            "- Naming is checked first: what reached each agent's sink (ddtrace's resource, "
            "Sentry's and Elastic's transaction name, Scout's `transaction.name` tag), New "
            "Relic's recorded transaction events, Logfire's and the toolkit's exported spans. "
            "A variant that did not name the request is not measured."
        ),
    ]
    return "\n".join(
        [
            "# Against other APM agents",
            "",
            (
                f"Written by `make bench-peers` (`python -m benchmarks.peers.run` in "
                f"`.venv-peers`) on {started:%Y-%m-%d %H:%M} UTC, in {minutes:.1f} minutes."
            ),
            "",
            "<!-- --8<-- [start:table] -->",
            (
                "Each figure is a ratio to the hand-written way (the upstream "
                '`OpenTelemetryMiddleware` plus one `set_attribute("http.route", ...)` line in '
                "the handler): the median of the per-round ratios, with its min-max; 1.20 means "
                "a request costs 20 % more CPU than the hand-written way, lower is cheaper. "
                "Under the servers the variant's CPU time per request follows. Each agent is at "
                "the newest release pip installs here (`make bench-peers` upgrades them first; "
                "versions below)."
            ),
            "",
            (
                "| variant | WSGI in-process | ASGI in-process | gunicorn gthread CPU/req | "
                "uvicorn CPU/req | the request's name, as exported |"
            ),
            "|---|---|---|---|---|---|",
            *rows,
            "<!-- --8<-- [end:table] -->",
            "",
            "![Cost per request of each agent against the hand-written way](peers.png)",
            "",
            "<!-- --8<-- [start:method] -->",
            *method,
            "",
            "How each agent is set up (`benchmarks/peers/apps/`):",
            "",
            *(f"- {LABELS[v]}: {SETUPS[v]}." for v in variants),
            "<!-- --8<-- [end:method] -->",
            "",
        ]
    )


def main() -> int:
    started = datetime.now(timezone.utc)
    clock = time.monotonic()
    variants = ["toolkit", *PEERS]
    measured = {}
    for variant in variants:
        measured[variant] = in_process(variant)
        print(json.dumps(measured[variant]), flush=True)
    servers: dict[str, load.ServerLoad] = {}
    if wrk_available():
        # a variant that could not run or did not name the request is not loaded
        named = [v for v in variants if "error" not in measured[v]]
        for server in ("gunicorn-gthread", "uvicorn"):
            servers[server] = load.measure(server, ["hand-written", *named])
            print(servers[server], flush=True)
    rows, series, labels = table(measured, servers)
    chart_path = ROOT / "benchmarks" / "peers.png"
    chart.draw(series, labels, chart_path)
    docs_image = ROOT / "docs" / "images" / "peers.png"
    docs_image.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(chart_path, docs_image)
    minutes = (time.monotonic() - clock) / 60
    text = document(rows, started, minutes, variants)
    (ROOT / "benchmarks" / "RESULTS-peers.md").write_text(text, encoding="utf-8")
    print("\n".join(rows))
    print(f"wrote benchmarks/RESULTS-peers.md and the chart in {minutes:.1f} minutes")
    missing = [v for v in variants if "error" in measured[v]]
    if missing:
        print(f"not measured: {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
