"""Hostile requests stay cheap: bounded bodies, signatures checked before parsing, short logs, no 500s."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from bot.request_limits import MAX_BODY
from tests.support import ASSOCIATE, SIGNING_SECRET, Harness

TEN_MB = 10 * 1024 * 1024

# Requests, not storage: one database is enough.
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Everything logged at INFO and above (the bot's default level) by any logger."""
    with caplog.at_level(logging.INFO):
        yield caplog


def log_size(caplog: pytest.LogCaptureFixture) -> int:
    return sum(len(record.getMessage()) + len(record.exc_text or "") for record in caplog.records)


def raw_post(harness: Harness, head: dict[str, str], chunks: Iterator[bytes]) -> int:
    """POST with a raw socket, sending `chunks` until the server answers or stops reading; the status."""
    with socket.create_connection((harness.server.host, harness.server.port), timeout=10) as sock:
        lines = ["POST /slack/events HTTP/1.1", f"Host: 127.0.0.1:{harness.server.port}",
                 *(f"{name}: {value}" for name, value in head.items()), "", ""]
        sock.sendall("\r\n".join(lines).encode())
        sock.setblocking(False)
        reply = b""
        try:
            for chunk in chunks:
                try:
                    reply += sock.recv(65536)
                except BlockingIOError:
                    pass
                if reply:
                    break
                sock.setblocking(True)
                sock.sendall(chunk)
                sock.setblocking(False)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were still sending, as it should
        sock.setblocking(True)
        while b"\r\n" not in reply:
            more = sock.recv(65536)
            if not more:
                break
            reply += more
    return int(reply.split(b" ", 2)[1])


def test_a_10_mb_unsigned_body_is_refused_unread_with_no_log(harness: Harness, logs: Any) -> None:
    status = raw_post(harness, {"Content-Type": "application/x-www-form-urlencoded",
                                "Content-Length": str(TEN_MB)},
                      iter([b"token=" + b"A" * 65536] * (TEN_MB // 65536)))
    assert status == 413
    assert log_size(logs) < 1024


def test_a_10_mb_chunked_body_is_refused_at_the_limit(harness: Harness, logs: Any) -> None:
    chunk = b"A" * 65536
    status = raw_post(harness, {"Content-Type": "application/x-www-form-urlencoded",
                                "Transfer-Encoding": "chunked"},
                      iter([b"%x\r\n%s\r\n" % (len(chunk), chunk)] * (TEN_MB // len(chunk))))
    assert status == 413
    assert log_size(logs) < 1024


def test_an_unsigned_body_under_the_limit_is_refused_with_one_short_line(harness: Harness, logs: Any) -> None:
    body = b"token=" + b"A" * (MAX_BODY - 100)
    reply = harness.driver.post(body, sign=False)
    assert reply.status == 401
    refusals = [r.getMessage() for r in logs.records if "refused" in r.getMessage()]
    assert len(refusals) == 1
    assert "no Slack signature" in refusals[0] and str(len(body)) in refusals[0]
    assert "AAAA" not in refusals[0]
    assert log_size(logs) < 1024


@pytest.mark.parametrize("body", [b"payload=x", b"payload={", b"payload=%7B%22type%22", b"{", b"\xff\xfe\x00"])
def test_malformed_unsigned_bodies_get_401_not_500(harness: Harness, logs: Any, body: bytes) -> None:
    assert harness.driver.post(body, sign=False).status == 401
    assert not [r for r in logs.records if r.levelno >= logging.ERROR or r.exc_info]


def _signed(body: bytes, *, content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def _form(payload: Any) -> bytes:
    return urllib.parse.urlencode({"payload": payload if isinstance(payload, str) else json.dumps(payload)}).encode()


def _submission(harness: Harness) -> dict[str, Any]:
    """A real view_submission of the intake modal, as Slack would send it."""
    view = harness.open_intake()
    state = harness.driver.view_state(view, {"customer_name": "Northwind"})
    api_view = view.to_api(harness.fake.team_id, harness.fake.app_id, harness.fake.bot_id)
    api_view["state"] = {"values": state}
    return {"type": "view_submission", "team": {"id": harness.fake.team_id}, "api_app_id": harness.fake.app_id,
            "user": {"id": ASSOCIATE, "team_id": harness.fake.team_id}, "view": api_view}


def _broken(payload: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    payload = json.loads(json.dumps(payload))
    *parents, last = path.split(".")
    node = payload
    for part in parents:
        node = node[part]
    node[last] = value
    return payload


MALFORMED_SUBMISSIONS = [("view", "x"), ("user", "U1"), ("user.id", 5), ("team", 7), ("view.state", []),
                         ("view.state.values", {"b": {"a": {"type": "datepicker", "selected_date": "2026-13-45"}}}),
                         ("view.state.values", {"b": {"a": {"type": "static_select", "selected_option": 3}}}),
                         ("view.private_metadata", {"case_id": 1}), ("view.callback_id", None)]


@pytest.mark.parametrize(("path", "value"), MALFORMED_SUBMISSIONS)
def test_malformed_signed_submissions_get_400_and_one_line(harness: Harness, logs: Any, path: str,
                                                           value: Any) -> None:
    before = len(harness.cases())
    body = _form(_broken(_submission(harness), path, value))
    logs.clear()
    reply = harness.driver.post(body, headers=_signed(body), sign=False)
    assert reply.status == 400, reply.text
    assert [r.getMessage() for r in logs.records] == [logs.records[0].getMessage()]
    assert "malformed payload" in logs.records[0].getMessage()
    assert len(harness.cases()) == before


@pytest.mark.parametrize("body", [b"payload=x", b"payload={", b"payload=[1]", b'payload="s"', b"payload=5",
                                  _form({"type": "block_actions", "actions": [5]}),
                                  _form({"type": "block_actions", "actions": []}),
                                  _form({"type": "block_actions", "user": {"id": "U1"}}),
                                  _form({"type": "view_submission", "user": {"id": "U1"}}),
                                  _form({"type": "block_actions", "actions": [{"action_id": 5}]}),
                                  _form({"type": "block_actions", "enterprise": 5}),
                                  _form({"type": "block_actions", "authorizations": [1]}), b"\xff\xfe\x00"])
def test_malformed_signed_payloads_get_400_not_500(harness: Harness, logs: Any, body: bytes) -> None:
    reply = harness.driver.post(body, headers=_signed(body), sign=False)
    assert reply.status == 400, reply.text
    assert len(logs.records) == 1 and not logs.records[0].exc_info


@pytest.mark.parametrize("envelope", [b"{", b"[1]", b'{"type": "event_callback", "event": 5}',
                                      b'{"type": "event_callback", "event": {"type": "message", "user": 5}}',
                                      b'{"type": "event_callback", "authorizations": "x"}'])
def test_malformed_signed_events_get_400_not_500(harness: Harness, logs: Any, envelope: bytes) -> None:
    reply = harness.driver.post(envelope, headers=_signed(envelope, content_type="application/json"), sign=False)
    assert reply.status == 400, reply.text
    assert len(logs.records) == 1 and not logs.records[0].exc_info
