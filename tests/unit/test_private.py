"""Every private access has a probe and a public fallback; the switch takes every fallback.

``make pytest`` runs the unit suite twice: as the probes find (here: every private path),
and with ``APPSIGNAL_ROUTES_FALLBACKS=force`` (every public one). The tests of a private
path alone (``@pytest.mark.private_path``) are left out of the second run; what each
fallback does in their place is tested here, in both runs.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from flask import Flask
from opentelemetry.sdk.trace import TracerProvider
from werkzeug.routing import Map, Rule

import appsignal_routes as ar
from appsignal_routes import _private
from appsignal_routes._private import otel as private_otel
from appsignal_routes._private import werkzeug as private_werkzeug
from appsignal_routes._private import wrapt as private_wrapt

from ..calls import call_wsgi

#: Every private access, by the name its probe reports (see ``_private``'s docstring),
#: by the framework whose adapter makes it (None: the toolkit's own dependencies).
BY_FRAMEWORK = {
    None: {
        "api.context.runtime",
        "api.context.span_key",
        "api.span_context.tuple",
        "sdk.provider.processors",
        "sdk.span.fields",
        "sdk.span.writes",
        "wrapt.base_init",
        "wrapt.self_wrapper",
    },
    "werkzeug": {"werkzeug.map.changes", "werkzeug.rule.converters"},
    "falcon": {"falcon.router", "falcon.sinks"},
    "fastapi": {"fastapi.contrib_mark", "fastapi.telemetry"},
    "starlette": {"starlette.telemetry"},
}
#: The frameworks installed here (``make lowest`` has Flask alone)
INSTALLED = [name for name in BY_FRAMEWORK if name and importlib.util.find_spec(name)]
ACCESSES = set(BY_FRAMEWORK[None]).union(*(BY_FRAMEWORK[name] for name in INSTALLED))

_IMPORT_ALL = textwrap.dedent(
    f"""
    import importlib, json
    import appsignal_routes, appsignal_routes._private.sdk_spans
    from appsignal_routes._private import chosen
    for name in {INSTALLED!r}:
        importlib.import_module("appsignal_routes._private." + name)
    if "starlette" in {INSTALLED!r}:  # probed when first read
        importlib.import_module("appsignal_routes._private.starlette").middleware_options(None)
    print(json.dumps(chosen))
    """
)


def chosen_in_a_process(switch: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "APPSIGNAL_ROUTES_FALLBACKS"}
    if switch is not None:
        env["APPSIGNAL_ROUTES_FALLBACKS"] = switch
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", _IMPORT_ALL],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_each_access_reports_the_path_it_took_in_this_run():
    for name in INSTALLED:
        importlib.import_module(f"appsignal_routes._private.{name}")
    if "starlette" in INSTALLED:  # probed when first read
        importlib.import_module("appsignal_routes._private.starlette").middleware_options(None)
    assert set(_private.chosen) == ACCESSES
    expected = "public" if _private.FORCED else "private"  # (the releases installed here)
    assert {name: path for name, path in _private.chosen.items() if path != expected} == {}


def test_the_switch_takes_every_fallback():
    assert chosen_in_a_process(None) == dict.fromkeys(ACCESSES, "private")
    assert chosen_in_a_process("force") == dict.fromkeys(ACCESSES, "public")
    assert chosen_in_a_process(" FORCE ") == dict.fromkeys(ACCESSES, "public")


def test_the_switch_takes_the_fallbacks_it_names():
    chosen = chosen_in_a_process("wrapt.base_init, sdk.span.writes")
    assert {name for name, path in chosen.items() if path == "public"} == {
        "wrapt.base_init",
        "sdk.span.writes",
    }


def test_a_probe_that_fails_takes_the_fallback(monkeypatch, caplog):
    monkeypatch.setattr(_private, "chosen", {})

    def broken() -> bool:
        raise AttributeError("_moved")

    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        assert _private.take("some.access", broken) is False
        assert _private.take("other.access", lambda: 1) is not _private.FORCED
    assert _private.chosen["some.access"] == "public"
    assert "some.access is read the public way" in caplog.text


# What each fallback does, in both runs.


def test_without_the_runtime_context_var_the_probe_fails(monkeypatch):
    from opentelemetry import context

    monkeypatch.setattr(context, "_RUNTIME_CONTEXT", object())
    assert private_otel._runtime_context_found() is False


def test_the_fallback_knows_the_processors_the_toolkit_added(monkeypatch):
    monkeypatch.setattr(private_otel, "_PROCESSORS_LISTED", False)
    provider = TracerProvider(shutdown_on_exit=False)
    by_hand = ar.GroupingSpanProcessor()
    provider.add_span_processor(by_hand)  # not seen by the fallback
    ours = ar.GroupingSpanProcessor()
    private_otel.add_span_processor(provider, ours)
    assert tuple(private_otel.span_processors(provider)) == (ours,)
    assert tuple(private_otel.span_processors(TracerProvider(shutdown_on_exit=False))) == ()


def werkzeug_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    from appsignal_routes.frameworks import _werkzeug

    for module in (private_werkzeug, _werkzeug):
        monkeypatch.setattr(module, "rules_pending", private_werkzeug._never_pending)
        monkeypatch.setattr(module, "grown_by", private_werkzeug._every_rule)
    monkeypatch.setattr(private_werkzeug, "_CONVERTERS", False)


def test_werkzeug_fallbacks_see_every_rule_added(monkeypatch):
    werkzeug_fallbacks(monkeypatch)
    url_map = Map([Rule("/a", endpoint="a")])
    assert private_werkzeug.map_size(url_map) == 1
    url_map.add(Rule("/a/<int:id>", endpoint="a"))  # an existing endpoint: a new rule
    assert private_werkzeug.map_size(url_map) == 2
    assert private_werkzeug.rules_pending(url_map) is False  # the count says it all


def test_werkzeug_converters_made_again_are_those_werkzeug_made():
    url_map = Map(
        [Rule("/<int(min=1):a>/<b>/<path:c>/<any(x, '7'):d>/<uuid:e>/<float:f>", endpoint="a")]
    )
    rule = next(url_map.iter_rules())
    made = private_werkzeug._converters_made(rule)
    kept = list(rule._converters.values())  # type: ignore[attr-defined]
    assert [type(c) for c in made] == [type(c) for c in kept]
    assert [vars(c) for c in made] == [vars(c) for c in kept]


def test_wrapt_fallbacks_bind_and_find_the_toolkits_own_wrappers(monkeypatch):
    monkeypatch.setattr(private_wrapt, "_STATIC_BINDING", False)
    monkeypatch.setattr(private_wrapt, "_SELF_WRAPPER", False)

    @ar.route("/users/{id}")
    def show(user_id):
        return user_id

    class Users:
        @ar.root_name("Users#show")
        def show(self, user_id):
            return (self, user_id)

    users = Users()
    assert show(7) == 7
    assert users.show(8) == (users, 8)
    assert private_wrapt.wrapper_of(show).route == "/users/{id}"
    assert private_wrapt.wrapper_of(Users.__dict__["show"]).name == "Users#show"
    assert private_wrapt.wrapper_of(len) is None


def test_a_flask_app_is_grouped_alike_with_the_werkzeug_fallbacks(traced, monkeypatch):
    werkzeug_fallbacks(monkeypatch)
    app = Flask(__name__)

    @app.get("/users/<int:user_id>")
    def user(user_id):
        return str(user_id)

    wrapped = ar.instrument(app, tracer_provider=traced.provider)

    @app.get("/later/<name>")  # after instrument(), before the first request
    def later(name):
        return name

    assert call_wsgi(wrapped, "/users/1") == ("200 OK", b"1")
    assert call_wsgi(wrapped, "/later/x") == ("200 OK", b"x")
    assert [s.attributes["http.route"] for s in traced.roots()] == [
        "/users/<int:user_id>",
        "/later/<name>",
    ]


def test_the_span_key_fallback_finds_nothing_in_a_context_laid_out_otherwise(monkeypatch):
    from appsignal_routes._private import sdk_spans

    def elsewhere(span: Any, context: Any = None) -> Any:
        return context  # a context that keeps its span where no key shows it

    monkeypatch.setattr(sdk_spans, "set_span_in_context", elsewhere)
    assert sdk_spans._span_key_of_a_context() is None

    def broken(span: Any, context: Any = None) -> Any:
        raise TypeError

    monkeypatch.setattr(sdk_spans, "set_span_in_context", broken)
    assert sdk_spans._span_key_of_a_context() is None
    assert sdk_spans._span_key() is None  # (the private key's probe too)


def test_an_sdk_whose_spans_are_made_otherwise_fails_the_fields_probe(monkeypatch):
    from appsignal_routes._private import sdk_spans

    def made_otherwise(**kwargs: Any) -> Any:
        raise TypeError(sorted(kwargs))

    monkeypatch.setattr(sdk_spans.sdk_trace, "ReadableSpan", made_otherwise)
    assert sdk_spans._fields_found() is False
