"""Everything the toolkit keeps per process, named in one place, with one reset.

A process truly has one of each of these; each lives beside the code that uses it
(so that a request reads it without a call), and this module is where they can all be
seen and put back as a fresh process has them:

- the started agent (``agent``): ``start()`` and ``stop()``;
- the declared routes and the inference default (``registry.settings``);
- what learning mode learned (``_routes.infer``);
- the requests in flight (``processor.index``; each context's ``current_group``);
- the SIGTERM chain and its drain (``_shutdown.signals``), installed and removed by the agent;
- the tracer jobs start their spans with (``jobs``);
- the log-once flags of contained failures (``_contain``);
- whether spans take the direct attribute write (``sdk_spans``).

The captures of the pytest plugin (``_testing.capture``) are the plugin's own, per test; the
export guard it registers with the agent (``agent.guard_exports``) holds for the whole
session, and is not reset.
"""

from __future__ import annotations

from . import _contain
from ._agent import agent
from ._decorators import jobs
from ._grouping import processor
from ._private import sdk_spans
from ._routes import registry


def reset() -> None:
    """Stop the agent and forget every piece of process-wide state (for tests)."""
    agent.stop()
    registry.reset()  # with what inference learned
    processor.index.groups.clear()
    jobs.forget_tracer()
    _contain.reset_all()
    sdk_spans.direct.on = True
