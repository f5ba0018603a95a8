"""The suite harness's pytest plugin hands Falcon's test clients the apps they would
get as released: a WSGI app is refused by the ASGI conductor, not served as ASGI."""

from __future__ import annotations

import asyncio
from pathlib import Path

import falcon
import falcon.asgi
import pytest
from falcon import testing
from falcon.testing import client

PLUGIN = Path(__file__).resolve().parent / "plugin"


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch) -> None:
    """Falcon's test clients as the plugin patches them, restored afterwards."""
    monkeypatch.syspath_prepend(str(PLUGIN))
    monkeypatch.setattr(client.ASGIConductor, "__init__", client.ASGIConductor.__init__)
    for module in (client, testing):
        for name in ("simulate_request", "_simulate_request_asgi"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, getattr(module, name))
    import _appsignal_routes_suite

    _appsignal_routes_suite._falcon()


@pytest.mark.usefixtures("patched")
def test_the_conductor_refuses_a_wsgi_app_as_released() -> None:
    with pytest.raises(falcon.CompatibilityError):
        testing.ASGIConductor(falcon.App())


class _Hello:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"hello": req.path}


async def _get_hello(app: falcon.asgi.App) -> testing.Result:
    async with testing.ASGIConductor(app) as conductor:
        conductor.app.add_route("/hello", _Hello())
        return await conductor.simulate_get("/hello")


@pytest.mark.usefixtures("patched")
def test_the_conductor_serves_an_asgi_app_its_test_extends() -> None:
    assert asyncio.run(_get_hello(falcon.asgi.App())).json == {"hello": "/hello"}
