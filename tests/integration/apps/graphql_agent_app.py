"""The GraphQL apps the real-agent test serves (``tests/integration/test_graphql_agent.py``):
``ar.start`` exports to the AppSignal agent on ``AGENT_TEST_PORT``, with the cap
``AGENT_TEST_MAX_GROUPS``; each app of ``graphql_apps.APPS`` by its name."""

from __future__ import annotations

import os
from typing import Any

import appsignal_routes as ar

from . import start_with_agent
from .graphql_apps import APPS

start_with_agent(max_groups=int(os.environ.get("AGENT_TEST_MAX_GROUPS", "1000")))


def __getattr__(name: str) -> Any:
    if name not in APPS:
        raise AttributeError(name)
    app = globals()[name] = ar.instrument(APPS[name].factory())
    return app
