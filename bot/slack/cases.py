"""Listeners for opening and listing cases."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

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
    surface, recover, deps = wiring.surface, wiring.recover, wiring.deps

    @recover.default
    def open_intake(call: Invocation) -> None:
        view = blocks.intake_modal(deps.config, IntakeMeta(channel_id=call.channel_id), notes=call.args or None)
        call.client.views_open(trigger_id=call.trigger_id, view=view)

    @recover.subcommand("list", "list", "show your open cases")
    def list_cases(call: Invocation) -> None:
        with deps.db.transaction() as session:
            cases = service.open_cases_owned_by(session, call.user_id, limit=LIST_LIMIT)
            total = service.count_open_cases_owned_by(session, call.user_id)
        text, rendered = blocks.open_cases_list(cases, total, deps.config)
        call.respond(text=text, blocks=rendered, response_type="ephemeral", replace_original=False)

    @surface.action(Action.OPEN_INTAKE)
    def open_intake_from_button(body: dict[str, Any], client: WebClient) -> None:
        note = body["actions"][0].get("value") or None
        channel_id = (body.get("channel") or {}).get("id")
        client.views_open(trigger_id=body["trigger_id"],
                          view=blocks.intake_modal(deps.config, IntakeMeta(channel_id=channel_id), notes=note))

    def publish_new_case(context: BoltContext, client: WebClient) -> None:
        if "case_id" in context:  # absent when the submission was answered with field errors
            publish_case(client, wiring, context["case_id"])

    @surface.view_submission(Callback.CASE_INTAKE, then=publish_new_case)
    def submit_intake(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        IntakeMeta.decode(view.get("private_metadata"))
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
                                         hooks=deps.hooks)
        except StorageUnavailable as exc:
            ack(response_action="errors", errors=blocks.storage_error(exc.user_message))
            return
        ack(response_action="update", view=blocks.saved_modal(case, deps.config))
        context["case_id"] = case.id
        log.info("opened %s (%s) for %s", case.ref, case.severity, user_id)

    @surface.action(Action.CASE_POST_RETRY)
    def retry_post(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ref = CaseRef.decode(body["actions"][0].get("value"))
        case = load_case(deps, ref.case_id)
        if case.has_thread:
            respond(text=blocks.already_posted(case), replace_original=True)
            return
        posted = publish_case(client, wiring, ref.case_id)
        if posted is not None:
            respond(text=blocks.already_posted(posted), replace_original=True)
