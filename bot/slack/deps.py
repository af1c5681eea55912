"""What listeners need from the rest of the app, handed to each area's `register()`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.db import Database
from bot.settings import AmendsConfig


@dataclass(frozen=True)
class SlackDeps:
    config: AmendsConfig
    db: Database
    clock: Clock
