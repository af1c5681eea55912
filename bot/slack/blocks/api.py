"""What people read in Slack about what an order system told Amends through the API."""

from __future__ import annotations

from datetime import datetime

from bot.cases.models import Case
from bot.settings import AmendsConfig
from bot.slack.blocks import base
from bot.text import escape_mrkdwn


def _due(instant: datetime, config: AmendsConfig) -> str:
    return base.slack_date(instant, config.workspace.zone)


def at_risk_dm(case: Case, config: AmendsConfig, source: str) -> str:
    """The owner hears first, while there is still time to tell the customer before they notice."""
    thread = base.link(case.permalink, "the case thread") if case.permalink else "the case thread"
    return (f":warning: A promise is at risk and the customer does not know yet: tell them before "
            f"{_due(case.promised_at, config)}.\n*{case.ref}* · {base.person_text(case.customer_name, 300)} · "
            f"{base.person_text(case.order_ref, 200)}: {base.person_text(case.promise, 500)} "
            f"(reported by {base.person_text(source, 40)}). You own it; everything is in {thread}.")


def date_changed(case: Case, config: AmendsConfig, source: str, note: str | None) -> str:
    text = (f"{base.user_mention(case.owner_id)} {base.person_text(source, 40)} moved the achievable date of "
            f"*{case.ref}* to {_due(case.new_date, config) if case.new_date else 'no date'}"
            + (f" ({escape_mrkdwn(case.achievable_source)})." if case.achievable_source else "."))
    if case.customer_contacted_at is not None:
        text += " The customer was already told a date: tell them the new one."
    return text + _note(note)


def delivered(case: Case, config: AmendsConfig, source: str, ticked: list[str], check_at: datetime | None,
              note: str | None) -> str:
    step = " The delivery step is ticked." if ticked else ""
    when = f" I'll remind you {_due(check_at, config)}." if check_at else ""
    return (f"{base.user_mention(case.owner_id)} {base.person_text(source, 40)} says *{case.ref}* was delivered."
            f"{step} Check the customer is satisfied.{when}{_note(note)}")


def cancelled_upstream(case: Case, source: str, note: str | None) -> str:
    return (f"{base.user_mention(case.owner_id)} {base.person_text(source, 40)} says the order of *{case.ref}* "
            f"was cancelled. Make sure the customer chose this, then resolve the case.{_note(note)}")


def _note(note: str | None) -> str:
    return f"\n> {base.person_text(note, 1000)}" if note else ""
