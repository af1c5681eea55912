"""Action items: the reminder their owner gets on the due day, and "Mark done"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from bot.cases import service as cases
from bot.cases.models import Case
from bot.reminders.models import Reminder
from bot.slack import people
from bot.slack.blocks import tracking as blocks
from bot.slack.case_thread import refresh_case_message
from bot.slack.ids import Action
from bot.slack.notify import Respond
from bot.slack.reminder_kinds import Rendered
from bot.slack.wiring import Wiring
from bot.tracking import service as tracking


def register(wiring: Wiring) -> None:
    deps = wiring.deps

    def item_still_open(session: Any, reminder: Reminder, case: Case | None, now: datetime) -> str | None:
        return tracking.why_not_remind(session, reminder.payload.get("action_item_id"))

    @wiring.reminder_kinds.add(tracking.ACTION_ITEM_DUE, why_not=item_still_open, needs_open_case=False)
    def item_due(reminder: Reminder, case: Case | None) -> Rendered:
        with deps.db.transaction() as session:
            item = tracking.get_action_item(session, reminder.payload["action_item_id"])
            return blocks.due_reminder(item, cases.get_case(session, item.case_id))

    @wiring.surface.action(Action.ACTION_ITEM_DONE)
    def mark_done(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ref = blocks.ActionItemRef.decode(body["actions"][0].get("value"))
        user_id = body["user"]["id"]
        manager = people.is_manager(client, deps.config, user_id)
        with deps.db.transaction() as session:
            item, _changed = tracking.complete_action_item(session, ref.item_id, actor_id=user_id,
                                                           now=deps.clock.now(), is_manager=manager)
            case = cases.get_case(session, item.case_id)
        text, rendered = blocks.done(item, case)
        respond(text=text, blocks=rendered, replace_original=True)
        refresh_case_message(client, wiring, case.id)  # it lists the action items and how many are done
