"""RQ jobs grouped by appsignal-routes: each job a root span, in the background namespace.

Run it:  .venv/bin/python examples/rq_worker.py   (needs a Redis server: REDIS_URL, default redis://127.0.0.1:6379/0)

It enqueues a few jobs of examples/rq_jobs.py (one of them fails) on a real Redis and
works them off with RQ's ``SimpleWorker`` in burst mode. RQ's own worker does the same,
from the examples directory: ``../.venv/bin/rq worker --burst --worker-class
rq.worker.SimpleWorker appsignal-routes-example``. Each job prints one line on the
console; set APPSIGNAL_COLLECTOR_ENDPOINT (or APPSIGNAL_ROUTES_EXPORTER=agent) to export
them. RQ's default worker runs each job in a forked child that leaves with ``os._exit``,
which skips the flush: use ``SimpleWorker``, or flush in the child (docs/jobs.md).
"""

from __future__ import annotations

import os

from redis import Redis
from rq import Queue, SimpleWorker

# imported by its own name (this script's directory is on sys.path), as RQ imports it
from rq_jobs import deliver, resize

import appsignal_routes as ar

QUEUE = "appsignal-routes-example"


def main() -> None:
    redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    queue = Queue(QUEUE, connection=redis)
    for to in ["ann@example.com", "eve@invalid", "bob@example.com"]:
        queue.enqueue(deliver, to)
    queue.enqueue(resize, 7, width=320)
    SimpleWorker([queue], connection=redis).work(burst=True, logging_level="WARNING")
    ar.stop()  # flush before the process exits


if __name__ == "__main__":
    main()
