"""No span lost at a graceful stop, whatever order the server installs its handlers in.

A process whose SIGTERM handler is the default dies at once: ``atexit`` never runs, and
spans still queued for export are lost. ``start()`` chains a handler in front of the
SIGTERM handler it finds, and what it does depends on what that was:

- The default (``python app.py``, waitress, single-process uvicorn once it restored
  ours): wait briefly for the requests in flight, flush, then re-raise the signal, so
  the process still ends as it would have.
- A server's own graceful stop (gunicorn's workers, uvicorn ``--workers``, which imports
  the app inside its signal capture): call it, then *drain*. The server finishes the
  requests in flight and may then end the process without ``atexit`` (uvicorn restores
  the default handler past ours and re-raises), so from then on each request that ends
  with no other in flight flushes, before the server gets control back. If none is in
  flight at the signal, the flush happens at once. The last request to finish before the
  server re-raises the signal has flushed everything, in either order of handlers.

Where the signal arrives on a thread that runs an event loop (uvicorn, gunicorn's
uvicorn workers, hypercorn: the main thread), nothing waits on that thread: the loop
goes on serving the requests in flight while a thread flushes. The default handler's
wait and flush run in a thread that ends the process with the signal once done; a
server's own stop is called once the flush of the moment is done (none in flight) or at
once (requests in flight: each one's end flushes in a thread, which the middleware
awaits before it hands the request back to the server, so the server waits for it too).

The hot path pays for this with one module-level flag check per span end (``draining``),
and one per ASGI request.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Final

from appsignal_routes._contain import Containment

from .bounded import FLUSH_TIMEOUT, run_off_loop, run_within

logger = logging.getLogger("appsignal_routes")

_FLUSH_FAILED: Final = Containment("flush at a graceful stop failed")
_SIGTERM_FLUSH_FAILED: Final = Containment("flush on SIGTERM failed")
_SERVER_STOP_FAILED: Final = Containment("the server's own stop failed")

#: How long the handler waits for requests in flight to end before it flushes, seconds.
DRAIN_TIMEOUT: Final = 2.0
#: How long no request must be in flight before the flush: queued requests start meanwhile.
QUIET_PERIOD: Final = 0.1
#: The most time all flushes of one drain may take together: a broken collector must
#: not hold every request that ends during a shutdown.
FLUSH_BUDGET: Final = 5.0

_Handler = Callable[[int, FrameType | None], object] | int | None

#: True once a server's own graceful stop began: each request that ends may flush.
draining = False


def on_event_loop() -> bool:
    """Whether this thread is running an event loop (asyncio's, or trio's) just now."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        lowlevel = getattr(sys.modules.get("trio"), "lowlevel", None)
        in_run = getattr(lowlevel, "in_trio_run", None)
        return bool(in_run is not None and in_run())
    return True


class _Drain:
    """The flushes of one graceful stop, bounded in total by ``FLUSH_BUDGET``."""

    def __init__(self, flush: Callable[[int], object], in_flight: Callable[[], int]) -> None:
        self.flush = flush
        self.in_flight = in_flight
        self.started = time.monotonic()
        self.budget = FLUSH_BUDGET
        self._lock = threading.Lock()
        #: Set once the flushes running in a thread are done (None: none ran).
        self.flushed: threading.Event | None = None
        self._again = False

    def flush_now(self, then: Callable[[], object] | None = None) -> None:
        """Export what is queued, within what is left of the budget; never raises.
        On an event loop's thread, a thread flushes and this returns at once. ``then``
        is called once the flush is done (or given up)."""
        if on_event_loop():
            self._flush_in_a_thread(then)
            return
        self._flush_here()
        if then is not None:
            then()

    def _flush_here(self) -> None:
        timeout = min(self.budget, FLUSH_TIMEOUT)
        if timeout <= 0:
            return
        started = time.monotonic()
        done = run_within(
            timeout, lambda: self.flush(int(timeout * 1000)), "flushing spans at a graceful stop"
        )
        self.budget = self.budget - (time.monotonic() - started) if done else 0.0

    def _flush_in_a_thread(self, then: Callable[[], object] | None) -> None:
        with self._lock:
            running = self.flushed is not None and not self.flushed.is_set()
            if running and then is None:
                self._again = True  # spans ended since that flush began: once more
                return
            flushed = self.flushed = threading.Event() if not running else self.flushed
        assert flushed is not None  # noqa: S101 - set above

        def flush() -> None:
            try:
                while True:
                    self._flush_here()
                    with self._lock:
                        if not self._again or self.budget <= 0:
                            self._again = False
                            flushed.set()
                            break
                        self._again = False
                if then is not None:
                    then()
            except Exception:  # pragma: no cover - _flush_here and then never raise
                _FLUSH_FAILED.log()
                flushed.set()  # more than containment: the waiters are released

        threading.Thread(target=flush, name="appsignal-routes-drain", daemon=True).start()

    def request_ended(self) -> None:
        """A request ended: flush if it was the last in flight. Past ``DRAIN_TIMEOUT``
        every request flushes: one that never ends must not hold the others' spans."""
        with _FLUSH_FAILED:
            if not self.in_flight() or time.monotonic() - self.started > DRAIN_TIMEOUT:
                self.flush_now()


