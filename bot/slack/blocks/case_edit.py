"""Block Kit for Edit case: the modal (prefilled with the case's values), what was saved, and the note in the
case thread. The customer's contact is only ever shown to the person editing and to the case's owner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block, DateTimePickerElement, InputBlock, PlainTextInputElement, StaticSelectElement

from bot.cases.achievable import Achievable
from bot.cases.intake import MAX_TEXT
from bot.cases.models import Case
from bot.cases.severity import Severity
from bot.settings import AmendsConfig
from bot.slack.blocks import base
from bot.slack.blocks.cases import achievable_text, earlier_warning
from bot.slack.ids import Callback, EditField
from bot.slack.metadata import CaseEditMeta

SAVE = "Save changes"
LABELS = {"new_date": "New date", "customer_contact": "Customer contact", "customer_timezone": "Customer's timezone",
          "customer_tier": "Customer tier", "severity": "Severity"}


def edit_modal(case: Case, config: AmendsConfig, values: Mapping[str, Any], meta: CaseEditMeta,
               notes: Sequence[str] = ()) -> dict[str, Any]:
    """The form, prefilled with `values` (bot.cases.edit.form_values). `notes` are lines shown above the
    new date (Amends' escaped mrkdwn): where the achievable date and its source go (issue 18)."""
    zone = config.workspace.zone
    tiers = [base.option(t.label, t.id) for t in config.customer_tiers]
    new_date: datetime | None = values.get("new_date")
    told = (f" The customer was told {base.slack_date(case.customer_contacted_at, zone)}: if the date moves, "
            "tell them the new one." if case.customer_contacted_at else "")
    blocks: list[Block] = [
        base.section(f"*{case.ref}* · {base.person_text(case.customer_name, 300)} · promised for "
                     f"{base.slack_date(case.promised_at, zone)}"),
        *[base.section(note) for note in notes[:3]],
        InputBlock(block_id=EditField.NEW_DATE, label=base.plain("New realistic date"), optional=True,
                   element=DateTimePickerElement(action_id=EditField.NEW_DATE,
                                                 initial_date_time=int(new_date.timestamp()) if new_date else None),
                   hint=base.plain("Only what the team can really achieve: a second missed date hurts more.")),
        _text(EditField.CUSTOMER_CONTACT, "Customer contact", values.get("customer_contact"),
              placeholder="Phone or email", hint="Only you and the case's owner see it; it is not posted in the "
                                                 "channel."),
        _text(EditField.CUSTOMER_TIMEZONE, "Customer's timezone", values.get("customer_timezone"),
              placeholder="e.g. New York, or America/New_York",
              hint=f"Only if it isn't {config.workspace.timezone}: the nearest big city. Messages to the customer "
                   "give dates in their time."),
        InputBlock(block_id=EditField.CUSTOMER_TIER, label=base.plain("Customer tier"), optional=True,
                   element=StaticSelectElement(action_id=EditField.CUSTOMER_TIER, placeholder=base.plain("Pick one"),
                                               options=tiers,
                                               initial_option=next((o for o in tiers
                                                                    if o.value == values.get("customer_tier")), None)),
                   hint=base.plain("The tier counts in the case's severity, its reminders and its budget.")),
        base.context(f"Each change is logged on the case (who, when, before and after) and said in its thread; "
                     f"the contact itself never is.{told}"),
    ]
    return base.modal(title=f"Edit {case.ref}", blocks=blocks, callback_id=Callback.CASE_EDIT, submit=SAVE,
                      private_metadata=meta.encode())


def achievable_note(case: Case, config: AmendsConfig) -> list[str]:
    """The achievable date recorded on the case and where it comes from, above the new date."""
    text = achievable_text(case, config)
    return [f":calendar: *Achievable:* {text}"] if text else []


def earlier_note(achievable: Achievable, config: AmendsConfig) -> str:
    return f":warning: {earlier_warning(config, achievable, save=SAVE)}"


def _text(field: EditField, label: str, initial: str | None, *, placeholder: str, hint: str) -> InputBlock:
    element = PlainTextInputElement(action_id=field, max_length=MAX_TEXT, placeholder=base.plain(placeholder),
                                    initial_value=initial[:MAX_TEXT] if initial else None)
    return InputBlock(block_id=field, label=base.plain(label), element=element, optional=True,
                      hint=base.plain(hint))


def edit_errors(fields: Mapping[str, str]) -> dict[str, str]:
    """response_action errors keyed by block id (the form's field names are its block ids)."""
    return {EditField(name).value: message for name, message in fields.items()}


def storage_error(message: str) -> dict[str, str]:
    """A save failure shown on the first field: the modal, and everything typed in it, stay open."""
    return {EditField.NEW_DATE.value: message}


def saved_modal(case: Case, changes: Mapping[str, tuple[Any, Any]], config: AmendsConfig) -> dict[str, Any]:
    if not changes:
        text = f"Nothing to save: every field of *{case.ref}* is as it was."
        return base.modal(title="Nothing changed", blocks=[base.section(text)], close="OK")
    lines = [f":pencil2: Saved on *{case.ref}*:", *change_lines(changes, config, private=True)]
    if "new_date" in changes:
        lines.append("The next draft to the customer gives the new date.")
    return base.modal(title="Case updated", blocks=[base.section("\n".join(lines))], close="Done")


def refused_modal(message: str) -> dict[str, Any]:
    return base.modal(title="Nothing changed", blocks=[base.section(message)], close="OK")


def edited_note(case: Case, actor_id: str | None, changes: Mapping[str, tuple[Any, Any]],
                config: AmendsConfig) -> str:
    """The line in the case thread: who changed what, before -> after (the contact only as "changed")."""
    who = base.user_mention(actor_id) if actor_id else "Amends"
    lines = [f":pencil2: {who} edited *{case.ref}*:", *change_lines(changes, config, private=False)]
    if "new_date" in changes and case.customer_contacted_at is not None:
        lines.append(f"{base.user_mention(case.owner_id)} the customer was already told a date: tell them the "
                     "new one.")
    return "\n".join(lines)


def contact_dm(case: Case, actor_id: str | None) -> str:
    """The owner hears the customer's new contact when someone else changed it (it is never in the thread)."""
    who = base.user_mention(actor_id) if actor_id else "Amends"
    contact = base.person_text(case.customer_contact, 500) if case.customer_contact else "none (cleared)"
    where = base.link(case.permalink, case.ref or "") if case.permalink else f"*{case.ref}*"
    return f":pencil2: {who} changed the customer's contact on {where}. It is now: {contact}"


def change_lines(changes: Mapping[str, tuple[Any, Any]], config: AmendsConfig, *, private: bool) -> list[str]:
    """• Field: before → after, in the form's order; `private` shows the contact itself."""
    lines = []
    for name, (before, after) in changes.items():
        if name == "customer_contact" and not private:
            lines.append(f"• {LABELS[name]}: changed (only the owner sees it)")
            continue
        lines.append(f"• {LABELS.get(name, name)}: {_shown(name, before, config)} → {_shown(name, after, config)}")
    return lines


def _shown(name: str, value: Any, config: AmendsConfig) -> str:
    if value is None or value == "":
        return "none (the workspace's)" if name == "customer_timezone" else "none"
    if isinstance(value, datetime):
        return base.slack_date(value, config.workspace.zone)
    if name == "customer_tier":
        tier = config.tier(value)
        return base.person_text(tier.label if tier else value, 80)
    if name == "severity":
        severity = Severity(value)
        return f"{severity.emoji} {severity}"
    return base.person_text(value, 500)
