"""The built-in reminder kinds and the rules of when they are due and still worth sending.

Other areas add kinds (an approval waiting too long, the weekly digest) through the Slack-side registry
in bot/slack/reminders.py; these are the ones a case gets by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import Session

from bot.cases.lifecycle import CaseEdited, CaseOpened, CaseReopened, CaseResolved, CustomerContacted
from bot.cases.models import Case, CaseStatus
from bot.people import service as people
from bot.reminders import service
from bot.reminders.config import RemindersConfig
from bot.reminders.models import Audience, Reminder
from bot.reminders.policy import later_in_working_hours, next_working_time, previous_working_time


class Kind(StrEnum):
    STATUS_UPDATE = "status_update"        # owner: time to update the customer (cadence by severity)
    DEADLINE_NEAR = "deadline_near"        # owner: due soon and the customer not told yet
    DEADLINE_MANAGER = "deadline_manager"  # managers: due very soon and the customer still not told
    UNANSWERED = "unanswered"              # managers: a status reminder went unanswered
    FOLLOW_UP = "follow_up"                # owner, after resolution: is the customer satisfied?


@dataclass(frozen=True)
class Policy:
    """When reminders go out, in `zone`: the team's (workspace.timezone), or a person's (for_person)."""

    config: RemindersConfig
    zone: ZoneInfo

    def working(self, instant: datetime) -> datetime:
        return next_working_time(instant, self.config.working_hours, self.zone)

    def for_person(self, session: Session, user_id: str | None) -> Policy:
        """The same rules in `user_id`'s own timezone (their Slack profile's, cached; the team's if unknown).

        Who "the person" is, per kind: the case owner for what is DMed to the owner (status update, deadline
        near, satisfaction follow-up, step due); the named recipient for a reminder to one person (an action
        item's owner, a manager's weekly digest). What is posted in a case thread or channel for several
        people (the managers' deadline escalation, an unanswered reminder, an approval waiting for its
        approvers) keeps the team's zone."""
        if user_id is None:
            return self
        zone = people.zone(session, user_id, self.zone)
        return self if zone == self.zone else replace(self, zone=zone)

    def next_status_update(self, case: Case, after: datetime) -> datetime:
        return self.working(after + self.config.status_update_every.every(case.severity))


def deadline_near(config: RemindersConfig, now: datetime) -> ColumnElement[bool]:
    """The "deadline near, customer not told" rule as a query condition on open cases (for dashboards): the
    promised time is within `deadline_warning_before` (or already passed) and the customer hasn't been told.
    The DEADLINE_NEAR reminder watches the same two facts."""
    return and_(Case.status == CaseStatus.OPEN, Case.customer_contacted_at.is_(None),
                Case.promised_at <= now + config.deadline_warning_before)


# In a deadline nudge's payload: no working hour remained before the deadline, so it went out at night.
OUTSIDE_HOURS = "outside_working_hours"


def key(kind: Kind, case_id: int) -> str:
    return f"{kind}:{case_id}"


def schedule_for_open_case(session: Session, case: Case, now: datetime, policy: Policy) -> None:
    """A case that is open (new or reopened) gets its update cadence and its deadline watch: the owner's in
    the owner's working hours, the managers' (in the case thread) in the team's."""
    owner = policy.for_person(session, case.owner_id)
    service.schedule(session, kind=Kind.STATUS_UPDATE, case_id=case.id, now=now,
                     due_at=owner.next_status_update(case, now), key=key(Kind.STATUS_UPDATE, case.id))
    if case.customer_contacted_at is not None or case.promised_at <= now:
        return
    config = policy.config
    grace = now + timedelta(hours=1)  # never before a short grace after opening: the manager was just alerted
    owner_at, owner_late = deadline_nudge_time(case.promised_at - config.deadline_warning_before,
                                               case.promised_at, grace, owner)
    manager_at, manager_late = deadline_nudge_time(case.promised_at - config.deadline_manager_before,
                                                   case.promised_at, grace, policy)
    if owner_at < case.promised_at:
        service.schedule(session, kind=Kind.DEADLINE_NEAR, case_id=case.id, now=now, due_at=owner_at,
                         key=key(Kind.DEADLINE_NEAR, case.id), payload=_outside_hours(owner_late))
    if manager_at < case.promised_at and manager_at >= owner_at:
        service.schedule(session, kind=Kind.DEADLINE_MANAGER, case_id=case.id, now=now, due_at=manager_at,
                         audience=Audience.MANAGERS, key=key(Kind.DEADLINE_MANAGER, case.id),
                         payload=_outside_hours(manager_late))


