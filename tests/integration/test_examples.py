"""Each example starts with the one command its docstring documents, and prints one
grouped line per request on the console (the default exporter in development)."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess

import httpx
import pytest

from ..matrix.test_matrix import EXAMPLES, REQUESTS, STATUSES, STATUSES_OF
from .servers import ROOT, free_port, wait_until_listening

RUN_IT = re.compile(r"Run it:\s+(.+?)\s+\(then open")


def documented_command(example: str) -> list[str]:
    text = (ROOT / "examples" / f"{example}.py").read_text(encoding="utf-8")
    match = RUN_IT.search(text)
    assert match, f"examples/{example}.py documents no 'Run it:' command"
    return shlex.split(match.group(1))


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_example_runs_with_its_documented_command(example):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("APPSIGNAL_", "OTEL_EXPORTER_"))
    }
    # the documented commands listen on 8000; gunicorn reads PORT, uvicorn UVICORN_PORT
    env.update(PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT), PORT=str(port), UVICORN_PORT=str(port))
    process = subprocess.Popen(
        documented_command(example),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        wait_until_listening(port, process)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            statuses = [
                client.request(method, path, headers={"connection": "close"}).status_code
                for method, path in REQUESTS
            ]
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=15)
    assert statuses == STATUSES_OF.get(example, STATUSES)
    lines = [line for line in out.splitlines() if re.search(r"\d+\.\d ms$", line)]
    assert [re.split(r"\s{2,}", line)[0] for line in lines] == EXAMPLES[example][1]
