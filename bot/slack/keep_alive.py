"""Web API calls that keep their HTTPS connection to Slack open between calls (a WebClient mixin).

slack_sdk's WebClient opens a new connection for every call (urllib sends `Connection: close`): a TCP and
TLS handshake per reminder, which in a Monday burst costs more CPU than the post itself. KeepAlive
one connection per thread and origin (HTTP/1.1 keep-alive, which Slack's API speaks) and answers slack_sdk
exactly as urllib would: the same dict for a 2xx, HTTPError for any other status (so Retry-After and the
retry handlers work unchanged), URLError when the request could not be sent.

A connection idle longer than IDLE, or one the server has closed (readable while idle), is replaced
before use rather than found dead by a post.
"""

from __future__ import annotations

import http.client
import io
import select
import ssl
import threading
import time
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

# Well under the idle timeouts of Slack's load balancers and of common proxies.
IDLE = 4.0


class _Open(threading.local):
    def __init__(self) -> None:
        self.connections: dict[tuple[str, str, int], tuple[http.client.HTTPConnection, float]] = {}


class KeepAlive:
    """Mixed into a slack_sdk WebClient (before it): its calls reuse their thread's connection."""

    proxy: Any
    ssl: Any
    timeout: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self._open = _Open()
        self._tls: ssl.SSLContext | None = None  # made once: loading the trusted certificates costs milliseconds
        self.connections_made = 0  # for tests and benchmarks: how many connections this client opened

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy is not None or not url.lower().startswith("http"):
            return super()._perform_urllib_http_request_internal(url, req)  # type: ignore[misc]
        parts = urlsplit(url)
        origin = (parts.scheme.lower(), parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        connection = self._connection(origin)
        try:
            connection.request(req.get_method(), req.selector, body=req.data, headers=dict(req.header_items()))
        except OSError as exc:  # not sent, or not all of it: as urllib says it
            self._drop(origin)
            raise URLError(exc) from exc
        try:
            response = connection.getresponse()
            body = response.read()
        except BaseException:
            self._drop(origin)
            raise
        if response.will_close:
            self._drop(origin)
        else:
            self._open.connections[origin] = (connection, time.monotonic())
        if not 200 <= response.status < 300:
            raise HTTPError(url, response.status, response.reason, response.headers, io.BytesIO(body))
        if response.headers.get_content_type() == "application/gzip":
            return {"status": response.status, "headers": response.headers, "body": body}
        charset = response.headers.get_content_charset() or "utf-8"
        return {"status": response.status, "headers": response.headers, "body": body.decode(charset)}

    def _connection(self, origin: tuple[str, str, int]) -> http.client.HTTPConnection:
        kept = self._open.connections.get(origin)
        if kept is not None:
            connection, last_used = kept
            if time.monotonic() - last_used < IDLE and not _closed_by_server(connection):
                return connection
        # A new connection: this thread's idle ones (this one included) are closed first, so a thread keeps
        # no more connections than the servers it called within IDLE.
        now = time.monotonic()
        for idle in [o for o, (_, used) in self._open.connections.items() if o == origin or now - used >= IDLE]:
            self._drop(idle)
        scheme, host, port = origin
        if scheme == "https":
            if self._tls is None:
                self._tls = self.ssl or ssl.create_default_context()
            connection = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self._tls)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        self.connections_made += 1
        self._open.connections[origin] = (connection, time.monotonic())
        return connection

    def _drop(self, origin: tuple[str, str, int]) -> None:
        kept = self._open.connections.pop(origin, None)
        if kept is not None:
            kept[0].close()


def _closed_by_server(connection: http.client.HTTPConnection) -> bool:
    """An idle connection with something to read has been closed by the server (or is broken)."""
    if connection.sock is None:
        return False  # not connected yet: http.client connects on the next request
    try:
        readable, _, _ = select.select([connection.sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)
