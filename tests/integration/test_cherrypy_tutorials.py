"""CherryPy's own tutorials served as deployed (gunicorn, waitress, CherryPy's cheroot),
every request sent over real HTTP and its exported root span checked: each is named by
the handler CherryPy dispatched it to, a 404 by its method alone, none lost, none
traced twice."""

from __future__ import annotations

import httpx
import pytest

from ..receiver import running_receiver
from .servers import serving_process
from .traffic import by_request_id

FILE = {"myFile": ("notes.txt", b"hello", "text/plain")}

#: (method, path, request options, status, exported group)
REQUESTS = [
    ("GET", "/tut01/", {}, 200, "HelloWorld#index"),
    ("GET", "/tut02/show_msg", {}, 200, "HelloWorld#show_msg"),
    ("GET", "/tut03/", {}, 200, "WelcomePage#index"),
    ("GET", "/tut03/greetUser?name=Bob", {}, 200, "WelcomePage#greetUser"),
    ("POST", "/tut03/greetUser", {"data": {"name": "Bob"}}, 200, "WelcomePage#greetUser"),
    ("GET", "/tut04/", {}, 200, "HomePage#index"),
    ("GET", "/tut04/joke", {}, 301, "JokePage#index"),  # to /tut04/joke/, before the handler
    ("GET", "/tut04/joke/", {}, 200, "JokePage#index"),
    ("GET", "/tut04/links/extra/", {}, 200, "ExtraLinksPage#index"),
    ("GET", "/tut04/links/nothere", {}, 404, "GET"),
    ("GET", "/tut05/another/", {}, 200, "AnotherPage#index"),
    ("GET", "/tut06/remi", {}, 200, "UsersPage#default"),
    ("GET", "/tut06/hendrik", {}, 200, "UsersPage#default"),
    ("DELETE", "/tut06/lorenzo", {}, 200, "UsersPage#default"),
    ("GET", "/tut07/", {}, 200, "HitCounter#index"),
    ("GET", "/tut08/", {}, 200, "GeneratorDemo#index"),
    ("POST", "/tut09/upload", {"files": FILE}, 200, "FileDemo#upload"),
    ("GET", "/tut09/download", {}, 200, "FileDemo#download"),
    ("GET", "/tut10/error?code=403", {}, 403, "HTTPErrorDemo#error"),
    ("GET", "/tut10/messageArg", {}, 500, "HTTPErrorDemo#messageArg"),
    ("GET", "/tut10/toggleTracebacks", {}, 303, "HTTPErrorDemo#toggleTracebacks"),
    ("GET", "/tut10/nothere/at/all", {}, 404, "GET"),
    ("GET", "/nope", {}, 404, "GET"),  # no app mounted there: the tree answers
]


@pytest.mark.parametrize("server", ["gunicorn-gthread", "waitress", "cheroot"])
def test_the_tutorials_are_grouped_by_their_handlers(server):
    app = "tests.integration.apps.cherrypy_tutorials:app"
    with running_receiver() as receiver:
        env = {"APPSIGNAL_COLLECTOR_ENDPOINT": receiver.endpoint}
        with serving_process(server, app, receiver.endpoint, env) as srv:
            with httpx.Client(base_url=srv.url, timeout=30) as client:
                statuses = [
                    client.request(
                        method, path, headers={"x-request-id": str(rid)}, **options
                    ).status_code
                    for rid, (method, path, options, _, _) in enumerate(REQUESTS)
                ]
            roots = receiver.wait_for(len(REQUESTS), timeout=20)
            log = srv.log()
    assert statuses == [status for _, _, _, status, _ in REQUESTS], log
    assert len(roots) == len(REQUESTS), log  # none lost, none traced twice
    exported = by_request_id(roots)
    assert [exported[rid].name for rid in range(len(REQUESTS))] == [
        group for _, _, _, _, group in REQUESTS
    ]
    assert {exported[rid].attributes["appsignal_routes.route_source"] for rid in range(5)} == {
        "discovered"
    }
