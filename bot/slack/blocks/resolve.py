"""Block Kit for resolving and reopening a case: the modals, what they turn into, the notes in the case
thread, the outcome on the case message, and the customer's satisfaction recorded later."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
    UserSelectElement,
)

from bot.cases.models import Case, Outcome
from bot.money import format_amount
from bot.settings import AmendsConfig
from bot.slack.blocks import base
from bot.slack.metadata import Metadata
from bot.text import escape_mrkdwn, one_line, truncate
from bot.tracking.models import ActionItem, Resolution
from bot.tracking.service import (
    MAX_ACTION_ITEMS,
    MAX_COMMENT,
    MAX_ITEM_TEXT,
    MAX_LESSON,
    SATISFACTION_LABELS,
    Field,
    resolution_values,
)


class ResolveCallback(StrEnum):
    RESOLVE = "resolve_case"
    REOPEN = "reopen_case"
    SATISFACTION = "record_satisfaction"


class ResolveAction(StrEnum):
    ADD_ITEM = "resolve_add_item"


class ResolveField(StrEnum):
    """Block ids of the resolve modal (the same names as bot.tracking.service.Field)."""

    OUTCOME = Field.OUTCOME
    FINAL_COST = Field.FINAL_COST
    SATISFACTION = Field.SATISFACTION
    SATISFACTION_COMMENT = Field.SATISFACTION_COMMENT
    LESSON_CAUSE = Field.LESSON_CAUSE
    LESSON_WORKED = Field.LESSON_WORKED
    LESSON_CHANGE = Field.LESSON_CHANGE
    REOPEN_REASON = "reopen_reason"


class ResolveMeta(Metadata):
    case_id: int
    items: int = 1  # action item rows shown


OUTCOME_HELP = {
    Outcome.PROMISE_KEPT: "A way was found to deliver what was promised, on time",
    Outcome.CUSTOMER_WAITED: "The customer chose to wait for the original",
    Outcome.TOOK_ALTERNATIVE: "The customer took an alternative",
    Outcome.CANCELLED: "The customer cancelled, and we let them go gracefully",
}


SATISFACTION_REQUIRED_HINT = "Required: the checklist asks to check they are satisfied, and this answers it."


def _satisfaction_options() -> list[Option]:
    return [base.option(f"{score} · {label}", str(score)) for score, label in sorted(SATISFACTION_LABELS.items())]


def _initial_option(options: Sequence[Option], value: object) -> Option | None:
    return next((o for o in options if value is not None and o.value == str(value)), None)


def _text(block_id: str, label: str, *, initial: object = None, optional: bool = True, multiline: bool = False,
          max_length: int = MAX_LESSON, placeholder: str | None = None, hint: str | None = None) -> InputBlock:
    element = PlainTextInputElement(action_id=block_id, multiline=multiline, max_length=max_length,
                                    initial_value=str(initial)[:max_length] if initial else None,
                                    placeholder=base.plain(placeholder) if placeholder else None)
    return InputBlock(block_id=block_id, label=base.plain(label), element=element, optional=optional,
                      hint=base.plain(hint) if hint else None)


def _satisfaction_inputs(values: dict[str, Any], *, asked_by: str | None = None) -> list[Block]:
    """`asked_by`: why the score is required (a checklist step it completes); None: optional."""
    options = _satisfaction_options()
    return [
        InputBlock(block_id=ResolveField.SATISFACTION, label=base.plain("How satisfied is the customer?"),
                   optional=asked_by is None, hint=base.plain(truncate(asked_by, 150)) if asked_by else None,
                   element=StaticSelectElement(action_id=ResolveField.SATISFACTION, options=options,
                                               placeholder=base.plain("Pick 1 to 5"),
                                               initial_option=_initial_option(options,
                                                                              values.get(Field.SATISFACTION)))),
        _text(ResolveField.SATISFACTION_COMMENT, "What they said", initial=values.get(Field.SATISFACTION_COMMENT),
              multiline=True, max_length=MAX_COMMENT, placeholder="In their words, if you can"),
    ]


def _item_inputs(index: int, values: dict[str, Any]) -> list[Block]:
    due = values.get(Field.item(index, "due"))
    return [
        _text(Field.item(index, "text"), f"Action item {index + 1}", initial=values.get(Field.item(index, "text")),
              max_length=MAX_ITEM_TEXT, placeholder="e.g. Add a second fabric supplier"),
        InputBlock(block_id=Field.item(index, "owner"), label=base.plain("Owner"), optional=True,
                   element=UserSelectElement(action_id=Field.item(index, "owner"), placeholder=base.plain("Who"),
                                             initial_user=values.get(Field.item(index, "owner")))),
        InputBlock(block_id=Field.item(index, "due"), label=base.plain("Due"), optional=True,
                   element=DatePickerElement(action_id=Field.item(index, "due"),
                                             initial_date=due.isoformat() if isinstance(due, date) else None)),
    ]


def resolve_inputs(case: Case, config: AmendsConfig, *, items: int = 1, values: dict[str, Any] | None = None,
                   required: dict[str, str] | None = None) -> list[Block]:
    """The form's questions: how it ended, what it cost, the lesson, action items and satisfaction.
    `values` are answers to show (what was typed before an "Add another action item", or the previous
    resolution after a reopen); `required` the answers the case needs (field -> why), e.g. the score while
    the checklist's satisfaction step is open."""
    values, required = values or {}, required or {}
    outcomes = [base.option(o.label, o.value, OUTCOME_HELP[o]) for o in Outcome]
    blocks: list[Block] = [
        InputBlock(block_id=ResolveField.OUTCOME, label=base.plain("How did it end?"),
                   element=RadioButtonsElement(action_id=ResolveField.OUTCOME, options=outcomes,
                                               initial_option=_initial_option(outcomes, values.get(Field.OUTCOME)))),
        _text(ResolveField.FINAL_COST, f"Final cost ({config.workspace.currency})", optional=False,
              initial=values.get(Field.FINAL_COST), max_length=30, placeholder="e.g. 120.50",
              hint="Everything the recovery cost: compensation, gifts, express shipping, an item bought "
                   "elsewhere. 0 if nothing."),
        base.header("The lesson"),
        _text(ResolveField.LESSON_CAUSE, "What caused it", optional=False, multiline=True,
              initial=values.get(Field.LESSON_CAUSE), placeholder="e.g. The supplier's fabric batch failed inspection"),
        _text(ResolveField.LESSON_WORKED, "What worked", multiline=True, initial=values.get(Field.LESSON_WORKED),
              placeholder="What should the next associate try first?"),
        _text(ResolveField.LESSON_CHANGE, "What should change", multiline=True,
              initial=values.get(Field.LESSON_CHANGE), placeholder="So that it doesn't happen again"),
        base.context("Action items: each needs an owner and a due date. Owners hear about it now and are "
                     "reminded on the day."),
    ]
    for index in range(items):
        blocks += _item_inputs(index, values)
    if items < MAX_ACTION_ITEMS:
        blocks.append(ActionsBlock(block_id="resolve_more", elements=[
            base.button("Add another action item", ResolveAction.ADD_ITEM)]))
    blocks.append(base.header("The customer"))
    asked_by = required.get(Field.SATISFACTION)
    blocks += _satisfaction_inputs(values, asked_by=SATISFACTION_REQUIRED_HINT if asked_by else None)
    if not asked_by:
        blocks.append(base.context("Don't know yet? Leave it: you'll be asked at the follow-up, and can record it "
                                   "from there or from the case message."))
    return blocks



