"""What listeners need from the rest of the app, handed to each area's `register()` (via Wiring)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.cases.lifecycle import Lifecycle
from bot.clock import Clock
from bot.db import Database
from bot.knowledge.search import SharedEngine
from bot.scheduling import Ticker
from bot.settings import AmendsConfig

if TYPE_CHECKING:
    from bot.cases.models import Case

# Extra mrkdwn sections for the case message (already escaped), e.g. how a resolved case ended.
CaseSections = Callable[["Case"], list[str]]


@dataclass(frozen=True)
class SlackDeps:
    config: AmendsConfig
    db: Database
    clock: Clock
    # The case lifecycle (bot/bootstrap.py): what services are given to run a case's rules.
    lifecycle: Lifecycle
    # The best-practices search engine, made on first use (bot/knowledge/search.py).
    search: SharedEngine
    ticker: Ticker | None = None
    # What to stop when the app closes, before the database goes (e.g. the App Home's pending refresh).
    on_close: list[Callable[[], None]] = field(default_factory=list)
    # What areas add to the case message, below its facts.
    case_message_sections: list[CaseSections] = field(default_factory=list)
