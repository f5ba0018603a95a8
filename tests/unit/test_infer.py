"""Route inference from raw paths (opt-in): identifiers become parameters."""

from __future__ import annotations

import pytest

from appsignal_routes._infer import MAX_PATH, infer_template


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/users/123", "/users/:id"),
        ("/users/123/posts/456", "/users/:id/posts/:id2"),
        ("/files/12345678-1234-1234-1234-123456789abc", "/files/:uuid"),
        ("/commits/0123456789abcdef0123", "/commits/:hex"),
        ("/days/2024-01-31", "/days/:date"),
        ("/people/alice@example.com", "/people/:email"),
        ("/tokens/abc123XYZ789qq", "/tokens/:token"),
        ("/odd/%7Bx%7D space", "/odd/:param"),
        ("/long/" + "a" * 100, "/long/:param"),
        ("/" + "/".join("s" for _ in range(20)), "/" + "/".join("s" for _ in range(16)) + "/*"),
    ],
)
def test_identifiers_become_parameters(path, expected):
    assert infer_template(path) == expected


@pytest.mark.parametrize("path", ["/users", "/", "/about/team", "relative", "/x" * MAX_PATH])
def test_nothing_to_infer(path):
    assert infer_template(path) is None
