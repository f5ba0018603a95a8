"""``examples/graphql_app.py`` starts with the command its docstring documents and prints
one line per request on the console, grouped by its GraphQL operation or by the
endpoint (issue 27)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess

import httpx

from .servers import ROOT, free_port, wait_until_listening
from .test_examples import documented_command

GET_BOOK = "query GetBook($id: Int!) { book(id: $id) { title } }"
#: (method, body or query string, the line's group, its status)
REQUESTS = [
    ("POST", {"query": GET_BOOK, "variables": {"id": 1}}, "query GetBook", 200),
    ("POST", {"query": GET_BOOK, "variables": {"id": 2}}, "query GetBook", 200),
    ("GET", {"query": GET_BOOK, "variables": json.dumps({"id": 1})}, "query GetBook", 200),
    (
        "POST",
        {"query": 'mutation AddBook { addBook(title: "Kim") { id } }'},
        "mutation AddBook",
        200,
    ),
    ("POST", {"query": "query Bestseller { bestseller { title } }"}, "query Bestseller", 200),
    ("POST", {"query": "{ books { title } }"}, "POST /graphql", 200),
    ("POST", {"query": "query Broken {"}, "POST /graphql", 200),
    ("POST", [{"query": GET_BOOK, "variables": {"id": 1}}] * 2, "POST /graphql", 200),
    ("GET", None, "GET /health", 200),
]


def test_the_graphql_example_groups_by_operation():
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("APPSIGNAL_", "OTEL_EXPORTER_"))
    }
    env.update(PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT), UVICORN_PORT=str(port))
    process = subprocess.Popen(
        documented_command("graphql_app"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        wait_until_listening(port, process)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            statuses = []
            for method, body, _, _ in REQUESTS:
                if body is None:
                    response = client.get("/health")
                elif method == "GET":
                    response = client.get("/graphql", params=body)
                else:
                    response = client.post("/graphql", json=body)
                statuses.append(response.status_code)
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=15)
    assert statuses == [status for *_, status in REQUESTS]
    lines = [line for line in out.splitlines() if re.search(r"\d+\.\d ms$", line)]
    assert [re.split(r"\s{2,}", line)[0] for line in lines] == [
        group for _, _, group, _ in REQUESTS
    ]
