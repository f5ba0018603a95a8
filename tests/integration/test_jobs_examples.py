"""The job examples under real runners: a thread pool and an asyncio scheduler
(examples/worker.py), RQ's SimpleWorker in the example's own process and RQ's ``rq
worker`` command, both against a real Redis server started here. Each runner's jobs are
read three ways: the console lines of the documented command, the spans a loopback OTLP
receiver decodes, and what the real AppSignal agent groups, counts and pushes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.agent import RealAgent, actions, unavailable
from tests.receiver import Receiver

from .servers import BIN, ROOT, documented_command, free_port

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

QUEUE = "appsignal-routes-example"
#: the agent's log: one line per trace, with its group and namespace
AGENT_LINE = re.compile(r"Processing span batch for trace (\w+) for (.*) in (\w+)$")


@dataclass(frozen=True)
class Runner:
    name: str
    #: (job name, namespace) -> calls, and the calls that fail
    jobs: Counter[tuple[str, str]]
    errors: Counter[str]


WORKER = Runner(
    "worker",
    Counter(
        {
            ("Mailer#deliver", "background"): 4,
            ("Mailer#bounce", "mail"): 1,
            ("Reports#nightly", "background"): 2,
            ("Maintenance#sweep", "maintenance"): 1,
        }
    ),
    Counter({"Mailer#deliver": 1}),
)
RQ_EXAMPLE = Runner(
    "rq_worker",
    Counter({("Mailer#deliver", "background"): 3, ("Images#resize", "images"): 1}),
    Counter({"Mailer#deliver": 1}),
)
RQ_COMMAND = Runner(
    "rq worker",
    Counter({("Mailer#deliver", "background"): 2, ("Images#resize", "images"): 1}),
    Counter({"Mailer#deliver": 1}),
)
RUNNERS = [WORKER, RQ_EXAMPLE, RQ_COMMAND]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (make pytest installs it)")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from redis import Redis

        client = Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except Exception:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APPSIGNAL_", "OTEL_"))}
    env.update(PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT), **extra)
    return env


def run_jobs(runner: Runner, redis_url: str, **extra: str) -> str:
    """Run ``runner``'s jobs to the end; its stdout."""
    env = clean_env(REDIS_URL=redis_url, **extra)
    if runner is RQ_COMMAND:
        from redis import Redis
        from rq import Queue

        with Redis.from_url(redis_url) as redis:
            queue = Queue(QUEUE, connection=redis)
            queue.enqueue("rq_jobs.deliver", "cli@example.com")
            queue.enqueue("rq_jobs.deliver", "cli@invalid")
            queue.enqueue("rq_jobs.resize", 9, width=64)
        command = [
            str(BIN / "rq"),
            "worker",
            "--burst",
            "--worker-class",
            "rq.worker.SimpleWorker",
            "--url",
            redis_url,
            "--logging_level",
            "WARNING",
            QUEUE,
        ]
        cwd = ROOT / "examples"  # rq imports the jobs' module from its working directory
    else:
        command = documented_command(runner.name)
        cwd = ROOT
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


LINE = re.compile(r"^(\S+) \[(\S+)\]\s+(-|ERR)\s+\d+\.\d ms$")


@pytest.mark.parametrize("runner", RUNNERS, ids=lambda r: r.name)
def test_each_job_prints_its_group_namespace_and_error_on_the_console(runner, redis_url):
    out = run_jobs(runner, redis_url)
    lines = [LINE.match(line) for line in out.splitlines()]
    jobs = [m.groups() for m in lines if m is not None]
    assert Counter((name, namespace) for name, namespace, _ in jobs) == runner.jobs, out
    assert Counter(name for name, _, error in jobs if error == "ERR") == runner.errors


@pytest.mark.parametrize("runner", RUNNERS, ids=lambda r: r.name)
def test_each_job_is_exported_as_a_root_span_grouped_by_its_name(runner, redis_url):
    receiver = Receiver()
    receiver.start()
    try:
        run_jobs(runner, redis_url, APPSIGNAL_COLLECTOR_ENDPOINT=receiver.endpoint)
        spans = list(receiver.spans)
    finally:
        receiver.stop()
    roots = [s for s in spans if not s.parent_span_id]
    assert len(roots) == len(spans)  # nothing else: every job was called outside the others
    assert Counter((s.name, s.attributes["appsignal.namespace"]) for s in roots) == runner.jobs
    for span in roots:
        assert span.attributes["appsignal.root_name"] == span.name
        assert span.attributes["appsignal.action_name"] == span.name
        assert span.kind == 5  # CONSUMER
    assert len({s.trace_id for s in roots}) == len(roots)  # each job its own trace


