"""The report of a real server's jsonl file: the grouped table, then what is ungrouped."""

from __future__ import annotations

import subprocess

import httpx

from .servers import BIN, ROOT, serving_process


def test_report_of_a_served_app(tmp_path):
    spans = tmp_path / "spans.jsonl"
    env = {
        "APPSIGNAL_ROUTES_EXPORTER": "jsonl",
        "APPSIGNAL_ROUTES_JSONL_PATH": str(spans),
    }
    paths = ["/users/1"] * 3 + ["/orders/7"] * 2 + ["/admin/stats"] + ["/reports/2026-11-01"] * 3
    paths += ["/missing"] * 2
    with serving_process("gunicorn-gthread", "examples.raw_wsgi:app", "", env) as server:
        statuses = [httpx.get(server.url + path, timeout=10).status_code for path in paths]
        server.terminate()  # the spans are flushed at exit
    assert statuses.count(404) == 5

    result = subprocess.run(
        [str(BIN / "appsignal-routes"), "report", str(spans)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    table, _, ungrouped = result.stdout.partition("ungrouped paths")
    rows = {
        " ".join(line.split()[:-4]): line.split()[-4:]
        for line in table.splitlines()[2:]
        if line.strip()
    }
    assert rows["GET"][:2] == ["5", "0"]
    assert rows["GET /users/:user_id"][:2] == ["3", "0"]
    assert rows["Orders#show"][:2] == ["2", "0"]
    assert rows["GET /admin/stats"][:2] == ["1", "0"]
    lines = [line.split() for line in ungrouped.splitlines()[1:] if line.strip()]
    # most frequent first, each with a suggested template
    assert lines[0][:2] == ["3", "/reports/2026-11-01"]
    assert lines[0][-1] == "@route('/reports/:report_id')"  # named after its segment
    assert lines[1][:2] == ["2", "/missing"]
