"""Playbook use cases: attach a playbook to a case, record progress, answer what is open or due.

Plain values in, plain values out; the caller owns the transaction. Every change is written to the case
event log in the same transaction.

Concurrency. Progress changes lock the case row, then the checklist row (always in that order, like
resolving a case does, so two transactions never wait on each other in a circle), and bump the
checklist's revision; on SQLite, where FOR UPDATE does nothing, the revision check makes a lost update
fail with StaleDataError instead, and the Slack layer runs the interaction again. A change names the
revision of the checklist the person was looking at (`seen_revision`):

* the step or check is already as they want it (a double click, two people ticking the same step):
  nothing changes, and `Change.unchanged` says who did it and when;
* it was changed by someone else after the copy they clicked on (a stale message): nothing changes,
  and `Change.unchanged` says what it is now, so the person can look again rather than overwrite a
  decision they never saw;
* otherwise the change is applied, even if *other* parts of the checklist changed meanwhile.

For other areas:

* the App Home: `progress_of(session, case_ids, now=...)` gives each case's current step and how many
  of its steps are late, for a page of cases in one query.
* reminders: each step's due time is on its row (`StepProgress.due_at`, fixed when the case opens);
  `open_steps_due_before(session, before)` lists the open steps of open cases, on each case's path.
* an area whose action a step names (offer_alternatives, draft_message, record_choice,
  schedule_updates) calls `action_performed(session, case_id, StepAction.X, ...)` once the work is really
  done (an offer accepted, a message sent), in its own transaction, then
  `bot.slack.playbooks.publish_checklist(client, wiring, case_id)` to show it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.cases import service as cases
from bot.cases.lifecycle import (
    Blocker,
    CaseOpened,
    CaseReopened,
    CaseResolved,
    CustomerContacted,
    SatisfactionRecorded,
)
from bot.cases.models import Case, CaseEvent, CaseStatus
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.playbooks import engine
from bot.playbooks.engine import Checklist
from bot.playbooks.loader import Library
from bot.playbooks.models import (
    CasePath,
    CasePlaybook,
    CheckOutcome,
    PlaybookEvent,
    StepNote,
    StepProgress,
    StepStatus,
    Track,
)
from bot.playbooks.schema import StepAction

REASON_LIMIT = 1000
NOTE_LIMIT = 2000
CHECK_NOTE_LIMIT = 150  # a line on the checklist: which store was called, which engineer
# A step_done event's `via` when the resolve form's satisfaction score completed the step.
VIA_RESOLUTION = "resolution"
# A second escalation this soon is a double click (or two people at once), not news for the managers.
ESCALATION_REPEAT_AFTER = timedelta(minutes=2)


class UnchangedKind(StrEnum):
    ALREADY = "already"                    # it already was as asked (double click, two people)
    CHANGED_MEANWHILE = "changed"          # someone changed it after the copy the person clicked on
    NOT_NEEDED = "not_needed"              # the step is not on the case's path any more
    CASE_CLOSED = "case_closed"            # the case is resolved


@dataclass(frozen=True)
class Unchanged:
    """Why a change was not applied, and the state the person should know about instead."""

    kind: UnchangedKind
    subject: str         # the step's or check's title
    state: str | None    # its status or outcome now
    by: str | None       # who set it (None: Amends, or nobody yet)
    at: datetime | None


@dataclass(frozen=True)
class Change:
    checklist: Checklist
    unchanged: Unchanged | None = None

    @property
    def applied(self) -> bool:
        return self.unchanged is None


@dataclass(frozen=True)
class DueStep:
    """An open step that falls due, for reminders."""

    case_id: int
    case_ref: str | None
    owner_id: str
    step_id: str
    title: str
    required: bool
    action: str | None
    due_at: datetime


@dataclass(frozen=True)
class Progress:
    """Where a case stands in its checklist, in brief (App Home): its current step and how many are late."""

    case_id: int
    step_id: str
    title: str
    action: str | None
    due_at: datetime | None
    overdue_steps: int

    def overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at <= now


# ---------------------------------------------------------------------- attaching and reading


def attach(session: Session, event: CaseOpened, *, library: Library) -> CasePlaybook:
    """Give a new case the playbook its promise kind or cause selects, with every step's due time fixed now."""
    case, now = event.case, event.now
    playbook_id, playbook = library.for_cause(case.cause, case.promise_kind)
    steps, checks = engine.new_progress(playbook, case)
    checklist = CasePlaybook(case_id=case.id, playbook_id=playbook_id, title=playbook.title,
                             definition=playbook.model_dump(mode="json", exclude_none=True),
                             path=CasePath.RECOVERY, attached_at=now, updated_at=now, revision=1,
                             steps=steps, checks=checks)
    session.add(checklist)
    cases.record_event(session, case, PlaybookEvent.ATTACHED, None, now, playbook=playbook_id,
                       title=playbook.title, steps=len(steps))
    return checklist


