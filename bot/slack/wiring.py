"""Everything an area's `register(wiring)` hooks into: Bolt listeners (surface), `/recover`
subcommands, case actions, reminder kinds, App Home sections (home) and periodic tasks (deps.ticker).
What a case event sets off is declared elsewhere, once: bot/bootstrap.py (the business, in the
transaction) and bot/slack/case_followups.py (Slack, after commit)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.slack.case_actions import CaseActions
from bot.slack.commands import RecoverCommand
from bot.slack.deps import SlackDeps
from bot.slack.home_sections import HomeSections
from bot.slack.reminder_kinds import ReminderKinds
from bot.slack.surface import Surface


@dataclass(frozen=True)
class Wiring:
    surface: Surface
    recover: RecoverCommand
    case_actions: CaseActions
    deps: SlackDeps
    reminder_kinds: ReminderKinds
    home: HomeSections