def deadline_nudge_time(target: datetime, deadline: datetime, earliest: datetime, policy: Policy
                        ) -> tuple[datetime, bool]:
    """When a nudge meant for `target` goes out, and whether it goes out of working hours.

    It aims *before* the deadline: outside working hours it moves earlier, not later. Moved earlier than
    `earliest`, it goes at the first working moment after `earliest` that is still before the deadline
    (a case opened at 00:27 and due at 20:27 is nudged at 09:00, not at 01:27). Only when no working moment
    remains before the deadline does it go out at `earliest`, out of hours, and say so."""
    hours, zone = policy.config.working_hours, policy.zone
    earlier = previous_working_time(target, hours, zone)
    if earlier >= earliest:
        return earlier, False
    first_working = next_working_time(earliest, hours, zone)
    if first_working < deadline:
        return first_working, False
    return earliest, True


def retime_for_owner(session: Session, case: Case, opened_at: datetime, policy: Policy) -> None:
    """The owner's zone became known just after the case opened (their first case): its reminders are timed
    again as if it had been known then (keyed, so the pending rows move; nothing is sent twice)."""
    if case.is_open:
        schedule_for_open_case(session, case, opened_at, policy)


# Reminders that must reach their person before the case's deadline, whatever the hour.
DEADLINE_KINDS = frozenset({Kind.DEADLINE_NEAR, Kind.DEADLINE_MANAGER})
# A reminder that fell due within the person's working hours still goes this long after (a busy sweep).
LATE_GRACE = timedelta(minutes=30)


def when_person_can_get(reminder: Reminder, case: Case | None, now: datetime, person: Policy) -> datetime | None:
    """None: a reminder sent to one person may go now. Otherwise when it should go instead, in their working
    hours (`person` is the policy in their zone): it was timed in another zone (their zone was not known
    yet, the case changed hands, they moved) or falls due outside working hours (a snooze, a digest).
    A deadline nudge with no working moment left before the deadline goes now, and says so."""
    if (reminder.payload or {}).get(OUTSIDE_HOURS):
        return None
    later = later_in_working_hours(reminder.due_at, now, person.config.working_hours, person.zone, grace=LATE_GRACE)
    if later is None:
        return None
    if reminder.kind in DEADLINE_KINDS and case is not None and later >= case.promised_at:
        reminder.payload = {**(reminder.payload or {}), OUTSIDE_HOURS: True}
        return None
    return later


def _outside_hours(late: bool) -> dict[str, bool]:
    return {OUTSIDE_HOURS: late}  # always given, so a nudge moved back into working hours loses the flag


# ---------------------------------------------------------------------- lifecycle reactions (bot/bootstrap.py)


def on_opened(session: Session, event: CaseOpened, *, policy: Policy) -> None:
    schedule_for_open_case(session, event.case, event.now, policy)


def on_resolved(session: Session, event: CaseResolved, *, policy: Policy) -> None:
    """Resolving stops every reminder and, some days later, asks the owner to check satisfaction."""
    case, now = event.case, event.now
    service.cancel_for_case(session, case.id, reason="case resolved")
    owner = policy.for_person(session, case.owner_id)
    service.schedule(session, kind=Kind.FOLLOW_UP, case_id=case.id, now=now,
                     due_at=owner.working(now + policy.config.satisfaction_followup_after),
                     key=key(Kind.FOLLOW_UP, case.id))


