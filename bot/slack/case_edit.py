"""Edit case: the case's owner or a manager changes its new date, the customer's contact, timezone or tier
after the intake, from a button on the case message.

The modal opens prefilled; the save goes through bot.cases.service.edit_case (the one way these change,
the order system's ETA included) before the ack, so a refusal or a database failure keeps the modal and
what was typed in it. What follows (the case message, the note in the thread, the owner's DM about a new
contact) follows the recorded `edited` event after commit (bot/slack/case_followups.py), like every case
change; the lifecycle's CaseEdited reactions (bot/bootstrap.py) run inside the save.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.cases import edit as edits
from bot.cases import service
from bot.cases.achievable import earlier_than_achievable, recorded
from bot.cases.models import Case
from bot.changes import RecordedEvent
from bot.errors import AmendsError, InvalidInput, StorageUnavailable
from bot.slack import forms, people
from bot.slack.blocks import case_edit as blocks
from bot.slack.case_actions import CaseActionCall
from bot.slack.case_thread import load_case, post_in_thread
from bot.slack.ids import Callback
from bot.slack.metadata import CaseEditMeta
from bot.slack.notify import dm
from bot.slack.wiring import Wiring

log = logging.getLogger(__name__)


def register(wiring: Wiring) -> None:
    area = CaseEditArea(wiring)
    wiring.case_actions.add("edit_case", label="Edit case", on_case_message=True, order=850)(area.open_edit)
    wiring.surface.view_submission(Callback.CASE_EDIT)(area.submit)


class CaseEditArea:
    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring
        self.deps = wiring.deps
        self.config = wiring.deps.config

    def open_edit(self, call: CaseActionCall) -> None:
        case = load_case(self.deps, call.case_id)
        # Refused kindly where they clicked (an ephemeral, through the error reporter): resolved, or not theirs.
        service.check_may_edit(case, call.user_id, is_manager=self._is_manager(call.client, call.user_id, case))
        values = edits.form_values(case, self.config)
        meta = CaseEditMeta(case_id=case.id, shown=edits.fingerprints(values))
        call.client.views_open(trigger_id=call.trigger_id,
                               view=blocks.edit_modal(case, self.config, values, meta, self.date_notes(case)))

    def date_notes(self, case: Case) -> list[str]:
        """Lines above the new date: the achievable date the case records (the one its message shows), and
        where it comes from."""
        return blocks.achievable_note(case, self.config)

    def date_warning(self, case: Case, new_date: datetime) -> str | None:
        """Why `new_date` deserves a second look, or None: a day earlier than achievable is warned about, not
        blocked (saving it again keeps it, and the case log says so, as at the intake)."""
        achievable = recorded(case)
        if achievable is None or not earlier_than_achievable(new_date, achievable, self.config.workspace.zone):
            return None
        return blocks.earlier_note(achievable, self.config)

    def submit(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        meta = CaseEditMeta.decode(view.get("private_metadata"))
        user_id = body["user"]["id"]
        deps = self.deps
        now = deps.clock.now()
        typed = forms.read_values(view)
        try:
            edit = edits.parse_edit(typed, shown=meta.shown, config=self.config, now=now)
            case = load_case(deps, meta.case_id)
            manager = self._is_manager(client, user_id, case)
            service.check_may_edit(case, user_id, is_manager=manager)
            warning = self.date_warning(case, edit.new_date) if edit.new_date and "new_date" in edit.values() \
                else None
            if warning and meta.kept != edits.fingerprint(edit.new_date):
                # Warned, not blocked: the form again, as typed, with the warning; saving it again keeps it.
                kept = meta.model_copy(update={"kept": edits.fingerprint(edit.new_date)})
                ack(response_action="update", view=blocks.edit_modal(
                    case, self.config, typed, kept, [*self.date_notes(case), warning]))
                return
            # Saved before the ack, like the intake: a refusal or a database failure keeps what was typed.
            with deps.db.transaction() as session:
                edited = service.edit_case(session, meta.case_id, edit, actor_id=user_id, now=now,
                                           config=self.config, lifecycle=deps.lifecycle, is_manager=manager)
                achievable = recorded(edited.case)
                if warning and achievable is not None and "new_date" in edited.changes:
                    service.record_override(session, edited.case, achievable, actor_id=user_id, now=now)
        except InvalidInput as exc:
            ack(response_action="errors", errors=blocks.edit_errors(exc.fields))
            return
        except StorageUnavailable as exc:
            ack(response_action="errors", errors=blocks.storage_error(exc.user_message))
            return
        except AmendsError as exc:  # resolved or handed over meanwhile, removed
            ack(response_action="update", view=blocks.refused_modal(f":warning: {exc.user_message}"))
            return
        ack(response_action="update", view=blocks.saved_modal(edited.case, edited.changes, self.config))
        if edited.changes:
            log.info("%s edited %s: %s", user_id, edited.case.ref, ", ".join(edited.changes))

    def _is_manager(self, client: WebClient, user_id: str, case: Case) -> bool:
        # The owner needs no Slack call (a user group is asked of Slack each time).
        return user_id != case.owner_id and people.is_manager(client, self.config, user_id)


# ---------------------------------------------------------------------- case follow-ups (bot/slack/case_followups.py)


def say_edited(client: WebClient, wiring: Wiring, event: RecordedEvent) -> None:
    """The thread hears what changed, before -> after; the owner gets a new contact someone else typed by DM."""
    case = load_case(wiring.deps, event.case_id)
    changes = edits.logged_changes(event.data)
    if case.has_thread:
        post_in_thread(client, case, blocks.edited_note(case, event.actor_id, changes, wiring.deps.config))
    if "customer_contact" in changes and event.actor_id != case.owner_id:
        dm(client, case.owner_id, blocks.contact_dm(case, event.actor_id))
