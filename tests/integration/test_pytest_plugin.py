"""The ``route_groups`` fixture as a user's suite meets it: pytest loads the plugin from
its entry point (no conftest.py), and each test below runs a small suite of its own
through ``pytester``, one per kind of test client."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tests.receiver import Receiver

pytest_plugins = ["pytester"]

# The acceptance test of issue 14, as a user writes it; each client below provides
# ``client`` (or awaits its calls) and an app that groups /users/<id>.
FLASK_APP = """
    import pytest
    from flask import Flask

    import appsignal_routes as ar

    app = Flask(__name__)


    @app.get("/users/<int:id>")
    @ar.route("/users/<int:id>")
    def show(id):
        return {"id": id}


    app.wsgi_app = ar.instrument(app.wsgi_app)
"""

STARLETTE_APP = """
    import pytest
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    import appsignal_routes as ar


    @ar.route("/users/{id:int}")
    async def show(request):
        return JSONResponse({"id": request.path_params["id"]})


    app = ar.instrument(Starlette(routes=[Route("/users/{id:int}", show)]))
"""

SYNC_TESTS = """

    def test_users_are_grouped(client, route_groups):
        client.get("/users/42")
        client.get("/nope")
        assert route_groups.names == [{name!r}, "GET"]


    def test_nothing_leaks_from_the_other_test(route_groups):
        assert route_groups.names == []
        assert len(route_groups) == 0
"""


def run_suite(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_app=textwrap.dedent(source))
    return pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", *args)


def test_flask_test_client(pytester):
    source = (
        FLASK_APP
        + """

    @pytest.fixture
    def client():
        return app.test_client()


    def test_records(client, route_groups):
        client.get("/users/42?page=2")
        response = client.get("/nope")  # held open: its WSGI span has not ended
        first, second = route_groups
        assert (first.method, first.path, first.status) == ("GET", "/users/42", 200)
        assert (first.name, first.route, first.source) == (
            "GET /users/<int:id>",
            "/users/<int:id>",
            "decorator",
        )
        assert (second.path, second.status, second.name, second.route, second.source) == (
            "/nope",
            404,
            "GET",
            None,
            "method",
        )
        assert route_groups[-1:] == [second]
        assert "/users/<int:id>" in repr(route_groups)
        route_groups.clear()
        assert route_groups.names == []
        assert response.status_code == 404
        response.close()


    def test_requests_after_a_404_left_open(client, route_groups):
        client.get("/nope")  # Flask's test client keeps a 404's response open
        client.get("/users/7")
        client.get("/users/8")
        assert route_groups.names == ["GET", "GET /users/<int:id>", "GET /users/<int:id>"]
    """
        + SYNC_TESTS.format(name="GET /users/<int:id>")
    )
    run_suite(pytester, source).assert_outcomes(passed=4)


def test_a_failed_assertion_shows_the_captured_requests(pytester):
    source = (
        FLASK_APP
        + """

    def test_wrong_group(route_groups):
        app.test_client().get("/users/7")
        assert route_groups.names == ["GET /users/:id"]
    """
    )
    result = run_suite(pytester, source)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Captured route groups*",
            "route_groups: 1 request",
            "  method  path      status  name                 route            source",
            "  GET     /users/7  200     GET /users/<int:id>  /users/<int:id>  decorator",
        ]
    )


def test_quart_test_client(pytester):
    source = """
    import pytest
    from quart import Quart

    import appsignal_routes as ar

    app = Quart(__name__)


    @app.get("/users/<int:id>")
    @ar.route("/users/<int:id>")
    async def show(id):
        return {"id": id}


    app.asgi_app = ar.instrument(app.asgi_app)


    @pytest.mark.anyio
    async def test_users_are_grouped(route_groups):
        client = app.test_client()
        await client.get("/users/42")
        await client.get("/nope")
        assert route_groups.names == ["GET /users/<int:id>", "GET"]
    """
    run_suite(pytester, source).assert_outcomes(passed=1)


#: a test client of each kind -> (the app, the fixture giving it, the group of /users/42)
SYNC_CLIENTS = {
    "starlette": (
        STARLETTE_APP,
        """
    from starlette.testclient import TestClient


    @pytest.fixture
    def client():
        with TestClient(app) as client:
            yield client
    """,
        "GET /users/{id:int}",
    ),
    "httpx-wsgi": (
        FLASK_APP,
        """
    import httpx


    @pytest.fixture
    def client():
        with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://t") as c:
            yield c
    """,
        "GET /users/<int:id>",
    ),
}


@pytest.mark.parametrize("kind", SYNC_CLIENTS)
def test_a_sync_test_client(pytester, kind):
    app, fixture, name = SYNC_CLIENTS[kind]
    run_suite(pytester, app + fixture + SYNC_TESTS.format(name=name)).assert_outcomes(passed=2)


CONNEXION_APP = """
    import connexion
    import pytest

    import appsignal_routes as ar


    def show(id):
        return {{"id": id}}


    SPEC = {{
        "openapi": "3.0.0",
        "info": {{"title": "Users", "version": "1"}},
        "paths": {{
            "/users/{{id}}": {{
                "get": {{
                    "operationId": "test_app.show",
                    "parameters": [
                        {{
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {{"type": "integer"}},
                        }}
                    ],
                    "responses": {{"200": {{"description": "ok"}}}},
                }}
            }}
        }},
    }}
    app = connexion.{kind}(__name__)
    app.add_api(SPEC)
    app.middleware = ar.instrument(app.middleware)  # app.test_client() goes through it


    @pytest.fixture
    def client():
        return app.test_client()
