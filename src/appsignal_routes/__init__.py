"""Group WSGI and ASGI requests by route, in AppSignal and any OpenTelemetry backend.

Only the names re-exported here are public; the modules behind them are private.

Inside, one request flows through the layers in this order, each package importing only
the ones before it (``tests/unit/test_layout.py`` holds them to it): ``_routes`` (route
templates, matched as plain data), ``_grouping`` (the handoff of a request's match to
its group, the group that names the root span, the span processor), ``_decorators``
(``@route``, ``@root_name``, ``@job``), ``frameworks`` and ``graphql`` (asking the app's
own router), ``_request`` (``instrument()``'s middleware and what a request starts
with), ``_agent`` (``start()``: configuration, exporters, the wiring). Beside them:
``_private`` (every use of a dependency's private names, each with its fallback),
``_shutdown`` (no span lost at a stop), ``_cli`` and ``_testing``.
"""

from ._agent.agent import Agent, start, stop
from ._agent.config import Config
from ._decorators.handlers import root_name, route
from ._decorators.jobs import job, set_namespace
from ._grouping.annotation import set_root_name, set_route
from ._grouping.processor import GroupingSpanProcessor
from ._request.middleware import instrument, instrument_asgi, instrument_wsgi
from ._testing.capture import CapturedRequest, RouteGroups
from ._types import (
    AsgiApp,
    AsgiOptions,
    Environ,
    InstrumentedAsgiApp,
    InstrumentedWsgiApp,
    InstrumentOptions,
    Message,
    Receive,
    Scope,
    Send,
    StartOptions,
    StartResponse,
    WsgiApp,
    WsgiOptions,
)

__version__ = "0.1.0"

__all__ = [
    "Agent",
    "AsgiApp",
    "AsgiOptions",
    "CapturedRequest",
    "Config",
    "Environ",
    "GroupingSpanProcessor",
    "InstrumentOptions",
    "InstrumentedAsgiApp",
    "InstrumentedWsgiApp",
    "Message",
    "Receive",
    "RouteGroups",
    "Scope",
    "Send",
    "StartOptions",
    "StartResponse",
    "WsgiApp",
    "WsgiOptions",
    "__version__",
    "instrument",
    "instrument_asgi",
    "instrument_wsgi",
    "job",
    "root_name",
    "route",
    "set_namespace",
    "set_root_name",
    "set_route",
    "start",
    "stop",
]
