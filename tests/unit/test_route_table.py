"""Matching paths against many templates: precedence, converters, wildcards."""

from __future__ import annotations

from appsignal_routes._routes.table import RouteTable


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


def test_converter_arguments_constrain_a_match():
    table = RouteTable(
        [
            "/<any(xhr, jquery, fetch):js>",
            "/lang/<string(length=2):code>",
            "/lang/<string(minlength=3, maxlength=4):long_code>",
            "/y/{year:int(4)}",
            "/n/<int(signed=True):n>",
            "/f/<float(signed=True):f>",
            "/q/<string(maxlength=many):q>",  # arguments that say nothing we can read
            "/r/{r:int(}",
        ]
    )
    assert match(table, "/jquery") == "/<any(xhr, jquery, fetch):js>"
    assert match(table, "/dojo") is None
    assert match(table, "/lang/de") == "/lang/<string(length=2):code>"
    assert match(table, "/lang/deu") == "/lang/<string(minlength=3, maxlength=4):long_code>"
    assert match(table, "/lang/deutsch") is None
    assert match(table, "/y/2024") == "/y/{year:int(4)}"
    assert match(table, "/y/202") is None
    assert match(table, "/n/-3") == "/n/<int(signed=True):n>"
    assert match(table, "/f/-3.5") == "/f/<float(signed=True):f>"
    assert match(table, "/q/anything") == "/q/<string(maxlength=many):q>"
    assert match(table, "/r/12") == "/r/{r:int(}"
    assert match(table, "/r/x") is None


def test_sanic_types_constrain_a_match():
    table = RouteTable(
        [
            "/users/<user_id:int>",
            "/users/<name:alpha>",
            "/pics/<name:ext=jpg|png>",
            "/nums/<file=int:ext>",
            "/d/<day:ymd>",
            "/s/<tag:slug>",
            "/f/<folder:[A-z0-9]{0,4}>",
            r"/t/<name:^[a-z]{3}\.txt$>",
            "/custom/<ids:list:,>",
            "/bad/<x:[unclosed>",
        ]
    )
    assert match(table, "/users/-10") == "/users/<user_id:int>"
    assert match(table, "/users/Bob") == "/users/<name:alpha>"
    assert match(table, "/users/Bob1") is None
    assert match(table, "/pics/cat.jpg") == "/pics/<name:ext=jpg|png>"
    assert match(table, "/pics/cat.gif") is None
    assert match(table, "/nums/42.txt") == "/nums/<file=int:ext>"
    assert match(table, "/nums/cat.txt") is None
    assert match(table, "/d/2024-02-29") == "/d/<day:ymd>"
    assert match(table, "/d/2024-13-01") is None
    assert match(table, "/s/hello-world") == "/s/<tag:slug>"
    assert match(table, "/s/Hello") is None
    assert match(table, "/f/ab12") == "/f/<folder:[A-z0-9]{0,4}>"
    assert match(table, "/f/abcde") is None
    assert match(table, "/t/abc.txt") == r"/t/<name:^[a-z]{3}\.txt$>"
    assert match(table, "/t/abcd.txt") is None
    assert match(table, "/custom/1,2") == "/custom/<ids:list:,>"  # a custom filter: any value
    assert match(table, "/bad/x") == "/bad/<x:[unclosed>"  # no regex Python reads: any value


def test_blacksheep_types_constrain_a_match():
    table = RouteTable(["/cats/{int:cat_id}", "/cats/:name", "/ids/{uuid:id}"])
    assert match(table, "/cats/42") == "/cats/{int:cat_id}"
    assert match(table, "/cats/tom") == "/cats/:name"
    assert match(table, "/ids/12345678-1234-1234-1234-123456789abc") == "/ids/{uuid:id}"
    assert match(table, "/ids/nope") is None