def checklist(session: Session, case_id: int, *, now: datetime) -> Checklist | None:
    """The case's checklist as of `now`, or None when the case has no playbook."""
    row = session.get(CasePlaybook, case_id)
    if row is None:
        return None
    return engine.build(row, cases.get_case(session, case_id), now)


def ruled_out_checks(session: Session, case_id: int) -> dict[str, str]:
    """The case's keep-the-promise checks recorded as tried with no luck or not possible, by check id, with
    what was recorded ("Stock at another location: tried, no luck")."""
    row = session.get(CasePlaybook, case_id)
    if row is None:
        return {}
    return {c.check_id: f"{_check_title(row, c.check_id)}: {CheckOutcome(c.outcome).label.lower()}"
            for c in row.checks if c.outcome in (CheckOutcome.TRIED, CheckOutcome.NOT_POSSIBLE)}


def record_posted(session: Session, case_id: int, *, channel_id: str, message_ts: str, now: datetime) -> None:
    case, row = _lock(session, case_id)
    row.channel_id, row.message_ts = channel_id, message_ts  # not a change to the checklist: no new revision
    cases.record_event(session, case, PlaybookEvent.CHECKLIST_POSTED, None, now, channel_id=channel_id,
                       message_ts=message_ts)


# ---------------------------------------------------------------------- progress


def complete_step(session: Session, case_id: int, step_id: str, *, actor_id: str, now: datetime,
                  seen_revision: int | None = None) -> Change:
    """Mark a step done. The keep-the-promise step needs the checks that mattered recorded (at least one);
    the ones left unrecorded then read "Not tried", in the log too."""
    def allowed(row: CasePlaybook, step: StepProgress) -> None:
        if step.action == StepAction.RECORD_SATISFACTION:  # one way: the score in the resolve form
            raise NotAllowed(f"“{step.title}” is done by recording how satisfied the customer is: press *Record "
                             "satisfaction* (it opens the resolve form, which asks for it), or ask a manager to "
                             "waive it.")
        if _is_checks_step(row, step):
            _settle_checks(session, row, actor_id=actor_id, now=now)
    return _move(session, case_id, step_id, StepStatus.DONE, actor_id=actor_id, now=now,
                 seen_revision=seen_revision, allowed=allowed)


def skip_step(session: Session, case_id: int, step_id: str, *, reason: str, actor_id: str, now: datetime,
              seen_revision: int | None = None) -> Change:
    reason = _text(reason, REASON_LIMIT, field="reason", what="why you are skipping it")

    def allowed(_row: CasePlaybook, step: StepProgress) -> None:
        if step.required:
            raise NotAllowed(f"“{step.title}” is required, so it can't be skipped. If it really doesn't apply "
                             "to this case, a manager can waive it.")
    return _move(session, case_id, step_id, StepStatus.SKIPPED, actor_id=actor_id, now=now,
                 seen_revision=seen_revision, reason=reason, allowed=allowed)


def waive_step(session: Session, case_id: int, step_id: str, *, reason: str, actor_id: str, by_manager: bool,
               now: datetime, seen_revision: int | None = None) -> Change:
    """A manager decides a step doesn't apply; a waived required step no longer blocks resolution."""
    if not by_manager:
        raise NotAllowed("Only a manager can waive a step. Ask your manager to press *Waive* on it.")
    reason = _text(reason, REASON_LIMIT, field="reason", what="why it can be waived")
    return _move(session, case_id, step_id, StepStatus.WAIVED, actor_id=actor_id, now=now,
                 seen_revision=seen_revision, reason=reason)


