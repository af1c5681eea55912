"""Block Kit for reminders and escalations, and for what they become once someone acts on them."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, StaticSelectElement, UserSelectElement

from bot.cases.models import Case
from bot.cases.severity import Severity
from bot.reminders.kinds import OUTSIDE_HOURS
from bot.reminders.models import Reminder
from bot.settings import AmendsConfig
from bot.slack.blocks import base
from bot.slack.ids import Action
from bot.slack.metadata import Metadata
from bot.slack.reminder_kinds import Rendered
from bot.text import one_line

SNOOZE_CHOICES = (("1h", "1 hour"), ("4h", "4 hours"), ("tomorrow", "Tomorrow morning"))


class ReminderRef(Metadata):
    """Rides in the block_id of a reminder's actions (selects carry no value of their own)."""

    reminder_id: int
    case_id: int | None = None


def _customer(case: Case) -> str:
    return base.person_text(one_line(case.customer_name, 80), 300)


def _case_line(case: Case, config: AmendsConfig) -> str:
    severity = Severity(case.severity)
    ref = base.link(case.permalink, case.ref) if case.permalink else case.ref
    due = base.slack_date(case.promised_at, config.workspace.zone)
    new = f" · new date {base.slack_date(case.new_date, config.workspace.zone)}" if case.new_date else ""
    return (f"*{ref}* · {_customer(case)} — {base.person_text(one_line(case.promise, 100), 300)}\n"
            f"{severity.emoji} {severity} · promised {due}{new}")


def _actions(reminder: Reminder, case: Case, *, update_sent: bool = True, snooze: bool = True,
             customer_told: bool = False) -> dict[str, Any]:
    elements: list[dict[str, Any]] = []
    if update_sent:
        elements.append({**_fixed_button("Update sent", Action.REMINDER_UPDATE_SENT), "value": str(reminder.id)})
    if customer_told:
        elements.append({**_fixed_button("Customer told", Action.REMINDER_CUSTOMER_TOLD), "value": str(reminder.id)})
    elements.extend(_fixed_selects(snooze))  # message() copies them, so no message changes the cache
    # Its elements are validated; the block adds an id (ReminderRef keeps it within Slack's 255) and at most
    # four elements of Slack's 25.
    return {"type": "actions", "block_id": ReminderRef(reminder_id=reminder.id, case_id=case.id).encode(255),
            "elements": elements}


@functools.cache
def _fixed_button(label: str, action_id: str) -> dict[str, Any]:
    """A reminder's primary button without its value, validated once (a Monday burst renders thousands)."""
    return base.button(label, action_id, style="primary").to_dict()


@functools.cache
def _fixed_selects(snooze: bool) -> tuple[dict[str, Any], ...]:
    """The Snooze and Hand over selects, the same on every reminder: validated once."""
    elements: list[Any] = []
    if snooze:
        elements.append(StaticSelectElement(action_id=Action.REMINDER_SNOOZE, placeholder=base.plain("Snooze"),
                                            options=[base.option(label, value) for value, label in SNOOZE_CHOICES]))
    elements.append(UserSelectElement(action_id=Action.REMINDER_HANDOVER, placeholder=base.plain("Hand over")))
    return tuple(element.to_dict() for element in elements)


def status_update(reminder: Reminder, case: Case, config: AmendsConfig) -> Rendered:
    text = f":clock3: Time to update {_customer(case)} on {case.ref}."
    contacted = ("You last told them " + base.slack_date(case.customer_contacted_at, config.workspace.zone)
                 if case.customer_contacted_at else "They haven't been told anything yet")
    blocks = [
        base.fixed_section(f":clock3: *Time to update the customer.* {contacted}. Customers kept in the loop "
                           "forgive; tell them what has been done and what happens next, even if nothing changed."),
        base.section(_case_line(case, config)),
        _actions(reminder, case),
        base.fixed_context("Update sent: tell me you did it (I'll open the status-update draft if you want one). "
                           "Snooze moves only this reminder. Hand over makes a colleague the owner."),
    ]
    return Rendered(text, base.message(blocks))


def deadline_near(reminder: Reminder, case: Case, config: AmendsConfig) -> Rendered:
    due = base.slack_date(case.promised_at, config.workspace.zone)
    text = f":alarm_clock: {case.ref} is due {due} and {_customer(case)} hasn't been told yet."
    blocks = [
        base.section(f":alarm_clock: *{case.ref} is due {due} and the customer hasn't been told yet.* "
                     "Tell them now, before they find out: what happened, what you've done, and their "
                     "choice (wait, take an alternative, or cancel)."),
        *_outside_hours_note(reminder),
        base.section(_case_line(case, config)),
        _actions(reminder, case, update_sent=False, snooze=False, customer_told=True),
    ]
    return Rendered(text, base.message(blocks))


