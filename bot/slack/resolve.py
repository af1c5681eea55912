"""Resolving a case: the `close` case action ("Resolve case"), its modal and what follows.

The modal asks how the case ended (bot.cases.models.Outcome) and calls cases.service.resolve_case with
the app's hooks, so every area's guard has its say (e.g. a required playbook step still open): the
reasons are shown in the modal, kindly, and nothing changes. Once resolved, the case message is
refreshed, the thread hears it, and `deps.after_case_resolved` runs (e.g. the checklist closes).

Extending the form (issue #8: cost, satisfaction, lesson): add the inputs to
blocks.resolve.resolve_inputs(), the fields to ResolveForm, and save them in `resolve` below, in the same
transaction as resolve_case.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.cases import service
from bot.cases.models import Case, Outcome
from bot.errors import AmendsError, InvalidInput, StorageUnavailable
from bot.slack import forms
from bot.slack.blocks import resolve as blocks
from bot.slack.blocks.resolve import ResolveCallback, ResolveField, ResolveMeta
from bot.slack.case_actions import CaseActionCall
from bot.slack.case_thread import load_case, post_in_thread, refresh_case_message
from bot.slack.wiring import Wiring

log = logging.getLogger(__name__)


class ResolveForm(BaseModel):
    """What the resolve modal collects."""

    model_config = ConfigDict(frozen=True)

    outcome: Outcome

    @classmethod
    def parse(cls, values: dict[str, Any]) -> ResolveForm:
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            fields = {str(e["loc"][0]): "Please choose one." for e in exc.errors(include_url=False)}
            raise InvalidInput("Please answer every question.", fields=fields) from None


def register(wiring: Wiring) -> None:
    deps = wiring.deps

    @wiring.case_actions.add("close", label="Resolve case", on_case_message=True, order=900)
    def open_resolve(call: CaseActionCall) -> None:
        case = load_case(deps, call.case_id)
        if not case.is_open:
            outcome = Outcome(case.outcome).label if case.outcome else "resolved"
            call.reply(f":information_source: {case.ref} is already resolved ({outcome}).")
            return
        call.client.views_open(trigger_id=call.trigger_id, view=blocks.resolve_modal(case))

    def after_resolved(context: BoltContext, client: WebClient, body: dict[str, Any]) -> None:
        if "resolved_case_id" not in context:
            return
        case_id = context["resolved_case_id"]
        refresh_case_message(client, wiring, case_id)
        case = load_case(deps, case_id)
        if case.has_thread:
            post_in_thread(client, case, blocks.resolved_note(case, body["user"]["id"]))
        for follow_up in deps.after_case_resolved:
            follow_up(client, case)

    @wiring.surface.view_submission(ResolveCallback.RESOLVE, then=after_resolved)
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        meta = ResolveMeta.decode(view.get("private_metadata"))
        try:
            form = ResolveForm.parse({k: v for k, v in forms.read_values(view).items()
                                      if k in ResolveForm.model_fields})
            case = resolve(meta.case_id, form, actor_id=body["user"]["id"])
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
        ack(response_action="update", view=blocks.resolved_modal(case))
        context["resolved_case_id"] = case.id
        log.info("resolved %s (%s)", case.ref, case.outcome)

    def resolve(case_id: int, form: ResolveForm, *, actor_id: str) -> Case:
        # Saved before the ack, like the intake: a refusal or a database failure keeps the modal open.
        with deps.db.transaction() as session:
            return service.resolve_case(session, case_id, actor_id=actor_id, now=deps.clock.now(),
                                        outcome=form.outcome, hooks=deps.hooks)
