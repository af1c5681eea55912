"""A small client of the API (tests, the benchmark, and a reference for order-system developers): bearer
keys or signed requests, JSON in and out, urllib only."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from bot.api.keys import sign


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass(frozen=True)
class ApiClient:
    base_url: str  # e.g. http://127.0.0.1:3000
    key: str | None = None  # Authorization: Bearer
    key_id: str | None = None  # or a signed request with this key's signing secret
    signing_secret: str | None = None
    timeout: float = 10.0

    def request(self, method: str, path: str, payload: Any = None, *, raw: bytes | None = None,
                timestamp: int | None = None, headers: dict[str, str] | None = None) -> Answer:
        body = raw if raw is not None else (json.dumps(payload).encode() if payload is not None else b"")
        sent = {"Content-Type": "application/json", **self.credentials(body, timestamp), **(headers or {})}
        request = urllib.request.Request(self.base_url + path, data=body if method != "GET" else None,
                                         method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return Answer(response.status, _json(response.read()), dict(response.headers))
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, _json(exc.read()), dict(exc.headers))

    def credentials(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        if self.key:
            return {"Authorization": f"Bearer {self.key}"}
        if self.key_id and self.signing_secret:
            ts = int(time.time()) if timestamp is None else timestamp
            return {"X-Amends-Key-Id": self.key_id, "X-Amends-Timestamp": str(ts),
                    "X-Amends-Signature": sign(self.signing_secret, ts, body)}
        return {}

    def post(self, path: str, payload: Any, **kwargs: Any) -> Answer:
        return self.request("POST", path, payload, **kwargs)

    def patch(self, path: str, payload: Any, **kwargs: Any) -> Answer:
        return self.request("PATCH", path, payload, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode(errors="replace")
