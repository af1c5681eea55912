"""What listeners need from the rest of the app, handed to each area's `register()` (via Wiring)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.cases.hooks import CaseHooks
from bot.clock import Clock
from bot.db import Database
from bot.scheduling import Ticker
from bot.settings import AmendsConfig

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.cases.models import Case

CasePosted = Callable[["WebClient", "Case"], None]
# Extra mrkdwn sections for the case message (already escaped), e.g. how a resolved case ended.
CaseSections = Callable[["Case"], list[str]]


@dataclass(frozen=True)
class SlackDeps:
    config: AmendsConfig
    db: Database
    clock: Clock
    hooks: CaseHooks = field(default_factory=CaseHooks)
    ticker: Ticker | None = None
    # Slack-side follow-ups once a new case is posted and the managers alerted (e.g. post the checklist).
    after_case_posted: list[CasePosted] = field(default_factory=list)
    # What to stop when the app closes, before the database goes (e.g. the App Home's pending refresh).
    on_close: list[Callable[[], None]] = field(default_factory=list)
    # Slack-side follow-ups once a case is resolved and its message refreshed (e.g. close the checklist).
    after_case_resolved: list[CasePosted] = field(default_factory=list)
    # Slack-side follow-ups once the customer was told (e.g. tick the contact step on the checklist).
    after_customer_contacted: list[CasePosted] = field(default_factory=list)
    # Slack-side follow-ups once a case is reopened and its message refreshed (e.g. reopen the checklist).
    after_case_reopened: list[CasePosted] = field(default_factory=list)
    # What areas add to the case message, below its facts.
    case_message_sections: list[CaseSections] = field(default_factory=list)