_drain: _Drain | None = None


def request_ended() -> None:
    """Called by the grouping processor as a request's root span ends, while ``draining``."""
    drain = _drain
    if drain is not None:
        drain.request_ended()


async def flushed() -> None:
    """Wait, off the event loop, for the flush a request's end started in a thread
    (``draining`` only): the middleware hands the request back to the server after it,
    so that the server, which waits for its requests, waits for their spans too."""
    drain = _drain
    flushing = drain.flushed if drain is not None else None
    if flushing is not None and not flushing.is_set():
        await run_off_loop(
            FLUSH_BUDGET, lambda: flushing.wait(FLUSH_BUDGET), "waiting for a flush at a stop"
        )


class _Chain:
    """The handler ``start()`` installed, and the one it replaced."""

    def __init__(
        self,
        stop: Callable[[], None],
        in_flight: Callable[[], int],
        flush: Callable[[int], object] | None = None,
    ) -> None:
        self.stop = stop
        self.in_flight = in_flight
        self.flush = flush
        self.previous: _Handler = None
        self.ending = False  # a thread stops and ends the process (on an event loop)
        self.ended = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.ended:  # the thread below flushed: the process ends as by default
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        previous = self.previous
        if callable(previous):
            if self.flush is not None and on_event_loop():
                _start_draining(self.flush, self.in_flight, lambda: previous(signum, frame))
                return
            previous(signum, frame)  # the server's own graceful stop
            if self.flush is not None:
                _start_draining(self.flush, self.in_flight)
            return
        if previous == signal.SIG_IGN:
            return
        if on_event_loop():  # the loop finishes its requests while a thread waits for them
            if not self.ending:
                self.ending = True
                threading.Thread(
                    target=self._stop_then_end, args=(signum,), name="appsignal-routes-sigterm"
                ).start()
            return
        self._stop()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    def _stop_then_end(self, signum: int) -> None:
        """In a thread: wait, flush, then signal again: the handler ends the process."""
        self._stop()
        self.ended = True
        os.kill(os.getpid(), signum)

    def _stop(self) -> None:
        with _SIGTERM_FLUSH_FAILED:
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
            self.stop()


def _start_draining(
    flush: Callable[[int], object],
    in_flight: Callable[[], int],
    stop_server: Callable[[], object] | None = None,
) -> None:
    """Drain from now on. ``stop_server`` (on an event loop: the server's own stop, not
    called yet) is called once the flush of the moment is done, if none is in flight
    (the server may exit as soon as it stops), else at once."""
    global draining, _drain  # noqa: PLW0603 - one process stops once
    then = _contained(stop_server) if stop_server is not None else None
    with _FLUSH_FAILED:
        if _drain is None:
            _drain = _Drain(flush, in_flight)
            draining = True
        if not in_flight():
            _drain.flush_now(then)  # nothing left to end: the server may exit at any moment
            return
    if then is not None:
        then()


def _contained(stop_server: Callable[[], object]) -> Callable[[], None]:
    """``stop_server``, called on the event loop's own thread (the server's handler may
    touch the loop), whichever thread calls this; never raises."""
    loop: asyncio.AbstractEventLoop | None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None

    def call() -> None:
        with _SERVER_STOP_FAILED:
            if loop is not None and threading.current_thread() is not threading.main_thread():
                loop.call_soon_threadsafe(stop_server)
            else:
                stop_server()

    return call


_installed: _Chain | None = None


def install(
    stop: Callable[[], None],
    in_flight: Callable[[], int],
    flush: Callable[[int], object] | None = None,
) -> bool:
    """Chain the flushing handler in front of the current SIGTERM handler.

    ``stop`` flushes and shuts down before the process dies; ``flush(timeout_millis)``
    exports what is queued while a server's own stop drains; ``in_flight`` counts the
    requests in flight. Only the main thread can set signal handlers; elsewhere this
    does nothing and returns False.
    """
    global _installed  # noqa: PLW0603 - one process has one SIGTERM handler
    if threading.current_thread() is not threading.main_thread():
        logger.debug("appsignal-routes: start() outside the main thread; no SIGTERM flush")
        return False
    chain = _Chain(stop, in_flight, flush)
    try:
        chain.previous = signal.signal(signal.SIGTERM, chain)
    except (ValueError, OSError):
        logger.debug("appsignal-routes: cannot set a SIGTERM handler", exc_info=True)
        return False
    _installed = chain
    return True


def uninstall() -> None:
    """Stop draining; put the replaced handler back, unless someone replaced ours since."""
    global _installed, draining, _drain  # noqa: PLW0603
    draining = False
    _drain = None
    chain = _installed
    _installed = None
    if chain is None or threading.current_thread() is not threading.main_thread():
        return
    previous = chain.previous
    if signal.getsignal(signal.SIGTERM) is chain:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