def on_reopened(session: Session, event: CaseReopened, *, policy: Policy) -> None:
    service.cancel_for_case(session, event.case.id, reason="case reopened", kinds=[Kind.FOLLOW_UP])
    schedule_for_open_case(session, event.case, event.now, policy)


def on_edited(session: Session, event: CaseEdited, *, policy: Policy) -> None:
    """A tier that changed the severity changes the update cadence: the next status update comes no later
    than the new cadence says, in the owner's working hours (brought forward for a more severe case; one
    already due sooner stays). The deadline watch follows the promised date, which an edit never changes;
    no reminder reads the new date yet."""
    case, now = event.case, event.now
    if "severity" not in event.changed or not case.is_open:
        return
    due = policy.for_person(session, case.owner_id).next_status_update(case, now)
    live = service.live_by_key(session, key(Kind.STATUS_UPDATE, case.id))
    if live is not None and live.due_at <= due:
        return
    service.schedule(session, kind=Kind.STATUS_UPDATE, case_id=case.id, now=now, due_at=due,
                     key=key(Kind.STATUS_UPDATE, case.id))


def on_customer_contacted(session: Session, event: CustomerContacted) -> None:
    """The deadline watch has done its job once the customer knows."""
    service.cancel_for_case(session, event.case.id, reason="customer contacted",
                            kinds=[Kind.DEADLINE_NEAR, Kind.DEADLINE_MANAGER])


def why_not_send(session: Session, reminder: Reminder, case: Case | None, now: datetime) -> str | None:
    """The reason a built-in reminder must not go out now (None: send it)."""
    if reminder.case_id is not None and case is None:
        return "case removed"
    kind = reminder.kind
    if kind == Kind.FOLLOW_UP:
        return None if case is not None and not case.is_open else "case reopened"
    if case is not None and not case.is_open:
        return "case resolved"
    if kind in (Kind.DEADLINE_NEAR, Kind.DEADLINE_MANAGER) and case is not None and case.customer_contacted_at:
        return "customer already contacted"
    if kind == Kind.UNANSWERED:
        source = session.get(Reminder, reminder.payload.get("source_id"))
        if source is None or source.answered_at is not None:
            return "answered"
    return None


def after_sent(session: Session, sent: list[tuple[Reminder, Case | None]], now: datetime, policy: Policy) -> None:
    """What a batch of sent built-in reminders sets in motion: a status update schedules the next one, in the
    owner's hours, and the managers' escalation should it go unanswered (one statement for the batch)."""
    wanted: list[service.Schedule] = []
    for reminder, case in sent:
        if reminder.kind == Kind.STATUS_UPDATE and case is not None and case.is_open:
            owner = policy.for_person(session, case.owner_id)
            wanted.append(service.Schedule(Kind.STATUS_UPDATE, owner.next_status_update(case, now),
                                           key(Kind.STATUS_UPDATE, case.id), case.id))
            wanted.append(service.Schedule(Kind.UNANSWERED, now + policy.config.unanswered_after,
                                           f"{Kind.UNANSWERED}:{reminder.id}", case.id, Audience.MANAGERS,
                                           payload={"source_id": reminder.id}))
    service.schedule_many(session, wanted, now=now)


def answered(session: Session, reminder: Reminder) -> None:
    """An answer to a status reminder calls off its escalation."""
    service.cancel_key(session, f"{Kind.UNANSWERED}:{reminder.id}", reason="answered")


def snooze_status_updates(session: Session, case_id: int, until: datetime, now: datetime) -> int:
    """Snoozing moves the case's next status reminder; the deadline watch and others are untouched."""
    return service.schedule(session, kind=Kind.STATUS_UPDATE, case_id=case_id, now=now, due_at=until,
                            key=key(Kind.STATUS_UPDATE, case_id))


