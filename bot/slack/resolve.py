"""Resolving a case ("Resolve case", the `close` case action), reopening it, and recording the customer's
satisfaction later.

The resolve modal asks how the case ended, what it cost, the lesson, action items (owner and due date)
and, when known, the customer's satisfaction; bot.tracking.service.resolve saves all of it and closes the
case in one transaction, so every area's guard has its say (e.g. a required playbook step still open):
the reasons are shown in the modal, kindly, and nothing changes. Once resolved, the case message shows
the outcome and a "Reopen case" button, the thread hears it, action item owners get a DM, and
`deps.after_case_resolved` runs (e.g. the checklist closes). Reopening asks why, is logged as a case
event, and runs `deps.after_case_reopened`.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.cases import service
from bot.cases.models import Case, Outcome
from bot.errors import AmendsError, InvalidInput, StorageUnavailable
from bot.slack import forms
from bot.slack.blocks import resolve as blocks
from bot.slack.blocks import tracking as item_blocks
from bot.slack.blocks.resolve import ResolveAction, ResolveCallback, ResolveField, ResolveMeta
from bot.slack.case_actions import CaseActionCall
from bot.slack.case_thread import load_case, post_in_thread, refresh_case_message
from bot.slack.notify import dm
from bot.slack.wiring import Wiring
from bot.tracking import service as tracking
from bot.tracking.service import ItemSchedule

log = logging.getLogger(__name__)


def register(wiring: Wiring) -> None:
    deps = wiring.deps
    config = deps.config
    schedule = ItemSchedule(config.workspace.zone, config.reminders.working_hours.start)

    deps.hooks.on_reopened.append(tracking.on_reopened)
    deps.case_message_sections.append(lambda case: _outcome_sections(wiring, case))

    # ------------------------------------------------------------------ resolve

    @wiring.case_actions.add("close", label="Resolve case", on_case_message=True, order=900)
    def open_resolve(call: CaseActionCall) -> None:
        with deps.db.transaction() as session:
            case = service.get_case(session, call.case_id)
            defaults = tracking.form_defaults(session, case.id)
        if not case.is_open:
            outcome = Outcome(case.outcome).label if case.outcome else "resolved"
            call.reply(f":information_source: {case.ref} is already resolved ({outcome}).")
            return
        call.client.views_open(trigger_id=call.trigger_id,
                               view=blocks.resolve_modal(case, config, values=defaults))

    @wiring.surface.action(ResolveAction.ADD_ITEM)
    def add_item(body: dict[str, Any], client: WebClient) -> None:
        view = body["view"]
        meta = ResolveMeta.decode(view.get("private_metadata"))
        case = load_case(deps, meta.case_id)
        items = min(meta.items + 1, tracking.MAX_ACTION_ITEMS)
        client.views_update(view_id=view["id"], hash=view.get("hash"),
                            view=blocks.resolve_modal(case, config, items=items, values=forms.read_values(view)))

    def after_resolved(context: BoltContext, client: WebClient, body: dict[str, Any]) -> None:
        if "resolved_case_id" not in context:
            return
        case_id = context["resolved_case_id"]
        refresh_case_message(client, wiring, case_id)
        with deps.db.transaction() as session:
            case = service.get_case(session, case_id)
            resolution, items = tracking.current(session, case_id)
        actor = body["user"]["id"]
        if case.has_thread:
            post_in_thread(client, case, blocks.resolved_note(case, actor, resolution, items))
        for item in items:
            text, rendered = item_blocks.assigned(item, case, actor)
            dm(client, item.owner_id, text, blocks=rendered)
        for follow_up in deps.after_case_resolved:
            follow_up(client, case)

    @wiring.surface.view_submission(ResolveCallback.RESOLVE, then=after_resolved)
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        meta = ResolveMeta.decode(view.get("private_metadata"))
        try:
            today = deps.clock.now().astimezone(config.workspace.zone).date()
            details = tracking.parse_resolution(forms.read_values(view), currency=config.workspace.currency,
                                                today=today, item_slots=meta.items)
            case, resolution, items = resolve(meta.case_id, details, actor_id=body["user"]["id"])
        except InvalidInput as exc:
            ack(response_action="errors", errors=exc.fields or {ResolveField.OUTCOME.value: exc.user_message})
            return
        except service.ResolveBlocked as exc:
            case = load_case(deps, meta.case_id)
            ack(response_action="update", view=blocks.blocked_modal(case.ref or "", exc.reasons, case.permalink))
            return
        except StorageUnavailable as exc:
            ack(response_action="errors", errors={ResolveField.OUTCOME.value: exc.user_message})
            return
        except AmendsError as exc:  # already resolved, removed, ...
            ack(response_action="update", view=blocks.message_modal("Nothing changed", exc.user_message))
            return
        ack(response_action="update", view=blocks.resolved_modal(case, resolution, items))
        context["resolved_case_id"] = case.id
        log.info("resolved %s (%s)", case.ref, case.outcome)

    def resolve(case_id: int, details: tracking.ResolutionInput, *, actor_id: str) -> tuple[Case, Any, list[Any]]:
        # Saved before the ack, like the intake: a refusal or a database failure keeps the modal open.
        with deps.db.transaction() as session:
            case = tracking.resolve(session, case_id, details, actor_id=actor_id, now=deps.clock.now(),
                                    hooks=deps.hooks, schedule=schedule)
            resolution, items = tracking.current(session, case_id)
            return case, resolution, items

    # ------------------------------------------------------------------ reopen

    @wiring.case_actions.add("reopen", label="Reopen case", on_case_message=True, when_resolved=True, order=910)
    def open_reopen(call: CaseActionCall) -> None:
        case = load_case(deps, call.case_id)
        if case.is_open:
            call.reply(f":information_source: {case.ref} is already open.")
            return
        call.client.views_open(trigger_id=call.trigger_id, view=blocks.reopen_modal(case))

    def after_reopened(context: BoltContext, client: WebClient, body: dict[str, Any]) -> None:
        if "reopened_case_id" not in context:
            return
        case_id = context["reopened_case_id"]
        refresh_case_message(client, wiring, case_id)
        case = load_case(deps, case_id)
        if case.has_thread:
            post_in_thread(client, case, blocks.reopened_note(case, body["user"]["id"], context["reopen_reason"]))
        for follow_up in deps.after_case_reopened:
            follow_up(client, case)

    @wiring.surface.view_submission(ResolveCallback.REOPEN, then=after_reopened)
    def submit_reopen(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        meta = ResolveMeta.decode(view.get("private_metadata"))
        reason = (forms.read_values(view).get(ResolveField.REOPEN_REASON) or "").replace("\x00", "").strip()
        if not reason:
            ack(response_action="errors", errors={ResolveField.REOPEN_REASON.value: "Please say why, in a sentence."})
            return
        try:
            with deps.db.transaction() as session:
                case = service.reopen_case(session, meta.case_id, actor_id=body["user"]["id"],
                                           now=deps.clock.now(), reason=reason, hooks=deps.hooks)
        except StorageUnavailable as exc:
            ack(response_action="errors", errors={ResolveField.REOPEN_REASON.value: exc.user_message})
            return
        except AmendsError as exc:  # already open, removed
            ack(response_action="update", view=blocks.message_modal("Nothing changed", exc.user_message))
            return
        ack(response_action="update", view=blocks.message_modal(
            "Case reopened", f":leftwards_arrow_with_hook: *{case.ref}* is open again, with its checklist and "
                             "reminders."))
        context["reopened_case_id"] = case.id
        context["reopen_reason"] = reason

    # ------------------------------------------------------------------ satisfaction, after the follow-up

    @wiring.case_actions.add("record_satisfaction", label="Record satisfaction", on_case_message=True,
                             when_resolved=True, order=900)
    def open_satisfaction(call: CaseActionCall) -> None:
        with deps.db.transaction() as session:
            case = service.get_case(session, call.case_id)
            resolution = tracking.live_resolution(session, case.id)
        if case.is_open:
            call.reply(f":information_source: {case.ref} is open again; record the customer's satisfaction when "
                       "you resolve it.")
            return
        call.client.views_open(trigger_id=call.trigger_id, view=blocks.satisfaction_modal(case, resolution))

    def after_satisfaction(context: BoltContext, client: WebClient, body: dict[str, Any]) -> None:
        if "satisfaction_case_id" not in context:
            return
        case_id = context["satisfaction_case_id"]
        refresh_case_message(client, wiring, case_id)
        case = load_case(deps, case_id)
        if case.has_thread:
            score, comment = context["satisfaction"]
            post_in_thread(client, case, blocks.satisfaction_note(case, body["user"]["id"], score, comment))

    @wiring.surface.view_submission(ResolveCallback.SATISFACTION, then=after_satisfaction)
    def submit_satisfaction(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        meta = ResolveMeta.decode(view.get("private_metadata"))
        values = forms.read_values(view)
        try:
            score, comment = tracking.parse_satisfaction(values.get(ResolveField.SATISFACTION),
                                                         values.get(ResolveField.SATISFACTION_COMMENT), required=True)
            assert score is not None
            with deps.db.transaction() as session:
                tracking.record_satisfaction(session, meta.case_id, score=score, comment=comment,
                                             actor_id=body["user"]["id"], now=deps.clock.now(), hooks=deps.hooks)
                case = service.get_case(session, meta.case_id)
        except InvalidInput as exc:
            ack(response_action="errors", errors=exc.fields)
            return
        except StorageUnavailable as exc:
            ack(response_action="errors", errors={ResolveField.SATISFACTION.value: exc.user_message})
            return
        except AmendsError as exc:
            ack(response_action="update", view=blocks.message_modal("Nothing changed", exc.user_message))
            return
        ack(response_action="update", view=blocks.message_modal(
            "Thank you", f":speech_balloon: Saved on *{case.ref}*: {score}/5."))
        context["satisfaction_case_id"] = case.id
        context["satisfaction"] = (score, comment)


def _outcome_sections(wiring: Wiring, case: Case) -> list[str]:
    if case.is_open:
        return []
    with wiring.deps.db.transaction() as session:
        resolution, items = tracking.current(session, case.id)
    return [blocks.outcome_section(resolution, items)] if resolution is not None else []
