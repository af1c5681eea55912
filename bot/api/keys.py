"""API keys and request signatures.

A key is `amk_<key id>_<secret>`; only its SHA-256 is stored. A request authenticates either with
`Authorization: Bearer <key>`, or, for webhook-style sources that sign what they send, with
`X-Amends-Key-Id`, `X-Amends-Timestamp` and `X-Amends-Signature: v1=<hex>`: HMAC-SHA256 of
`v1:<timestamp>:<raw body>` (Slack's scheme) under the key's signing secret, within 5 minutes. Signing
secrets are derived from AMENDS_API_SECRET and the key id, so the database holds none either.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.api.models import ApiKey
from bot.errors import InvalidInput, NotFound

SIGNATURE_WINDOW = timedelta(minutes=5)
SOURCE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
KEY = re.compile(r"^amk_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$")


class Unauthorized(Exception):
    """Wrong or missing credentials. The message is for the caller's logs; it never says which part of a
    valid-looking key was wrong."""


@dataclass(frozen=True)
class CreatedKey:
    source: str
    key_id: str
    key: str
    signing_secret: str | None  # None when the server has no AMENDS_API_SECRET


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def signing_secret(server_secret: str, key_id: str) -> str:
    return hmac.new(server_secret.encode(), f"amends-signing:{key_id}".encode(), hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Amends-Signature value for `body` sent at `timestamp` (also how outbound webhooks are signed)."""
    digest = hmac.new(secret.encode(), b"v1:%d:" % timestamp + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def create(session: Session, source: str, *, now: datetime, server_secret: str | None) -> CreatedKey:
    if not SOURCE.match(source):
        raise InvalidInput("A source name is 1-40 lowercase letters, digits, - or _, starting with a letter "
                           "(e.g. warehouse).", {"source": "lowercase letters, digits, - or _"})
    key_id = secrets.token_hex(6)
    key = f"amk_{key_id}_{secrets.token_urlsafe(32)}"
    session.add(ApiKey(key_id=key_id, source=source, key_hash=_hash(key), created_at=now))
    return CreatedKey(source, key_id, key, signing_secret(server_secret, key_id) if server_secret else None)


def revoke(session: Session, name: str, *, now: datetime) -> list[str]:
    """Revoke one key (by key id) or every live key of a source (by its name); returns the key ids."""
    rows = session.scalars(select(ApiKey).where((ApiKey.key_id == name) | (ApiKey.source == name),
                                                ApiKey.revoked_at.is_(None))).all()
    if not rows:
        raise NotFound(f"No live API key or source named {name!r}.")
    for row in rows:
        row.revoked_at = now
    return [row.key_id for row in rows]


def listing(session: Session) -> Sequence[ApiKey]:
    return session.scalars(select(ApiKey).order_by(ApiKey.source, ApiKey.created_at)).all()


def authenticate(session: Session, headers: Mapping[str, str], body: bytes, *, unix_now: float,
                 server_secret: str | None) -> str:
    """The source a request comes from, or Unauthorized. `headers` are lower-case names. `unix_now` is the
    wall clock (as Bolt checks Slack's signatures), not the business clock a test may have frozen."""
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        key = auth[7:].strip()
        if not KEY.match(key):
            raise Unauthorized("malformed API key")
        row = session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(key), ApiKey.revoked_at.is_(None)))
        if row is None:
            raise Unauthorized("unknown or revoked API key")
        return row.source
    key_id = headers.get("x-amends-key-id")
    if not key_id:
        raise Unauthorized("no credentials: send Authorization: Bearer <key>, or sign the request")
    if server_secret is None:
        raise Unauthorized("this server accepts no signed requests (AMENDS_API_SECRET is not set)")
    try:
        timestamp = int(headers.get("x-amends-timestamp", ""))
    except ValueError:
        raise Unauthorized("X-Amends-Timestamp must be Unix seconds") from None
    if abs(unix_now - timestamp) > SIGNATURE_WINDOW.total_seconds():
        raise Unauthorized("X-Amends-Timestamp is more than 5 minutes away from now")
    expected = sign(signing_secret(server_secret, key_id[:16]), timestamp, body)
    if not hmac.compare_digest(expected, headers.get("x-amends-signature", "")):
        raise Unauthorized("signature does not match")
    row = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id, ApiKey.revoked_at.is_(None)))
    if row is None:
        raise Unauthorized("unknown or revoked API key")
    return row.source