def _outside_hours_note(reminder: Reminder) -> list[ContextBlock]:
    if not reminder.payload.get(OUTSIDE_HOURS):
        return []
    return [base.context(":crescent_moon: Sent outside working hours: no working hour is left before the "
                         "deadline.")]


def _managers(config: AmendsConfig) -> str:
    mentions = [base.user_mention(u) for u in config.managers.users]
    if config.managers.usergroup:
        mentions.append(f"<!subteam^{config.managers.usergroup}>")
    return " ".join(mentions)


def deadline_manager(reminder: Reminder, case: Case, config: AmendsConfig) -> Rendered:
    due = base.slack_date(case.promised_at, config.workspace.zone)
    text = (f"{_managers(config)} :warning: {case.ref} is due {due} and {_customer(case)} still hasn't been "
            f"told. Owner: {base.user_mention(case.owner_id)}.")
    return Rendered(text, base.message([base.section(text), *_outside_hours_note(reminder),
                                        base.section(_case_line(case, config))]))


def unanswered(reminder: Reminder, case: Case, config: AmendsConfig, source_sent_at: datetime | None) -> Rendered:
    when = base.slack_date(source_sent_at, config.workspace.zone) if source_sent_at else "earlier"
    text = (f"{_managers(config)} :warning: {base.user_mention(case.owner_id)} hasn't answered the reminder to "
            f"update {_customer(case)} on {case.ref} (sent {when}). The customer may be in the dark.")
    return Rendered(text, base.message([base.section(text), base.section(_case_line(case, config))]))


def follow_up(reminder: Reminder, case: Case, config: AmendsConfig, buttons: Sequence[ButtonElement] = ()
              ) -> Rendered:
    """`buttons`: what the owner can do from here (e.g. "Record satisfaction", when that area is installed)."""
    text = f":handshake: Check in with {_customer(case)} on {case.ref}: are they satisfied?"
    blocks = [
        base.section(f":handshake: *Check in with {_customer(case)}.* {case.ref} was resolved "
                     f"{base.slack_date(case.resolved_at, config.workspace.zone) if case.resolved_at else ''}. "
                     "Ask whether everything arrived as promised and whether they are satisfied; thank them for "
                     "their patience. Record what they say on the case."),
        base.section(_case_line(case, config)),
    ]
    if buttons:
        blocks.append(ActionsBlock(elements=list(buttons)))
    return Rendered(text, base.message(blocks))


def step_due(reminder: Reminder, case: Case, config: AmendsConfig, action: ButtonElement | None) -> Rendered:
    """A playbook step fell due while still open: what it is, and its action's button when it has one."""
    title = base.person_text(one_line(str(reminder.payload.get("title", "")), 150), 300)
    due = datetime.fromisoformat(reminder.payload["step_due_at"])
    required = " It must be done (or waived by a manager) before the case can be resolved." \
        if reminder.payload.get("required") else ""
    where = f"Tick it in {base.link(case.permalink, 'the case checklist')}" if case.permalink \
        else "Tick it in the case checklist"
    text = f":clipboard: {case.ref}: “{title}” was due {base.slack_date(due, config.workspace.zone)}."
    blocks: list[Any] = [
        base.section(f":clipboard: *A step of {case.ref} is due:* {title}\n"
                     f"It was due {base.slack_date(due, config.workspace.zone)}.{required}"),
        base.section(_case_line(case, config)),
    ]
    if action is not None:
        blocks.append(ActionsBlock(elements=[action]))
    blocks.append(base.context(f"{where} when it's done, or skip it there with a reason."))
    return Rendered(text, base.message(blocks))


def settled(original: Rendered, outcome: str) -> list[dict[str, Any]]:
    """The reminder message after someone acted on it: its text, minus the buttons, plus what happened."""
    kept = [b for b in original.blocks if b.get("type") == "section"]
    return kept[:2] + base.message([base.context(outcome)])


def delivery_failed(case: Case, kind: str, recipient: str, error: str) -> str:
    return (f":warning: I couldn't deliver the {kind.replace('_', ' ')} reminder for *{case.ref}* to {recipient} "
            f"(Slack said `{error}`), so I've stopped trying. Please check on this case.")
