"""The `drafting:` section of amends.yaml."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class Tone(StrEnum):
    """How the shipped templates close a message: warm ("Will you forgive us?") or formal."""

    WARM = "warm"
    FORMAL = "formal"


class DraftingConfig(BaseModel):
    # Frozen, like the rest of AmendsConfig, so the config stays hashable.
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The team's own folder of message templates (and tone_rules.yaml): a file there adds to the shipped
    # ones, and a file with the same name replaces the shipped one. Relative to the folder of amends.yaml.
    templates: Path | None = None
    company: str | None = Field(default=None, min_length=1, max_length=100,
                                description="how messages name the company, e.g. Acme Office Supplies")
    team_contact: str | None = Field(default=None, min_length=1, max_length=200,
                                     description="how customers reach the team when the associate's Slack "
                                                 "profile has no phone or email, e.g. 0800 123 4567")

    tone: Tone = Tone.WARM
    # A team switches off the closing question, or the associate's offer to look after the next order.
    ask_forgiveness: bool = True
    personal_care: bool = Field(default=True, description="offer 'I'll look after their next order "
                                                          "personally' in the draft modal")

    def resolved_against(self, base: Path) -> DraftingConfig:
        if self.templates is None or self.templates.is_absolute():
            return self
        return self.model_copy(update={"templates": base / self.templates})
