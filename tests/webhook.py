"""A local webhook receiver on 127.0.0.1: records each POST (headers and JSON body) and
answers 500 on ``/fail``, 500 to the first ``fail_first`` requests, else 204."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """What the receiver got, in order: (path, headers, body) per request."""

    requests: list[tuple[str, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    fail_first: int = 0

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [body for _, _, body in self.requests]


@contextmanager
def serve_webhook(fail_first: int = 0) -> Iterator[tuple[str, Received]]:
    """Run the receiver; yields (base URL, what it received)."""
    received = Received(fail_first=fail_first)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                received.requests.append((self.path, dict(self.headers), body))
                fail = self.path == "/fail" or len(received.requests) <= received.fail_first
            self.send_response(500 if fail else 204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    with serve_local(Handler) as url:
        yield url, received


@contextmanager
def serve_local(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
