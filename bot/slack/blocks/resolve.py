"""Block Kit for resolving a case: the modal, what it turns into, and the note in the case thread."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from slack_sdk.models.blocks import Block, InputBlock, RadioButtonsElement

from bot.cases.models import Case, Outcome
from bot.slack.blocks import base
from bot.slack.metadata import Metadata
from bot.text import escape_mrkdwn, one_line


class ResolveCallback(StrEnum):
    RESOLVE = "resolve_case"


class ResolveField(StrEnum):
    """Block ids of the resolve modal; also the field names of bot.slack.resolve.ResolveForm."""

    OUTCOME = "outcome"


class ResolveMeta(Metadata):
    case_id: int


OUTCOME_HELP = {
    Outcome.PROMISE_KEPT: "A way was found to deliver what was promised, on time",
    Outcome.CUSTOMER_WAITED: "The customer chose to wait for the original",
    Outcome.TOOK_ALTERNATIVE: "The customer took an alternative",
    Outcome.CANCELLED: "The customer cancelled, and we let them go gracefully",
}


def resolve_inputs(case: Case) -> list[Block]:
    """The form's questions. Issue #8 adds cost, satisfaction and the lesson here (and to ResolveForm)."""
    options = [base.option(o.label, o.value, OUTCOME_HELP[o]) for o in Outcome]
    return [InputBlock(block_id=ResolveField.OUTCOME, label=base.plain("How did it end?"),
                       element=RadioButtonsElement(action_id=ResolveField.OUTCOME, options=options))]


def resolve_modal(case: Case) -> dict[str, Any]:
    blocks: list[Block] = [
        base.section(f"*{case.ref}* · {base.person_text(one_line(case.customer_name, 100), 300)} — "
                     f"{base.person_text(one_line(case.promise, 200), 600)}"),
        *resolve_inputs(case),
        base.context("Resolving closes the case's checklist; everything stays in the case history."),
    ]
    return base.modal(title=f"Resolve {case.ref}", blocks=blocks, callback_id=ResolveCallback.RESOLVE,
                      submit="Resolve", private_metadata=ResolveMeta(case_id=case.id).encode())


def blocked_modal(ref: str, reasons: Sequence[str], thread_link: str | None) -> dict[str, Any]:
    """What the modal turns into when something required is still open: what, and what to do."""
    listed = "\n".join(f"• {escape_mrkdwn(reason)}" for reason in reasons)
    where = base.link(thread_link, "the case thread") if thread_link else "the case thread"
    blocks = [
        base.section(f":hourglass_flowing_sand: *{escape_mrkdwn(ref)} can't be resolved just yet.*\n{listed}"),
        base.context(f"The checklist is in {where}. Once these are done (or waived by a manager), resolve again."),
    ]
    return base.modal(title="Not quite yet", blocks=blocks, close="OK")


def message_modal(title: str, text: str) -> dict[str, Any]:
    return base.modal(title=title, blocks=[base.section(text)], close="OK")


def resolved_modal(case: Case) -> dict[str, Any]:
    outcome = Outcome(case.outcome).label if case.outcome else "resolved"
    return message_modal("Case resolved", f":checkered_flag: *{case.ref}* is resolved: {outcome}. Thank you.")


def resolved_note(case: Case, actor_id: str) -> str:
    """The line in the case thread."""
    outcome = Outcome(case.outcome).label if case.outcome else "resolved"
    return f":checkered_flag: {base.user_mention(actor_id)} resolved *{case.ref}*: {outcome}."
