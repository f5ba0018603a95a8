"""Route templates: every accepted style, validation at parse time, rewriting."""

from __future__ import annotations

import pytest

import appsignal_routes as ar
from appsignal_routes._routes.template import parse


@pytest.mark.parametrize(
    ("template", "names", "appsignal"),
    [
        ("/users/:user_id", ["user_id"], "/users/:user_id"),
        ("/users/{user_id}", ["user_id"], "/users/:user_id"),
        ("/users/{user_id:int}", ["user_id"], "/users/:user_id"),
        ("/users/<user_id>", ["user_id"], "/users/:user_id"),
        ("/users/<int:user_id>", ["user_id"], "/users/:user_id"),
        ("/posts/<post_id:int>", ["post_id"], "/posts/:post_id"),
        ("/posts/<slug:re:[a-z]+>", ["slug"], "/posts/:slug"),
        ("/posts/<slug:re:[a-z]{3}>", ["slug"], "/posts/:slug"),
        ("/static/*", [None], "/static/*"),
        ("/static/*rest", ["rest"], "/static/*rest"),
        ("/files/{name:path}", ["name"], "/files/*name"),
        ("/files/<path:name>", ["name"], "/files/*name"),
        ("/files/<name:path>", ["name"], "/files/*name"),
        ("/files/{name}.{ext}", ["name", "ext"], "/files/:name.:ext"),
        ("/", [], "/"),
        ("/v1/projects/{id}:undelete", ["id"], "/v1/projects/:id:undelete"),
    ],
)
def test_every_style_parses_and_rewrites(template, names, appsignal):
    parsed = parse(template)
    assert str(parsed) == template
    assert parsed.format() == template
    assert [p.name for p in parsed.params] == names
    assert parsed.appsignal == appsignal


def test_flask_and_bottle_orders_are_told_apart_by_the_known_side():
    flask = parse("/u/<uuid:user_id>").params[0]
    bottle = parse("/u/<user_id:uuid>").params[0]
    assert (flask.name, flask.converter) == ("user_id", "uuid")
    assert (bottle.name, bottle.converter) == ("user_id", "uuid")
    unknown = parse("/u/<list:ids>").params[0]  # a custom Werkzeug converter
    assert (unknown.name, unknown.converter) == ("ids", "list")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("", "it is empty"),
        ("users", "must start with '/'"),
        ("/users /x", "whitespace or a control character"),
        ("/users/\x00", "whitespace or a control character"),
        ("/users?id=1", "'?' is not allowed"),
        ("/users#top", "'#' is not allowed"),
        ("/users/{id", "unbalanced"),
        ("/users/id}", "unbalanced"),
        ("/users/<id", "unbalanced"),
        ("/users/{a<b}", "unbalanced"),
        ("/users/:id/:id", "duplicate parameter name 'id'"),
        ("/users/{1abc}", "'1abc' is not an identifier"),
        ("/users/<a-b>", "'a-b' is not an identifier"),
        ("/users/:", "is not an identifier"),
        ("/static/*/more", "a wildcard must be the last segment"),
        ("/static/a*b", "'*' is a wildcard only as a whole last segment"),
        ("/x/*1", "is not an identifier"),
        ("/x/<a:re:[>", "bad regex"),
        ("/x/<a:re:(>", "bad regex"),
        ("/x/<1:2>", "is not an identifier"),
    ],
)
def test_bad_templates_fail_with_a_message_that_quotes_them(template, message):
    with pytest.raises(ValueError) as excinfo:
        parse(template)
    assert message in str(excinfo.value)
    if "bad regex" not in message:
        assert repr(template) in str(excinfo.value)


@pytest.mark.parametrize("template", [None, 42, b"/users", ["/x"]])
def test_a_template_that_is_not_a_str_is_a_type_error(template):
    with pytest.raises(TypeError, match="must be a str"):
        parse(template)


def test_any_converter_constrains_to_its_choices():
    param = parse("/lang/<any(en,de):code>").params[0]
    assert param.pattern == "(?:en|de)"


