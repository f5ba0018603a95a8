"""The apps the integration tests serve under real servers (each module one app), and
what they share: the starts that export to the test's loopback receiver or its AppSignal
agent, and a plain ASGI answer."""

from __future__ import annotations

import os
from typing import Any

import appsignal_routes as ar


def start(name: str) -> None:
    """``ar.start()`` exporting to the loopback receiver of the test serving the app (its
    endpoint in ``TEST_COLLECTOR``), under the app name ``name``."""
    ar.start(
        exporter="collector",
        collector_endpoint=os.environ["TEST_COLLECTOR"],
        name=name,
        push_api_key="test-key-0000",
    )


def start_with_agent(**options: Any) -> None:
    """``ar.start()`` exporting to the AppSignal agent of the test serving the app (its
    OpenTelemetry port in ``AGENT_TEST_PORT``), with ``options`` besides."""
    ar.start(
        exporter="agent",
        opentelemetry_port=int(os.environ["AGENT_TEST_PORT"]),
        name="agent-test",
        environment="test",
        push_api_key="agent-test-key",
        **options,
    )


async def answer(send: Any, status: int, body: bytes = b"ok") -> None:
    """A plain-text ASGI response."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": body})
