"""Waiting a bounded time for work that may hang (an exporter stuck on a slow collector).

The SDK's batch processor ignores the timeout of ``force_flush`` (upstream issue
open-telemetry/opentelemetry-python#4568), and a shutdown flushes first; so the work
runs in a daemon thread and the caller waits for it at most ``timeout`` seconds. On an
event loop the caller awaits it (``run_off_loop``): the loop goes on serving meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any, Final

from appsignal_routes._contain import Containment

logger = logging.getLogger("appsignal_routes")

_WORK_FAILED: Final = Containment("%s failed")

#: The longest one flush of spans may take, in seconds: a shutdown's, or one during a
#: graceful stop's drain (the SDK's own calls take milliseconds; an exporter stuck on a
#: slow collector must not hold the process).
FLUSH_TIMEOUT: Final = 5.0


def _worker(work: Callable[[], object], what: str, done: Callable[[], object]) -> threading.Thread:
    def run() -> None:
        try:
            with _WORK_FAILED.about(what):
                work()
        finally:  # more than containment: the waiter is told, whatever ended the work
            done()

    return threading.Thread(target=run, name=f"appsignal-routes-{what}", daemon=True)


def _gave_up(what: str, timeout: float) -> bool:
    logger.warning("appsignal-routes: gave up %s after %.1f s", what, timeout)
    return False


def run_within(timeout: float, work: Callable[[], object], what: str) -> bool:
    """Run ``work``, waiting at most ``timeout`` seconds; never raises.

    Returns False when it is still running then (it goes on in the background, and
    one warning says so). A failure of ``work`` is logged at debug level.
    """
    worker = _worker(work, what, lambda: None)
    worker.start()
    worker.join(timeout)
    return True if not worker.is_alive() else _gave_up(what, timeout)


async def run_off_loop(timeout: float, work: Callable[[], object], what: str) -> bool:
    """``run_within`` for a coroutine: ``work`` runs in a thread, which the event loop
    (asyncio's or trio's) awaits without blocking, at most ``timeout`` seconds.
    Under another event loop, the loop waits as ``run_within`` does."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        trio = sys.modules.get("trio")
        if trio is None:
            return run_within(timeout, work, what)
        return await _trio_off_loop(trio, timeout, work, what)
    finished = loop.create_future()

    def done() -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
            loop.call_soon_threadsafe(_settle, finished)

    _worker(work, what, done).start()
    try:
        await asyncio.wait_for(asyncio.shield(finished), timeout)
    except asyncio.TimeoutError:
        return _gave_up(what, timeout)
    return True


def _settle(future: asyncio.Future[None]) -> None:
    with contextlib.suppress(asyncio.InvalidStateError):  # cancelled as the loop ended
        future.set_result(None)


async def _trio_off_loop(trio: Any, timeout: float, work: Callable[[], object], what: str) -> bool:
    """``run_off_loop`` under trio (a module already imported: the loop running is its)."""
    finished = threading.Event()
    _worker(work, what, finished.set).start()
    with trio.move_on_after(timeout):
        await trio.to_thread.run_sync(finished.wait, abandon_on_cancel=True)
    return True if finished.is_set() else _gave_up(what, timeout)
