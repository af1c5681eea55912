"""The API's one door into the case domain: every call the HTTP API makes into cases, playbooks and the
event log is here, so the routes stay about HTTP. Plain values in and out; the caller owns the
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.api.models import ExternalRef
from bot.api.schemas import CaseOut, PromiseAtRisk, PromiseUpdate
from bot.cases import service as cases
from bot.cases.achievable import CaseFacts, achievable_for, lead_times_for
from bot.cases.causes import infer_kind
from bot.cases.edit import CaseEdit
from bot.cases.intake import parse_intake
from bot.cases.lifecycle import Lifecycle
from bot.cases.models import Case, CaseStatus
from bot.errors import InvalidInput, NotFound
from bot.playbooks import service as playbooks
from bot.playbooks.models import CasePlaybook
from bot.playbooks.schema import StepAction
from bot.reminders import service as reminders
from bot.reminders import steps
from bot.reminders.kinds import Policy
from bot.settings import AmendsConfig

# Steps "delivered" ticks, the first one open on the case's path (general and late-delivery playbooks).
DELIVERY_STEPS = ("deliver", "confirm-delivery")
# The step a delivery makes due: the owner is reminded of it after reminders.satisfaction_followup_after.
# Found by its action (the resolve form's score answers it); by this id on checklists attached before the
# action existed.
SATISFACTION_STEP = "confirm-satisfaction"
# Intake fields as the API names them, so a 422 points at the field the caller sent.
API_FIELDS = {"customer_name": "customer.name", "customer_contact": "customer.contact",
              "customer_timezone": "customer.timezone", "customer_tier": "customer.tier",
              "customer_language": "customer.language", "promise_kind": "promise.kind",
              "order_ref": "order.reference", "order_value": "order.value", "promise": "promise.what",
              "promised_at": "promise.due", "cause": "cause", "new_date": "new_date", "notes": "notes"}


class ApiEvent(StrEnum):
    """Case events the API writes to the case's event log."""

    OPENED_BY_SYSTEM = "opened_by_system"
    DATE_CHANGED = "date_changed"
    DELIVERED = "delivered"
    CANCELLED_UPSTREAM = "cancelled_upstream"


@dataclass(frozen=True)
class Found:
    case: Case
    ref: ExternalRef | None


def find(session: Session, source: str, external_id: str) -> Found | None:
    row = session.scalar(select(ExternalRef).where(ExternalRef.source == source,
                                                   ExternalRef.external_id == external_id))
    return Found(cases.get_case(session, row.case_id), row) if row else None


def open_promise(session: Session, event: PromiseAtRisk, *, source: str, owner_id: str, config: AmendsConfig,
                 now: datetime, lifecycle: Lifecycle) -> Case:
    """Open the case a system event reports. The caller looked up (source, external_id) first; the unique
    constraint turns a concurrent duplicate into an IntegrityError at flush, so the caller retries the lookup."""
    raw = {"customer_name": event.customer.name, "customer_contact": event.customer.contact,
           "customer_timezone": event.customer.timezone, "customer_tier": event.customer.tier,
           # The case keeps the language (drafts are written in it), not the region: "en-GB" -> "en".
           "customer_language": event.customer.language.split("-")[0] if event.customer.language else None,
           "promise_kind": event.promise.kind,
           "order_ref": event.order.reference, "order_value": event.order.value, "promise": event.promise.what,
           "promised_at": event.promise.due, "cause": event.cause, "new_date": event.new_date,
           "notes": event.notes}
    try:
        intake = parse_intake(raw, config=config, now=now)
    except InvalidInput as exc:
        raise InvalidInput(exc.user_message, {API_FIELDS.get(k, k): v for k, v in exc.fields.items()}) from None
    # The system's new date is its ETA for the case: the achievable date comes from it, else from lead times.
    kind = intake.promise_kind or infer_kind(intake.cause, intake.promise)
    achievable = achievable_for(CaseFacts(intake.cause, kind, None, intake.new_date), lead_times_for(config), now,
                                config)
    case = cases.open_case(session, intake, reporter_id=owner_id, config=config, now=now, lifecycle=lifecycle,
                           achievable=achievable)
    session.add(ExternalRef(source=source, external_id=event.external_id, case_id=case.id,
                            order_url=event.order.url, created_at=now))
    cases.record_event(session, case, ApiEvent.OPENED_BY_SYSTEM, None, now, source=source,
                       external_id=event.external_id, order_url=event.order.url, language=event.customer.language)
    session.flush()
    return case


