"""The jobs of the RQ example (examples/rq_worker.py): RQ imports them by name.

A worker that imports this module starts appsignal-routes, so RQ's own ``rq worker``
exports its jobs too.
"""

from __future__ import annotations

import appsignal_routes as ar

ar.start()  # the console in development; idempotent, so importing twice is harmless


@ar.job("Mailer#deliver")
def deliver(to: str) -> str:
    if to.endswith("@invalid"):
        raise ValueError(f"cannot deliver to {to}")  # RQ marks the job failed, AppSignal counts it
    return f"sent to {to}"


@ar.job("Images#resize", namespace="images")
def resize(image_id: int, width: int) -> str:
    return f"image {image_id} at {width}px"
