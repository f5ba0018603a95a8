"""New Relic (newrelic): ``newrelic.agent.initialize`` with an ini file written here, in
developer mode (the agent runs in full against a fake collector inside itself and sends
nothing), ``WSGIApplicationWrapper`` and ``ASGIApplicationWrapper`` as its docs wrap a
generic app; the handler names the transaction with ``set_transaction_name``.

Sampling: distributed tracing on, every root trace sampled (``trace_id_ratio_based`` 1.0).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import newrelic.agent
from newrelic.core.agent import agent_instance

from ._common import ROUTE, handlers

APP_NAME = "bench-peers"
_INI = f"""[newrelic]
app_name = {APP_NAME}
developer_mode = true
monitor_mode = true
log_level = error
log_file = stderr
distributed_tracing.enabled = true
distributed_tracing.sampler.root.trace_id_ratio_based.ratio = 1.0
"""

with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as _ini:
    _ini.write(_INI)
newrelic.agent.initialize(_ini.name)
Path(_ini.name).unlink()
# until the (fake) collector has answered, transactions are not recorded at all
newrelic.agent.register_application(timeout=10.0)

NAME = f"WebTransaction/Uri{ROUTE}"


def _name_request() -> None:
    newrelic.agent.set_transaction_name(ROUTE, group="Uri")


_wsgi, _asgi = handlers(_name_request)


wsgi_app = newrelic.agent.WSGIApplicationWrapper(_wsgi)
asgi_app = newrelic.agent.ASGIApplicationWrapper(_asgi)


def exported_names() -> list[str]:
    """Developer mode sends nothing: read the transaction events the agent recorded for
    its next harvest (what it would send), then forget them."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        application = agent_instance().application(APP_NAME)
        if application is not None and application._stats_engine is not None:
            engine = application._stats_engine
            names = {event[0]["name"] for event in engine.transaction_events}
            sampled = {event[0].get("sampled") for event in engine.transaction_events}
            engine.reset_stats(engine.settings)
            if names:
                return [*sorted(names), f"(sampled: {sorted(map(str, sampled))})"]
        time.sleep(0.25)
    return []
