"""A case's life as events, and what the business does on each (domain code, no Slack).

The case service emits an event when a case opens, is edited, is resolved or reopened, when the customer
is told, and when a resolved case's record changes afterwards. `Lifecycle` runs the reactions declared for
that event, in order, inside the transaction that made the change: a case is never resolved while, say, its
reminders survive it, because both happen or neither does. Its resolve guards say why a case can't be
resolved yet (e.g. a required playbook step is open); any reason blocks resolution.

The table itself is declared once, for every entry point, in bot/bootstrap.py. What Slack does about
a change (post the case, refresh its message) runs after commit: see bot/changes.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from bot.cases.models import Case


@dataclass(frozen=True)
class LifecycleEvent:
    case: Case
    now: datetime


class CaseOpened(LifecycleEvent):
    """A case was just saved (e.g. attach its playbook, schedule its status updates)."""


class CaseResolved(LifecycleEvent):
    """The case was closed with its outcome."""


class CaseReopened(LifecycleEvent):
    """A resolved case is open again."""


class CustomerContacted(LifecycleEvent):
    """The customer was told (a draft marked as sent, "Customer told" on a reminder)."""


class ResolutionChanged(LifecycleEvent):
    """A resolved case's record changed afterwards (e.g. the customer's satisfaction, from the follow-up)."""


@dataclass(frozen=True)
class CaseEdited(LifecycleEvent):
    """The new date, the customer's contact, timezone or tier changed after the intake (Edit case, or an
    order system's ETA); `changed` names the case's fields that did, "severity" included when the tier
    moved it (e.g. reschedule what runs on the severity's cadence)."""

    changed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SatisfactionRecorded(LifecycleEvent):
    """The person resolving the case recorded how satisfied the customer is (the resolve form's score),
    just before the case is resolved: what asks for it (a playbook step) is done, by them."""

    actor_id: str | None = None


class ResolveAnswer(StrEnum):
    """What the resolve form itself answers; a blocker settled by one of these doesn't stop the form opening."""

    SATISFACTION = "satisfaction"


@dataclass(frozen=True)
class Blocker:
    """Why a case can't be resolved yet, written for the person resolving it. `answer`: the resolve form's
    answer that settles it (the form then requires it); None: it must be dealt with before the form opens."""

    reason: str
    answer: ResolveAnswer | None = None


# A reaction takes the session and the event (of the type it is declared for); a guard gives its blockers.
Reaction = Callable[[Session, Any], None]
ResolveGuard = Callable[[Session, Case], list[Blocker]]


class Lifecycle:
    """Event type -> reactions, and the resolve guards; fixed once built (see bot/bootstrap.py)."""

    def __init__(self, reactions: Mapping[type[LifecycleEvent], Iterable[Reaction]] | None = None,
                 resolve_guards: Iterable[ResolveGuard] = ()) -> None:
        self.reactions = {kind: tuple(listed) for kind, listed in (reactions or {}).items()}
        self.resolve_guards = tuple(resolve_guards)

    def emit(self, session: Session, event: LifecycleEvent) -> None:
        for reaction in self.reactions.get(type(event), ()):
            reaction(session, event)

    def blockers(self, session: Session, case: Case) -> list[Blocker]:
        return [blocker for guard in self.resolve_guards for blocker in guard(session, case)]
