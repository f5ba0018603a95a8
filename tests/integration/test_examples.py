"""Each example starts with the one command its docstring documents, and prints one
grouped line per request on the console (the default exporter in development)."""

from __future__ import annotations

import httpx
import pytest

from ..matrix.test_matrix import EXAMPLES, REQUESTS, STATUSES, STATUSES_OF
from .servers import run_documented


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_example_runs_with_its_documented_command(example):
    def send(client: httpx.Client) -> list[int]:
        return [
            client.request(method, path, headers={"connection": "close"}).status_code
            for method, path in REQUESTS
        ]

    statuses, groups = run_documented(example, send)
    assert statuses == STATUSES_OF.get(example, STATUSES)
    assert groups == EXAMPLES[example][1]
