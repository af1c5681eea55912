"""Resolving a case with its cost, satisfaction and lesson; action items and their owners.

Plain values in and out; the caller owns the transaction. The resolution is written before
cases.service.resolve_case emits CaseResolved, so every reaction (the knowledge index among them) sees it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bot import changes, money
from bot.cases import service as cases
from bot.cases.lifecycle import Blocker, CaseReopened, Lifecycle, ResolutionChanged, SatisfactionRecorded
from bot.cases.models import Case, Outcome
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.offers import service as offers
from bot.reminders import service as reminders
from bot.reminders.models import Audience
from bot.tracking.models import ActionItem, Resolution

MAX_COST = Decimal("99999999.99")
MAX_LESSON = 1500
MAX_COMMENT = 1000
MAX_ITEM_TEXT = 300
MAX_ACTION_ITEMS = 5
ACTION_ITEM_DUE = "action_item_due"  # the reminder kind an owner gets on an item's due date

RESOLUTION_EVENT = "resolution_recorded"
SATISFACTION_EVENT = "satisfaction_recorded"
ACTION_ITEM_DONE_EVENT = "action_item_done"

SATISFACTION_LABELS = {1: "Very unhappy", 2: "Unhappy", 3: "Neutral", 4: "Satisfied", 5: "Delighted"}


class Field:
    """Form field names, also the block ids of the resolve modal (bot/slack/blocks/resolve.py)."""

    OUTCOME = "outcome"
    FINAL_COST = "final_cost"
    SATISFACTION = "satisfaction"
    SATISFACTION_COMMENT = "satisfaction_comment"
    LESSON_CAUSE = "lesson_cause"
    LESSON_WORKED = "lesson_worked"
    LESSON_CHANGE = "lesson_change"

    @staticmethod
    def item(index: int, part: str) -> str:
        """An action item's field: part is text, owner or due."""
        return f"item_{index}_{part}"


@dataclass(frozen=True)
class ActionItemInput:
    text: str
    owner_id: str
    due_on: date


