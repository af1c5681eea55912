"""State that rides along in a view's private_metadata or a button's value.

Each kind is a small pydantic model, encoded here and validated on the way back in, so a tampered or
outdated value is refused cleanly instead of crashing a handler.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.errors import AmendsError

PRIVATE_METADATA_LIMIT = 3000
BUTTON_VALUE_LIMIT = 2000


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
    """Where /recover was typed, to answer there."""

    channel_id: str | None = None


class CaseRef(Metadata):
    """A button that acts on one case. `version` lets a click on an outdated message be detected."""

    case_id: int
    version: int | None = None


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