# -- the real AppSignal agent ------------------------------------------------------------


@dataclass
class AgentRun:
    agent: RealAgent
    #: runner name -> (group, namespace) of each trace the agent processed for it
    groups: dict[str, Counter[tuple[str, str]]]
    #: (action, namespace) -> (count, errors), summed over the pushes
    pushed: dict[tuple[str, str], tuple[int, int]]


def agent_groups(agent: RealAgent) -> dict[str, tuple[str, str]]:
    out = {}
    for line in agent.log().splitlines():
        match = AGENT_LINE.search(line)
        if match is not None:
            out[match.group(1)] = (match.group(2), match.group(3))
    return out


@pytest.fixture(scope="module")
def agent_run(redis_url) -> Iterator[AgentRun]:
    reason = unavailable()
    if reason is not None:
        pytest.skip(f"real AppSignal agent not run: {reason}")
    agent = RealAgent()
    try:
        agent.start()
        env = {**agent.package_environment(), "APPSIGNAL_ROUTES_EXPORTER": "agent"}
        groups = {}
        for runner in RUNNERS:  # one after the other: each trace belongs to one runner
            before = agent_groups(agent)
            run_jobs(runner, redis_url, **env)
            expected = len(before) + sum(runner.jobs.values())
            deadline = time.monotonic() + 20
            while len(after := agent_groups(agent)) < expected and time.monotonic() < deadline:
                time.sleep(0.1)
            groups[runner.name] = Counter(g for t, g in after.items() if t not in before)
        agent.wait_for_push(after=time.time())
        counts: Counter[tuple[str, str]] = Counter()
        errors: Counter[tuple[str, str]] = Counter()
        with agent.receiver.lock:
            payloads = [push.payload for push in agent.receiver.pushes]
        for payload in payloads:
            for action in actions(payload):
                counts[action.name, action.namespace] += action.count
                errors[action.name, action.namespace] += action.errors
        yield AgentRun(agent, groups, {key: (counts[key], errors[key]) for key in counts})
    finally:
        agent.stop()


@pytest.mark.parametrize("runner", RUNNERS, ids=lambda r: r.name)
def test_the_agent_groups_each_job_in_its_namespace(agent_run, runner):
    assert agent_run.groups[runner.name] == runner.jobs, agent_run.agent.log()[-3000:]


def test_the_agent_pushes_the_jobs_with_their_errors(agent_run):
    expected: Counter[tuple[str, str]] = Counter()
    failed: Counter[str] = Counter()
    for runner in RUNNERS:
        expected.update(runner.jobs)
        failed.update(runner.errors)
    assert {key: count for key, (count, _) in agent_run.pushed.items()} == dict(expected)
    assert {key: errors for key, (_, errors) in agent_run.pushed.items() if errors} == {
        ("Mailer#deliver", "background"): failed["Mailer#deliver"]
    }


# -- jobs started by a real server's request handlers ------------------------------------


def test_jobs_started_by_a_request_handler_under_uvicorn():
    """Inline: a child of the request. On a thread, as a task, as a background task
    after the response: each its own root, never a child of the request."""
    from .servers import serving

    receiver = Receiver()
    receiver.start()
    try:
        with serving("uvicorn", "tests.integration.apps.jobs_app:app", receiver.endpoint) as url:
            import httpx

            for user in ("ann", "bob"):
                assert httpx.get(f"{url}/signup?user={user}", timeout=10).status_code == 200
            deadline = time.monotonic() + 20
            while len(receiver.spans) < 10 and time.monotonic() < deadline:
                time.sleep(0.05)
        spans = list(receiver.spans)
    finally:
        receiver.stop()
    by_id = {s.span_id: s for s in spans}
    requests = [s for s in spans if s.name == "GET /signup"]
    assert len(requests) == 2
    request_traces = {s.trace_id for s in requests}
    for span in spans:
        if span.name == "Audit#record":  # inline: a child of its request, no namespace
            assert by_id[span.parent_span_id].name == "GET /signup"
            assert "appsignal.namespace" not in span.attributes
        elif span.name != "GET /signup":
            assert not span.parent_span_id, span
            assert span.trace_id not in request_traces
    roots = Counter(
        (s.name, s.attributes.get("appsignal.namespace")) for s in spans if not s.parent_span_id
    )
    assert roots == {
        ("GET /signup", None): 2,
        ("Search#index", "background"): 2,
        ("Stats#count", "stats"): 2,
        ("Mailer#welcome", "background"): 2,
    }
