"""What every HTTP request to the bot must meet before anything parses or logs its body.

Hostile requests stay cheap: a body over the limit is refused with 413 from its Content-Length, before
it is read (waitress refuses it even earlier, see `SERVER_BODY_CAP`); a signature is checked on the raw
bytes; a refusal is logged in one short line with its reason and size, never the body. slack_bolt, left to
itself, parses first and logs a refused body whole at INFO: 10 MB of log for one unsigned 10 MB post.

Routes use these pieces as they need them (Slack's endpoint: `bot/slack/http.py`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

log = logging.getLogger("bot.http")

# Slack's largest payloads are interactions carrying a whole view or message (up to 100 blocks, 50 in a
# message). The largest the bot got in its Slack-facing tests (Home, offers, drafts, playbooks, resolve,
# intake) was a 41.6 KB view submission; 256 KB leaves six times that.
MAX_BODY = 256 * 1024
# What waitress itself accepts (it refuses a larger Content-Length with 413 before reading the body, and
# stops reading a chunked body there). Its default is 1 GB, buffered to disk.
API_MAX_BODY = 1_000_000  # the order systems' API (bot/api/wsgi.py) answers a larger one 413 in JSON itself
SERVER_BODY_CAP = max(MAX_BODY, API_MAX_BODY)
# Slack refuses requests signed more than five minutes ago, and so do we (a replay window).
SIGNATURE_MAX_AGE = 5 * 60

StartResponse = Callable[..., Any]


class Refused(Exception):
    """A request refused before it was parsed: its HTTP status and a short reason for the log."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def read_body(environ: dict[str, Any], limit: int = MAX_BODY) -> bytes:
    """The request's body, at most `limit` bytes: a larger Content-Length is refused without reading."""
    declared = environ.get("CONTENT_LENGTH") or ""
    try:
        length = int(declared) if declared else 0
    except ValueError:
        raise Refused(400, "Content-Length is not a number") from None
    if length > limit:
        raise Refused(413, f"body of {length} bytes is over the {limit} byte limit")
    if length <= 0:
        return b""
    body = environ["wsgi.input"].read(length)
    if len(body) != length:
        raise Refused(400, f"body ended after {len(body)} of {length} bytes")
    return body


def check_slack_signature(secret: str, body: bytes, environ: dict[str, Any], *,
                          now: Callable[[], float] = time.time) -> None:
    """Refuse (401) a request Slack did not sign with `secret` within the last five minutes.

    The HMAC is taken over the raw bytes: slack_sdk's SignatureVerifier decodes them as UTF-8 first, which
    raises on a body that is not, before any signature was checked."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not timestamp or not signature:
        raise Refused(401, "no Slack signature")
    if not timestamp.isdigit():
        raise Refused(401, "signature timestamp is not a number")
    if abs(now() - int(timestamp)) > SIGNATURE_MAX_AGE:
        raise Refused(401, "signature timestamp is more than five minutes away")
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body,
                                hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise Refused(401, "signature does not match")


def _cut(text: str, limit: int = 80) -> str:
    """A client-chosen string fit for one log line (the path, an address): short and printable."""
    text = text.encode("ascii", "backslashreplace").decode()
    return text if len(text) <= limit else text[:limit] + "..."


def refuse(environ: dict[str, Any], start_response: StartResponse, refused: Refused) -> Iterable[bytes]:
    """Answer a refused request and log one short line: what, from where, why, how big. Never the body."""
    log.warning("refused %s %s from %s: %s (%s; Content-Length %s)", _cut(environ.get("REQUEST_METHOD", "")),
                _cut(environ.get("PATH_INFO", "")), _cut(environ.get("REMOTE_ADDR", "?")), refused.status,
                refused.reason, _cut(environ.get("CONTENT_LENGTH") or "none", 20))
    return answer(start_response, refused.status, HTTPStatus(refused.status).phrase)


def answer(start_response: StartResponse, status: int, text: str) -> Iterable[bytes]:
    body = text.encode()
    start_response(f"{status} {HTTPStatus(status).phrase}",
                   [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]