def waive_required_steps(session: Session, case_id: int, *, reason: str, actor_id: str, by_manager: bool,
                         now: datetime) -> list[str]:
    """A manager decides none of the required steps still open applies (e.g. the order was cancelled), so
    the case can be resolved: each is waived as from the checklist. Returns their titles."""
    row = session.get(CasePlaybook, case_id)
    blocking = [s for s in row.steps if engine.blocks_resolution(s, row.path)] if row is not None else []
    for step in blocking:
        waive_step(session, case_id, step.step_id, reason=reason, actor_id=actor_id, by_manager=by_manager, now=now)
    return [step.title for step in blocking]


def reopen_step(session: Session, case_id: int, step_id: str, *, actor_id: str, now: datetime,
                seen_revision: int | None = None) -> Change:
    """Open a step again; the keep-the-promise step's checks that were "Not tried" are open to record again."""
    def allowed(row: CasePlaybook, step: StepProgress) -> None:
        if _is_checks_step(row, step):
            for check in row.checks:
                if check.outcome == CheckOutcome.NOT_TRIED:
                    check.outcome, check.recorded_by, check.recorded_at = None, None, None
                    check.changed_rev = row.revision + 1  # the revision the reopening makes
    return _move(session, case_id, step_id, StepStatus.OPEN, actor_id=actor_id, now=now,
                 seen_revision=seen_revision, allowed=allowed)


def _move(session: Session, case_id: int, step_id: str, wanted: StepStatus, *, actor_id: str, now: datetime,
          seen_revision: int | None, reason: str | None = None,
          allowed: Callable[[CasePlaybook, StepProgress], None] | None = None) -> Change:
    """Move one step to `wanted`, unless it is already there or someone else moved it meanwhile."""
    case, row = _lock(session, case_id)
    step = _step(row, step_id)
    unchanged = _unchanged(case, row, step, wanted, seen_revision)
    if unchanged:
        return _result(row, case, now, unchanged)
    if allowed is not None:
        allowed(row, step)
    _set_status(session, case, row, step, wanted, actor_id=actor_id, now=now, reason=reason)
    return _result(row, case, now)


def record_check(session: Session, case_id: int, check_id: str, outcome: CheckOutcome, *, actor_id: str,
                 now: datetime, seen_revision: int | None = None) -> Change:
    """Record how one way of keeping the promise turned out. One that worked puts the case on the
    promise-kept path (and completes the keep-the-promise step); if none works any more, it goes back."""
    case, row = _lock(session, case_id)
    check = next((c for c in row.checks if c.check_id == check_id), None)
    if check is None:
        raise NotFound("That check is not part of this case's playbook any more.")
    title = _check_title(row, check_id)
    unchanged = None
    if not case.is_open:
        unchanged = Unchanged(UnchangedKind.CASE_CLOSED, title, check.outcome, check.recorded_by, check.recorded_at)
    elif check.outcome == outcome:
        unchanged = Unchanged(UnchangedKind.ALREADY, title, check.outcome, check.recorded_by, check.recorded_at)
    elif seen_revision is not None and check.changed_rev > seen_revision:
        unchanged = Unchanged(UnchangedKind.CHANGED_MEANWHILE, title, check.outcome, check.recorded_by,
                              check.recorded_at)
    if unchanged:
        return _result(row, case, now, unchanged)
    revision = _bump(row, now)
    previous = check.outcome
    check.outcome, check.recorded_by, check.recorded_at, check.changed_rev = outcome, actor_id, now, revision
    cases.record_event(session, case, PlaybookEvent.CHECK_RECORDED, actor_id, now, check=check_id, title=title,
                       outcome=outcome, previous=previous)
    path = engine.path_of(c.outcome for c in row.checks)
    if path != row.path:
        row.path = path
        cases.record_event(session, case, PlaybookEvent.PATH_CHANGED, actor_id, now, path=path, check=check_id)
    checks_step = next((s for s in row.steps if _is_checks_step(row, s)), None)
    if outcome == CheckOutcome.WORKED and checks_step is not None and checks_step.status == StepStatus.OPEN:
        _set_status(session, case, row, checks_step, StepStatus.DONE, actor_id=actor_id, now=now,
                    reason=f"{title}: worked")
    return _result(row, case, now)


