"""What the real AppSignal agent groups, fed by the toolkit's spans from real servers.

The agent from the ``appsignal`` wheel runs offline (see ``tests/agent.py``). Each
scenario serves ``apps/agent_app.py`` on a real server (waitress for WSGI, uvicorn for
ASGI), either exporting with ``ar.start(exporter="agent")`` or with the AppSignal
package's client owning the provider (``Appsignal().start()`` + ``ar.start()``), and
sends it the same requests. The groups are read from the agent's own log (one line per
trace) and from the payload it pushes to a loopback ``/2/collect``.

One agent serves every scenario, one scenario after the other, so that each trace in
its log belongs to one scenario. The agent pushes 30 s after it starts: this module
takes about that long.
"""

from __future__ import annotations

import http.client
import os
import secrets
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import IO

import pytest

from tests.agent import RealAgent, log_trace_id, unavailable

from .servers import COMMANDS, ROOT, free_port, stop, wait_until_listening

REASON = unavailable()
if REASON is not None:
    pytest.skip(f"real AppSignal agent not run: {REASON}", allow_module_level=True)

# the appsignal package's Agent.start leaves the pipes of the process it runs open
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

#: (path, headers) of the requests every main scenario sends, and the groups the agent
#: must show for them.
MAIN_REQUESTS = [
    ("/users/1", {}),
    ("/users/2", {}),
    ("/users/3", {}),
    ("/reports/7", {}),  # a class with a bare @root_name
    ("/reports/8", {}),
    ("/orders/5", {}),  # the route set in a child span
    ("/orders/6", {}),
    ("/admin/settings", {}),  # 401 from the auth middleware: the handler never runs
    ("/admin/users", {}),
    ("/missing/123", {}),  # 404: never grouped by its inferred route
    ("/things/42", {}),  # no route anywhere: inferred
    ("/things/43", {}),
    ("/crash", {}),  # 500: the handler raises
    ("/users/9", {"traceparent": "..."}),  # an upstream trace: its own per scenario
]
MAIN_GROUPS = Counter(
    {
        "GET /users/:user_id": 4,
        "Reports#show": 2,
        "GET /orders/{order_id}": 2,
        "GET /admin/:section": 2,
        "GET": 1,
        "GET /things/:thing_id": 2,
        "GET /crash": 1,
    }
)
#: With max_groups=3: the first three names are admitted, the next ones overflow,
#: whether their route was known at request start (/crash), set by a decorator or
#: named by a class root name; admitted names keep working.
CAP_REQUESTS = [
    ("/users/1", {}),
    ("/orders/1", {}),
    ("/admin/x", {}),
    ("/reports/1", {}),
    ("/crash", {}),
    ("/users/2", {}),
    ("/missing/1", {}),
]
CAP_GROUPS = Counter(
    {
        "GET /users/:user_id": 2,
        "GET /orders/{order_id}": 1,
        "GET /admin/:section": 1,
        "GET [other]": 2,
        "GET": 1,
    }
)
SERVERS = {"wsgi": ("waitress", "tests.integration.apps.agent_app:wsgi")}
SERVERS["asgi"] = ("uvicorn", "tests.integration.apps.agent_app:asgi")


@dataclass
class Scenario:
    interface: str  # wsgi, asgi
    setup: str  # agent: ar.start(exporter="agent"); appsignal: the package's client
    cap: bool = False
    url: str = ""
    #: the agent's group of each request, in the order sent (from its log)
    groups: list[str] = field(default_factory=list)
    upstream_trace: str = field(default_factory=lambda: secrets.token_hex(16))
    upstream_group: str | None = None

    @property
    def id(self) -> str:
        return f"{self.interface}-{self.setup}" + ("-cap" if self.cap else "")

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        return CAP_REQUESTS if self.cap else MAIN_REQUESTS

    @property
    def expected(self) -> Counter[str]:
        return CAP_GROUPS if self.cap else MAIN_GROUPS


SCENARIOS = [
    Scenario(interface, setup, cap)
    for cap in (False, True)
    for setup in ("agent", "appsignal")
    for interface in ("wsgi", "asgi")
]


def _get(url: str, path: str, headers: dict[str, str]) -> int:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@dataclass
class Run:
    agent: RealAgent
    scenarios: list[Scenario]
    pushed: dict[str, tuple[int, int]]
    seconds: float


