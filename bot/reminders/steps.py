"""Reminders for playbook steps that fall due while still open.

A step's due time is fixed on its row when the case opens (bot.playbooks), and a step can be ticked,
skipped, waived or moved off the case's path at any moment; so instead of scheduling a reminder per step
up front and chasing every change, a periodic scan turns each open step that has fallen due into one
`step_due` reminder, keyed by case and step. A key that exists in any state (pending, sent, cancelled)
means the step was already handled, so each step is reminded at most once, by whichever replica's scan
gets there first (the partial unique index settles a race between two scans). The sweep re-checks right
before posting that the step is still open.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, String, cast, exists, literal, select
from sqlalchemy.orm import Session

from bot.cases.models import Case
from bot.playbooks import service as playbooks
from bot.playbooks.models import StepProgress
from bot.reminders import service
from bot.reminders.models import Reminder

KIND = "step_due"
PREFIX = f"{KIND}:"


def key(case_id: int, step_id: str) -> str:
    return f"{PREFIX}{case_id}:{step_id}"


def _already_reminded(step: type[StepProgress]) -> ColumnElement[bool]:
    step_key = literal(PREFIX) + cast(step.case_id, String) + literal(":") + step.step_id
    return exists(select(Reminder.id).where(Reminder.dedupe_key == step_key))


def schedule_due_steps(session: Session, now: datetime, *, send_at: datetime, limit: int = 500) -> int:
    """Turn open steps that have fallen due into reminders for their case owners, to go out at `send_at`
    (the next working time). Returns how many."""
    created = 0
    for due in playbooks.open_steps_due_before(session, now, limit=limit, unless=_already_reminded):
        service.schedule(session, kind=KIND, case_id=due.case_id, now=now, due_at=send_at,
                         key=key(due.case_id, due.step_id),
                         payload={"step_id": due.step_id, "title": due.title, "action": due.action,
                                  "required": due.required, "step_due_at": due.due_at.isoformat()})
        created += 1
    return created


def why_not_send(session: Session, reminder: Reminder, case: Case | None, now: datetime) -> str | None:
    if case is None:
        return "case removed"
    if not playbooks.step_is_open(session, case.id, str(reminder.payload.get("step_id"))):
        return "step no longer open"
    return None
