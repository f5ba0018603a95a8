"""A pytest plugin: every app a framework's own tests hand to a test client is served
through ``ar.instrument(app)``, after ``ar.start(exporter="memory")``.

Loaded into those suites by ``tests/suites/run.py`` (``-p _appsignal_routes_suite``);
it lives outside the ``tests`` package, which the frameworks' suites name their own.
"""

from __future__ import annotations

import functools
from typing import Any

import appsignal_routes as ar


def pytest_configure(config: Any) -> None:
    ar.start(exporter="memory")
    _starlette()
    _falcon()


def instrumented(app: Any) -> Any:
    """``app`` as a user instruments it: ``instrument()``, or ``instrument_asgi()``
    where it cannot tell (an ASGI 2 app a test client takes as ASGI)."""
    try:
        return ar.instrument(app)
    except TypeError:
        return ar.instrument_asgi(app)


class _Served:
    """An ASGI app served instrumented, that is otherwise the app (a test reaches
    ``conductor.app.add_route``)."""

    def __init__(self, app: Any) -> None:
        self.__dict__["_app"] = app
        self.__dict__["_served"] = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        served = self.__dict__["_served"]
        if served is None:  # once its test has added its routes
            served = self.__dict__["_served"] = instrumented(self.__dict__["_app"])
        await served(scope, receive, send)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_app"], name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.__dict__["_app"], name, value)


def _starlette() -> None:
    """Starlette's ``TestClient`` (FastAPI's too)."""
    try:
        from starlette import testclient
    except ImportError:
        return
    original = testclient.TestClient.__init__

    @functools.wraps(original)
    def init(self: Any, app: Any, *args: Any, **kwargs: Any) -> None:
        original(self, instrumented(app), *args, **kwargs)

    testclient.TestClient.__init__ = init  # type: ignore[method-assign]


def _falcon() -> None:
    """Falcon's ``simulate_request`` and ``ASGIConductor`` (its ``TestClient`` and
    ``simulate_*`` helpers all come through these two)."""
    try:
        from falcon import testing
        from falcon.testing import client
    except ImportError:
        return
    for module in (client, testing):
        for name in ("simulate_request", "_simulate_request_asgi"):
            original = getattr(module, name, None)
            if original is not None and not getattr(original, "_instrumented", False):
                setattr(module, name, _instrumenting_first(original))
    conductor = client.ASGIConductor.__init__

    @functools.wraps(conductor)
    def init(self: Any, app: Any, *args: Any, **kwargs: Any) -> None:
        # a WSGI app is handed on as it is, for the conductor to refuse as released
        # (served, it would look like ASGI, and the conductor would wait forever for
        # the startup of a lifespan that cannot start)
        served = _Served(app) if client._is_asgi_app(app) else app
        conductor(self, served, *args, **kwargs)

    client.ASGIConductor.__init__ = init  # type: ignore[method-assign]


def _instrumenting_first(original: Any) -> Any:
    @functools.wraps(original)
    def call(app: Any, *args: Any, **kwargs: Any) -> Any:
        return original(instrumented(app), *args, **kwargs)

    call._instrumented = True  # type: ignore[attr-defined]
    return call
