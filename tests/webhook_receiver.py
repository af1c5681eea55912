"""A team's webhook receiver for tests: checks each signature, records what it accepted, and can be told
to fail (an outage) or to answer slowly."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot.api.keys import sign


class Receiver:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.accepted: list[dict[str, Any]] = []  # bodies answered 2xx, in order
        self.refused = 0  # requests answered 500 during an outage
        self.bad_signatures = 0
        self.failing = False
        self.latency = 0.0
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"receiver": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/amends-events"

    def ids(self) -> Counter[str]:
        with self._lock:
            return Counter(body["id"] for body in self.accepted)

    def types_of(self, case_id: int) -> list[str]:
        with self._lock:
            return [b["type"] for b in self.accepted if b["case"]["id"] == case_id]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def take(self, headers: Any, body: bytes) -> int:
        if self.latency:
            time.sleep(self.latency)  # a slow receiver, so a kill can land mid-send
        expected = sign(self.secret, int(headers.get("X-Amends-Timestamp", "0")), body)
        payload = json.loads(body)
        with self._lock:
            if headers.get("X-Amends-Signature") != expected or headers.get("X-Amends-Event-Id") != payload["id"]:
                self.bad_signatures += 1
                return 401
            if self.failing:
                self.refused += 1
                return 500
            self.accepted.append(payload)
            return 200


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = self.receiver.take(self.headers, body)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
