"""Listeners for opening and listing cases.

The intake is saved before the ack; posting the case follows its recorded `opened` event after commit
(bot/slack/case_followups.py), as for a case opened anywhere else.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot import logs
from bot.cases import service
from bot.cases.intake import parse_intake
from bot.errors import InvalidInput, StorageUnavailable
from bot.slack import forms
from bot.slack.blocks import cases as blocks
from bot.slack.case_thread import load_case, publish_case
from bot.slack.commands import Invocation
from bot.slack.ids import Action, Callback
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

    def submit_intake(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        IntakeMeta.decode(view.get("private_metadata"))
        deps = self.deps
        user_id = body["user"]["id"]
        now = deps.clock.now()
        try:
            intake = parse_intake(forms.read_values(view), config=deps.config, now=now)
        except InvalidInput as exc:
            ack(response_action="errors", errors=blocks.intake_errors(exc.fields))
            return
        # Saved before the ack (a few ms) so that a database failure keeps the modal, and everything
        # typed in it, open with a clear error instead of losing it.
        try:
            with deps.db.transaction() as session:
                case = service.open_case(session, intake, reporter_id=user_id, config=deps.config, now=now,
                                         lifecycle=deps.lifecycle)
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