def note_check(session: Session, case_id: int, check_id: str, *, text: str | None, actor_id: str,
               now: datetime) -> Change:
    """Say briefly what was done for one check (which store was called, which engineer); empty clears it.
    The note shows on the checklist and in the escalation, and goes to the case's event log."""
    text = (text or "").replace("\x00", "").strip() or None
    if text and len(text) > CHECK_NOTE_LIMIT:
        message = f"Please keep it under {CHECK_NOTE_LIMIT} characters."
        raise InvalidInput(message, fields={"check_note": message})
    case, row = _lock(session, case_id)
    check = next((c for c in row.checks if c.check_id == check_id), None)
    if check is None:
        raise NotFound("That check is not part of this case's playbook any more.")
    title = _check_title(row, check_id)
    if check.note == text:
        return _result(row, case, now)
    check.note, check.changed_rev = text, _bump(row, now)
    cases.record_event(session, case, PlaybookEvent.CHECK_NOTED, actor_id, now, check=check_id, title=title,
                       note=text)
    return _result(row, case, now)


def add_note(session: Session, case_id: int, step_id: str, *, text: str, actor_id: str, now: datetime) -> Change:
    """Notes only ever add, so they never conflict."""
    text = _text(text, NOTE_LIMIT, field="note", what="the note")
    case, row = _lock(session, case_id)
    step = _step(row, step_id)
    _bump(row, now)
    row.notes.append(StepNote(step_id=step.step_id, author_id=actor_id, at=now, text=text))
    cases.record_event(session, case, PlaybookEvent.NOTE_ADDED, actor_id, now, step=step.step_id, title=step.title,
                       text=text)
    return _result(row, case, now)


def action_performed(session: Session, case_id: int, action: StepAction, *, actor_id: str | None,
                     now: datetime, via: str | None = None) -> list[str]:
    """Something a step asks for was done (e.g. the managers were alerted): complete the open steps on the
    case's path that name `action`. Returns their titles; a case without a playbook has none."""
    if session.get(CasePlaybook, case_id) is None:
        return []
    case, row = _lock(session, case_id)
    if not case.is_open:
        return []
    done = []
    for step in row.steps:
        if step.action == action and step.status == StepStatus.OPEN and engine.on_path(step.track, row.path):
            _set_status(session, case, row, step, StepStatus.DONE, actor_id=actor_id, now=now, via=via)
            done.append(step.title)
    return done


def claim_escalation(session: Session, case_id: int, *, actor_id: str, now: datetime) -> CaseEvent | None:
    """Record that the managers are being alerted, unless they just were: then return that escalation
    (a double click, or two people at once) and record nothing. The caller posts the alert after this
    commits, and calls `escalation_failed` if it couldn't."""
    case = cases.get_case(session, case_id, for_update=True)
    if not case.is_open:
        raise Conflict(f"{case.ref} is resolved; there is nothing to escalate.")
    last = session.scalar(select(CaseEvent).where(
        CaseEvent.case_id == case_id,
        CaseEvent.kind.in_([PlaybookEvent.ESCALATED, PlaybookEvent.ESCALATION_FAILED]),
    ).order_by(CaseEvent.id.desc()).limit(1))
    if last is not None and last.kind == PlaybookEvent.ESCALATED and now - last.at < ESCALATION_REPEAT_AFTER:
        return last
    row = session.get(CasePlaybook, case_id)
    checks = {c.check_id: c.outcome for c in row.checks} if row else {}
    cases.record_event(session, case, PlaybookEvent.ESCALATED, actor_id, now, checks=checks)
    return None


