"""Background work grouped like requests: a thread-pool consumer and an asyncio scheduler.

Run it:  .venv/bin/python examples/worker.py

No broker needed: the consumer takes messages from an in-process queue, four threads at a
time; the scheduler runs its jobs on a timer. Each job call is a root span named by the
job, in the ``background`` namespace (or the one it chose), so AppSignal lists
``Mailer#deliver``, ``Mailer#bounce`` and ``Reports#nightly`` apart from the web
requests. Prints one line per job on the console; set APPSIGNAL_COLLECTOR_ENDPOINT (or
APPSIGNAL_ROUTES_EXPORTER=agent) to export them.
"""

from __future__ import annotations

import asyncio
import queue
from concurrent.futures import ThreadPoolExecutor

import appsignal_routes as ar

ar.start()  # the console in development


@ar.job  # each public method: "Mailer#deliver", "Mailer#bounce"
class Mailer:
    def deliver(self, to: str) -> str:
        if to.endswith("@invalid"):
            raise ValueError(f"cannot deliver to {to}")  # recorded on the job, re-raised
        return f"sent to {to}"

    def bounce(self, to: str) -> None:
        ar.set_namespace("mail")  # this job's namespace, chosen as it runs


@ar.job("Reports#nightly")
async def nightly_report(day: int) -> int:
    await asyncio.sleep(0.01)  # real work would await a database here
    return day


@ar.job("Maintenance#sweep", namespace="maintenance")
async def sweep() -> None:
    await asyncio.sleep(0)


def consume(messages: queue.Queue[str], mailer: Mailer) -> None:
    """Work off the queue until it is empty, as a broker's worker thread would."""
    while True:
        try:
            to = messages.get_nowait()
        except queue.Empty:
            return
        try:
            mailer.deliver(to)
        except ValueError:
            mailer.bounce(to)


async def schedule(ticks: int) -> None:
    """A tiny scheduler: every tick runs the report, and every other tick a sweep."""
    for tick in range(ticks):
        jobs = [nightly_report(tick)]
        if tick % 2 == 0:
            jobs.append(sweep())
        await asyncio.gather(*jobs)  # each its own task, its own root span


def main() -> None:
    messages: queue.Queue[str] = queue.Queue()
    for to in ["ann@example.com", "bob@example.com", "eve@invalid", "joe@example.com"]:
        messages.put(to)
    mailer = Mailer()
    with ThreadPoolExecutor(4) as pool:
        for _ in range(4):
            pool.submit(consume, messages, mailer)
    asyncio.run(schedule(2))
    ar.stop()  # flush before the process exits


if __name__ == "__main__":
    main()
