"""The requests a GraphQL API gets, and the group each must have (issue 27).

Named operations by POST and GET, with different variables, picked by
``operationName`` in a document of several, one whose resolver raises; and what keeps
the endpoint's group: an anonymous operation, an ``operationName`` naming none, a
document that does not validate or does not parse, a batch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .apps.graphql_apps import App

GET_BOOK = "query GetBook($id: Int!) { book(id: $id) { id title } }"
TWO = "query GetBook { book(id: 1) { title } } query ListBooks { books { title } }"


@dataclass(frozen=True)
class Sent:
    """One request: by GET (``body`` is the query string's fields) or POST (JSON)."""

    label: str
    body: Any
    #: the group: an operation, or None for the endpoint's own group
    group: str | None
    method: str = "POST"
    batch: bool = False
    error: bool = False  # the request counts as an error

    def path(self, app: App) -> str:
        path = app.batch_path if self.batch and app.batch_path else app.path
        if self.method == "GET":
            return f"{path}?{urlencode(self.body)}"
        return path

    def data(self) -> bytes | None:
        return None if self.method == "GET" else json.dumps(self.body).encode()

    def expected(self, app: App) -> str:
        if self.group is not None:
            return self.group
        method_group = app.endpoint.replace("POST", self.method, 1)
        if self.batch and app.batch_path and app.batch_path != app.path:
            return f"{method_group.rstrip('/')}/batch/"
        return method_group


REQUESTS = [
    Sent("named", {"query": GET_BOOK, "variables": {"id": 1}}, "query GetBook"),
    Sent("other variables", {"query": GET_BOOK, "variables": {"id": 2}}, "query GetBook"),
    Sent(
        "by GET",
        {"query": GET_BOOK, "variables": json.dumps({"id": 3})},
        "query GetBook",
        method="GET",
    ),
    Sent(
        "mutation",
        {"query": 'mutation AddBook { addBook(title: "Kim") { id } }'},
        "mutation AddBook",
    ),
    Sent("operationName", {"query": TWO, "operationName": "ListBooks"}, "query ListBooks"),
    Sent("resolver raises", {"query": "query Boom { boom }"}, "query Boom", error=True),
    Sent("no such operation", {"query": TWO, "operationName": "Nope"}, None),
    Sent("anonymous", {"query": "{ books { title } }"}, None),
    Sent("does not validate", {"query": "query Bad { nope }"}, None),
    Sent("does not parse", {"query": "query Broken {"}, None),
    Sent(
        "batch",
        [
            {"query": GET_BOOK, "variables": {"id": 1}},
            {"query": "query ListBooks { books { title } }"},
        ],
        None,
        batch=True,
    ),
]

#: named operations among the requests, and the rest
NAMED = sum(1 for sent in REQUESTS if sent.group is not None)