def escalation_failed(session: Session, case_id: int, *, actor_id: str, now: datetime, error: str) -> None:
    cases.record_event(session, cases.get_case(session, case_id), PlaybookEvent.ESCALATION_FAILED, actor_id, now,
                       error=error)


# ---------------------------------------------------------------------- lifecycle reactions (bot/bootstrap.py)


def resolve_blockers(session: Session, case: Case) -> list[Blocker]:
    row = session.get(CasePlaybook, case.id)
    return engine.blockers(row.steps, row.path) if row else []


def close_with_case(session: Session, event: CaseResolved) -> None:
    """The case was resolved: its closing step is done (by Amends, so reopening the case reopens it)."""
    case, now = event.case, event.now
    row = _lock_checklist(session, case.id)
    if row is None:
        return
    for step in row.steps:
        if step.action == StepAction.CLOSE and step.status == StepStatus.OPEN and engine.on_path(step.track, row.path):
            _set_status(session, case, row, step, StepStatus.DONE, actor_id=None, now=now)


def reopen_with_case(session: Session, event: CaseReopened) -> None:
    """The case is open again: so is its closing step, unless a person had closed it, and the satisfaction
    step its resolution answered (that resolution is history now; the next one asks again)."""
    case, now = event.case, event.now
    row = _lock_checklist(session, case.id)
    if row is None:
        return
    answered = _answered_by_resolution(session, case.id)
    for step in row.steps:
        if step.status != StepStatus.DONE:
            continue
        if (step.action == StepAction.CLOSE and step.status_by is None) or step.step_id in answered:
            _set_status(session, case, row, step, StepStatus.OPEN, actor_id=None, now=now)


def tick_satisfaction_step(session: Session, event: SatisfactionRecorded) -> None:
    """The resolve form recorded the customer's satisfaction: the step asking for it is done, by the person
    resolving, marked in the event log as answered by the resolution (so reopening the case opens it again)."""
    action_performed(session, event.case.id, StepAction.RECORD_SATISFACTION, actor_id=event.actor_id,
                     now=event.now, via=VIA_RESOLUTION)


def _answered_by_resolution(session: Session, case_id: int) -> set[str]:
    """Steps whose latest completion came from a resolution's satisfaction score (the event log says)."""
    latest: dict[str, dict[str, object]] = {}
    for data in session.scalars(select(CaseEvent.data).where(
            CaseEvent.case_id == case_id, CaseEvent.kind == PlaybookEvent.STEP_DONE).order_by(CaseEvent.id)):
        latest[str(data.get("step"))] = data
    return {step for step, data in latest.items() if data.get("via") == VIA_RESOLUTION}


def tick_contact_step(session: Session, event: CustomerContacted) -> None:
    """The customer was told (a draft marked as sent, "Customer told"): the step that asks for it is done,
    by whoever told them (the event log has who)."""
    told = session.scalar(select(CaseEvent).where(CaseEvent.case_id == event.case.id,
                                                  CaseEvent.kind == "customer_contacted")
                          .order_by(CaseEvent.id.desc()).limit(1))
    action_performed(session, event.case.id, StepAction.DRAFT_MESSAGE, actor_id=told.actor_id if told else None,
                     now=event.now)


# ---------------------------------------------------------------------- for other areas


def open_steps_due_before(session: Session, before: datetime, *, limit: int = 500,
                          unless: Callable[[type[StepProgress]], ColumnElement[bool]] | None = None) -> list[DueStep]:
    """Open steps of open cases, on each case's path, due before `before`: soonest first (for reminders).

    `unless(StepProgress)` is an extra SQL condition excluding steps the caller has already dealt with,
    so that handled steps never crowd newer ones out of the `limit`."""
    query = (
        select(StepProgress, Case.ref, Case.owner_id)
        .join(CasePlaybook, CasePlaybook.case_id == StepProgress.case_id)
        .join(Case, Case.id == StepProgress.case_id)
        .where(StepProgress.status == StepStatus.OPEN, StepProgress.due_at < before,
               Case.status == CaseStatus.OPEN,
               StepProgress.track.in_([Track.COMMON.value, CasePlaybook.path]))
    )
    if unless is not None:
        query = query.where(~unless(StepProgress))
    rows = session.execute(
        query.order_by(StepProgress.due_at, StepProgress.case_id, StepProgress.position).limit(limit)
    ).all()
    return [DueStep(case_id=step.case_id, case_ref=ref, owner_id=owner, step_id=step.step_id, title=step.title,
                    required=step.required, action=step.action, due_at=step.due_at)
            for step, ref, owner in rows]


