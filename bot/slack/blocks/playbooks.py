"""Block Kit for playbooks: the case's checklist message, its modals, the escalation and the notices.

The checklist is one message, updated in place. Worst case, with a playbook at every schema limit
(bot/playbooks/schema.py): header, progress, banner, 15 open steps of 2 blocks, 10 checks, and a line
each for steps dealt with on the other path and steps no longer needed: 46 blocks of Slack's 50
(tests/test_playbook_blocks.py renders it).

Every element carries the checklist revision it was rendered from (button values, and the block ids of
selects and menus), so a click on an outdated copy is recognised (see bot/playbooks/service.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    OverflowMenuElement,
    PlainTextInputElement,
    StaticSelectElement,
)

from bot.cases.models import Case, Outcome
from bot.cases.severity import Severity
from bot.playbooks.engine import Checklist, CheckView, NoteView, StepView
from bot.playbooks.models import CasePath, CheckOutcome, StepStatus
from bot.playbooks.schema import StepAction
from bot.playbooks.service import CHECK_NOTE_LIMIT, NOTE_LIMIT, REASON_LIMIT, Unchanged, UnchangedKind
from bot.slack.blocks import base
from bot.slack.metadata import BUTTON_VALUE_LIMIT, Metadata
from bot.text import escape_fit, escape_mrkdwn, one_line

BLOCK_ID_LIMIT = 255
# Slack refuses a message whose blocks hold more than about 13,000 characters of text (msg_blocks_too_long).
TEXT_BUDGET = 12_000


class PlaybookAction(StrEnum):
    """Action id prefixes; the step's (or check's) id follows, so every element has its own id."""

    DONE = "playbook_done:"
    SKIP = "playbook_skip:"
    WAIVE = "playbook_waive:"
    NOTES = "playbook_notes:"
    MORE = "playbook_more:"    # the menu on a step already dealt with: reopen, add a note
    CHECK = "playbook_check:"  # the outcome of one keep-the-promise check


class MoreChoice(StrEnum):
    REOPEN = "reopen"
    NOTE = "note"


class PlaybookCallback(StrEnum):
    SKIP = "playbook_skip"
    WAIVE = "playbook_waive"
    NOTE = "playbook_note"
    CHECK_NOTE = "playbook_check_note"


class PlaybookField(StrEnum):
    REASON = "reason"
    NOTE = "note"
    CHECK_NOTE = "check_note"


NOTE_OPTION = "note"  # the check's menu: besides its outcomes, "Add a note…"


class StepRef(Metadata):
    """Which step, on which case, as of which checklist revision."""

    case_id: int
    step_id: str
    revision: int


class CheckRef(Metadata):
    case_id: int
    check_id: str
    revision: int


ActionButton = Callable[[StepView], ButtonElement | None]

STATUS_EMOJI = {StepStatus.DONE: ":white_check_mark:", StepStatus.SKIPPED: ":fast_forward:",
                StepStatus.WAIVED: ":heavy_minus_sign:"}
OUTCOME_EMOJI = {CheckOutcome.WORKED: ":white_check_mark:", CheckOutcome.TRIED: ":x:",
                 CheckOutcome.NOT_POSSIBLE: ":no_entry_sign:", CheckOutcome.NOT_TRIED: ":heavy_minus_sign:",
                 None: ":grey_question:"}
STATUS_WORDS = {StepStatus.DONE: "done", StepStatus.SKIPPED: "skipped", StepStatus.WAIVED: "waived",
                StepStatus.OPEN: "open"}


# ---------------------------------------------------------------------- the checklist message


def checklist_fallback(checklist: Checklist) -> str:
    progress = f"{checklist.done_count} of {len(checklist.steps)} steps done"
    current = checklist.current
    following = f"; next: {escape_mrkdwn(one_line(current.title, 80))}" if current else ""
    return f"{checklist.case_ref} recovery checklist: {progress}{following}"


@dataclass(frozen=True)
class Detail:
    """How much of the current step's notes the checklist shows; less when a busy case would pass
    TEXT_BUDGET."""

    notes: int        # latest notes shown under the current step
    note_length: int


DETAIL_LEVELS = (Detail(notes=2, note_length=300), Detail(notes=1, note_length=150), Detail(notes=0, note_length=0))


def checklist_message(checklist: Checklist, zone: ZoneInfo, action_button: ActionButton) -> list[dict[str, Any]]:
    """The checklist, as detailed as fits: Slack refuses a message whose blocks hold too much text."""
    for detail in DETAIL_LEVELS:
        rendered = _checklist_blocks(checklist, zone, action_button, detail)
        if text_length(rendered) <= TEXT_BUDGET:
            break
    return rendered


def text_length(blocks: Any) -> int:
    """Characters of text in blocks, as Slack counts them against its limit."""
    if isinstance(blocks, dict):
        own = len(blocks["text"]) if isinstance(blocks.get("text"), str) else 0
        return own + sum(text_length(v) for k, v in blocks.items() if k != "text" or not isinstance(v, str))
    if isinstance(blocks, list):
        return sum(text_length(v) for v in blocks)
    return 0


def _checklist_blocks(checklist: Checklist, zone: ZoneInfo, action_button: ActionButton, detail: Detail
                      ) -> list[dict[str, Any]]:
    live = checklist.case_open
    blocks: list[Block] = [base.header(f"{checklist.case_ref} · Recovery checklist"), base.context(_progress(checklist))]
    banner = _banner(checklist)
    if banner:
        blocks.append(base.section(banner))
    # Only the current step in full (why, what to do, its checks, notes); every other step is one line, and
    # a step dealt with keeps its checks to a count. "Notes" (or the step's menu) shows a step's details.
    for step in checklist.steps:
        blocks.append(_step_section(checklist, step, zone, detail, live=live))
        if step.is_open:
            blocks += [_check_section(checklist, check, live=live) for check in step.checks]
        if live and step.is_open:
            blocks.append(_step_actions(checklist, step, action_button, primary=step is checklist.current))
    if checklist.earlier:
        dealt = "; ".join(f"{STATUS_EMOJI[s.status]} {escape_fit(s.title, 80)}" for s in checklist.earlier)
        blocks.append(base.context(f"Dealt with before the path changed: {dealt}"))
    if checklist.not_needed:
        titles = ", ".join(escape_fit(s.title, 80) for s in checklist.not_needed)
        blocks.append(base.context(f"Not needed now that the promise is being kept: {titles}"))
    return base.message(blocks)


def _progress(checklist: Checklist) -> str:
    parts = [f"*{escape_mrkdwn(checklist.title)}* playbook",
             f"{checklist.done_count} of {len(checklist.steps)} steps done"]
    if checklist.overdue:
        parts.append(f":alarm_clock: {len(checklist.overdue)} overdue")
    parts.append(f"owner {base.user_mention(checklist.owner_id)}")
    return " · ".join(parts)


def _banner(checklist: Checklist) -> str | None:
    if not checklist.case_open:
        outcome = Outcome(checklist.case_outcome).label if checklist.case_outcome else "resolved"
        return f":checkered_flag: *{checklist.case_ref} is resolved: {outcome}.*"
    if checklist.path == CasePath.PROMISE_KEPT:
        return (":tada: *A check worked: the promise can still be kept.* Make sure it arrives as promised, "
                "then close the case.")
    if checklist.summary and checklist.done_count == 0:
        return f"_{escape_mrkdwn(checklist.summary)}_"
    return None


def _step_section(checklist: Checklist, step: StepView, zone: ZoneInfo, detail: Detail, *, live: bool) -> Block:
    title = f"*{step.number}. {escape_mrkdwn(step.title)}*"
    accessory = None
    if step.is_open:
        current = step is checklist.current
        facts = []
        if step.required:
            facts.append("required")
        if step.due_at:
            facts.append(f"due {base.slack_date(step.due_at, zone)}")
        if step.overdue:
            facts.append(":alarm_clock: *overdue*")
        lines = [" · ".join([f"{':arrow_forward:' if current else ':white_circle:'} {title}", *facts])]
        if current:
            lines.append(f"_{escape_mrkdwn(step.why)}_")
            lines += [f"• {escape_mrkdwn(item)}" for item in step.items]
            if step.checks and checklist.kept_titles:
                kept = "; ".join(checklist.kept_titles)
                lines.append(f"If a check works, the checklist switches to: {escape_fit(kept, 300)}.")
            lines += _notes(step.notes, detail)
    else:
        lines = [f"{STATUS_EMOJI[step.status]} {title} — {_who_when(step, zone)}{_checks_count(step)}"]
        accessory = _more_menu(checklist, step) if live else None
    ref = StepRef(case_id=checklist.case_id, step_id=step.id, revision=checklist.revision)
    return base.section("\n".join(lines), accessory=accessory, block_id=ref.encode(BLOCK_ID_LIMIT))


def _checks_count(step: StepView) -> str:
    """A step dealt with shows its checks as a count: " · checks: 1 tried, no luck, 7 not tried"."""
    order = [CheckOutcome.WORKED, CheckOutcome.TRIED, CheckOutcome.NOT_POSSIBLE, CheckOutcome.NOT_TRIED, None]
    counts = [(sum(1 for c in step.checks if c.outcome == outcome), outcome) for outcome in order]
    shown = [f"{n} {outcome.label.lower() if outcome else 'not checked'}" for n, outcome in counts if n]
    return f" · checks: {', '.join(shown)}" if shown else ""


def _who_when(step: StepView, zone: ZoneInfo) -> str:
    word = STATUS_WORDS[step.status]
    if step.status_by is None:  # Amends itself: resolving the case completes the closing step
        when = f" {base.slack_date(step.status_at, zone)}" if step.status_at else ""
        return f"{word} when the case was resolved" if step.action is StepAction.CLOSE else f"{word}{when}"
    when = f" {base.slack_date(step.status_at, zone)}" if step.status_at else ""
    return f"{word} by {base.user_mention(step.status_by)}{when}"


def _notes(notes: Sequence[NoteView], detail: Detail) -> list[str]:
    shown = notes[len(notes) - detail.notes:] if detail.notes else ()
    lines = [f":memo: {base.user_mention(n.author_id)}: "
             f"{base.person_text(one_line(n.text, detail.note_length), 2 * detail.note_length)}" for n in shown]
    if len(notes) > len(shown):
        earlier = "earlier " if shown else ""
        lines.insert(0, f"_{len(notes) - len(shown)} {earlier}note(s): press Notes to read them_")
    return lines


def _more_menu(checklist: Checklist, step: StepView) -> OverflowMenuElement:
    return OverflowMenuElement(action_id=PlaybookAction.MORE + step.id, options=[
        base.option("Reopen this step", MoreChoice.REOPEN), base.option("Add a note", MoreChoice.NOTE)])


def _check_section(checklist: Checklist, check: CheckView, *, live: bool) -> Block:
    outcome = f"*{check.outcome.label}*" if check.outcome else "not checked yet"
    who = f" ({base.user_mention(check.by)})" if check.by else ""
    text = f"      {OUTCOME_EMOJI[check.outcome]} {escape_mrkdwn(check.title)} — {outcome}{who}"
    accessory = None
    if live:
        options = [base.option(o.label, o.value) for o in CheckOutcome.recordable()]
        accessory = StaticSelectElement(
            action_id=PlaybookAction.CHECK + check.id, placeholder=base.plain("Record outcome"),
            options=[*options, base.option("Edit note…" if check.note else "Add a note…", NOTE_OPTION)],
            initial_option=next((o for o in options if o.value == check.outcome), None))
    ref = CheckRef(case_id=checklist.case_id, check_id=check.id, revision=checklist.revision)
    # The note as typed, in a plain_text field: the section keeps its menu.
    return base.plain_fields(text, [f"📝 {check.note}"] if check.note else [], accessory=accessory,
                             block_id=ref.encode(BLOCK_ID_LIMIT))


def check_line(check: CheckView) -> str:
    """One check and how it went, with its note: for the escalation."""
    note = f": {base.person_text(check.note, 300)}" if check.note else ""
    return (f"{OUTCOME_EMOJI[check.outcome]} {escape_mrkdwn(check.title)} — "
            f"{check.outcome.label if check.outcome else 'not checked yet'}{note}")


def check_note_modal(check: CheckView, ref: CheckRef) -> dict[str, Any]:
    """A short note on one check: which store was called, which engineer."""
    blocks = [
        base.section(f"*{escape_mrkdwn(check.title)}*"
                     + (f" — {check.outcome.label}" if check.outcome else " — not checked yet")),
        InputBlock(block_id=PlaybookField.CHECK_NOTE, label=base.plain("Note"), optional=True,
                   element=PlainTextInputElement(action_id=PlaybookField.CHECK_NOTE, max_length=CHECK_NOTE_LIMIT,
                                                 initial_value=check.note or None,
                                                 placeholder=base.plain("e.g. called the Leeds store: none left")),
                   hint=base.plain("Which store you called, which engineer: shown on the checklist, in the "
                                   "managers' alert and in the case history. Empty it to remove the note.")),
    ]
    return base.modal(title="Note on a check", blocks=blocks, callback_id=PlaybookCallback.CHECK_NOTE,
                      submit="Save note", private_metadata=ref.encode())


def _step_actions(checklist: Checklist, step: StepView, action_button: ActionButton, *, primary: bool) -> Block:
    value = StepRef(case_id=checklist.case_id, step_id=step.id, revision=checklist.revision).encode(BUTTON_VALUE_LIMIT)
    action = action_button(step)
    notes = base.button(f"Notes ({len(step.notes)})" if step.notes else "Add note", PlaybookAction.NOTES + step.id,
                        value=value)
    if step.action == StepAction.CLOSE and action is not None:
        # Resolving the case is what completes the closing step.
        return ActionsBlock(elements=[action, notes])
    if step.action == StepAction.RECORD_SATISFACTION and action is not None:
        # The resolve form's score completes it (its button opens that form); no bare "Done" without a score.
        waive = [base.button("Waive…", PlaybookAction.WAIVE + step.id, value=value)] if step.required else []
        return ActionsBlock(elements=[action, *waive, notes])
    buttons = [base.button("Done", PlaybookAction.DONE + step.id, value=value, style="primary" if primary else None)]
    if step.required:
        buttons.append(base.button("Waive…", PlaybookAction.WAIVE + step.id, value=value))
    else:
        buttons.append(base.button("Skip…", PlaybookAction.SKIP + step.id, value=value))
    buttons.append(notes)
    if action is not None:
        buttons.append(action)
    return ActionsBlock(elements=buttons)


# ---------------------------------------------------------------------- modals


def reason_modal(kind: PlaybookCallback, step: StepView, ref: StepRef) -> dict[str, Any]:
    skip = kind == PlaybookCallback.SKIP
    label = "Why skip it?" if skip else "Why can it be waived?"
    blocks = [
        base.section(f"*{step.number}. {escape_mrkdwn(step.title)}*\n_{escape_mrkdwn(step.why)}_"),
        InputBlock(block_id=PlaybookField.REASON, label=base.plain(label),
                   element=PlainTextInputElement(action_id=PlaybookField.REASON, multiline=True,
                                                 max_length=REASON_LIMIT),
                   hint=base.plain("Shown on the checklist and kept in the case history.")),
    ]
    return base.modal(title="Skip a step" if skip else "Waive a step", blocks=blocks, callback_id=kind,
                      submit="Skip step" if skip else "Waive step", private_metadata=ref.encode())


def note_modal(step: StepView, ref: StepRef, zone: ZoneInfo) -> dict[str, Any]:
    """A step's details, which the checklist keeps to one line unless it is the current step, its notes,
    and a note to add."""
    about = [f"*{step.number}. {escape_mrkdwn(step.title)}*", f"_{escape_mrkdwn(step.why)}_"]
    about += [f"• {escape_mrkdwn(item)}" for item in step.items]
    blocks: list[Block] = [base.section("\n".join(about))]
    if not step.is_open:
        why = f" because: {base.person_text(step.reason, 2000)}" if step.reason else "."
        blocks.append(base.context(f"{STATUS_EMOJI[step.status]} {STATUS_WORDS[step.status].capitalize()} "
                                   f"{_who_when(step, zone).split(' ', 1)[1]}{why}"))
    for note in step.notes[-20:]:
        blocks.append(base.context(f"{base.user_mention(note.author_id)} · {base.slack_date(note.at, zone)}\n"
                                   f"{base.person_text(note.text, 2900)}"))
    blocks.append(InputBlock(block_id=PlaybookField.NOTE, label=base.plain("Add a note"),
                             element=PlainTextInputElement(action_id=PlaybookField.NOTE, multiline=True,
                                                           max_length=NOTE_LIMIT,
                                                           placeholder=base.plain("What you did, found or agreed"))))
    return base.modal(title="Step notes", blocks=blocks, callback_id=PlaybookCallback.NOTE, submit="Add note",
                      private_metadata=ref.encode())


# ---------------------------------------------------------------------- notices and the escalation


def unchanged_notice(unchanged: Unchanged, case_ref: str, zone: ZoneInfo) -> str:
    subject = f"“{escape_mrkdwn(unchanged.subject)}”"
    state = _state_words(unchanged.state)
    who = _by_when(unchanged, zone)
    if unchanged.kind == UnchangedKind.ALREADY:
        return f":information_source: {subject} is already {state}{who}. Nothing changed."
    if unchanged.kind == UnchangedKind.CHANGED_MEANWHILE:
        return (f":information_source: {subject} changed after the copy of the checklist you clicked on: it is "
                f"now {state}{who}. Nothing changed; the checklist is up to date now, so look again and try once "
                "more if you still want to.")
    if unchanged.kind == UnchangedKind.NOT_NEEDED:
        return (f":information_source: {subject} isn't needed any more: a check worked, so {case_ref} follows "
                "the promise-kept steps now. Nothing changed.")
    return f":information_source: {case_ref} is resolved, so its checklist is closed. Nothing changed."


def _state_words(state: str | None) -> str:
    if state is None:
        return "not checked yet"
    if state in {o.value for o in CheckOutcome}:
        return f"“{CheckOutcome(state).label}”"
    return STATUS_WORDS.get(StepStatus(state), state)


def _by_when(unchanged: Unchanged, zone: ZoneInfo) -> str:
    if unchanged.by is None or unchanged.at is None:
        return ""
    return f" (by {base.user_mention(unchanged.by)}, {base.slack_date(unchanged.at, zone)})"


def escalation(case: Case, checklist: Checklist | None, *, actor_id: str, mentions: Sequence[str],
               zone: ZoneInfo) -> tuple[str, list[dict[str, Any]]]:
    """The managers' alert in the case thread, with the ways to keep the promise tried so far."""
    severity = Severity(case.severity)
    due = base.slack_date(case.promised_at, zone)
    text = (f":rotating_light: {' '.join(mentions)} {base.user_mention(actor_id)} is escalating *{case.ref}* for "
            f"{base.person_text(one_line(case.customer_name, 100), 300)}: due {due}, {severity.emoji} {severity}.")
    blocks: list[Block] = [base.section(text)]
    step = checklist.checks_step if checklist else None
    if step is not None:
        lines = [check_line(c) for c in step.checks]
        blocks.append(base.section("*Ways to keep the promise, so far*\n" + "\n".join(lines)))
        notes = _notes(step.notes, DETAIL_LEVELS[0])
        if notes:
            blocks.append(base.section("*Notes*\n" + "\n".join(notes)))
    if checklist and checklist.path == CasePath.PROMISE_KEPT:
        blocks.append(base.context(":tada: One of them worked; the promise can still be kept."))
    else:
        blocks.append(base.context("Reply in this thread with anything that could help: stock, budget, contacts."))
    return text, base.message(blocks)


def escalated_notice(case_ref: str) -> str:
    return f":white_check_mark: Your managers have been alerted in the {case_ref} thread, with the options so far."


def recently_escalated(case_ref: str, actor_id: str | None, at: datetime, zone: ZoneInfo) -> str:
    who = base.user_mention(actor_id) if actor_id else "Someone"
    return (f":information_source: {who} alerted the managers about {case_ref} {base.slack_date(at, zone)}; "
            "I didn't alert them twice. Add what's new in the case thread.")


def refusal_modal(reason: str) -> dict[str, Any]:
    """Why a step can't be ticked yet, shown over the checklist where the person clicked."""
    return base.modal(title="Not just yet", blocks=[base.section(f":hand: {reason}")], close="OK")


def notice_modal(notice: str) -> dict[str, Any]:
    """What a modal turns into when its change was not applied (see unchanged_notice)."""
    return base.modal(title="Nothing changed", blocks=[base.section(notice)], close="OK")
