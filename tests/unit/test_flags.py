"""The toolkit's boolean environment variables: one set of words everywhere, and a
``ValueError`` naming the variable, at ``start()`` or ``instrument()``, for any other."""

from __future__ import annotations

import pytest
from flask import Flask

import appsignal_routes as ar
from appsignal_routes._agent.config import resolve

from ..calls import call_wsgi

ON = ["1", "true", "True", "YES", "on", " On "]
OFF = ["0", "false", "FALSE", "no", "Off", " off "]
#: option of start() -> its environment variable
OPTIONS = {
    "active": "APPSIGNAL_ACTIVE",
    "infer_routes": "APPSIGNAL_ROUTES_INFER",
    "learn_routes": "APPSIGNAL_ROUTES_LEARN",
}
EVERY = [*OPTIONS.values(), "APPSIGNAL_ROUTES_DISCOVER"]


@pytest.mark.parametrize("variable", EVERY)
@pytest.mark.parametrize("word", ["maybe", "2", "enabled", "nein"])
def test_another_word_fails_at_start_naming_the_variable(monkeypatch, variable, word):
    monkeypatch.setenv(variable, word)
    with pytest.raises(ValueError, match=rf"^{variable}='{word}': must be one of 1, on, "):
        ar.start(exporter="memory")


@pytest.mark.parametrize(("option", "variable"), OPTIONS.items())
@pytest.mark.parametrize(("words", "expected"), [(ON, True), (OFF, False)])
def test_the_same_words_mean_on_and_off_for_every_option(option, variable, words, expected):
    for word in words:
        assert getattr(resolve({}, {variable: word}), option) is expected, word
    assert getattr(resolve({}, {variable: "  "}), option) is (option == "active")  # default


def test_a_bad_discover_word_fails_at_instrument(monkeypatch):
    monkeypatch.setenv("APPSIGNAL_ROUTES_DISCOVER", "maybe")
    with pytest.raises(ValueError, match=r"^APPSIGNAL_ROUTES_DISCOVER='maybe'"):
        ar.instrument(Flask(__name__))


def users_app() -> Flask:
    app = Flask(__name__)
    app.add_url_rule("/users/<int:user_id>", view_func=lambda user_id: {"id": user_id})
    return app


@pytest.mark.parametrize(
    ("words", "name"),
    [(ON, "GET /users/<int:user_id>"), (OFF, "GET"), ([""], "GET /users/<int:user_id>")],
)
def test_discover_groups_by_the_framework_route_as_its_word_says(traced, monkeypatch, words, name):
    for word in words:
        monkeypatch.setenv("APPSIGNAL_ROUTES_DISCOVER", word)
        app = ar.instrument(users_app(), tracer_provider=traced.provider)
        assert call_wsgi(app, "/users/7")[0] == "200 OK"
    assert [span.name for span in traced.roots()] == [name] * len(words)


@pytest.mark.parametrize(("word", "name"), [("yes", "GET /orders/:order_id"), ("off", "GET")])
def test_infer_groups_by_an_inferred_route_as_its_word_says(monkeypatch, word, name):
    monkeypatch.setenv("APPSIGNAL_ROUTES_INFER", word)
    agent = ar.start(exporter="memory")

    def app(environ, start_response):
        start_response("200 OK", [])
        return [b"ok"]

    assert call_wsgi(ar.instrument(app), "/orders/12345")[0] == "200 OK"
    ar.stop()
    assert [span.name for span in agent.exporter.get_finished_spans()] == [name]
