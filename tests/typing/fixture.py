"""Checked by mypy --strict and pyright: a test annotated with the ``route_groups``
fixture's public type (see instrument.py for how a line that must fail is marked).
Never collected: pytest collects test_*.py only."""

from __future__ import annotations

from flask import Flask
from typing_extensions import assert_type

import appsignal_routes as ar

app = Flask(__name__)
app.wsgi_app = ar.instrument(app.wsgi_app)  # type: ignore[method-assign]


def test_users_are_grouped(route_groups: ar.RouteGroups) -> None:
    app.test_client().get("/users/42")
    assert_type(route_groups.names, list[str])
    request = route_groups[0]
    assert_type(request, ar.CapturedRequest)
    assert_type(request.method, str)
    assert_type(request.path, str)
    assert_type(request.status, int)
    assert_type(request.name, str)
    assert_type(request.route, str | None)
    assert_type(request.source, str | None)
    assert_type(route_groups[1:], list[ar.CapturedRequest])
    assert_type(len(route_groups), int)
    for each in route_groups:
        assert_type(each, ar.CapturedRequest)
    route_groups.clear()

    # What the checkers must reject:
    route_groups.names.append(42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    request.status = 200  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue]
    request.nmae  # type: ignore[attr-defined]  # noqa: B018  # pyright: ignore[reportAttributeAccessIssue]
    route_groups["GET /users/<int:id>"]  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    route_groups.clear(keep=1)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