def update_promise(session: Session, source: str, external_id: str, change: PromiseUpdate, *,
                   config: AmendsConfig, now: datetime, lifecycle: Lifecycle) -> Case:
    """Record what changed upstream in the case's event log (and on the case where it has a field)."""
    found = find(session, source, external_id)
    if found is None:
        raise NotFound(f"No case was opened for {source}/{external_id}.")
    case = cases.get_case(session, found.case.id, for_update=True)
    note = {"note": change.note} if change.note else {}
    if change.new_date is not None:
        # The ETA moved: it is the case's achievable date (plus lead_times.yaml's eta_buffer), and its new date,
        # changed the one way a case's date changes (Edit case's too). `previous` stays in the event's data for
        # webhook receivers that read it before edits existed.
        previous, previous_achievable = case.new_date, case.achievable_date
        achievable = achievable_for(CaseFacts.of(case, eta=change.new_date), lead_times_for(config), now, config)
        assert achievable is not None  # an ETA always gives one
        cases.set_achievable(case, achievable)
        cases.edit_case(session, case.id, CaseEdit(new_date=achievable.date), actor_id=None, now=now,
                        config=config, lifecycle=lifecycle, kind=ApiEvent.DATE_CHANGED, source=source,
                        previous=previous.isoformat() if previous else None,
                        achievable_date=achievable.date.isoformat(), achievable_source=achievable.source,
                        previous_achievable_date=previous_achievable.isoformat() if previous_achievable else None,
                        **note)
    elif change.delivered:
        ticked = [step for step in DELIVERY_STEPS if playbooks.step_is_open(session, case.id, step)][:1]
        for step in ticked:
            playbooks.complete_step(session, case.id, step, actor_id=None, now=now)  # type: ignore[arg-type]
        check_at = _remind_satisfaction(session, case, config, now)
        cases.record_event(session, case, ApiEvent.DELIVERED, None, now, source=source, steps=ticked,
                           satisfaction_check_at=check_at.isoformat() if check_at else None, **note)
    else:
        cases.record_event(session, case, ApiEvent.CANCELLED_UPSTREAM, None, now, source=source, **note)
    session.flush()
    return case


def _remind_satisfaction(session: Session, case: Case, config: AmendsConfig, now: datetime) -> datetime | None:
    """Delivered: some days later (in working hours) the owner is reminded to check the customer is
    satisfied, as the step reminder of the checklist's satisfaction step (sent once; not if it is done)."""
    row = session.get(CasePlaybook, case.id)
    rows = row.steps if row else []
    step = next((s for s in rows if s.action == StepAction.RECORD_SATISFACTION), None) \
        or next((s for s in rows if s.step_id == SATISFACTION_STEP), None)
    if step is None or not playbooks.step_is_open(session, case.id, step.step_id):
        return None
    owner = Policy(config.reminders, config.workspace.zone).for_person(session, case.owner_id)
    due = owner.working(now + config.reminders.satisfaction_followup_after)  # in the owner's working hours
    reminders.schedule(session, kind=steps.KIND, case_id=case.id, now=now, due_at=due,
                       key=steps.key(case.id, step.step_id),
                       payload={"step_id": step.step_id, "title": step.title, "action": step.action,
                                "required": step.required, "step_due_at": due.isoformat()})
    return due


def get(session: Session, ref: str) -> Found:
    # ASCII digits only: "²" is a digit to str.isdigit() but not to int().
    case = cases.get_case(session, int(ref)) if ref.isascii() and ref.isdigit() else cases.find_case(session, ref)
    return Found(case, session.scalar(select(ExternalRef).where(ExternalRef.case_id == case.id)))


def listing(session: Session, *, status: CaseStatus | None, after: int | None, limit: int) -> list[Found]:
    """Cases by id, `limit` at a time after `after` (keyset paging: stable while cases are added)."""
    query = select(Case, ExternalRef).outerjoin(ExternalRef, ExternalRef.case_id == Case.id).order_by(Case.id)
    if status is not None:
        query = query.where(Case.status == status)
    if after is not None:
        query = query.where(Case.id > after)
    return [Found(case, ref) for case, ref in session.execute(query.limit(limit)).all()]


def case_out(found: Found) -> CaseOut:
    case, ref = found.case, found.ref
    return CaseOut(id=case.id, ref=case.ref or str(case.id), status=case.status, severity=case.severity,
                   outcome=case.outcome, customer_name=case.customer_name, order_reference=case.order_ref,
                   promise=case.promise, promised_at=case.promised_at, new_date=case.new_date,
                   achievable_date=case.achievable_date, achievable_source=case.achievable_source, cause=case.cause,
                   owner=case.owner_id, customer_told_at=case.customer_contacted_at, slack_url=case.permalink,
                   source=ref.source if ref else None, external_id=ref.external_id if ref else None,
                   created_at=case.created_at, updated_at=case.updated_at)


def outcomes(found: Sequence[Found]) -> list[CaseOut]:
    return [case_out(f) for f in found]