def step_is_open(session: Session, case_id: int, step_id: str) -> bool:
    """Whether the step still waits for someone: open, and on the case's current path."""
    row = session.get(CasePlaybook, case_id)
    if row is None:
        return False
    step = next((s for s in row.steps if s.step_id == step_id), None)
    return step is not None and step.status == StepStatus.OPEN and engine.on_path(step.track, row.path)


def progress_of(session: Session, case_ids: Sequence[int], *, now: datetime) -> dict[int, Progress]:
    """The current step (the first open one on the path, as the engine says) and the number of overdue steps
    of each open case in `case_ids`, in one query; cases without a playbook, or with nothing open, are absent."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(StepProgress.case_id, StepProgress.step_id, StepProgress.title, StepProgress.action,
               StepProgress.due_at)
        .join(CasePlaybook, CasePlaybook.case_id == StepProgress.case_id)
        .join(Case, Case.id == StepProgress.case_id)
        .where(StepProgress.case_id.in_(list(case_ids)), StepProgress.status == StepStatus.OPEN,
               Case.status == CaseStatus.OPEN,
               StepProgress.track.in_([Track.COMMON.value, CasePlaybook.path]))
        .order_by(StepProgress.case_id, StepProgress.position)
    ).all()
    found: dict[int, Progress] = {}
    late: dict[int, int] = {}
    for case_id, step_id, title, action, due_at in rows:
        if due_at is not None and due_at <= now:
            late[case_id] = late.get(case_id, 0) + 1
        if case_id not in found:
            found[case_id] = Progress(case_id, step_id, title, action, due_at, 0)
    return {case_id: dataclasses.replace(p, overdue_steps=late.get(case_id, 0)) for case_id, p in found.items()}


@dataclass(frozen=True)
class RecordedCheck:
    """A way of keeping the promise someone recorded an outcome for, as drafting reads it."""

    check_id: str
    title: str
    say: str | dict[str, str] | None  # how a customer message says it was done (by language, or base)
    outcome: CheckOutcome
    recorded_at: datetime


def recorded_checks(session: Session, case_id: int) -> list[RecordedCheck]:
    """The case's checks with an outcome, in the playbook's order (none without a playbook)."""
    row = session.get(CasePlaybook, case_id)
    if row is None:
        return []
    said = {c.get("id"): c for s in row.definition.get("steps", []) for c in s.get("checks", [])}
    return [RecordedCheck(c.check_id, _check_title(row, c.check_id), said.get(c.check_id, {}).get("say"),
                          CheckOutcome(c.outcome), c.recorded_at)
            for c in sorted(row.checks, key=lambda c: c.position) if c.outcome and c.recorded_at]


def escalated_at(session: Session, case_id: int) -> datetime | None:
    """When the managers were first alerted about the case (None: never)."""
    return session.scalar(select(CaseEvent.at).where(CaseEvent.case_id == case_id,
                                                     CaseEvent.kind == PlaybookEvent.ESCALATED)
                          .order_by(CaseEvent.id).limit(1))


# ---------------------------------------------------------------------- internals


def _lock_checklist(session: Session, case_id: int) -> CasePlaybook | None:
    return session.scalar(select(CasePlaybook).where(CasePlaybook.case_id == case_id).with_for_update()
                          .execution_options(populate_existing=True))


def _lock(session: Session, case_id: int) -> tuple[Case, CasePlaybook]:
    case = cases.get_case(session, case_id, for_update=True)  # the case first, as resolve_case does
    row = _lock_checklist(session, case_id)
    if row is None:
        raise NotFound(f"{case.ref} has no checklist.")
    return case, row


def _bump(row: CasePlaybook, now: datetime) -> int:
    row.revision += 1
    row.updated_at = now
    return row.revision


def _step(row: CasePlaybook, step_id: str) -> StepProgress:
    step = next((s for s in row.steps if s.step_id == step_id), None)
    if step is None:
        raise NotFound("That step is not part of this case's playbook any more.")
    return step


def _unchanged(case: Case, row: CasePlaybook, step: StepProgress, wanted: StepStatus,
               seen_revision: int | None) -> Unchanged | None:
    def because(kind: UnchangedKind) -> Unchanged:
        return Unchanged(kind, step.title, step.status, step.status_by, step.status_at)

    if not case.is_open:
        return because(UnchangedKind.CASE_CLOSED)
    if step.status == wanted:
        return because(UnchangedKind.ALREADY)
    if seen_revision is not None and step.changed_rev > seen_revision:
        return because(UnchangedKind.CHANGED_MEANWHILE)
    if not engine.on_path(step.track, row.path):
        return because(UnchangedKind.NOT_NEEDED)
    if wanted != StepStatus.OPEN and step.status != StepStatus.OPEN:
        return because(UnchangedKind.CHANGED_MEANWHILE)  # closed another way (only from an old message)
    return None


def _set_status(session: Session, case: Case, row: CasePlaybook, step: StepProgress, status: StepStatus, *,
                actor_id: str | None, now: datetime, reason: str | None = None, via: str | None = None) -> None:
    previous = step.status
    step.status, step.status_by, step.status_at = status, actor_id, now
    step.reason = reason if status in (StepStatus.SKIPPED, StepStatus.WAIVED) else None
    step.changed_rev = _bump(row, now)
    kind = {StepStatus.DONE: PlaybookEvent.STEP_DONE, StepStatus.SKIPPED: PlaybookEvent.STEP_SKIPPED,
            StepStatus.WAIVED: PlaybookEvent.STEP_WAIVED, StepStatus.OPEN: PlaybookEvent.STEP_REOPENED}[status]
    data = {"step": step.step_id, "title": step.title, "previous": previous}
    if reason:
        data["reason"] = reason
    if via:
        data["via"] = via
    cases.record_event(session, case, kind, actor_id, now, **data)


def _is_checks_step(row: CasePlaybook, step: StepProgress) -> bool:
    definition = next((s for s in row.definition.get("steps", []) if s.get("id") == step.step_id), None)
    return bool(definition and definition.get("checks"))


def _check_title(row: CasePlaybook, check_id: str) -> str:
    for step in row.definition.get("steps", []):
        for check in step.get("checks", []):
            if check.get("id") == check_id:
                return str(check.get("title", check_id))
    return check_id


def _settle_checks(session: Session, row: CasePlaybook, *, actor_id: str, now: datetime) -> None:
    """Before the keep-the-promise step is done: at least one check recorded; the others become "Not tried"."""
    if not any(c.outcome in CheckOutcome.recordable() for c in row.checks):
        raise NotAllowed("Record how at least one way of keeping the promise went first (pick its outcome in "
                         "its menu); the ones you didn't try will then say “Not tried”.")
    case = cases.get_case(session, row.case_id)
    for check in row.checks:
        if check.outcome is None:
            check.outcome, check.recorded_by, check.recorded_at = CheckOutcome.NOT_TRIED, actor_id, now
            check.changed_rev = row.revision + 1  # the revision the step's change makes
            cases.record_event(session, case, PlaybookEvent.CHECK_RECORDED, actor_id, now, check=check.check_id,
                               title=_check_title(row, check.check_id), outcome=CheckOutcome.NOT_TRIED,
                               previous=None)


def _text(value: str | None, limit: int, *, field: str, what: str) -> str:
    value = (value or "").replace("\x00", "").strip()
    if not value:
        raise InvalidInput(f"Please write {what}.", fields={field: f"Please write {what}."})
    if len(value) > limit:
        message = f"Please keep it under {limit} characters."
        raise InvalidInput(message, fields={field: message})
    return value


def _result(row: CasePlaybook, case: Case, now: datetime, unchanged: Unchanged | None = None) -> Change:
    return Change(engine.build(row, case, now), unchanged)
