"""Matching paths against many templates: precedence, converters, wildcards."""

from __future__ import annotations

from appsignal_routes._route_table import RouteTable


def match(table: RouteTable, path: str) -> str | None:
    found = table.match(path)
    return None if found is None else found.text


def test_static_beats_parameter_beats_wildcard_whatever_the_order_added():
    table = RouteTable(["/files/*", "/users/:id", "/users/me", "/users/*rest"])
    assert match(table, "/users/me") == "/users/me"
    assert match(table, "/users/42") == "/users/:id"
    assert match(table, "/users/42/posts") == "/users/*rest"
    assert match(table, "/files/a/b/c") == "/files/*"
    assert match(table, "/files") == "/files/*"
    assert match(table, "/other") is None


def test_converters_constrain_a_match_and_beat_a_bare_parameter():
    table = RouteTable(["/items/{name}", "/items/{item_id:int}", "/u/<uuid:uid>"])
    assert match(table, "/items/42") == "/items/{item_id:int}"
    assert match(table, "/items/shoes") == "/items/{name}"
    assert match(table, "/u/12345678-1234-1234-1234-123456789abc") == "/u/<uuid:uid>"
    assert match(table, "/u/not-a-uuid") is None


def test_backtracks_when_the_static_branch_dead_ends():
    table = RouteTable(["/users/me/settings", "/users/:id/posts"])
    assert match(table, "/users/me/posts") == "/users/:id/posts"


def test_mixed_segments_and_regex_filters():
    table = RouteTable(["/files/{name}.{ext}", "/posts/<slug:re:[a-z]+>"])
    assert match(table, "/files/report.pdf") == "/files/{name}.{ext}"
    assert match(table, "/files/report") is None
    assert match(table, "/posts/hello") == "/posts/<slug:re:[a-z]+>"
    assert match(table, "/posts/Hello1") is None


def test_root_trailing_slash_and_empty_segments():
    table = RouteTable(["/", "/users", "/users/:id"])
    assert match(table, "/") == "/"
    assert match(table, "/users/") == "/users"
    assert match(table, "/users//") is None  # an empty segment is not a parameter value
    assert match(table, "users") is None


def test_first_template_of_a_shape_wins_and_adding_twice_is_harmless():
    table = RouteTable(["/users/:id", "/users/{id}", "/users/:id"])
    assert len(table) == 2
    assert "/users/{id}" in table
    assert match(table, "/users/1") == "/users/:id"
    assert [t.text for t in table.templates] == ["/users/:id", "/users/{id}"]


def test_a_thousand_templates_each_match_their_own_paths():
    templates = [
        f"/api/v{v}/resource{r}/:id/items/{{item_id:int}}" for v in range(10) for r in range(100)
    ]
    table = RouteTable(templates)
    assert len(table) == 1000
    for v in (0, 5, 9):
        for r in (0, 42, 99):
            assert match(table, f"/api/v{v}/resource{r}/7/items/8") == templates[v * 100 + r]
    assert match(table, "/api/v3/resource7/7/items/x") is None


def test_a_hostile_path_does_not_recurse_past_the_templates_depth():
    table = RouteTable(["/a/:b/*rest"])
    assert match(table, "/a/" + "x/" * 20000) == "/a/:b/*rest"
    assert match(table, "/" * 20000) is None
