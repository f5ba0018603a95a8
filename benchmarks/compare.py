"""Side-by-side timing: A and B alternate within each round; the figure is the median of
the per-round ratios A/B, with its min and max, so machine noise hits both alike."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Ratio:
    median: float
    low: float
    high: float
    a_ns: float  # median time of one A operation, in nanoseconds
    b_ns: float
    rounds: int

    def __str__(self) -> str:
        return f"{self.median:.3f} ({self.low:.3f}-{self.high:.3f})"


def time_calls(
    operation: Callable[[], object], number: int, clock: Callable[[], int] = time.perf_counter_ns
) -> float:
    """The time of one of ``number`` calls of ``operation`` in a row (ns, by ``clock``)."""
    started = clock()
    for _ in range(number):
        operation()
    return (clock() - started) / number


def compare(
    a: Callable[[], object],
    b: Callable[[], object],
    *,
    number: int,
    rounds: int = 21,
    clock: Callable[[], int] = time.perf_counter_ns,
) -> Ratio:
    """Time ``number`` calls of ``a`` and of ``b`` per round, in alternating order.

    ``clock`` is wall time by default; ``time.process_time_ns`` counts the CPU of every
    thread of the process (an agent's background sender too)."""
    for operation in (a, b):  # warm up caches, lazy imports, the first span
        time_calls(operation, max(1, number // 10), clock)
    ratios, a_times, b_times = [], [], []
    for index in range(rounds):
        gc.collect()
        if index % 2:
            tb = time_calls(b, number, clock)
            ta = time_calls(a, number, clock)
        else:
            ta = time_calls(a, number, clock)
            tb = time_calls(b, number, clock)
        ratios.append(ta / tb)
        a_times.append(ta)
        b_times.append(tb)
    return Ratio(
        statistics.median(ratios),
        min(ratios),
        max(ratios),
        statistics.median(a_times),
        statistics.median(b_times),
        rounds,
    )


def chunked(
    operations: dict[str, Callable[[], object]], chunk: int, repeats: int
) -> dict[str, list[float]]:
    """Per operation, the time of one call (ns) in each of ``repeats`` chunks of
    ``chunk`` calls, all operations alternating (in alternating order).

    Short chunks, many of them: a burst of machine noise spoils a few chunks, which the
    median of the per-chunk differences (``against``) leaves out; on this machine a
    request's figure then holds within about 0.2 µs from run to run."""
    names = list(operations)
    for operation in operations.values():  # warm up
        time_calls(operation, chunk * 5)
    times: dict[str, list[float]] = {name: [] for name in names}
    gc.collect()
    for index in range(repeats):
        for name in names if index % 2 == 0 else reversed(names):
            times[name].append(time_calls(operations[name], chunk))
    return times


def against(times: dict[str, list[float]], reference: str) -> dict[str, tuple[float, float]]:
    """Per operation: its median time (ns), and the median of its per-chunk difference
    from ``reference``'s (ns)."""
    base = times[reference]
    return {
        name: (
            statistics.median(values),
            statistics.median([a - b for a, b in zip(values, base, strict=True)]),
        )
        for name, values in times.items()
    }
