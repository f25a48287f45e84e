"""A real HTTP endpoint on 127.0.0.1 for webhook tests (the webhook is a true edge: a local
receiver, never a mock)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = "test-webhook-secret"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return {k.lower(): v for k, v in self.headers.items()}.get(name.lower())


class Receiver:
    """A real HTTP endpoint: records every request, answers from a script (then 200 ``default``).

    ``delay`` holds each answer back (time-outs, overlap); ``on_request`` runs before answering.
    ``port`` 0 takes a free one; a given port lets an endpoint that was down come back at its URL."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[Received] = []
        self.script: list[tuple[int, dict[str, str], bytes]] = []
        self.default: tuple[int, dict[str, str], bytes] = (200, {}, b'{"status": "accepted"}')
        self.delay = 0.0
        self.on_request: Callable[[Received], None] | None = None
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received = Received(dict(self.headers.items()), body)
                with receiver._lock:
                    receiver.requests.append(received)
                    code, headers, answer = receiver.script.pop(0) if receiver.script else receiver.default
                if receiver.on_request:
                    receiver.on_request(received)
                time.sleep(receiver.delay)
                try:
                    self.send_response(code)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:  # the client gave up (time-out)
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def answer(self, *responses: tuple[int, dict[str, str], bytes | dict]) -> None:
        for code, headers, body in responses:
            raw = json.dumps(body).encode() if isinstance(body, dict) else body
            self.script.append((code, headers, raw))

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port_url() -> str:
    """A URL nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


# ---- signing ---------------------------------------------------------------------------------
