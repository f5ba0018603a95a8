"""A loopback OTLP/HTTP receiver: decodes real protobuf export requests for assertions.

It can also misbehave as a broken collector would: answer 500 or 429, answer after a
long delay, or go away (connection refused) and come back on the same port.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in any_value.array_value.values]
    return getattr(any_value, kind) if kind else None


@dataclass
class ReceivedSpan:
    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, Any]
    resource: dict[str, Any]
    status_code: int = 0  # OTLP: 0 unset, 1 ok, 2 error
    events: list[str] = field(default_factory=list)  # their names


@dataclass
class Receiver:
    spans: list[ReceivedSpan] = field(default_factory=list)
    requests: int = 0
    paths: list[str] = field(default_factory=list)
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: None (healthy), "500", "429" or "slow" (answers after ``slow_seconds``)
    fault: str | None = None
    slow_seconds: float = 10.0
    refused: int = 0
    _server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        """Listen (again) on ``port``; the first start picks a free one."""
        server = _QuietServer(("127.0.0.1", self.port), _handler(self))
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    @property
    def listening(self) -> bool:
        return self._server is not None

    def stop(self) -> None:
        """Stop listening: exporters now get connection refused."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def roots(self) -> list[ReceivedSpan]:
        with self.lock:
            return [s for s in self.spans if s.kind == 2]  # SERVER

    def wait_for(self, count: int, timeout: float = 20.0) -> list[ReceivedSpan]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            roots = self.roots()
            if len(roots) >= count:
                return roots
            time.sleep(0.05)
        return self.roots()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # an exporter that gave up on a slow answer hung up: expected here


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path != "/v1/traces":  # metrics and logs: noted, not decoded
                with receiver.lock:
                    receiver.paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            fault = receiver.fault
            if fault == "slow":
                time.sleep(receiver.slow_seconds)
            elif fault in ("500", "429"):
                with receiver.lock:
                    receiver.refused += 1
                self.send_response(int(fault))
                self.send_header("Content-Length", "0")
                if fault == "429":
                    self.send_header("Retry-After", "1")
                self.end_headers()
                return
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            spans = []
            for resource_spans in request.resource_spans:
                resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        spans.append(
                            ReceivedSpan(
                                name=span.name,
                                kind=span.kind,
                                trace_id=span.trace_id.hex(),
                                span_id=span.span_id.hex(),
                                parent_span_id=span.parent_span_id.hex(),
                                attributes={a.key: _value(a.value) for a in span.attributes},
                                resource=resource,
                                status_code=span.status.code,
                                events=[event.name for event in span.events],
                            )
                        )
            with receiver.lock:
                receiver.spans.extend(spans)
                receiver.requests += 1
                receiver.paths.append(self.path)
            payload = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
