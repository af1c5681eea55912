"""Listeners for playbooks: the checklist message, its buttons and modals, and the `escalate` action.

Each interaction is one transaction (bot.playbooks.service), then the checklist message is re-rendered
from the database and updated in place (`publish`), then the person is told, ephemerally, if their
click changed nothing and why (a double click, someone else first, an outdated copy).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ButtonElement
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot.cases import service as cases
from bot.cases.models import Case
from bot.changes import RecordedEvent
from bot.errors import AmendsError, Conflict, InvalidInput, NotAllowed
from bot.playbooks import service
from bot.playbooks.config import ChecklistPlace
from bot.playbooks.engine import Checklist, StepView
from bot.playbooks.models import CheckOutcome
from bot.playbooks.schema import StepAction
from bot.playbooks.service import Change
from bot.slack import forms
from bot.slack.blocks import playbooks as blocks
from bot.slack.blocks.playbooks import CheckRef, MoreChoice, PlaybookAction, PlaybookCallback, PlaybookField, StepRef
from bot.slack.case_actions import CaseActionCall
from bot.slack.case_thread import load_case, post_in_thread
from bot.slack.notify import Respond, dm, tell
from bot.slack.people import is_manager, manager_mentions
from bot.slack.wiring import Wiring

log = logging.getLogger(__name__)

RETRIES = 3  # a lost race on SQLite (StaleDataError) is simply run again; the second run sees the winner
GONE = {"message_not_found", "channel_not_found", "thread_not_found"}


def register(wiring: Wiring) -> None:
    area = PlaybooksArea(wiring)
    area.register()


class PlaybooksArea:
    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring
        self.deps = wiring.deps
        self.zone = wiring.deps.config.workspace.zone

    def register(self) -> None:
        surface = self.wiring.surface
        self.wiring.case_actions.add("escalate", label="Alert managers")(self.escalate)

        surface.action(_prefixed(PlaybookAction.DONE))(self.on_done)
        surface.action(_prefixed(PlaybookAction.SKIP))(self.on_skip)
        surface.action(_prefixed(PlaybookAction.WAIVE))(self.on_waive)
        surface.action(_prefixed(PlaybookAction.NOTES))(self.on_notes)
        surface.action(_prefixed(PlaybookAction.MORE))(self.on_more)
        surface.action(_prefixed(PlaybookAction.CHECK))(self.on_check)
        surface.view_submission(PlaybookCallback.SKIP, then=self.after_submission)(self.submit_skip)
        surface.view_submission(PlaybookCallback.WAIVE, then=self.after_submission)(self.submit_waive)
        surface.view_submission(PlaybookCallback.NOTE, then=self.after_submission)(self.submit_note)
        surface.view_submission(PlaybookCallback.CHECK_NOTE, then=self.after_submission)(self.submit_check_note)

    def publish(self, client: WebClient, case_id: int) -> None:
        publish_checklist(client, self.wiring, case_id)

    # ------------------------------------------------------------------ applying a change

    def change(self, client: WebClient, user_id: str, respond: Respond | None, case_id: int,
               apply: Callable[[Session], Change]) -> Change:
        """Run `apply` in one transaction (again if it lost a race), refresh the checklist, tell the person
        if nothing changed."""
        result = self._apply(apply)
        self.publish(client, case_id)
        if result.unchanged is not None:
            tell(client, user_id, blocks.unchanged_notice(result.unchanged, result.checklist.case_ref, self.zone),
                 respond=respond)
        return result

    def current(self, case_id: int) -> Checklist:
        with self.deps.db.transaction() as session:
            checklist = service.checklist(session, case_id, now=self.deps.clock.now())
        if checklist is None:
            raise NotAllowed("This case has no checklist.")
        return checklist

    # ------------------------------------------------------------------ buttons

    def on_done(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        click = Click.of(body, respond)
        now = self.deps.clock.now()
        try:
            self.change(client, click.user_id, click.respond, click.ref.case_id, lambda s: service.complete_step(
                s, click.ref.case_id, click.ref.step_id, actor_id=click.user_id, now=now,
                seen_revision=click.ref.revision))
        except NotAllowed as exc:
            if not click.trigger_id:
                raise
            # Where the person clicked, not at the bottom of a long thread: a small modal over the checklist.
            client.views_open(trigger_id=click.trigger_id, view=blocks.refusal_modal(exc.user_message))

    def on_skip(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        click = Click.of(body, respond)
        self._open_step_modal(client, click, PlaybookCallback.SKIP)

    def on_waive(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        click = Click.of(body, respond)
        if not is_manager(client, self.deps.config, click.user_id):
            raise NotAllowed(self._managers_only())
        self._open_step_modal(client, click, PlaybookCallback.WAIVE)

    def on_notes(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        click = Click.of(body, respond)
        self._open_notes(client, click)

    def on_more(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        action = body["actions"][0]
        ref = StepRef.decode(action.get("block_id"))
        click = Click(ref, body["user"]["id"], _usable(body, respond), body.get("trigger_id"))
        if action["selected_option"]["value"] == MoreChoice.NOTE:
            self._open_notes(client, click)
            return
        now = self.deps.clock.now()
        self.change(client, click.user_id, click.respond, ref.case_id, lambda s: service.reopen_step(
            s, ref.case_id, ref.step_id, actor_id=click.user_id, now=now, seen_revision=ref.revision))

    def on_check(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        action = body["actions"][0]
        ref = CheckRef.decode(action.get("block_id"))
        if action["selected_option"]["value"] == blocks.NOTE_OPTION:
            step = self.current(ref.case_id).checks_step
            check = next((c for c in step.checks if c.id == ref.check_id), None) if step else None
            if check is None:
                raise NotAllowed("That check is not part of this case's playbook any more.")
            client.views_open(trigger_id=body["trigger_id"], view=blocks.check_note_modal(check, ref))
            return
        outcome = CheckOutcome(action["selected_option"]["value"])
        user_id = body["user"]["id"]
        now = self.deps.clock.now()
        self.change(client, user_id, _usable(body, respond), ref.case_id, lambda s: service.record_check(
            s, ref.case_id, ref.check_id, outcome, actor_id=user_id, now=now, seen_revision=ref.revision))

    def _open_notes(self, client: WebClient, click: Click) -> None:
        step = self.current(click.ref.case_id).step(click.ref.step_id)
        if step is None:
            raise NotAllowed("That step is not part of this case's playbook any more.")
        client.views_open(trigger_id=click.trigger_id, view=blocks.note_modal(step, click.ref, self.zone))

    def _open_step_modal(self, client: WebClient, click: Click, kind: PlaybookCallback) -> None:
        checklist = self.current(click.ref.case_id)
        step = checklist.step(click.ref.step_id)
        if step is None or not step.is_open or not checklist.case_open:
            # Outdated copy: show the latest and say why there's nothing to do.
            self.publish(client, click.ref.case_id)
            raise Conflict("That step isn't open any more; the checklist now shows where it stands.")
        client.views_open(trigger_id=click.trigger_id, view=blocks.reason_modal(kind, step, click.ref))

    def _managers_only(self) -> str:
        mentions = manager_mentions(self.deps.config)
        ask = f" Ask {', '.join(mentions)}." if mentions else " No managers are configured in amends.yaml yet."
        return "Only a manager can waive a step; skipping a required step needs their decision." + ask

    # ------------------------------------------------------------------ modals (answered before the ack)

    def submit_skip(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        ref = StepRef.decode(view.get("private_metadata"))
        reason = forms.read_values(view).get(PlaybookField.REASON)
        user_id, now = body["user"]["id"], self.deps.clock.now()
        self._submit(ack, context, ref, lambda s: service.skip_step(
            s, ref.case_id, ref.step_id, reason=reason, actor_id=user_id, now=now, seen_revision=ref.revision),
            field=PlaybookField.REASON)

    def submit_waive(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
                     client: WebClient) -> None:
        ref = StepRef.decode(view.get("private_metadata"))
        reason = forms.read_values(view).get(PlaybookField.REASON)
        user_id, now = body["user"]["id"], self.deps.clock.now()
        by_manager = is_manager(client, self.deps.config, user_id)  # again: someone may have left the group
        self._submit(ack, context, ref, lambda s: service.waive_step(
            s, ref.case_id, ref.step_id, reason=reason, actor_id=user_id, by_manager=by_manager, now=now,
            seen_revision=ref.revision), field=PlaybookField.REASON)

    def submit_note(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        ref = StepRef.decode(view.get("private_metadata"))
        text = forms.read_values(view).get(PlaybookField.NOTE)
        user_id, now = body["user"]["id"], self.deps.clock.now()
        self._submit(ack, context, ref, lambda s: service.add_note(
            s, ref.case_id, ref.step_id, text=text, actor_id=user_id, now=now), field=PlaybookField.NOTE)

    def submit_check_note(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        ref = CheckRef.decode(view.get("private_metadata"))
        text = forms.read_values(view).get(PlaybookField.CHECK_NOTE)
        user_id, now = body["user"]["id"], self.deps.clock.now()
        self._submit(ack, context, ref, lambda s: service.note_check(
            s, ref.case_id, ref.check_id, text=text, actor_id=user_id, now=now), field=PlaybookField.CHECK_NOTE)

    def _submit(self, ack: Ack, context: BoltContext, ref: StepRef | CheckRef, apply: Callable[[Session], Change], *,
                field: PlaybookField) -> None:
        """Save before answering, so a refusal or a database failure keeps the modal and what was typed."""
        try:
            result = self._apply(apply)
        except InvalidInput as exc:
            ack(response_action="errors", errors={field.value: next(iter(exc.fields.values()), exc.user_message)})
            return
        except AmendsError as exc:
            ack(response_action="errors", errors={field.value: exc.user_message})
            return
        if result.unchanged is not None:
            notice = blocks.unchanged_notice(result.unchanged, result.checklist.case_ref, self.zone)
            ack(response_action="update", view=blocks.notice_modal(notice))
        else:
            ack()
        context["playbook_case_id"] = ref.case_id

    def _apply(self, apply: Callable[[Session], Change]) -> Change:
        for attempt in range(RETRIES):
            try:
                with self.deps.db.transaction() as session:
                    return apply(session)
            except StaleDataError:
                if attempt == RETRIES - 1:
                    raise Conflict("Several people changed this checklist at the same moment; please try "
                                   "again.") from None
        raise AssertionError("unreachable")

    def after_submission(self, context: BoltContext, client: WebClient) -> None:
        if "playbook_case_id" in context:
            self.publish(client, context["playbook_case_id"])

    # ------------------------------------------------------------------ escalate (a case action)

    def escalate(self, call: CaseActionCall) -> None:
        """Alert the managers in the case thread with the ways to keep the promise tried so far."""
        config, now = self.deps.config, self.deps.clock.now()
        if not config.managers.configured:
            raise NotAllowed("No managers are configured to alert. Ask your Amends admin to set `managers` in "
                             "amends.yaml.")
        case = load_case(self.deps, call.case_id)
        if not case.has_thread:
            raise NotAllowed(f"{case.ref} isn't posted in the cases channel yet, so there's no thread to alert the "
                             "managers in. Post it again from your DM first.")
        with self.deps.db.transaction() as session:
            recent = service.claim_escalation(session, case.id, actor_id=call.user_id, now=now)
            checklist = service.checklist(session, case.id, now=now)
        if recent is not None:
            call.reply(blocks.recently_escalated(case.ref or "", recent.actor_id, recent.at, self.zone))
            return
        text, rendered = blocks.escalation(case, checklist, actor_id=call.user_id,
                                           mentions=manager_mentions(config), zone=self.zone)
        try:
            post_in_thread(call.client, case, text, blocks=rendered)
        except SlackApiError as exc:
            with self.deps.db.transaction() as session:
                service.escalation_failed(session, case.id, actor_id=call.user_id, now=now,
                                          error=str(exc.response.get("error")))
            raise
        with self.deps.db.transaction() as session:
            service.action_performed(session, case.id, StepAction.ESCALATE, actor_id=call.user_id, now=now)
        self.publish(call.client, case.id)
        call.reply(blocks.escalated_notice(case.ref or ""))


def post_checklist(client: WebClient, wiring: Wiring, event: RecordedEvent) -> None:
    """A case follow-up (bot/slack/case_followups.py): the checklist shows what the case event changed
    (posted with the case, the contact step ticked, closed with the case, reopened with it)."""
    publish_checklist(client, wiring, event.case_id)


# Updates of one checklist are serialised (per process), and each renders the latest state, so an older
# rendering never lands after a newer one.
_locks = [threading.Lock() for _ in range(64)]


def publish_checklist(client: WebClient, wiring: Wiring, case_id: int) -> None:
    """Post the case's checklist, or update it in place with the latest state from the database.

    Other areas call this after a change that shows on the checklist, e.g. after
    bot.playbooks.service.action_performed() completed the step that names their action."""
    deps = wiring.deps
    with _locks[case_id % len(_locks)]:
        with deps.db.transaction() as session:
            checklist = service.checklist(session, case_id, now=deps.clock.now())
            case = cases.get_case(session, case_id)
        if checklist is None:
            return
        text = blocks.checklist_fallback(checklist)
        rendered = blocks.checklist_message(checklist, deps.config.workspace.zone, _action_button(wiring, case))
        if checklist.message_ts and checklist.channel_id:
            try:
                client.chat_update(channel=checklist.channel_id, ts=checklist.message_ts, text=text, blocks=rendered)
                return
            except SlackApiError as exc:
                if exc.response.get("error") not in GONE:
                    raise
                log.warning("checklist of %s is gone (%s); posting it again", case.ref, exc.response["error"])
        posted = _post(client, wiring, case, text, rendered)
        if posted is None:
            return
        with deps.db.transaction() as session:
            service.record_posted(session, case_id, channel_id=posted["channel"], message_ts=posted["ts"],
                                  now=deps.clock.now())


def _post(client: WebClient, wiring: Wiring, case: Case, text: str, rendered: list[dict[str, Any]]
          ) -> dict[str, Any] | None:
    if wiring.deps.config.playbooks.checklist == ChecklistPlace.DM:
        return dm(client, case.owner_id, text, blocks=rendered)
    if not case.has_thread:
        return None  # it is posted with the case, once the case is in the channel
    return post_in_thread(client, case, text, blocks=rendered)


def _action_button(wiring: Wiring, case: Case) -> Callable[[StepView], ButtonElement | None]:
    actions = wiring.case_actions

    def button(step: StepView) -> ButtonElement | None:
        # Only actions some installed area handles: no dead buttons.
        if step.action is None or step.action not in actions:
            return None
        return actions.button(step.action, case, source="checklist", step_id=step.id)
    return button


class Click:
    """A click on a step's button: which step, as of which revision, by whom."""

    def __init__(self, ref: StepRef, user_id: str, respond: Respond | None, trigger_id: str | None = None) -> None:
        self.ref = ref
        self.user_id = user_id
        self.respond = respond
        self.trigger_id = trigger_id

    @classmethod
    def of(cls, body: dict[str, Any], respond: Respond) -> Click:
        action = body["actions"][0]
        return cls(StepRef.decode(action.get("value")), body["user"]["id"], _usable(body, respond),
                   body.get("trigger_id"))


def _usable(body: dict[str, Any], respond: Respond) -> Respond | None:
    """Bolt passes a `respond` even without a response_url; only use it when there is one."""
    return respond if body.get("response_url") else None


def _prefixed(prefix: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(prefix))
