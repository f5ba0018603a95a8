"""Waiting a bounded time for work that may hang (an exporter stuck on a slow collector).

The SDK's batch processor ignores the timeout of ``force_flush`` (upstream issue
open-telemetry/opentelemetry-python#4568), and a shutdown flushes first; so the work
runs in a daemon thread and the caller waits for it at most ``timeout`` seconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger("appsignal_routes")


def run_within(timeout: float, work: Callable[[], object], what: str) -> bool:
    """Run ``work``, waiting at most ``timeout`` seconds; never raises.

    Returns False when it is still running then (it goes on in the background, and
    one warning says so). A failure of ``work`` is logged at debug level.
    """

    def run() -> None:
        try:
            work()
        except Exception:
            logger.debug("appsignal-routes: %s failed", what, exc_info=True)

    worker = threading.Thread(target=run, name=f"appsignal-routes-{what}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        logger.warning("appsignal-routes: gave up %s after %.1f s", what, timeout)
        return False
    return True