@pytest.mark.parametrize(
    ("template", "names", "converters", "appsignal"),
    [
        # Werkzeug's converters with arguments, spaces between them as Flask's docs write
        ("/<any(xhr, jquery, fetch):js>", ["js"], ["any(xhr, jquery, fetch)"], "/:js"),
        ("/lang/<string(length=2):code>", ["code"], ["string(length=2)"], "/lang/:code"),
        ("/y/<int(fixed_digits=4):year>", ["year"], ["int(fixed_digits=4)"], "/y/:year"),
        ("/n/<int(signed=True):n>", ["n"], ["int(signed=True)"], "/n/:n"),
        # Falcon's, in braces
        ("/y/{year:int(4)}", ["year"], ["int(4)"], "/y/:year"),
        ('/at/{when:dt("%Y-%m-%d %H:%M")}', ["when"], ['dt("%Y-%m-%d %H:%M")'], "/at/:when"),
        # Sanic's: the name first, its types, extensions and regexes
        ("/users/<user_id>", ["user_id"], [None], "/users/:user_id"),
        ("/users/<user_id:int>", ["user_id"], ["int"], "/users/:user_id"),
        ("/pics/<name:ext=jpg>", ["name"], ["ext=jpg"], "/pics/:name"),
        ("/pics/<name:ext=jpg|png|gif>", ["name"], ["ext=jpg|png|gif"], "/pics/:name"),
        ("/pics/<file=int:ext>", ["file"], ["ext"], "/pics/:file"),
        ("/d/<day:ymd>", ["day"], ["ymd"], "/d/:day"),
        ("/s/<tag:strorempty>", ["tag"], ["strorempty"], "/s/:tag"),
        ("/f/<folder:[A-z0-9]{0,4}>", ["folder"], ["[A-z0-9]{0,4}"], "/f/:folder"),
        (r"/t/<name:^[a-z]{3}\.txt$>", ["name"], [r"^[a-z]{3}\.txt$"], "/t/:name"),
        # BlackSheep's: the type first in braces, and :name
        ("/cats/{int:cat_id}", ["cat_id"], ["int"], "/cats/:cat_id"),
        ("/ids/{uuid:id}", ["id"], ["uuid"], "/ids/:id"),
        ("/users/:user_id", ["user_id"], [None], "/users/:user_id"),
        # Starlette's {path:path} stays the name first
        ("/files/{path:path}", ["path"], ["path"], "/files/*path"),
    ],
)
def test_converter_arguments_and_sanic_and_blacksheep_syntaxes(
    template, names, converters, appsignal
):
    parsed = parse(template)
    assert str(parsed) == template  # exported exactly as written
    assert parsed.format() == template
    assert [p.name for p in parsed.params] == names
    assert [p.converter for p in parsed.params] == converters
    assert parsed.appsignal == appsignal


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("/<any(xhr,\tjquery):js>", "whitespace or a control character"),
        ("/<any(xhr) :js>", "whitespace or a control character"),
        ("/a b/<any(x, y):js>", "whitespace or a control character"),
        ("/<any(x,\x00y):js>", "whitespace or a control character"),
        ("/pics/<fi-le=int:ext>", "is not an identifier"),
        ("/pics/<file=int:int>", "is not an identifier"),
    ],
)
def test_spaces_are_allowed_between_converter_arguments_only(template, message):
    with pytest.raises(ValueError, match="invalid route template") as excinfo:
        parse(template)
    assert message in str(excinfo.value)
    assert repr(template) in str(excinfo.value)


def test_converter_arguments_work_in_decorators_and_routes(traced):
    from appsignal_routes._routes import registry

    from ..calls import call_wsgi

    @ar.route("/<any(xhr, jquery, fetch):js>")
    def script(environ, start_response):
        start_response("200 OK", [])
        return [b"js"]

    def refuse(environ, start_response):
        start_response("401 Unauthorized", [])
        return [b"no"]

    app = ar.instrument(
        refuse, routes=["/lang/<string(length=2):code>"], tracer_provider=traced.provider
    )
    for path in ("/jquery", "/lang/de", "/lang/deu"):
        call_wsgi(app, path)
    assert [r.name for r in traced.roots()] == [
        "GET /<any(xhr, jquery, fetch):js>",
        "GET /lang/<string(length=2):code>",
        "GET",
    ]
    assert "/<any(xhr, jquery, fetch):js>" in registry.registry()
