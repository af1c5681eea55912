"""The playbook engine: the rules of a checklist, as pure functions over a case's progress rows.

* The **path**: a case follows the recovery steps until one of the keep-the-promise checks worked; then
  it follows the playbook's promise-kept steps instead (the steps before, and the checks step itself,
  are on both paths).
* The **current step** is the first open step on the path; a step is **overdue** when it is open, on
  the path and its due time has passed.
* A case **can't be resolved** while a required step on its path is open, unless a manager waived it.
  Steps whose action is `close` don't count: resolving the case is what completes them. A step whose
  action is `record_satisfaction` is settled by the resolve form's satisfaction score: it doesn't stop the
  form opening, and resolving with a score completes it (bot/playbooks/service.py tick_satisfaction_step).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.cases.lifecycle import Blocker, ResolveAnswer
from bot.cases.models import Case
from bot.playbooks.models import (
    CasePath,
    CasePlaybook,
    CheckOutcome,
    CheckProgress,
    StepNote,
    StepProgress,
    StepStatus,
    Track,
)
from bot.playbooks.schema import Playbook, Step, StepAction


@dataclass(frozen=True)
class NoteView:
    author_id: str
    at: datetime
    text: str


@dataclass(frozen=True)
class CheckView:
    id: str
    title: str
    outcome: CheckOutcome | None
    by: str | None
    at: datetime | None
    changed_rev: int
    note: str | None = None  # what was done, briefly (which store, which engineer)


@dataclass(frozen=True)
class StepView:
    id: str
    number: int  # 1-based position on the case's path
    title: str
    why: str
    items: tuple[str, ...]
    action: StepAction | None
    required: bool
    track: Track
    status: StepStatus
    due_at: datetime | None
    status_at: datetime | None
    status_by: str | None
    reason: str | None
    changed_rev: int
    checks: tuple[CheckView, ...]
    notes: tuple[NoteView, ...]
    overdue: bool

    @property
    def is_open(self) -> bool:
        return self.status == StepStatus.OPEN


@dataclass(frozen=True)
class Checklist:
    """What a case's checklist shows at one moment (`now`)."""

    case_id: int
    case_ref: str
    case_open: bool
    case_outcome: str | None
    owner_id: str
    playbook_id: str
    title: str
    summary: str | None
    path: CasePath
    revision: int
    channel_id: str | None
    message_ts: str | None
    steps: tuple[StepView, ...]       # the steps on the case's path, in order
    earlier: tuple[StepView, ...]     # steps dealt with on the other path before the case changed paths
    not_needed: tuple[StepView, ...]  # open recovery steps passed over because the promise is being kept
    kept_titles: tuple[str, ...]      # the promise-kept steps, while the case is still on the recovery path
    now: datetime

    @property
    def current(self) -> StepView | None:
        return next((s for s in self.steps if s.is_open), None) if self.case_open else None

    @property
    def overdue(self) -> tuple[StepView, ...]:
        return tuple(s for s in self.steps if s.overdue) if self.case_open else ()

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.steps if not s.is_open)

    @property
    def checks_step(self) -> StepView | None:
        return next((s for s in self.steps if s.checks), None)

    def step(self, step_id: str) -> StepView | None:
        return next((s for s in self.steps + self.earlier + self.not_needed if s.id == step_id), None)


def path_of(outcomes: Iterable[str | None]) -> CasePath:
    return CasePath.PROMISE_KEPT if CheckOutcome.WORKED in set(outcomes) else CasePath.RECOVERY


def on_path(track: str, path: str) -> bool:
    return track == Track.COMMON or track == path


def blocks_resolution(step: StepProgress | StepView, path: str) -> bool:
    return (step.required and step.status == StepStatus.OPEN and on_path(step.track, path)
            and step.action != StepAction.CLOSE)