def _case_line(case: Case) -> str:
    return (f"*{case.ref}* · {base.person_text(one_line(case.customer_name, 100), 300)} — "
            f"{base.person_text(one_line(case.promise, 200), 600)}")


def resolve_modal(case: Case, config: AmendsConfig, *, items: int = 1, values: dict[str, Any] | None = None,
                  required: dict[str, str] | None = None) -> dict[str, Any]:
    blocks: list[Block] = [
        base.section(_case_line(case)),
        *resolve_inputs(case, config, items=items, values=values, required=required),
        base.context("Resolving closes the case's checklist and stops its reminders; the lesson goes to the "
                     "team's searchable index. Everything stays in the case history."),
    ]
    return base.modal(title=f"Resolve {case.ref}", blocks=blocks, callback_id=ResolveCallback.RESOLVE,
                      submit="Resolve", private_metadata=ResolveMeta(case_id=case.id, items=items).encode())


FIELD_ERROR_LIMIT = 2000  # ours; Slack shows a field error under its input


def blocked_modal(ref: str, reasons: Sequence[str], thread_link: str | None) -> dict[str, Any]:
    """What the modal turns into when something required is still open: what, and what to do."""
    listed = "\n".join(f"• {escape_mrkdwn(reason)}" for reason in reasons)
    where = base.link(thread_link, "the case thread") if thread_link else "the case thread"
    blocks = [
        base.section(f":hourglass_flowing_sand: *{escape_mrkdwn(ref)} can't be resolved just yet.*\n{listed}"),
        base.context(f"The checklist is in {where}. Once these are done (or waived by a manager), resolve again."),
    ]
    return base.modal(title="Not quite yet", blocks=blocks, close="OK")


def blocked_line(reasons: Sequence[str]) -> str:
    """The same, as a field error over the form (plain text, short): the form stays open as typed."""
    return truncate("Can't resolve yet: " + "; ".join(reasons) + ". Finish or waive it, then press Resolve again.",
                    FIELD_ERROR_LIMIT)


def message_modal(title: str, text: str) -> dict[str, Any]:
    return base.modal(title=title, blocks=[base.section(text)], close="OK")


