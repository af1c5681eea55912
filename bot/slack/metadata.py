"""State that rides along in a view's private_metadata or a button's value.

Each kind is a small pydantic model, encoded here and validated on the way back in, so a tampered or
outdated value is refused cleanly instead of crashing a handler.

A modal's private_metadata is also sealed: an HMAC over the content, the callback id and the user the
modal was opened for, with a key kept in the database (bot/app_keys.py), so a submission can't name
another case than the one its modal was opened for, nor carry another person's modal's state, even when
signed with Slack's signing secret. `seal_for_view` seals as the modal is built (bot/slack/blocks/base.py
modal()), for the person whose interaction is being handled (bound with `sealing`); bot/slack/view_guard.py
checks and removes the seal before any handler reads the metadata.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.errors import AmendsError

SEAL_VERSION = "s1"
SEAL_LENGTH = 22  # base64url of the HMAC-SHA256's first 128 bits
SEAL_OVERHEAD = len(SEAL_VERSION) + SEAL_LENGTH + 2  # "s1.<seal>.<content>"
SLACK_PRIVATE_METADATA_LIMIT = 3000
PRIVATE_METADATA_LIMIT = SLACK_PRIVATE_METADATA_LIMIT - SEAL_OVERHEAD  # what a model may encode to
BUTTON_VALUE_LIMIT = 2000


@dataclass(frozen=True)
class Seal:
    """Seals private_metadata for one person's modals. `key` is called when first needed (a database read,
    once per process), so requests that open no modal never wait for it."""

    key: Callable[[], bytes]
    user_id: str

    def _mac(self, callback_id: str, content: str) -> str:
        message = "\x1f".join((SEAL_VERSION, self.user_id, callback_id, content)).encode()
        digest = hmac.new(self.key(), message, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def seal(self, callback_id: str, content: str) -> str:
        return f"{SEAL_VERSION}.{self._mac(callback_id, content)}.{content}"

    def open(self, callback_id: str, sealed: str) -> str | None:
        """The content, or None when the seal is missing or doesn't match (changed, or not this person's)."""
        version, _, rest = sealed.partition(".")
        mac, _, content = rest.partition(".")
        if version != SEAL_VERSION or len(mac) != SEAL_LENGTH:
            return None
        return content if hmac.compare_digest(mac, self._mac(callback_id, content)) else None


_SEAL: ContextVar[Seal | None] = ContextVar("amends_view_seal", default=None)


def bind_seal(seal: Seal | None) -> None:
    """Modals built from here on (on this thread, and in work queued from it) are sealed with `seal`. Bound at
    the start of every request (bot/slack/view_guard.py), like the log context: Bolt's middleware can't wrap."""
    _SEAL.set(seal)


def seal_for_view(content: str | None, callback_id: str | None) -> str | None:
    """A modal's private_metadata as Slack gets it: sealed for the person being answered (unsealed when
    nobody is, e.g. a test rendering blocks alone; such a modal's submission is refused)."""
    seal = _SEAL.get()
    if not content or seal is None:
        return content
    sealed = seal.seal(callback_id or "", content)
    if len(sealed) > SLACK_PRIVATE_METADATA_LIMIT:
        raise ValueError(f"private_metadata seals to {len(sealed)} characters; Slack's limit is "
                         f"{SLACK_PRIVATE_METADATA_LIMIT}")
    return sealed


class StaleInteraction(AmendsError):
    def __init__(self) -> None:
        super().__init__("That form or button is out of date. Please start again from a fresh message.")


class Metadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def encode(self, limit: int = PRIVATE_METADATA_LIMIT) -> str:
        raw = self.model_dump_json(exclude_none=True)
        if len(raw) > limit:
            raise ValueError(f"{type(self).__name__} encodes to {len(raw)} characters; the limit is {limit}")
        return raw

    @classmethod
    def decode(cls, raw: str | None) -> Self:
        try:
            return cls.model_validate_json(raw or "{}")
        except ValidationError:
            raise StaleInteraction() from None


class IntakeMeta(Metadata):
    """Where /recover was typed, to answer there; and what the form last suggested and warned about."""

    channel_id: str | None = None
    revision: int = 0               # bumped with each re-rendering: the new-date block's id changes with it
    suggested: str | None = None    # the achievable date put in the new-date field (ISO), while untouched
    warned: str | None = None       # the new date (ISO) the associate was told is earlier than achievable


class CaseRef(Metadata):
    """A button that acts on one case. `version` lets a click on an outdated message be detected."""

    case_id: int
    version: int | None = None


class CaseEditMeta(Metadata):
    """The Edit case modal: its case, and what each field showed (fingerprints, bot.cases.edit), so only
    what the person changed is saved; `kept` is a warned-about new date."""

    case_id: int
    shown: dict[str, str]
    kept: str | None = None  # the new date (fingerprint) the person was warned about; saving it again keeps it


class SearchPageRef(Metadata):
    """The "More results" button: the search as typed, where the next page starts, and the newest entry
    the first page saw (so later pages are of the same results even if new entries arrive)."""

    query: str
    offset: int
    upto_id: int


class SaveBestPractice(Metadata):
    """The message being saved with the shortcut, and where to confirm."""

    channel_id: str
    ts: str
    response_url: str | None = None
