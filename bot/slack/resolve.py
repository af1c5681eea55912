"""Resolving a case ("Resolve case", the `close` case action), reopening it, and recording the customer's
satisfaction later.

The resolve modal asks how the case ended, what it cost, the lesson, action items (owner and due date)
and, when known, the customer's satisfaction; bot.tracking.service.resolve saves all of it and closes the
case in one transaction, so every area's guard has its say (e.g. a required playbook step still open):
the reasons are shown in the modal, kindly, and nothing changes. Once resolved, the case message shows
the outcome and a "Reopen case" button, the thread hears it and action item owners get a DM: follow-ups
of the recorded `resolved` event, after commit (bot/slack/case_followups.py), like the checklist closing.
Reopening asks why and is logged as a case event, whose follow-ups refresh the message and tell the thread.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.cases import service
from bot.cases.lifecycle import Blocker
from bot.cases.models import Case, Outcome
from bot.changes import RecordedEvent
from bot.errors import AmendsError, InvalidInput, StorageUnavailable
from bot.slack import forms
from bot.slack.blocks import resolve as blocks
from bot.slack.blocks import tracking as item_blocks
from bot.slack.blocks.resolve import ResolveAction, ResolveCallback, ResolveField, ResolveMeta
from bot.slack.case_actions import CaseActionCall
from bot.slack.case_thread import load_case, post_in_thread
from bot.slack.notify import dm
from bot.slack.wiring import Wiring
from bot.tracking import service as tracking
from bot.tracking.service import ItemSchedule

log = logging.getLogger(__name__)


def register(wiring: Wiring) -> None:
    area = ResolveArea(wiring)
    wiring.deps.case_message_sections.append(area.outcome_sections)
    actions, surface = wiring.case_actions, wiring.surface
    actions.add("close", label="Resolve case", on_case_message=True, order=900)(area.open_resolve)
    surface.action(ResolveAction.ADD_ITEM)(area.add_item)
    surface.view_submission(ResolveCallback.RESOLVE)(area.submit)
    actions.add("reopen", label="Reopen case", on_case_message=True, when_resolved=True, order=910)(area.open_reopen)
    surface.view_submission(ResolveCallback.REOPEN)(area.submit_reopen)
    actions.add("record_satisfaction", label="Record satisfaction", on_case_message=True, when_resolved=True,
                order=900)(area.open_satisfaction)
    surface.view_submission(ResolveCallback.SATISFACTION)(area.submit_satisfaction)


class ResolveArea:
    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring
        self.deps = wiring.deps
        self.config = wiring.deps.config
        self.schedule = ItemSchedule(self.config.workspace.zone, self.config.reminders.working_hours.start)

    # ------------------------------------------------------------------ resolve

    def open_resolve(self, call: CaseActionCall) -> None:
        with self.deps.db.transaction() as session:
            case = service.get_case(session, call.case_id)
            defaults = tracking.form_defaults(session, case.id)
            blockers = self.deps.lifecycle.blockers(session, case) if case.is_open else []
        if not case.is_open:
            outcome = Outcome(case.outcome).label if case.outcome else "resolved"
            call.reply(f":information_source: {case.ref} is already resolved ({outcome}).")
            return
        waiting = [b.reason for b in blockers if b.answer is None]  # the form's own answers settle the others
        if waiting:  # say so before the form opens: nothing typed into it can be lost
            call.client.views_open(trigger_id=call.trigger_id,
                                   view=blocks.blocked_modal(case.ref or "", waiting, case.permalink))
            return
        call.client.views_open(trigger_id=call.trigger_id, view=blocks.resolve_modal(
            case, self.config, values=defaults, required=tracking.required_answers(blockers)))

    def add_item(self, body: dict[str, Any], client: WebClient) -> None:
        view = body["view"]
        meta = ResolveMeta.decode(view.get("private_metadata"))
        case = load_case(self.deps, meta.case_id)
        with self.deps.db.transaction() as session:
            required = self.required(session, case)
        items = min(meta.items + 1, tracking.MAX_ACTION_ITEMS)
        client.views_update(view_id=view["id"], hash=view.get("hash"),
                            view=blocks.resolve_modal(case, self.config, items=items, values=forms.read_values(view),
                                                      required=required))

    def required(self, session: Any, case: Case) -> dict[str, str]:
        """What the form must answer for the case to be resolved (the score, while a step asks for it)."""
        return tracking.required_answers(self.deps.lifecycle.blockers(session, case)) if case.is_open else {}

    def submit(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = ResolveMeta.decode(view.get("private_metadata"))
        try:
            case, resolution, items = self.resolve(meta, forms.read_values(view), actor_id=body["user"]["id"])
        except InvalidInput as exc:
            ack(response_action="errors", errors=exc.fields or {ResolveField.OUTCOME.value: exc.user_message})
            return
        except service.ResolveBlocked as exc:  # something reopened since the form opened: keep what was typed
            ack(response_action="errors", errors=blocked_errors(exc.blockers))
            return
        except StorageUnavailable as exc:
            ack(response_action="errors", errors={ResolveField.OUTCOME.value: exc.user_message})
            return
        except AmendsError as exc:  # already resolved, removed, ...
            ack(response_action="update", view=blocks.message_modal("Nothing changed", exc.user_message))
            return
        ack(response_action="update", view=blocks.resolved_modal(case, resolution, items))
        log.info("resolved %s (%s)", case.ref, case.outcome)

    def resolve(self, meta: ResolveMeta, values: dict[str, Any], *, actor_id: str) -> tuple[Case, Any, list[Any]]:
        # Saved before the ack, like the intake: a refusal or a database failure keeps the modal open.
        deps, config = self.deps, self.config
        today = deps.clock.now().astimezone(config.workspace.zone).date()
        with deps.db.transaction() as session:
            required = self.required(session, service.get_case(session, meta.case_id))
            details = tracking.parse_resolution(values, currency=config.workspace.currency, today=today,
                                                locale=config.workspace.locale, item_slots=meta.items,
                                                required=required)
            case = tracking.resolve(session, meta.case_id, details, actor_id=actor_id, now=deps.clock.now(),
                                    lifecycle=deps.lifecycle, schedule=self.schedule)
            resolution, items = tracking.current(session, meta.case_id)
            return case, resolution, items

    # ------------------------------------------------------------------ reopen

    def open_reopen(self, call: CaseActionCall) -> None:
        case = load_case(self.deps, call.case_id)
        if case.is_open:
            call.reply(f":information_source: {case.ref} is already open.")
            return
        call.client.views_open(trigger_id=call.trigger_id, view=blocks.reopen_modal(case))

    def submit_reopen(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = ResolveMeta.decode(view.get("private_metadata"))
        reason = (forms.read_values(view).get(ResolveField.REOPEN_REASON) or "").replace("\x00", "").strip()
        if not reason:
            ack(response_action="errors", errors={ResolveField.REOPEN_REASON.value: "Please say why, in a sentence."})
            return
        deps = self.deps
        try:
            with deps.db.transaction() as session:
                case = service.reopen_case(session, meta.case_id, actor_id=body["user"]["id"],
                                           now=deps.clock.now(), reason=reason, lifecycle=deps.lifecycle)
        except StorageUnavailable as exc:
            ack(response_action="errors", errors={ResolveField.REOPEN_REASON.value: exc.user_message})
            return
        except AmendsError as exc:  # already open, removed
            ack(response_action="update", view=blocks.message_modal("Nothing changed", exc.user_message))
            return
        ack(response_action="update", view=blocks.message_modal(
            "Case reopened", f":leftwards_arrow_with_hook: *{case.ref}* is open again, with its checklist and "
                             "reminders."))

    # ------------------------------------------------------------------ satisfaction, after the follow-up

    def open_satisfaction(self, call: CaseActionCall) -> None:
        with self.deps.db.transaction() as session:
            case = service.get_case(session, call.case_id)
            resolution = tracking.live_resolution(session, case.id)
        if case.is_open:  # e.g. the checklist's satisfaction step: the resolve form asks for it
            self.open_resolve(call)
            return
        call.client.views_open(trigger_id=call.trigger_id, view=blocks.satisfaction_modal(case, resolution))

    def submit_satisfaction(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = ResolveMeta.decode(view.get("private_metadata"))
        values = forms.read_values(view)
        deps = self.deps
        try:
            score, comment = tracking.parse_satisfaction(values.get(ResolveField.SATISFACTION),
                                                         values.get(ResolveField.SATISFACTION_COMMENT), required=True)
            assert score is not None
            with deps.db.transaction() as session:
                tracking.record_satisfaction(session, meta.case_id, score=score, comment=comment,
                                             actor_id=body["user"]["id"], now=deps.clock.now(),
                                             lifecycle=deps.lifecycle)
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

    def outcome_sections(self, case: Case) -> list[str]:
        if case.is_open:
            return []
        with self.deps.db.transaction() as session:
            resolution, items = tracking.current(session, case.id)
        return [blocks.outcome_section(resolution, items)] if resolution is not None else []


def blocked_errors(blockers: list[Blocker]) -> dict[str, str]:
    """A refusal as field errors over the form: under the answer that settles it, else under the outcome."""
    errors = {b.answer.value: b.reason for b in blockers if b.answer is not None}
    waiting = [b.reason for b in blockers if b.answer is None]
    if waiting:
        errors[ResolveField.OUTCOME.value] = blocks.blocked_line(waiting)
    return errors


# ---------------------------------------------------------------------- case follow-ups (bot/slack/case_followups.py)


def post_resolved_note(client: WebClient, wiring: Wiring, event: RecordedEvent) -> None:
    """The thread hears how the case ended, what it cost and who owns which action item."""
    with wiring.deps.db.transaction() as session:
        case = service.get_case(session, event.case_id)
        resolution, items = tracking.current(session, event.case_id)
    if case.has_thread:
        post_in_thread(client, case, blocks.resolved_note(case, event.actor_id or "", resolution, items))


def dm_action_items(client: WebClient, wiring: Wiring, event: RecordedEvent) -> None:
    """Each action item's owner hears of it by DM."""
    with wiring.deps.db.transaction() as session:
        case = service.get_case(session, event.case_id)
        _, items = tracking.current(session, event.case_id)
    for item in items:
        text, rendered = item_blocks.assigned(item, case, event.actor_id or "")
        dm(client, item.owner_id, text, blocks=rendered)


def post_reopened_note(client: WebClient, wiring: Wiring, event: RecordedEvent) -> None:
    case = load_case(wiring.deps, event.case_id)
    if case.has_thread:
        post_in_thread(client, case, blocks.reopened_note(case, event.actor_id or "", event.data.get("reason", "")))


def post_satisfaction_note(client: WebClient, wiring: Wiring, event: RecordedEvent) -> None:
    case = load_case(wiring.deps, event.case_id)
    if case.has_thread:
        post_in_thread(client, case, blocks.satisfaction_note(case, event.actor_id or "", event.data["satisfaction"],
                                                              event.data.get("satisfaction_comment")))