def _serve_all(stack: ExitStack, agent: RealAgent) -> None:
    """Start every scenario's server at once (they take a second or two to boot)."""
    started = []
    for scenario in SCENARIOS:
        server, app = SERVERS[scenario.interface]
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "OTEL_BSP_SCHEDULE_DELAY": "50",
            "AGENT_TEST_SETUP": scenario.setup,
            "AGENT_TEST_PORT": str(agent.port),
            "AGENT_TEST_MAX_GROUPS": "3" if scenario.cap else "1000",
        }
        if scenario.setup == "appsignal":
            env.update(agent.package_environment())
        stderr = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - the stack closes it
        process = subprocess.Popen(
            COMMANDS[server](app, port),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        stack.callback(stop, process, 10)
        scenario.url = f"http://127.0.0.1:{port}"
        started.append((port, process, stderr))
    for port, process, stderr in started:
        _wait(port, process, stderr)


def _wait(port: int, process: subprocess.Popen[bytes], stderr: IO[bytes]) -> None:
    try:
        wait_until_listening(port, process)
    except RuntimeError:
        stderr.seek(0)
        raise RuntimeError(stderr.read().decode(errors="replace")[-3000:]) from None


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    started = time.monotonic()
    agent = RealAgent()
    try:
        agent.start()
        with ExitStack() as stack:
            _serve_all(stack, agent)
            for scenario in SCENARIOS:
                before = agent.groups_by_trace()
                for path, headers in scenario.requests:
                    if "traceparent" in headers:
                        parent = f"00-{scenario.upstream_trace}-{secrets.token_hex(8)}-01"
                        headers = {"traceparent": parent}  # noqa: PLW2901
                    _get(scenario.url, path, headers)
                expected = len(before) + len(scenario.requests)
                after = agent.wait_for_traces(expected)
                # a dict keeps the order the agent processed them in
                scenario.groups = [g for t, g in after.items() if t not in before]
                scenario.upstream_group = after.get(log_trace_id(scenario.upstream_trace))
        processed = time.time()
        agent.wait_for_push(after=processed)
        result = Run(agent, SCENARIOS, agent.pushed(), time.monotonic() - started)
        _print_figures(result)
        yield result
    finally:
        agent.stop()


def _print_figures(result: Run) -> None:
    """The agent's groups per scenario, for ``pytest -s`` and the issue's report."""
    print(f"\nreal AppSignal agent: {result.seconds:.1f} s")
    for scenario in result.scenarios:
        counts = ", ".join(f"{name!r}: {n}" for name, n in sorted(Counter(scenario.groups).items()))
        print(f"  {scenario.id:<20} {counts}")
    print(f"  pushed (requests, errors): {dict(sorted(result.pushed.items()))}")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_the_agent_groups_every_request_as_intended(run, scenario):
    assert Counter(scenario.groups) == scenario.expected, run.agent.log()[-3000:]


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if not s.cap], ids=lambda s: s.id)
def test_an_upstream_traceparent_keeps_its_trace_and_its_group(run, scenario):
    assert scenario.upstream_group == "GET /users/:user_id"


def test_the_pushed_actions_and_counts_are_the_groups(run):
    expected: Counter[str] = Counter()
    for scenario in run.scenarios:
        expected.update(scenario.expected)
    assert {name: count for name, (count, _) in run.pushed.items()} == dict(expected)


def test_a_500_is_counted_as_an_error(run):
    # one crash per main scenario (4), one per capped scenario, in GET [other] (4)
    assert run.pushed["GET /crash"] == (4, 4)
    assert run.pushed["GET [other]"] == (8, 4)


def test_the_cap_holds_where_users_look(run):
    for scenario in (s for s in run.scenarios if s.cap):
        # the 4th and 5th names overflow: neither /crash (its route known at request
        # start) nor the class's root name reaches the agent as a group of its own
        assert "GET /crash" not in scenario.groups
        assert "Reports#show" not in scenario.groups
        assert scenario.groups.count("GET [other]") == 2
        # past the cap, the names already admitted keep working
        assert scenario.groups.count("GET /users/:user_id") == 2
    assert len({g for s in run.scenarios if s.cap for g in s.groups} - {"GET"}) == 4