def resolved_modal(case: Case, resolution: Resolution | None = None, items: Sequence[ActionItem] = ()
                   ) -> dict[str, Any]:
    outcome = Outcome(case.outcome).label if case.outcome else "resolved"
    lines = [f":checkered_flag: *{case.ref}* is resolved: {outcome}. Thank you."]
    if resolution is not None:
        lines.append(f"Final cost: {format_amount(resolution.final_cost, resolution.currency)}.")
    if items:
        owners = ", ".join(dict.fromkeys(base.user_mention(i.owner_id) for i in items))
        lines.append(f"{len(items)} action item(s); {owners} will be reminded when they fall due.")
    lines.append("The lesson is now in the team's search (`/recover search`).")
    return message_modal("Case resolved", "\n".join(lines))


def resolved_note(case: Case, actor_id: str, resolution: Resolution | None = None,
                  items: Sequence[ActionItem] = ()) -> str:
    """The line in the case thread."""
    outcome = Outcome(case.outcome).label if case.outcome else "resolved"
    text = f":checkered_flag: {base.user_mention(actor_id)} resolved *{case.ref}*: {outcome}."
    if resolution is not None:
        text += f" Final cost {format_amount(resolution.final_cost, resolution.currency)}."
        text += f"\n*What caused it:* {base.person_text(resolution.lesson_cause, 600)}"
    for item in items:
        text += f"\n• {_item_line(item)}"
    return text


def _item_line(item: ActionItem) -> str:
    done = " :white_check_mark:" if item.is_done else ""
    return (f"{base.person_text(one_line(item.text, MAX_ITEM_TEXT), 600)} — {base.user_mention(item.owner_id)}, "
            f"due {item.due_on:%a %d %b %Y}{done}")


def outcome_section(resolution: Resolution, items: Sequence[ActionItem]) -> str:
    """How the case ended, on the case message."""
    facts = [f":checkered_flag: *{Outcome(resolution.outcome).label}*",
             f"final cost {format_amount(resolution.final_cost, resolution.currency)}"]
    if resolution.satisfaction:
        facts.append(f"customer satisfaction {resolution.satisfaction}/5 "
                     f"({SATISFACTION_LABELS[resolution.satisfaction].lower()})")
    lines = [" · ".join(facts)]
    if resolution.satisfaction_comment:
        lines.append(f"> {base.person_text(one_line(resolution.satisfaction_comment, 300), 500)}")
    lines.append(f"*What caused it:* {base.person_text(resolution.lesson_cause, 600)}")
    if resolution.lesson_worked:
        lines.append(f"*What worked:* {base.person_text(resolution.lesson_worked, 600)}")
    if resolution.lesson_change:
        lines.append(f"*What should change:* {base.person_text(resolution.lesson_change, 600)}")
    if items:
        done = sum(1 for item in items if item.is_done)
        lines.append(f"*Action items* ({done} of {len(items)} done)")
        lines += [f"• {_item_line(item)}" for item in items[:8]]
    return "\n".join(lines)


# ---------------------------------------------------------------------- reopening


def reopen_modal(case: Case) -> dict[str, Any]:
    blocks = [
        base.section(_case_line(case)),
        _text(ResolveField.REOPEN_REASON, "Why reopen it?", optional=False, multiline=True, max_length=500,
              placeholder="e.g. The replacement arrived damaged"),
        base.context("The case gets its checklist and reminders back. Its lesson leaves the search until it is "
                     "resolved again; action items stay as they are."),
    ]
    return base.modal(title=f"Reopen {case.ref}", blocks=blocks, callback_id=ResolveCallback.REOPEN,
                      submit="Reopen", private_metadata=ResolveMeta(case_id=case.id).encode())


def reopened_note(case: Case, actor_id: str, reason: str) -> str:
    return (f":leftwards_arrow_with_hook: {base.user_mention(actor_id)} reopened *{case.ref}*: "
            f"{base.person_text(reason, 600)}")


# ---------------------------------------------------------------------- satisfaction, later


def satisfaction_modal(case: Case, resolution: Resolution | None) -> dict[str, Any]:
    blocks: list[Block] = [
        base.section(_case_line(case)),
        *_satisfaction_inputs(resolution_values(resolution) if resolution else {}),
    ]
    return base.modal(title="Customer satisfaction", blocks=blocks, callback_id=ResolveCallback.SATISFACTION,
                      submit="Save", private_metadata=ResolveMeta(case_id=case.id).encode())


def satisfaction_note(case: Case, actor_id: str, score: int, comment: str | None) -> str:
    said = f": “{base.person_text(one_line(comment, 300), 500)}”" if comment else "."
    return (f":speech_balloon: {base.user_mention(actor_id)} recorded the customer's satisfaction on *{case.ref}*: "
            f"{score}/5 ({SATISFACTION_LABELS[score].lower()}){said}")
