"""Extension points in a case's life, for the other business areas (domain code, no Slack).

The composition root (bot/app.py) registers each area's functions here. Hooks run inside the same
transaction as the change that triggers them, so a case is never resolved while, say, its reminders
survive it: both happen or neither does.

* `on_opened(session, case, now)` - a case was just saved (e.g. attach a playbook, schedule updates).
* `resolve_guards(session, case) -> [reason, ...]` - why the case can't be resolved yet (e.g. a required
  playbook step is open); any reason blocks resolution.
* `on_resolved(session, case, now)` / `on_reopened(session, case, now)`.
* `on_customer_contacted(session, case, now)` - the customer was told (a draft marked as sent, "Customer
  told" on a reminder): e.g. complete the playbook's contact step, call off the deadline watch.
* `on_resolution_changed(session, case, now)` - a resolved case's record changed afterwards (e.g. the
  customer's satisfaction recorded from the follow-up), so what is derived from it can follow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.cases.models import Case

CaseListener = Callable[[Session, Case, datetime], None]
ResolveGuard = Callable[[Session, Case], list[str]]


@dataclass
class CaseHooks:
    on_opened: list[CaseListener] = field(default_factory=list)
    resolve_guards: list[ResolveGuard] = field(default_factory=list)
    on_resolved: list[CaseListener] = field(default_factory=list)
    on_reopened: list[CaseListener] = field(default_factory=list)
    on_customer_contacted: list[CaseListener] = field(default_factory=list)
    on_resolution_changed: list[CaseListener] = field(default_factory=list)

    def fire(self, listeners: list[CaseListener], session: Session, case: Case, now: datetime) -> None:
        for listener in listeners:
            listener(session, case, now)

    def blockers(self, session: Session, case: Case) -> list[str]:
        return [reason for guard in self.resolve_guards for reason in guard(session, case)]
