"""Listeners for opening and listing cases.

The intake is saved before the ack; posting the case follows its recorded `opened` event after commit
(bot/slack/case_followups.py), as for a case opened anywhere else.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import logs
from bot.cases import service
from bot.cases.achievable import Achievable, CaseFacts, achievable_for, earlier_than_achievable, lead_times_for
from bot.cases.causes import Cause, infer_kind
from bot.cases.intake import parse_intake
from bot.errors import InvalidInput, StorageUnavailable
from bot.settings import AmendsConfig
from bot.slack import forms
from bot.slack.blocks import cases as blocks
from bot.slack.case_thread import load_case, publish_case
from bot.slack.commands import Invocation
from bot.slack.ids import Action, Callback, IntakeField
from bot.slack.metadata import CaseRef, IntakeMeta
from bot.slack.notify import Respond
from bot.slack.wiring import Wiring

log = logging.getLogger(__name__)

LIST_LIMIT = 40


def register(wiring: Wiring) -> None:
    area = CasesArea(wiring)
    wiring.recover.default(area.open_intake)
    wiring.recover.subcommand("list", "list", "show your open cases")(area.list_cases)
    wiring.surface.action(Action.OPEN_INTAKE)(area.open_intake_from_button)
    wiring.surface.view_submission(Callback.CASE_INTAKE)(area.submit_intake)
    # Picking the cause, the kind or the origin shows (and suggests) the date the team can keep.
    for field in (IntakeField.CAUSE, IntakeField.PROMISE_KIND, IntakeField.ORIGIN):
        wiring.surface.action(field.value)(area.intake_changed)
    wiring.surface.action(Action.CASE_POST_RETRY)(area.retry_post)


class CasesArea:
    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring
        self.deps = wiring.deps

    def open_intake(self, call: Invocation) -> None:
        view = blocks.intake_modal(self.deps.config, IntakeMeta(channel_id=call.channel_id), notes=call.args or None)
        call.client.views_open(trigger_id=call.trigger_id, view=view)

    def list_cases(self, call: Invocation) -> None:
        with self.deps.db.transaction() as session:
            cases = service.open_cases_owned_by(session, call.user_id, limit=LIST_LIMIT)
            total = service.count_open_cases_owned_by(session, call.user_id)
        text, rendered = blocks.open_cases_list(cases, total, self.deps.config)
        call.respond(text=text, blocks=rendered, response_type="ephemeral", replace_original=False)

    def open_intake_from_button(self, body: dict[str, Any], client: WebClient) -> None:
        note = body["actions"][0].get("value") or None
        channel_id = (body.get("channel") or {}).get("id")
        client.views_open(trigger_id=body["trigger_id"],
                          view=blocks.intake_modal(self.deps.config, IntakeMeta(channel_id=channel_id), notes=note))

    def intake_changed(self, body: dict[str, Any], client: WebClient) -> None:
        """A cause, kind or origin was picked: show the achievable date, and suggest it as the new date
        unless the person typed one (a suggestion they left untouched follows the new pick)."""
        view = body.get("view") or {}
        if view.get("callback_id") != Callback.CASE_INTAKE:
            return
        meta = IntakeMeta.decode(view.get("private_metadata"))
        typed = blocks.intake_values(view)
        for action in body.get("actions") or []:  # the pick itself, whether or not the state has it yet
            typed[IntakeField.named(action["block_id"]).value] = forms.element_value(action)
        new_date = typed.get(IntakeField.NEW_DATE)
        if new_date is not None and meta.suggested == new_date.isoformat():
            typed.pop(IntakeField.NEW_DATE)
        achievable = _achievable(self.deps.config, typed, self.deps.clock.now())
        suggested = achievable.date if achievable and typed.get(IntakeField.NEW_DATE) is None else None
        meta = meta.model_copy(update={"revision": meta.revision + 1, "warned": None,
                                       "suggested": suggested.isoformat() if suggested else None})
        new_view = blocks.intake_modal(self.deps.config, meta, typed=typed, achievable=achievable)
        try:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)
        except SlackApiError as exc:
            if exc.response.get("error") not in {"not_found", "hash_conflict"}:
                raise
            # Closed meanwhile, or changed by a quicker pick whose update shows the same.
            log.info("intake %s moved on before the update: %s", view.get("id"), exc.response.get("error"))

    def submit_intake(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = IntakeMeta.decode(view.get("private_metadata"))
        deps = self.deps
        user_id = body["user"]["id"]
        now = deps.clock.now()
        typed = blocks.intake_values(view)
        try:
            intake = parse_intake(typed, config=deps.config, now=now)
        except InvalidInput as exc:
            ack(response_action="errors", errors=blocks.intake_errors(exc.fields, meta))
            return
        achievable = _achievable(deps.config, typed, now)
        earlier = earlier_than_achievable(intake.new_date, achievable, deps.config.workspace.zone)
        if earlier and achievable and intake.new_date and meta.warned != intake.new_date.isoformat():
            # Warn, don't block: the same date submitted again is kept (and the case log says so).
            meta = meta.model_copy(update={"revision": meta.revision + 1, "warned": intake.new_date.isoformat(),
                                           "suggested": None})
            ack(response_action="update", view=blocks.intake_modal(
                deps.config, meta, typed=typed, achievable=achievable,
                warning=blocks.earlier_warning(deps.config, achievable)))
            return
        # Saved before the ack (a few ms) so that a database failure keeps the modal, and everything
        # typed in it, open with a clear error instead of losing it.
        try:
            with deps.db.transaction() as session:
                case = service.open_case(session, intake, reporter_id=user_id, config=deps.config, now=now,
                                         lifecycle=deps.lifecycle, achievable=achievable, overridden=earlier)
        except StorageUnavailable as exc:
            ack(response_action="errors", errors=blocks.storage_error(exc.user_message))
            return
        ack(response_action="update", view=blocks.saved_modal(case, deps.config))
        logs.bind(case_ref=case.ref)  # the rest of this request's lines are about it
        log.info("opened %s (%s) for %s", case.ref, case.severity, user_id)

    def retry_post(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ref = CaseRef.decode(body["actions"][0].get("value"))
        case = load_case(self.deps, ref.case_id)
        if case.has_thread:
            respond(text=blocks.already_posted(case), replace_original=True)
            return
        posted = publish_case(client, self.wiring, ref.case_id)
        if posted is not None:
            respond(text=blocks.already_posted(posted), replace_original=True)


def _achievable(config: AmendsConfig, typed: dict[str, Any], now: datetime) -> Achievable | None:
    """The achievable date for what the form holds so far (None until a known cause is picked)."""
    try:
        cause = Cause(typed.get(IntakeField.CAUSE) or "")
    except ValueError:
        return None
    kind = typed.get(IntakeField.PROMISE_KIND) or infer_kind(cause, typed.get(IntakeField.PROMISE) or "")
    facts = CaseFacts(cause, kind, typed.get(IntakeField.ORIGIN) or None)
    return achievable_for(facts, lead_times_for(config), now, config)
