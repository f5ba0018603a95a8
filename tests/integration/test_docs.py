"""Every Python snippet in the docs and the README runs: pasted into a file and run with
a fresh interpreter, as a reader would. Snippets that include an example file are run
by the example tests and the integration matrix instead."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from ..matrix.test_matrix import EXAMPLES
from .servers import ROOT

FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
INCLUDE = re.compile(r'^--8<-- "examples/(\w+)\.py"$', re.MULTILINE)
PAGES = sorted([*ROOT.joinpath("docs").rglob("*.md"), ROOT / "README.md"])
SNIPPETS = [
    pytest.param(block, id=f"{page.relative_to(ROOT)}#{number}")
    for page in PAGES
    for number, block in enumerate(FENCE.findall(page.read_text(encoding="utf-8")), 1)
]


def test_the_docs_have_snippets():
    assert len(SNIPPETS) >= 14


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_snippet_runs(snippet, tmp_path):
    included = INCLUDE.findall(snippet)
    if included:
        assert set(included) <= set(EXAMPLES), "an included example the matrix does not run"
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APPSIGNAL_", "OTEL_"))}
    env["PYTHONPATH"] = str(ROOT)
    script = tmp_path / "snippet.py"
    script.write_text(snippet, encoding="utf-8")
    # a snippet that defines tests (docs/testing.md) is a test module: pytest runs it
    tests = re.search(r"^(async )?def test_", snippet, re.MULTILINE)
    runner = ["-m", "pytest", "-q", "-p", "no:cacheprovider"] if tests else []
    result = subprocess.run(
        [sys.executable, *runner, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