"""


@pytest.mark.parametrize("kind", ["AsyncApp", "FlaskApp"])
def test_connexion_test_client(pytester, kind):
    source = CONNEXION_APP.format(kind=kind) + SYNC_TESTS.format(name="GET /users/{id}")
    run_suite(pytester, source).assert_outcomes(passed=2)


def test_fastapi_test_client(pytester):
    source = """
    import pytest
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    import appsignal_routes as ar

    # FastAPI's native tracing would start a second server span inside instrument()'s
    api = FastAPI(telemetry={"tracing": False})


    @api.get("/users/{id}")
    @ar.route("/users/{id}")
    async def show(id: int):
        return {"id": id}


    app = ar.instrument(api)


    @pytest.fixture
    def client():
        return TestClient(app)
    """ + SYNC_TESTS.format(name="GET /users/{id}")
    run_suite(pytester, source).assert_outcomes(passed=2)


def test_fastapi_native_telemetry_without_instrument(pytester):
    """FastAPI traces requests itself once a provider is set (the plugin's, here)."""
    source = """
    import pytest
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()


    @app.get("/users/{id}")
    async def show(id: int):
        return {"id": id}


    @pytest.fixture
    def client():
        return TestClient(app)


    def test_users_are_grouped(client, route_groups):
        client.get("/users/42")
        assert route_groups.names == ["GET /users/{id}"]
        assert route_groups[0].route == "/users/{id}"
    """
    run_suite(pytester, source).assert_outcomes(passed=1)


def test_fastapi_with_its_own_instrumentor_and_start(pytester):
    """The framework's own tracing, no instrument(): the instrumentor's route counts."""
    source = """
    import pytest
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    import appsignal_routes as ar

    ar.start(exporter="none")
    app = FastAPI(telemetry={"tracing": False})  # the instrumentor traces instead


    @app.get("/users/{id}")
    async def show(id: int):
        return {"id": id}


    FastAPIInstrumentor.instrument_app(app)


    @pytest.fixture
    def client():
        return TestClient(app)


    def test_users_are_grouped(client, route_groups):
        client.get("/users/42")
        assert route_groups.names == ["GET /users/{id}"]
        assert route_groups[0].source == "framework"
    """
    run_suite(pytester, source).assert_outcomes(passed=1)


# Falcon's ASGI test helper gives scope["headers"] and scope["server"] as iterators,
# which instrument() lists before the upstream ASGI middleware reads them.
@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
def test_falcon_test_client(pytester, kind):
    source = f"""
    import falcon
    import falcon.asgi
    import falcon.testing
    import pytest

    import appsignal_routes as ar

    ASYNC = {kind == "asgi"!r}


    @ar.root_name("UserHandlers")
    class Users:
        if ASYNC:
            async def on_get(self, req, resp, id):
                resp.media = {{"id": id}}
        else:
            def on_get(self, req, resp, id):
                resp.media = {{"id": id}}


    api = falcon.asgi.App() if ASYNC else falcon.App()
    api.add_route("/users/{{id:int}}", Users())
    app = ar.instrument(api)


    @pytest.fixture
    def client():
        return falcon.testing.TestClient(app)
    """ + SYNC_TESTS.format(name="UserHandlers#on_get")
    run_suite(pytester, source).assert_outcomes(passed=2)


def test_httpx_asgi_transport(pytester):
    source = (
        STARLETTE_APP
        + """
    import httpx


    @pytest.mark.anyio
    async def test_users_are_grouped(route_groups):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.get("/users/42")
            await client.get("/nope")
        assert route_groups.names == ["GET /users/{id:int}", "GET"]
    """
    )
    run_suite(pytester, source).assert_outcomes(passed=1)


def test_webtest(pytester):
    source = """
    import pytest
    import webtest
    from pyramid.config import Configurator

    import appsignal_routes as ar


    @ar.route("/users/{id}")
    def show(request):
        return {"id": request.matchdict["id"]}


    with Configurator() as config:
        config.add_route("user", "/users/{id}")
        config.add_view(show, route_name="user", renderer="json")
        app = ar.instrument(config.make_wsgi_app())


    @pytest.fixture
    def client():
        return webtest.TestApp(app)


    def test_users_are_grouped(client, route_groups):
        client.get("/users/42")
        client.get("/nope", status=404)
        assert route_groups.names == ["GET /users/{id}", "GET"]
    """
    run_suite(pytester, source).assert_outcomes(passed=1)


def test_real_servers_in_the_same_process(pytester):
    """wsgiref and uvicorn, each in a thread, driven over 127.0.0.1."""
    source = (
        FLASK_APP
        + STARLETTE_APP.replace("app = ar.instrument", "asgi_app = ar.instrument")
        + """
    import threading
    import time
    import urllib.error
    import urllib.request
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    import uvicorn


    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass


    def get(url):
        try:
            with urllib.request.urlopen(url) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


    @pytest.fixture
    def wsgi_server():
        server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}"
        server.shutdown()
        server.server_close()


    @pytest.fixture
    def asgi_server():
        config = uvicorn.Config(asgi_app, host="127.0.0.1", port=0, log_level="error")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(5)


    def test_wsgiref(wsgi_server, route_groups):
        assert get(wsgi_server + "/users/42") == 200
        assert get(wsgi_server + "/nope") == 404
        assert route_groups.names == ["GET /users/<int:id>", "GET"]


    def test_uvicorn(asgi_server, route_groups):
        assert get(asgi_server + "/users/42") == 200
        assert get(asgi_server + "/nope") == 404
        assert route_groups.names == ["GET /users/{id:int}", "GET"]
        assert [r.status for r in route_groups] == [200, 404]
    """
    )
    run_suite(pytester, source).assert_outcomes(passed=2)


def test_with_start_and_a_collector_nothing_is_sent(pytester):
    """start() at import with a network exporter: the captured tests' spans stay local,
    while a test that does not capture still exports (the guard changes nothing else)."""
    receiver = Receiver()
    receiver.start()
    try:
        source = (
            FLASK_APP.replace(
                "app = Flask",
                f"ar.start(collector_endpoint={receiver.endpoint!r})\n    app = Flask",
            )
            + """

    def test_captured(route_groups):
        client = app.test_client()
        for _ in range(3):
            client.get("/users/42")
        assert route_groups.names == ["GET /users/<int:id>"] * 3


    def test_not_captured():
        app.test_client().get("/users/7").close()
    """
        )
        pytester.makepyfile(test_app=textwrap.dedent(source))
        # a process of its own, which flushes the batch exporter at its exit
        pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=2)
        roots = receiver.wait_for(1)
        assert [r.attributes["http.target"] for r in roots] == ["/users/7"]
    finally:
        receiver.stop()


