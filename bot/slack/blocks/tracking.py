"""Block Kit for action items (the DM to their owner, the reminder on the due day, done) and the digest."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock

from bot.cases.models import Case
from bot.slack.blocks import base
from bot.slack.ids import Action
from bot.slack.metadata import BUTTON_VALUE_LIMIT, Metadata
from bot.slack.reminder_kinds import Rendered
from bot.text import one_line
from bot.tracking.models import ActionItem
from bot.tracking.service import MAX_ITEM_TEXT


class ActionItemRef(Metadata):
    item_id: int


def _item(item: ActionItem) -> str:
    return base.person_text(one_line(item.text, MAX_ITEM_TEXT), 600)


def _case(case: Case) -> str:
    ref = base.link(case.permalink, case.ref or "") if case.permalink else case.ref
    return f"{ref} ({base.person_text(one_line(case.customer_name, 60), 200)})"


def _due(item: ActionItem) -> str:
    return f"{item.due_on:%a %d %b %Y}"


def _done_button(item: ActionItem) -> ActionsBlock:
    return ActionsBlock(elements=[base.button("Mark done", Action.ACTION_ITEM_DONE, style="primary",
                                              value=ActionItemRef(item_id=item.id).encode(BUTTON_VALUE_LIMIT))])


def assigned(item: ActionItem, case: Case, actor_id: str) -> tuple[str, list[dict[str, Any]]]:
    """The DM to an action item's owner when the case is resolved."""
    text = (f":memo: {base.user_mention(actor_id)} gave you an action item from {case.ref}: {_item(item)} "
            f"(due {_due(item)}).")
    blocks = [
        base.section(f":memo: {base.user_mention(actor_id)} gave you an action item from {_case(case)}:\n"
                     f"*{_item(item)}*\nDue {_due(item)}."),
        _done_button(item),
        base.context("It came out of the lesson of a broken promise, so the next one doesn't break the same way. "
                     "I'll remind you on the day."),
    ]
    return text, base.message(blocks)


def due_reminder(item: ActionItem, case: Case) -> Rendered:
    text = f":alarm_clock: Action item due {_due(item)}: {_item(item)} (from {case.ref})."
    blocks = [
        base.section(f":alarm_clock: *Action item due {_due(item)}*\n{_item(item)}\nFrom the lesson of {_case(case)}."),
        _done_button(item),
    ]
    return Rendered(text, base.message(blocks))


def done(item: ActionItem, case: Case) -> tuple[str, list[dict[str, Any]]]:
    assert item.done_by is not None
    text = f":white_check_mark: Done: {_item(item)} (from {case.ref}), marked by {base.user_mention(item.done_by)}."
    return text, base.message([base.section(text)])
