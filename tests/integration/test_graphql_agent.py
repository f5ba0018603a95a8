"""What the real AppSignal agent shows for GraphQL requests (issue 27): each named
operation is an action of its own, in the ``web`` namespace, a raising resolver counts
as an error of its action, and past ``max_groups`` new operations are ``query [other]``.

The agent runs offline (``tests/agent.py``); the apps are served by real servers
(uvicorn, waitress) and export with ``ar.start(exporter="agent")``. The agent pushes
30 s after it starts: this module takes about that long.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

import httpx
import pytest

from tests.agent import _LINE, RealAgent, actions, unavailable

from .apps.graphql_apps import APPS
from .graphql_traffic import REQUESTS
from .servers import COMMANDS, ROOT, free_port, stop, wait_until_listening

REASON = unavailable()
if REASON is not None:
    pytest.skip(f"real AppSignal agent not run: {REASON}", allow_module_level=True)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

APP = "tests.integration.apps.graphql_agent_app"


@dataclass
class Scenario:
    app: str
    server: str
    max_groups: int = 1000
    url: str = ""
    #: (group, namespace) of each request, from the agent's log
    seen: list[tuple[str, str]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.app}-cap" if self.max_groups < 1000 else self.app


SCENARIOS = [
    Scenario("strawberry_fastapi", "uvicorn"),
    Scenario("graphene_django", "waitress"),
    Scenario("ariadne_asgi", "uvicorn", max_groups=3),
]


def expected(scenario: Scenario) -> Counter[str]:
    served = APPS[scenario.app]
    if scenario.max_groups >= 1000:
        return Counter(sent.expected(served) for sent in REQUESTS)
    # cap 3, in the order sent: "POST /graphql" and "query GetBook" (the first request),
    # "GET /graphql" (the GET, as it starts); every later new name overflows
    return Counter(
        {
            "query GetBook": 3,
            "mutation [other]": 1,
            "query [other]": 2,  # ListBooks, Boom
            "POST /graphql": 5,
        }
    )


@dataclass
class Run:
    agent: RealAgent
    pushed: dict[str, tuple[int, int]]
    namespaces: dict[str, set[str]]


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    agent = RealAgent()
    try:
        agent.start()
        with ExitStack() as stack:
            for scenario in SCENARIOS:
                port = free_port()
                env = {
                    **os.environ,
                    "PYTHONPATH": str(ROOT),
                    "OTEL_BSP_SCHEDULE_DELAY": "50",
                    "AGENT_TEST_PORT": str(agent.port),
                    "AGENT_TEST_MAX_GROUPS": str(scenario.max_groups),
                }
                stderr = stack.enter_context(tempfile.TemporaryFile())
                process = subprocess.Popen(
                    COMMANDS[scenario.server](f"{APP}:{scenario.app}", port),
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                )
                stack.callback(stop, process, 10)
                wait_until_listening(port, process)
                scenario.url = f"http://127.0.0.1:{port}"
            for scenario in SCENARIOS:
                served = APPS[scenario.app]
                before = len(_log_lines(agent))
                with httpx.Client(base_url=scenario.url) as client:
                    for sent in REQUESTS:
                        post = sent.method == "POST"
                        headers = {"content-type": "application/json"} if post else {}
                        client.request(
                            sent.method, sent.path(served), content=sent.data(), headers=headers
                        )
                deadline = time.monotonic() + 20
                while len(_log_lines(agent)) < before + len(REQUESTS):
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.1)
                scenario.seen = _log_lines(agent)[before:]
        agent.wait_for_push(after=time.time())
        namespaces: dict[str, set[str]] = {}
        with agent.receiver.lock:
            payloads = [push.payload for push in agent.receiver.pushes]
        for payload in payloads:
            for action in actions(payload):
                namespaces.setdefault(action.name, set()).add(action.namespace)
        result = Run(agent, agent.pushed(), namespaces)
        print(f"\nreal AppSignal agent, GraphQL: pushed {dict(sorted(result.pushed.items()))}")
        print(f"  namespaces {dict(sorted(result.namespaces.items()))}")
        yield result
    finally:
        agent.stop()


def _log_lines(agent: RealAgent) -> list[tuple[str, str]]:
    """(group, namespace) of each trace the agent processed, in order."""
    out = []
    for line in agent.log().splitlines():
        match = _LINE.search(line)
        if match is not None:
            out.append((match.group(2), match.group(3)))
    return out


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_the_agent_shows_each_named_operation_as_its_own_action(run, scenario):
    assert Counter(group for group, _ in scenario.seen) == expected(scenario), run.agent.log()[
        -3000:
    ]
    assert {namespace for _, namespace in scenario.seen} == {"web"}


def test_the_pushed_actions_count_requests_and_errors_per_operation(run):
    total: Counter[str] = Counter()
    for scenario in SCENARIOS:
        total.update(expected(scenario))
    assert {name: count for name, (count, _) in run.pushed.items()} == dict(total)
    assert run.pushed["query Boom"] == (2, 2)  # a resolver raised: an error of its action
    assert run.pushed["query GetBook"] == (9, 0)
    assert run.namespaces["query GetBook"] == {"web"}
