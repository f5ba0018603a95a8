"""A loopback sink that answers every agent, so that each one runs as it would in
production, minus the network.

- HTTP on 127.0.0.1: 200 ``{}`` to any method and path (Datadog's trace agent, Sentry's
  envelopes, Elastic's intake and central config, OTLP), 202 on Elastic's intake.
- Scout's core agent protocol on a TCP port: 4-byte big-endian length + JSON, each
  command answered with ``{}`` the same way.

What arrives is decoded (gzip, deflate) and the last few payloads are kept, so that a
benchmark can check that an agent really named the request.
"""

from __future__ import annotations

import gzip
import socketserver
import struct
import threading
import zlib
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEEP = 64  # payloads kept per sink: enough to find a name, bounded under load


class _Recorder:
    def __init__(self) -> None:
        self.payloads: deque[bytes] = deque(maxlen=KEEP)
        self.count = 0
        self.lock = threading.Lock()

    def add(self, payload: bytes) -> None:
        with self.lock:
            self.payloads.append(payload)
            self.count += 1

    def take(self) -> str:
        """What arrived since the last take, as text (binary encodings keep their
        strings readable: msgpack, protobuf)."""
        with self.lock:
            text = "\n".join(p.decode("utf-8", "replace") for p in self.payloads)
            self.payloads.clear()
            return text


def _decode(body: bytes, encoding: str) -> bytes:
    try:
        if encoding == "gzip" or body[:2] == b"\x1f\x8b":
            return gzip.decompress(body)
        if encoding == "deflate":
            return zlib.decompress(body)
        if encoding == "br":
            import brotli  # noqa: PLC0415  # only if an agent chose it (brotli installed)

            return brotli.decompress(body)
    except Exception:
        return body
    return body


class _HttpHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the agents' pools expect
    recorder: _Recorder

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._read_chunked()
        if self.path == "/_captured":
            reply = self.recorder.take().encode()
            self._reply(200, reply)
            return
        decoded = _decode(body, self.headers.get("Content-Encoding", "").lower())
        self.recorder.add(self.path.encode() + b" " + decoded)
        self._reply(202 if self.path.startswith("/intake/") else 200, b"{}")

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    # the names BaseHTTPRequestHandler dispatches to
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return  # quiet: thousands of agent posts


class _ScoutHandler(socketserver.BaseRequestHandler):
    recorder: _Recorder

    def handle(self) -> None:
        sock = self.request
        while True:
            head = _recv_exactly(sock, 4)
            if head is None:
                return
            body = _recv_exactly(sock, struct.unpack(">I", head)[0])
            if body is None:
                return
            self.recorder.add(b"scout " + body)
            sock.sendall(struct.pack(">I", 2) + b"{}")


def _recv_exactly(sock, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class _Quiet:
    def handle_error(self, request, client_address) -> None:
        return  # an agent that hangs up at its exit (connection reset) is no news


class _ThreadingTCPServer(_Quiet, socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _ThreadingHTTPServer(_Quiet, ThreadingHTTPServer):
    daemon_threads = True


class Sink:
    """One agent's loopback endpoints; ``url`` for HTTP, ``scout`` for Scout's core agent."""

    def __init__(self) -> None:
        self.recorder = _Recorder()
        http_handler = type("Http", (_HttpHandler,), {"recorder": self.recorder})
        scout_handler = type("Scout", (_ScoutHandler,), {"recorder": self.recorder})
        self._http = _ThreadingHTTPServer(("127.0.0.1", 0), http_handler)
        self._scout = _ThreadingTCPServer(("127.0.0.1", 0), scout_handler)
        for server in (self._http, self._scout):
            threading.Thread(target=server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"
        self.scout = f"tcp://127.0.0.1:{self._scout.server_address[1]}"

    def env(self) -> dict[str, str]:
        """What the agents' set-ups read to find the sink."""
        return {"PEERS_SINK": self.url, "PEERS_SCOUT": self.scout}

    def close(self) -> None:
        for server in (self._http, self._scout):
            server.shutdown()
            server.server_close()