@dataclass(frozen=True)
class ResolutionInput:
    outcome: Outcome
    final_cost: Decimal
    lesson_cause: str
    lesson_worked: str | None = None
    lesson_change: str | None = None
    satisfaction: int | None = None
    satisfaction_comment: str | None = None
    action_items: tuple[ActionItemInput, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------------- reading what people typed


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()
    return text or None


def parse_money(value: object, currency: str, locale: str = money.DEFAULT_LOCALE) -> Decimal:
    """An amount as typed: '120', '1,250.50', '£120', '120 GBP'. ValueError says what is wrong, kindly."""
    text = _text(value)
    if text is None:
        raise ValueError("Please enter the final cost (0 if it cost nothing).")
    return money.parse(text, locale=locale, currency=currency, maximum=MAX_COST)


def parse_satisfaction(score: object, comment: object, *, required: bool = False) -> tuple[int | None, str | None]:
    """(score, comment); raises InvalidInput keyed by field."""
    comment_text = _text(comment)
    fields: dict[str, str] = {}
    value: int | None = None
    if score not in (None, ""):
        try:
            value = int(str(score))
        except ValueError:
            value = None
        if value not in SATISFACTION_LABELS:
            fields[Field.SATISFACTION] = "Please pick a score from 1 to 5."
    elif required:
        fields[Field.SATISFACTION] = "Please pick how satisfied the customer is."
    elif comment_text:
        fields[Field.SATISFACTION] = "Please pick a score for this comment (or leave both empty)."
    if comment_text and len(comment_text) > MAX_COMMENT:
        fields[Field.SATISFACTION_COMMENT] = f"Please keep this under {MAX_COMMENT} characters."
    if fields:
        raise InvalidInput("Some fields need another look.", fields)
    return value, comment_text


def parse_resolution(raw: dict[str, object], *, currency: str, today: date, locale: str = money.DEFAULT_LOCALE,
                     item_slots: int = MAX_ACTION_ITEMS, required: Mapping[str, str] | None = None
                     ) -> ResolutionInput:
    """Validate the resolve form; every problem is reported at once, keyed by field name. `required`: answers
    the case needs before it can be resolved (a step asking for the satisfaction score), each with the
    message to show when it is missing (see required_answers)."""
    required = required or {}
    fields: dict[str, str] = {}
    outcome: Outcome | None = None
    try:
        outcome = Outcome(str(raw.get(Field.OUTCOME)))
    except ValueError:
        fields[Field.OUTCOME] = "Please choose how the case ended."
    cost = Decimal(0)
    try:
        cost = parse_money(raw.get(Field.FINAL_COST), currency, locale)
    except ValueError as exc:
        fields[Field.FINAL_COST] = str(exc)
    lesson: dict[str, str | None] = {}
    for name in (Field.LESSON_CAUSE, Field.LESSON_WORKED, Field.LESSON_CHANGE):
        lesson[name] = _text(raw.get(name))
        if lesson[name] and len(lesson[name] or "") > MAX_LESSON:
            fields[name] = f"Please keep this under {MAX_LESSON} characters."
    if not lesson[Field.LESSON_CAUSE]:
        fields[Field.LESSON_CAUSE] = "Please say what caused it, in a sentence: the next associate learns from it."
    score, comment = None, None
    try:
        score, comment = parse_satisfaction(raw.get(Field.SATISFACTION), raw.get(Field.SATISFACTION_COMMENT))
    except InvalidInput as exc:
        fields.update(exc.fields)
    if score is None and Field.SATISFACTION in required and Field.SATISFACTION not in fields:
        fields[Field.SATISFACTION] = required[Field.SATISFACTION]
    items: list[ActionItemInput] = []
    for index in range(item_slots):
        item, problems = _parse_item(raw, index, today)
        fields.update(problems)
        if item is not None:
            items.append(item)
    if fields:
        raise InvalidInput("Some fields need another look.", fields)
    assert outcome is not None
    return ResolutionInput(outcome=outcome, final_cost=cost, lesson_cause=lesson[Field.LESSON_CAUSE] or "",
                           lesson_worked=lesson[Field.LESSON_WORKED], lesson_change=lesson[Field.LESSON_CHANGE],
                           satisfaction=score, satisfaction_comment=comment, action_items=tuple(items))


def required_answers(blockers: Iterable[Blocker]) -> dict[str, str]:
    """The resolve form's answers that settle some of `blockers` (form field -> the blocker's reason, shown
    under the field when it is left empty)."""
    return {blocker.answer.value: blocker.reason for blocker in blockers if blocker.answer is not None}


def _parse_item(raw: dict[str, object], index: int, today: date) -> tuple[ActionItemInput | None, dict[str, str]]:
    text = _text(raw.get(Field.item(index, "text")))
    owner = _text(raw.get(Field.item(index, "owner")))
    due = raw.get(Field.item(index, "due"))
    if text is None and owner is None and due is None:
        return None, {}
    problems: dict[str, str] = {}
    if text is None:
        problems[Field.item(index, "text")] = "Say what should be done, or clear the owner and date."
    elif len(text) > MAX_ITEM_TEXT:
        problems[Field.item(index, "text")] = f"Please keep an action item under {MAX_ITEM_TEXT} characters."
    if owner is None:
        problems[Field.item(index, "owner")] = "Every action item needs an owner."
    if not isinstance(due, date):
        problems[Field.item(index, "due")] = "Every action item needs a due date."
    elif due < today:
        problems[Field.item(index, "due")] = "This date has already passed; pick when it can be done."
    if problems:
        return None, problems
    assert text is not None and owner is not None and isinstance(due, date)
    return ActionItemInput(text, owner, due), {}


# ---------------------------------------------------------------------- resolving and reopening


@dataclass(frozen=True)
class ItemSchedule:
    """When an action item counts as overdue and when its owner is reminded, in the workspace's time."""

    zone: ZoneInfo
    morning: time = time(9, 0)

    def overdue_at(self, due_on: date) -> datetime:
        return datetime.combine(due_on + timedelta(days=1), time(0), self.zone).astimezone(ZoneInfo("UTC"))

    def remind_at(self, due_on: date, now: datetime) -> datetime:
        return max(now, datetime.combine(due_on, self.morning, self.zone).astimezone(ZoneInfo("UTC")))


def resolve(session: Session, case_id: int, details: ResolutionInput, *, actor_id: str, now: datetime,
            lifecycle: Lifecycle, schedule: ItemSchedule, expected_version: int | None = None) -> Case:
    """Close the case with how it ended, what it cost and what was learned, in one transaction."""
    case = cases.get_case(session, case_id, for_update=True)
    if not case.is_open:
        raise Conflict(f"{case.ref} is already resolved.")
    resolution = Resolution(
        case_id=case.id, resolved_at=now, resolved_by=actor_id, outcome=details.outcome,
        final_cost=details.final_cost, currency=case.currency, lesson_cause=details.lesson_cause,
        lesson_worked=details.lesson_worked, lesson_change=details.lesson_change,
        satisfaction=details.satisfaction, satisfaction_comment=details.satisfaction_comment,
        satisfaction_at=now if details.satisfaction else None,
        satisfaction_by=actor_id if details.satisfaction else None,
    )
    session.add(resolution)
    session.flush()
    cases.record_event(session, case, RESOLUTION_EVENT, actor_id, now, **_event_data(resolution))
    for item in details.action_items:
        row = ActionItem(case_id=case.id, resolution_id=resolution.id, text=item.text, owner_id=item.owner_id,
                         due_on=item.due_on, overdue_at=schedule.overdue_at(item.due_on), created_at=now,
                         created_by=actor_id)
        session.add(row)
        session.flush()
        reminders.schedule(session, kind=ACTION_ITEM_DUE, due_at=schedule.remind_at(item.due_on, now), now=now,
                           audience=Audience.USER, recipient_id=item.owner_id, key=_item_key(row.id),
                           payload={"action_item_id": row.id, "case_id": case.id})
    if details.satisfaction:  # before the guards: it completes what asks for it (a playbook step)
        lifecycle.emit(session, SatisfactionRecorded(case, now, actor_id))
    return cases.resolve_case(session, case.id, actor_id=actor_id, now=now, outcome=details.outcome, lifecycle=lifecycle,
                              expected_version=expected_version)


def _event_data(resolution: Resolution) -> dict[str, object]:
    data: dict[str, object] = {"final_cost": f"{resolution.final_cost:.2f}", "currency": resolution.currency,
                               "what_caused_it": resolution.lesson_cause}
    if resolution.lesson_worked:
        data["what_worked"] = resolution.lesson_worked
    if resolution.lesson_change:
        data["what_should_change"] = resolution.lesson_change
    if resolution.satisfaction:
        data["satisfaction"] = resolution.satisfaction
    if resolution.satisfaction_comment:
        data["satisfaction_comment"] = resolution.satisfaction_comment
    return data


def on_reopened(session: Session, event: CaseReopened) -> None:
    """A lifecycle reaction: the resolution being replaced stays as history."""
    live = live_resolution(session, event.case.id)
    if live is not None:
        live.reopened_at = event.now


def record_satisfaction(session: Session, case_id: int, *, score: int, comment: str | None, actor_id: str,
                        now: datetime, lifecycle: Lifecycle) -> Resolution:
    """What the customer said at the follow-up, on the case's current resolution."""
    case = cases.get_case(session, case_id, for_update=True)
    resolution = live_resolution(session, case.id)
    if case.is_open or resolution is None:
        raise Conflict(f"{case.ref} is open again; record the customer's satisfaction when you resolve it.")
    resolution.satisfaction = score
    resolution.satisfaction_comment = comment
    resolution.satisfaction_at = now
    resolution.satisfaction_by = actor_id
    data: dict[str, object] = {"satisfaction": score}
    if comment:
        data["satisfaction_comment"] = comment
    cases.record_event(session, case, SATISFACTION_EVENT, actor_id, now, **data)
    lifecycle.emit(session, ResolutionChanged(case, now))
    return resolution


def live_resolution(session: Session, case_id: int) -> Resolution | None:
    return session.scalar(select(Resolution).where(Resolution.case_id == case_id, Resolution.reopened_at.is_(None))
                          .order_by(Resolution.id.desc()).limit(1))


def current(session: Session, case_id: int) -> tuple[Resolution | None, list[ActionItem]]:
    """The case's live resolution and the action items it set (none while the case is open)."""
    resolution = live_resolution(session, case_id)
    if resolution is None:
        return None, []
    items = session.scalars(select(ActionItem).where(ActionItem.resolution_id == resolution.id)
                            .order_by(ActionItem.id)).all()
    return resolution, list(items)


# The customer's recorded choice (bot.offers) says how the case ended, unless the promise was kept after all.
OUTCOME_OF_CHOICE = {"wait": Outcome.CUSTOMER_WAITED, "alternative": Outcome.TOOK_ALTERNATIVE,
                     "cancel": Outcome.CANCELLED}


def form_defaults(session: Session, case_id: int) -> dict[str, object]:
    """What the resolve form starts from: the previous resolution after a reopen, else the customer's
    recorded choice and its final cost (offers' *Record choice*), else nothing."""
    previous = latest_resolution(session, case_id)
    if previous is not None:
        return resolution_values(previous)
    choice = offers.customer_choice(session, case_id)
    if choice is None:
        return {}
    return {Field.OUTCOME: OUTCOME_OF_CHOICE.get(choice.choice), Field.FINAL_COST: f"{choice.final_cost:.2f}"}


def resolution_values(resolution: Resolution) -> dict[str, object]:
    """A resolution as form answers."""
    return {Field.OUTCOME: resolution.outcome, Field.FINAL_COST: f"{resolution.final_cost:.2f}",
            Field.LESSON_CAUSE: resolution.lesson_cause, Field.LESSON_WORKED: resolution.lesson_worked,
            Field.LESSON_CHANGE: resolution.lesson_change, Field.SATISFACTION: resolution.satisfaction,
            Field.SATISFACTION_COMMENT: resolution.satisfaction_comment}


def latest_resolution(session: Session, case_id: int) -> Resolution | None:
    """The newest resolution, live or reopened (the resolve form starts from it after a reopen)."""
    return session.scalar(select(Resolution).where(Resolution.case_id == case_id)
                          .order_by(Resolution.id.desc()).limit(1))


# ---------------------------------------------------------------------- action items


def _item_key(item_id: int) -> str:
    return f"{ACTION_ITEM_DUE}:{item_id}"


def get_action_item(session: Session, item_id: int, *, for_update: bool = False) -> ActionItem:
    query = select(ActionItem).where(ActionItem.id == item_id)
    item = session.scalar(query.with_for_update() if for_update else query)
    if item is None:
        raise NotFound("That action item no longer exists.")
    return item


def complete_action_item(session: Session, item_id: int, *, actor_id: str, now: datetime,
                         is_manager: bool = False) -> tuple[ActionItem, bool]:
    """Mark an item done. Returns (item, changed): a second click changes nothing."""
    item = get_action_item(session, item_id, for_update=True)
    case = cases.get_case(session, item.case_id)
    if actor_id not in (item.owner_id, item.created_by, case.owner_id) and not is_manager:
        raise NotAllowed(f"Only <@{item.owner_id}>, who owns this action item, or a manager can mark it done.")
    if item.is_done:
        return item, False
    item.done_at, item.done_by = now, actor_id
    reminders.cancel_key(session, _item_key(item.id), reason="action item done")
    cases.record_event(session, case, ACTION_ITEM_DONE_EVENT, actor_id, now, action_item=item.text,
                       owner=item.owner_id)
    changes.note(session, users=[item.owner_id])  # their Home lists it
    return item, True


def action_items_for_case(session: Session, case_id: int) -> Sequence[ActionItem]:
    return session.scalars(select(ActionItem).where(ActionItem.case_id == case_id).order_by(ActionItem.id)).all()


def open_action_items(session: Session, *, owners: Iterable[str] | None = None) -> Sequence[ActionItem]:
    query = select(ActionItem).where(ActionItem.done_at.is_(None))
    if owners is not None:
        query = query.where(ActionItem.owner_id.in_(list(owners)))
    return session.scalars(query.order_by(ActionItem.overdue_at, ActionItem.id)).all()


def _overdue(now: datetime, owners: Iterable[str] | None, *, overdue: bool = True) -> list[ColumnElement[bool]]:
    where = [ActionItem.done_at.is_(None), ActionItem.overdue_at <= now if overdue else ActionItem.overdue_at > now]
    if owners is not None:
        where.append(ActionItem.owner_id.in_(list(owners)))
    return where


def overdue_action_items(session: Session, now: datetime, owners: Iterable[str] | None = None, *,
                         offset: int = 0, limit: int | None = None) -> Sequence[ActionItem]:
    """Action items not done by the end of their due day (workspace time), the most overdue first.
    `owners` limits them to those people (an associate's own, or a manager's team); `offset` and `limit`
    page them (App Home)."""
    query = (select(ActionItem).where(*_overdue(now, owners)).order_by(ActionItem.overdue_at, ActionItem.id)
             .offset(offset).limit(limit))
    return session.scalars(query).all()


def count_overdue_action_items(session: Session, now: datetime, owners: Iterable[str] | None = None) -> int:
    return session.scalar(select(func.count()).select_from(ActionItem).where(*_overdue(now, owners))) or 0


def upcoming_action_items(session: Session, now: datetime, owner_id: str, *, offset: int = 0,
                          limit: int | None = None) -> Sequence[ActionItem]:
    """`owner_id`'s action items not done and not yet overdue, the soonest due first (App Home)."""
    query = (select(ActionItem).where(*_overdue(now, [owner_id], overdue=False))
             .order_by(ActionItem.overdue_at, ActionItem.id).offset(offset).limit(limit))
    return session.scalars(query).all()


def count_upcoming_action_items(session: Session, now: datetime, owner_id: str) -> int:
    return session.scalar(select(func.count()).select_from(ActionItem)
                          .where(*_overdue(now, [owner_id], overdue=False))) or 0


def why_not_remind(session: Session, item_id: object) -> str | None:
    """The reason an action item's reminder must not go out (None: send it)."""
    item = session.get(ActionItem, item_id) if isinstance(item_id, int) else None
    if item is None:
        return "action item removed"
    return "action item done" if item.is_done else None