@pytest.mark.parametrize("seed", ["1", "2", "3"])
def test_random_order_does_not_leak(pytester, seed):
    source = (
        FLASK_APP
        + """
    HELD = []


    def test_a_request_left_open(route_groups):
        HELD.append(app.test_client().get("/users/1"))
        assert route_groups.names == ["GET /users/<int:id>"]


    def test_b_two_requests(route_groups):
        for response in HELD:
            response.close()  # a span of the other test ends here: not this test's
        client = app.test_client()
        client.get("/users/2")
        client.get("/users/3")
        assert route_groups.names == ["GET /users/<int:id>"] * 2


    def test_c_none(route_groups):
        assert list(route_groups) == []
    """
    )
    pytester.makepyfile(test_app=textwrap.dedent(source))
    result = pytester.runpytest("-p", "randomly", f"--randomly-seed={seed}", "-v")
    result.assert_outcomes(passed=3)


def test_xdist_workers_do_not_leak(pytester):
    # Responses are closed here: on Python 3.10 and 3.11 the garbage collector can
    # finalize a response left open (a generator that resets a context variable) in the
    # middle of a context variable's update, which crashes the interpreter now and then
    # (python/cpython#148891), in a test client's suite with or without this toolkit.
    source = FLASK_APP + "".join(
        f"""

    def test_{n}(route_groups):
        client = app.test_client()
        for _ in range({n % 3 + 1}):
            client.get("/users/{n}").close()
        client.get("/nope").close()
        assert route_groups.names == ["GET /users/<int:id>"] * {n % 3 + 1} + ["GET"]
    """
        for n in range(12)
    )
    pytester.makepyfile(test_app=textwrap.dedent(source))
    result = pytester.runpytest_subprocess("-n", "2")
    result.assert_outcomes(passed=12)


def test_importing_the_package_does_not_import_pytest():
    code = "import sys, appsignal_routes; assert 'pytest' not in sys.modules, 'pytest imported'"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