def new_progress(playbook: Playbook, case: Case) -> tuple[list[StepProgress], list[CheckProgress]]:
    """The rows a case starts with: every step open, every check unchecked, due times fixed now."""
    tracked = [(s, Track.COMMON) for s in playbook.common_steps()]
    tracked += [(s, Track.RECOVERY) for s in playbook.recovery_steps()]
    tracked += [(s, Track.PROMISE_KEPT) for s in playbook.promise_kept]
    steps = []
    for position, (step, track) in enumerate(tracked):
        offset = step.due_offset
        due_at = offset.due_at(opened_at=case.created_at, promised_at=case.promised_at) if offset else None
        steps.append(StepProgress(step_id=step.id, position=position, track=track, title=step.title,
                                  action=step.action, required=step.required, status=StepStatus.OPEN,
                                  due_at=due_at, changed_rev=0))
    checks_step = playbook.checks_step
    checks = [CheckProgress(check_id=check.id, position=position, changed_rev=0)
              for position, check in enumerate(checks_step.checks if checks_step else ())]
    return steps, checks


def build(cp: CasePlaybook, case: Case, now: datetime) -> Checklist:
    playbook = Playbook.model_validate(cp.definition)
    path = CasePath(cp.path)
    checks = _check_views(playbook, cp.checks)
    notes = _notes_by_step(cp.notes)
    on, off = [], []
    for row in cp.steps:
        definition = playbook.step(row.step_id)
        if definition is None:  # a row the definition no longer knows; keep it visible, never crash
            definition = Step(id=row.step_id, title=row.title, why="(no longer in the playbook)")
        target = on if on_path(row.track, path) else off
        target.append(_step_view(row, definition, len(target) + 1, checks if definition.checks else (),
                                 notes.get(row.step_id, ()), now, case.is_open))
    earlier = tuple(s for s in off if not s.is_open)
    not_needed = tuple(s for s in off if s.is_open and s.track == Track.RECOVERY)
    kept_titles = tuple(s.title for s in off if s.track == Track.PROMISE_KEPT)
    return Checklist(
        case_id=case.id, case_ref=case.ref or f"#{case.id}", case_open=case.is_open, case_outcome=case.outcome,
        owner_id=case.owner_id, playbook_id=cp.playbook_id, title=cp.title, summary=playbook.summary, path=path,
        revision=cp.revision, channel_id=cp.channel_id, message_ts=cp.message_ts, steps=tuple(on),
        earlier=earlier, not_needed=not_needed, kept_titles=kept_titles, now=now,
    )


def blockers(steps: Sequence[StepProgress], path: str) -> list[Blocker]:
    """Why the case can't be resolved yet, one reason a step, written for the person resolving it."""
    return [_blocker(s) for s in steps if blocks_resolution(s, path)]


def _blocker(step: StepProgress) -> Blocker:
    if step.action == StepAction.RECORD_SATISFACTION:
        # Also the resolve form's error under the score when it is missing.
        return Blocker(f"Pick how satisfied the customer is: it completes the required step “{step.title}” (or ask "
                       "a manager to waive it).", ResolveAnswer.SATISFACTION)
    return Blocker(f"“{step.title}” is required and still open: finish it in the checklist, or ask a manager to "
                   "waive it.")


def _step_view(row: StepProgress, definition: Step, number: int, checks: tuple[CheckView, ...],
               notes: tuple[NoteView, ...], now: datetime, case_open: bool) -> StepView:
    status = StepStatus(row.status)
    return StepView(
        id=row.step_id, number=number, title=definition.title, why=definition.why, items=definition.items,
        action=StepAction(row.action) if row.action else None, required=row.required, track=Track(row.track),
        status=status, due_at=row.due_at, status_at=row.status_at, status_by=row.status_by, reason=row.reason,
        changed_rev=row.changed_rev, checks=checks, notes=notes,
        overdue=case_open and status == StepStatus.OPEN and row.due_at is not None and row.due_at <= now,
    )


def _check_views(playbook: Playbook, rows: Sequence[CheckProgress]) -> tuple[CheckView, ...]:
    checks_step = playbook.checks_step
    titles = {c.id: c.title for c in checks_step.checks} if checks_step else {}
    return tuple(CheckView(id=r.check_id, title=titles.get(r.check_id, r.check_id),
                           outcome=CheckOutcome(r.outcome) if r.outcome else None, by=r.recorded_by,
                           at=r.recorded_at, changed_rev=r.changed_rev, note=r.note) for r in rows)


def _notes_by_step(rows: Sequence[StepNote]) -> dict[str, tuple[NoteView, ...]]:
    notes: dict[str, list[NoteView]] = {}
    for row in rows:
        notes.setdefault(row.step_id, []).append(NoteView(row.author_id, row.at, row.text))
    return {step_id: tuple(views) for step_id, views in notes.items()}
