"""Flush before a SIGTERM that would end the process without running ``atexit``.

A process whose SIGTERM handler is the default dies at once: ``atexit`` never runs, and
spans still queued for export are lost (``python app.py``, waitress, and uvicorn, which
restores the previous handler and re-raises the signal after its graceful shutdown).
``start()`` installs a handler that passes the signal on to whatever handled it
before; only where that was the default does it first wait briefly for the requests in
flight, flush, and then re-raise the signal, so the process still ends as it would have.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Final

logger = logging.getLogger("appsignal_routes")

#: How long the handler waits for requests in flight to end before it flushes, seconds.
DRAIN_TIMEOUT: Final = 2.0
#: How long no request must be in flight before the flush: queued requests start meanwhile.
QUIET_PERIOD: Final = 0.1

_Handler = Callable[[int, FrameType | None], object] | int | None


class _Chain:
    """The handler ``start()`` installed, and the one it replaced."""

    def __init__(self, flush: Callable[[], None], in_flight: Callable[[], int]) -> None:
        self.flush = flush
        self.in_flight = in_flight
        self.previous: _Handler = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        previous = self.previous
        if callable(previous):
            previous(signum, frame)  # the server's own graceful stop; atexit runs later
            return
        if previous == signal.SIG_IGN:
            return
        try:
            # Wait until no request has been in flight for a moment: the server's worker
            # threads still pick up requests it queued before the signal.
            deadline = time.monotonic() + DRAIN_TIMEOUT
            quiet_since = time.monotonic()
            while time.monotonic() < deadline:
                if self.in_flight():
                    quiet_since = time.monotonic()
                elif time.monotonic() - quiet_since >= QUIET_PERIOD:
                    break
                time.sleep(0.01)
            self.flush()
        except Exception:
            logger.debug("appsignal-routes: flush on SIGTERM failed", exc_info=True)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


_installed: _Chain | None = None


def install(flush: Callable[[], None], in_flight: Callable[[], int]) -> bool:
    """Chain the flushing handler in front of the current SIGTERM handler.

    Only the main thread can set signal handlers; elsewhere this does nothing and
    returns False.
    """
    global _installed  # noqa: PLW0603 - one process has one SIGTERM handler
    if threading.current_thread() is not threading.main_thread():
        logger.debug("appsignal-routes: start() outside the main thread; no SIGTERM flush")
        return False
    chain = _Chain(flush, in_flight)
    try:
        chain.previous = signal.signal(signal.SIGTERM, chain)
    except (ValueError, OSError):
        logger.debug("appsignal-routes: cannot set a SIGTERM handler", exc_info=True)
        return False
    _installed = chain
    return True


def uninstall() -> None:
    """Put the replaced handler back, unless someone replaced ours since."""
    global _installed  # noqa: PLW0603
    chain = _installed
    _installed = None
    if chain is None or threading.current_thread() is not threading.main_thread():
        return
    previous = chain.previous
    if signal.getsignal(signal.SIGTERM) is chain:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
