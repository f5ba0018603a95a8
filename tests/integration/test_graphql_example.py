"""``examples/graphql_app.py`` starts with the command its docstring documents and prints
one line per request on the console, grouped by its GraphQL operation or by the
endpoint (issue 27)."""

from __future__ import annotations

import json

import httpx

from .servers import run_documented

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
    def send(client: httpx.Client) -> list[int]:
        statuses = []
        for method, body, _, _ in REQUESTS:
            if body is None:
                response = client.get("/health")
            elif method == "GET":
                response = client.get("/graphql", params=body)
            else:
                response = client.post("/graphql", json=body)
            statuses.append(response.status_code)
        return statuses

    statuses, groups = run_documented("graphql_app", send)
    assert statuses == [status for *_, status in REQUESTS]
    assert groups == [group for _, _, group, _ in REQUESTS]
