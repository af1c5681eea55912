"""Offer use cases and queries. Plain values in, plain values out; the caller owns the transaction.

* `make_offer`: the associate picks one to three alternatives and an incentive. Within their limits (each
  entry's `grant` for their role, and the case's budget) it is recorded as offered at once; beyond them it
  waits for an approver, and an `approval_waiting` reminder is scheduled to escalate it if nobody decides.
* `decide`: exactly one decision per request, however many approvers click at once: the decision is one
  `UPDATE ... WHERE state = 'awaiting_approval'`, and only the transaction that changed the row goes on.
* `record_choice`: what the customer chose (waited, took an alternative, cancelled with a goodwill
  gesture) and what it finally cost.

Queries for other areas (tracking, App Home, the weekly digest): `pending_approvals`, `spending`,
`customer_choice`, `current_offer`. Every change is written to the case's event log.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, String, cast, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from bot import changes
from bot import money as amounts
from bot.cases import service as cases
from bot.cases.lifecycle import Blocker
from bot.cases.models import Case
from bot.drafting.context import Choice
from bot.errors import Conflict, InvalidInput, NotFound
from bot.offers import learning
from bot.offers.budget import Budget, budget_for
from bot.offers.catalog import Catalog, Entry, Kind, Priced, Role, Verdict, ranked
from bot.offers.models import CustomerChoice, Decision, Offer, OfferItem, OfferState, fits
from bot.playbooks import service as playbooks
from bot.playbooks.schema import StepAction
from bot.reminders import service as reminders
from bot.reminders.models import Audience
from bot.reminders.policy import next_working_time
from bot.settings import AmendsConfig

MAX_ALTERNATIVES = 3
NOTE_LIMIT = 1000
APPROVAL_WAITING = "approval_waiting"  # the reminder kind that escalates an undecided request

OFFER_MAX = Decimal("9999999.99")  # an offer or a final cost beyond this is a typing slip


class OfferEvent:
    MADE = "offer_made"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_DECIDED = "approval_decided"
    APPROVAL_ESCALATED = "approval_escalated"
    CHOICE_RECORDED = "choice_recorded"
    REPLACED = "offer_replaced"


class Field:
    """Form fields a domain error can point at (the Slack layer maps them to block ids)."""

    ALTERNATIVES = "alternatives"
    INCENTIVE = "incentive"
    NOTE = "note"
    AMOUNT = "amount"
    CHOICE = "choice"
    ALTERNATIVE = "alternative"
    GESTURE = "gesture"
    FINAL_COST = "final_cost"


class AlreadyDecided(Conflict):
    """Someone decided the request first (or it was replaced); nothing changed."""

    def __init__(self, offer: Offer) -> None:
        if offer.decision:
            text = (f"<@{offer.decided_by}> already decided this request: "
                    f"{Decision(offer.decision).label.lower()}. Nothing changed.")
        else:
            text = "This request isn't waiting for a decision any more (a newer offer replaced it)."
        super().__init__(text)
        self.offer_id = offer.id
        self.decision = offer.decision
        self.decided_by = offer.decided_by
        self.decided_at = offer.decided_at


def money(config: AmendsConfig) -> Callable[[Decimal], str]:
    """Amounts as people read them, in the workspace currency: £240, £12.50."""
    currency, locale = config.workspace.currency, config.workspace.locale
    return lambda value: amounts.format_amount(value, currency, locale)


def approval_key(offer_id: int) -> str:
    return f"{APPROVAL_WAITING}:{offer_id}"


# ---------------------------------------------------------------------- what the offer modal shows


@dataclass(frozen=True)
class Choices:
    """The ranked entries an associate may pick from for a case, and the case's budget."""

    case: Case
    role: Role
    budget: Budget
    alternatives: list[Priced]
    incentives: list[Priced]
    unpriced: int                       # entries that need the order value to be priced
    awaiting: Offer | None = None       # a request already waiting for a decision
    current: Offer | None = None        # what is on offer now


def choices_for(session: Session, case_id: int, *, catalog: Catalog, role: Role, config: AmendsConfig,
                now: datetime, similar_ids: Collection[int] = ()) -> Choices:
    """What the offer modal shows, ranked with what resolved cases say (`similar_ids`: the cases the
    best-practices search finds similar, which count more)."""
    case = cases.get_case(session, case_id)
    verdicts = learning.learned(session, case, similar_ids)
    (alternatives, unpriced_alternatives), (incentives, unpriced_incentives) = rank_for(
        session, catalog, case, role, verdicts)
    live = current_offer(session, case_id)
    return Choices(case=case, role=role, budget=budget_for(case, config, now), alternatives=alternatives,
                   incentives=incentives, unpriced=len(unpriced_alternatives) + len(unpriced_incentives),
                   awaiting=live if live and live.state == OfferState.AWAITING_APPROVAL else None,
                   current=live if live and live.state == OfferState.OFFERED else None)


def rank_for(session: Session, catalog: Catalog, case: Case, role: Role,
             verdicts: Mapping[Kind, Mapping[str, Verdict]] | None = None
             ) -> tuple[tuple[list[Priced], list[Entry]], tuple[list[Priced], list[Entry]]]:
    """The catalog's alternatives and incentives priced and ranked for a case: what the checklist ruled out
    goes last; `verdicts` (bot/offers/learning.py) put first what similar customers took and liked."""
    ruled_out = playbooks.ruled_out_checks(session, case.id)
    verdicts = verdicts or {}
    return (ranked(catalog.alternatives, Kind.ALTERNATIVE, case, role, ruled_out=ruled_out,
                   learned=verdicts.get(Kind.ALTERNATIVE)),
            ranked(catalog.incentives, Kind.INCENTIVE, case, role, ruled_out=ruled_out,
                   learned=verdicts.get(Kind.INCENTIVE)))


def exposure(alternatives: Sequence[Priced], incentive: Priced | None) -> Decimal:
    """What an offer may cost: the customer takes one alternative at most, so the dearest one, plus the
    incentive."""
    dearest = max((p.cost for p in alternatives), default=Decimal("0.00"))
    return dearest + (incentive.cost if incentive else Decimal("0.00"))


def approval_reasons(picked: Sequence[Priced], total: Decimal, budget: Decimal, role: Role,
                     show: Callable[[Decimal], str]) -> list[str]:
    """Why an offer needs an approver (empty: it doesn't)."""
    if role is Role.APPROVER:
        return []
    reasons = [f"{p.entry.title} costs {show(p.cost)}, over the {show(p.limit)} a{'n' if role is Role.ASSOCIATE else ''} "
               f"{role.value} may give" for p in picked if not p.within_limit and p.limit is not None]
    if total > budget:
        reasons.append(f"It may cost {show(total)}, over this case's budget of {show(budget)}")
    return reasons


# ---------------------------------------------------------------------- making an offer


def make_offer(session: Session, case_id: int, *, alternatives: Sequence[str], incentive: str | None,
               note: str | None, actor_id: str, role: Role, catalog: Catalog, config: AmendsConfig,
               approvers: Sequence[str], now: datetime) -> Offer:
    """Record what the associate offers; within limits it is offered at once, beyond them it waits for one
    of `approvers` (and its escalation is scheduled)."""
    fields: dict[str, str] = {}
    picked_ids = list(dict.fromkeys(alternatives))
    if not picked_ids:
        fields[Field.ALTERNATIVES] = "Pick at least one alternative for the customer to choose from."
    elif len(picked_ids) > MAX_ALTERNATIVES:
        fields[Field.ALTERNATIVES] = (f"Pick at most {MAX_ALTERNATIVES}: more choices make it harder for the "
                                      "customer to decide.")
    if not incentive:
        fields[Field.INCENTIVE] = "Pick an incentive: it is what makes taking an alternative worth it."
    note = (note or "").replace("\x00", "").strip() or None
    if note and len(note) > NOTE_LIMIT:
        fields[Field.NOTE] = f"Please keep it under {NOTE_LIMIT} characters."
    if fields:
        raise InvalidInput("The offer needs another look.", fields)

    case = cases.get_case(session, case_id, for_update=True)  # offers on one case queue up behind each other
    if not case.is_open:
        raise Conflict(f"{case.ref} is resolved; reopen it before offering anything.")
    live = current_offer(session, case_id)
    if live is not None and live.state == OfferState.AWAITING_APPROVAL:
        raise Conflict(f"An offer on {case.ref} is already waiting for an approver's decision; you'll hear as soon "
                       "as it is decided.")
    (priced_alternatives, _), (priced_incentives, _) = rank_for(session, catalog, case, role)
    by_id = {p.entry.id: p for p in priced_alternatives}
    chosen = [by_id[i] for i in picked_ids if i in by_id]
    extra = next((p for p in priced_incentives if p.entry.id == incentive), None)
    if len(chosen) != len(picked_ids):
        fields[Field.ALTERNATIVES] = "One of these is no longer in the catalog for this case; please pick again."
    if extra is None:
        fields[Field.INCENTIVE] = "That incentive is no longer in the catalog for this case; please pick again."
    if fields:
        raise InvalidInput("The offer needs another look.", fields)
    assert extra is not None

    show = money(config)
    budget = budget_for(case, config, now)
    total = exposure(chosen, extra)
    reasons = approval_reasons([*chosen, extra], total, budget.amount, role, show)
    if reasons and not approvers:
        raise Conflict("This offer needs an approver, and none is configured. Ask your Amends admin to set "
                       "`offers.approvers` (or `managers`) in amends.yaml, or pick something within your limit.")
    if live is not None:
        live.state = OfferState.SUPERSEDED
    offer = Offer(case_id=case.id, state=OfferState.AWAITING_APPROVAL if reasons else OfferState.OFFERED,
                  made_by=actor_id, made_at=now, role=role.value, currency=config.workspace.currency,
                  exposure=total, budget=budget.amount, budget_reasons=budget.reasons(show), note=note,
                  approval_reasons=reasons, approvers=list(approvers) if reasons else [],
                  requested_at=now if reasons else None, messages=[],
                  items=[OfferItem(position=position, kind=p.kind.value, catalog_id=p.entry.id, title=p.entry.title,
                                   say=p.entry.customer_text, cost=p.cost, value=p.value)
                         for position, p in enumerate([*chosen, extra])])
    session.add(offer)
    session.flush()
    summary = {"offer_id": offer.id, "alternatives": [p.entry.id for p in chosen], "incentive": extra.entry.id,
               "exposure": str(total), "budget": str(budget.amount), "currency": offer.currency}
    if live is not None:  # the earlier offer stays in the history, marked as replaced by this one
        summary["replaces"] = live.id
        cases.record_event(session, case, OfferEvent.REPLACED, actor_id, now, offer_id=live.id, replaced_by=offer.id)
    if reasons:
        cases.record_event(session, case, OfferEvent.APPROVAL_REQUESTED, actor_id, now, reasons=reasons,
                           approvers=list(approvers), **summary)
        changes.note(session, users=approvers)  # the request shows on their App Home
        due = next_working_time(now + config.offers.escalate_after, config.reminders.working_hours,
                                config.workspace.zone)
        reminders.schedule(session, kind=APPROVAL_WAITING, case_id=case.id, now=now, due_at=due,
                           audience=Audience.MANAGERS, key=approval_key(offer.id), payload={"offer_id": offer.id})
    else:
        cases.record_event(session, case, OfferEvent.MADE, actor_id, now, **summary)
        playbooks.action_performed(session, case.id, StepAction.OFFER_ALTERNATIVES, actor_id=actor_id, now=now)
    return offer


def record_messages(session: Session, offer_id: int, posted: Sequence[tuple[str, str]]) -> Offer:
    """Remember where the request is shown (channel, ts), so the decision can update every copy."""
    offer = get_offer(session, offer_id, for_update=True)
    known = {(m["channel"], m["ts"]) for m in offer.messages}
    offer.messages = [*offer.messages, *({"channel": c, "ts": ts} for c, ts in dict.fromkeys(posted)
                                         if (c, ts) not in known)]  # idempotent: a retried post adds nothing
    return offer


# ---------------------------------------------------------------------- deciding


def decide(session: Session, offer_id: int, decision: Decision, *, actor_id: str, now: datetime,
           show: Callable[[Decimal], str], amount: object = None, note: str | None = None,
           locale: str = amounts.DEFAULT_LOCALE) -> Offer:
    """One approver's decision. Raises AlreadyDecided if another decision (or a newer offer) came first.

    An amount below what was asked offers only the alternatives that fit in it with the incentive (the
    others are left out, in the thread, the case message and drafts); an amount that fits none is refused."""
    approved_amount = None
    if decision is Decision.APPROVED_DIFFERENT:
        try:
            currency = session.scalar(select(Offer.currency).where(Offer.id == offer_id))
            approved_amount = amounts.parse(amount, locale=locale, currency=currency, allow_zero=False,
                                            maximum=OFFER_MAX)
        except ValueError as exc:
            raise InvalidInput(str(exc), {Field.AMOUNT: str(exc)}) from None
    note = (note or "").replace("\x00", "").strip() or None
    if note and len(note) > NOTE_LIMIT:
        raise InvalidInput("Please shorten the note.", {Field.NOTE: f"Please keep it under {NOTE_LIMIT} characters."})
    if approved_amount is not None:
        _check_covers_an_alternative(session, offer_id, approved_amount, show)
    state = OfferState.DENIED if decision is Decision.DENIED else OfferState.OFFERED
    claimed = session.execute(
        update(Offer).where(Offer.id == offer_id, Offer.state == OfferState.AWAITING_APPROVAL)
        .values(state=state, decision=decision, decided_by=actor_id, decided_at=now, decision_note=note,
                approved_amount=approved_amount)
        .returning(Offer.id).execution_options(synchronize_session=False)).scalar()
    offer = session.get(Offer, offer_id, populate_existing=True)
    if offer is None:
        raise NotFound("I can't find that request any more; it may have been removed with its case.")
    if claimed is None:
        raise AlreadyDecided(offer)
    case = cases.get_case(session, offer.case_id, for_update=True)
    offered = state == OfferState.OFFERED
    cases.record_event(session, case, OfferEvent.APPROVAL_DECIDED, actor_id, now, offer_id=offer.id,
                       decision=decision.value, requested=str(offer.exposure),
                       approved=str(offer.allowed) if offered else None, note=note,
                       offered=[i.catalog_id for i in offer.offered_alternatives] if offered else [],
                       left_out=[i.catalog_id for i in offer.left_out] if offered else [])
    reminders.cancel_key(session, approval_key(offer.id), reason="decided")
    changes.note(session, users=offer.approvers)  # it leaves every approver's App Home
    if state == OfferState.OFFERED:
        playbooks.action_performed(session, case.id, StepAction.OFFER_ALTERNATIVES, actor_id=offer.made_by, now=now)
    return offer


def _check_covers_an_alternative(session: Session, offer_id: int, amount: Decimal,
                                 show: Callable[[Decimal], str]) -> None:
    """An approved amount must leave the customer something to take; checked while the request still waits
    (once decided, the claim below says so instead)."""
    offer = session.get(Offer, offer_id)
    if offer is None or offer.state != OfferState.AWAITING_APPROVAL or not offer.alternatives:
        return
    if any(fits(i, offer.incentive, amount) for i in offer.alternatives):
        return
    least = min(i.cost for i in offer.alternatives) + (offer.incentive.cost if offer.incentive else Decimal("0.00"))
    message = (f"{show(amount)} covers none of the alternatives with the incentive (the cheapest needs "
               f"{show(least)}). Approve at least that, or deny the offer.")
    raise InvalidInput(message, {Field.AMOUNT: message})


def record_escalated(session: Session, offer_id: int, *, now: datetime) -> None:
    """The undecided request was escalated (by the approval_waiting reminder)."""
    offer = get_offer(session, offer_id)
    if offer.escalated_at is None:
        offer.escalated_at = now
        cases.record_event(session, cases.get_case(session, offer.case_id), OfferEvent.APPROVAL_ESCALATED, None, now,
                           offer_id=offer.id)


# ---------------------------------------------------------------------- the customer's choice


def record_choice(session: Session, case_id: int, *, choice: str | None, item_id: object, gesture: str | None,
                  final_cost: object, note: str | None, actor_id: str, config: AmendsConfig,
                  now: datetime) -> CustomerChoice:
    """What the customer decided, and what it finally cost. Every problem is reported at once."""
    fields: dict[str, str] = {}
    picked: Choice | None = None
    try:
        picked = Choice(choice or "")
    except ValueError:
        fields[Field.CHOICE] = "Please choose what the customer decided."
    case = cases.get_case(session, case_id, for_update=True)
    offer = latest_offered(session, case_id)
    item = None
    if picked is Choice.ALTERNATIVE:
        if offer is None:
            fields[Field.CHOICE] = ("No alternative has been offered on this case yet: offer one first, or record "
                                    "that they waited or cancelled.")
        else:
            item = next((i for i in offer.offered_alternatives if str(i.id) == str(item_id)), None)
            if item is None:
                fields[Field.ALTERNATIVE] = "Pick the alternative they took."
    gesture = (gesture or "").replace("\x00", "").strip() or None
    if picked is Choice.CANCEL and not gesture:
        fields[Field.GESTURE] = ("Say what goodwill gesture we made: a customer who leaves should leave on good "
                                 "terms, with the door open.")
    elif gesture and len(gesture) > NOTE_LIMIT:
        fields[Field.GESTURE] = f"Please keep it under {NOTE_LIMIT} characters."
    note = (note or "").replace("\x00", "").strip() or None
    if note and len(note) > NOTE_LIMIT:
        fields[Field.NOTE] = f"Please keep it under {NOTE_LIMIT} characters."
    cost = Decimal("0.00")
    known = offer_cost(offer, picked, item) if offer is not None else None
    if not str(final_cost or "").strip() and known is not None:
        cost = known  # left empty: what the offer says it costs
    else:
        try:
            cost = amounts.parse(final_cost, locale=config.workspace.locale, currency=config.workspace.currency,
                                 maximum=OFFER_MAX)
        except ValueError as exc:
            fields[Field.FINAL_COST] = str(exc)
    if fields:
        raise InvalidInput("The choice needs another look.", fields)
    if not case.is_open:
        raise Conflict(f"{case.ref} is resolved; reopen it to change what was recorded.")
    assert picked is not None
    budget = budget_for(case, config, now).amount
    row = CustomerChoice(case_id=case.id, choice=picked.value, offer_id=offer.id if offer else None,
                         item_id=item.id if item else None, gesture=gesture if picked is Choice.CANCEL else None,
                         final_cost=cost, budget=budget, currency=config.workspace.currency, note=note,
                         recorded_by=actor_id, recorded_at=now)
    session.add(row)
    session.flush()
    cases.record_event(session, case, OfferEvent.CHOICE_RECORDED, actor_id, now, choice=picked.value,
                       alternative=item.catalog_id if item else None, gesture=row.gesture, final_cost=str(cost),
                       budget=str(budget), currency=row.currency)
    playbooks.action_performed(session, case.id, StepAction.RECORD_CHOICE, actor_id=actor_id, now=now)
    return row


def offer_cost(offer: Offer, choice: Choice | None, item: OfferItem | None) -> Decimal | None:
    """What a choice costs by the offer: the alternative they took plus the incentive; the incentive alone
    when they wait; None when the offer can't say (a cancellation, or no alternative picked yet)."""
    incentive = offer.incentive.cost if offer.incentive else Decimal("0.00")
    if choice is Choice.ALTERNATIVE and item is not None:
        return item.cost + incentive
    if choice is Choice.WAIT:
        return incentive
    return None


def record_note(session: Session, offer_id: int, *, channel: str, ts: str) -> Offer | None:
    """Remember the case-thread note of an offer; returns the offer it replaced, whose note now says so."""
    offer = get_offer(session, offer_id, for_update=True)
    offer.note_channel, offer.note_ts = channel, ts
    return replaced_by(session, offer)


def count_replaced(session: Session, offer: Offer) -> int:
    """How many earlier offers on its case `offer` came after (each replaced by the next)."""
    return session.scalar(select(func.count()).select_from(Offer).where(
        Offer.case_id == offer.case_id, Offer.id < offer.id, Offer.state == OfferState.SUPERSEDED)) or 0


def replaced_by(session: Session, offer: Offer) -> Offer | None:
    """The offer `offer` replaced on its case, if any (with its items loaded)."""
    return session.scalar(select(Offer).where(Offer.case_id == offer.case_id, Offer.id < offer.id,
                                              Offer.state == OfferState.SUPERSEDED)
                          .options(selectinload(Offer.items)).order_by(Offer.id.desc()).limit(1))


# ---------------------------------------------------------------------- lifecycle guard (bot/bootstrap.py)


def resolve_blockers(session: Session, case: Case) -> list[Blocker]:
    """A case isn't resolved while an offer on it waits for an approver: someone would decide into the void."""
    live = current_offer(session, case.id)
    if live is not None and live.state == OfferState.AWAITING_APPROVAL:
        return [Blocker("An offer is waiting for an approver's decision; ask them to decide it first.")]
    return []


# ---------------------------------------------------------------------- reading


def get_offer(session: Session, offer_id: int, *, for_update: bool = False) -> Offer:
    query = select(Offer).where(Offer.id == offer_id)
    offer = session.scalar(query.with_for_update() if for_update else query)
    if offer is None:
        raise NotFound("I can't find that offer any more; it may have been removed with its case.")
    return offer


def current_offer(session: Session, case_id: int) -> Offer | None:
    """What is on offer now (or waiting for approval): the latest offer not denied or replaced."""
    # With its items: the offer modal shows them after the session has closed.
    return session.scalar(select(Offer).where(Offer.case_id == case_id, Offer.state.in_(
        [OfferState.OFFERED, OfferState.AWAITING_APPROVAL])).options(selectinload(Offer.items))
        .order_by(Offer.id.desc()).limit(1))


def latest_offered(session: Session, case_id: int) -> Offer | None:
    """The offer the customer has now (approved, if it needed approval), with its items."""
    return session.scalar(select(Offer).where(Offer.case_id == case_id, Offer.state == OfferState.OFFERED)
                          .options(selectinload(Offer.items)).order_by(Offer.id.desc()).limit(1))


def customer_choice(session: Session, case_id: int) -> CustomerChoice | None:
    """The customer's recorded choice (the latest, if it was recorded again), or None."""
    return session.scalar(select(CustomerChoice).where(CustomerChoice.case_id == case_id)
                          .order_by(CustomerChoice.id.desc()).limit(1))


@dataclass(frozen=True)
class PendingApproval:
    offer_id: int
    case_id: int
    case_ref: str | None
    customer_name: str
    requested_by: str
    requested_at: datetime
    amount: Decimal        # what the offer may cost
    budget: Decimal
    currency: str
    reasons: tuple[str, ...]
    escalated: bool
    channel: str | None    # where the request message is (for a link), if posted
    ts: str | None


def _awaiting(approver_user_id: str) -> list[ColumnElement[bool]]:
    # `approvers` is a JSON list of user ids; as text, each is quoted, so this matches whole ids only.
    return [Offer.state == OfferState.AWAITING_APPROVAL,
            cast(Offer.approvers, String).contains(f'"{approver_user_id}"', autoescape=True)]


def count_pending_approvals(session: Session, approver_user_id: str) -> int:
    return session.scalar(select(func.count()).select_from(Offer).where(*_awaiting(approver_user_id))) or 0


def pending_approvals(session: Session, approver_user_id: str, *, offset: int = 0,
                      limit: int | None = None) -> list[PendingApproval]:
    """Requests waiting for a decision that `approver_user_id` was asked for, oldest first; `offset` and
    `limit` page them in SQL (App Home)."""
    rows = session.execute(select(Offer, Case).join(Case, Case.id == Offer.case_id)
                           .where(*_awaiting(approver_user_id))
                           .order_by(Offer.requested_at, Offer.id).offset(offset).limit(limit)).all()
    waiting = []
    for offer, case in rows:
        first = (offer.messages or [{}])[0]
        waiting.append(PendingApproval(
            offer_id=offer.id, case_id=case.id, case_ref=case.ref, customer_name=case.customer_name,
            requested_by=offer.made_by, requested_at=offer.requested_at or offer.made_at, amount=offer.exposure,
            budget=offer.budget, currency=offer.currency, reasons=tuple(offer.approval_reasons or ()),
            escalated=offer.escalated_at is not None, channel=first.get("channel"), ts=first.get("ts")))
    return waiting


@dataclass(frozen=True)
class CaseSpending:
    case_id: int
    case_ref: str | None
    currency: str
    budget: Decimal           # the case's budget (as of its latest offer or recorded choice)
    committed: Decimal        # what the current offer may cost (approved amount when an approver set one)
    spent: Decimal            # the final cost, once the customer's choice is recorded (else 0)
    choice: str | None        # wait, alternative, cancel (bot.drafting.context.Choice) or None
    alternative: str | None   # the catalog id of the alternative they took


@dataclass(frozen=True)
class Spending:
    since: datetime
    until: datetime
    cases: list[CaseSpending] = field(default_factory=list)

    @property
    def budget(self) -> Decimal:
        return sum((c.budget for c in self.cases), Decimal("0.00"))

    @property
    def spent(self) -> Decimal:
        return sum((c.spent for c in self.cases), Decimal("0.00"))

    @property
    def committed(self) -> Decimal:
        return sum((c.committed for c in self.cases), Decimal("0.00"))


def spending(session: Session, since: datetime, until: datetime) -> Spending:
    """Compensation against budget for every case with an offer made or a choice recorded in [since, until)."""
    offered = select(Offer.case_id).where(Offer.made_at >= since, Offer.made_at < until)
    chose = select(CustomerChoice.case_id).where(CustomerChoice.recorded_at >= since,
                                                 CustomerChoice.recorded_at < until)
    case_rows = session.scalars(select(Case).where(or_(Case.id.in_(offered), Case.id.in_(chose)))
                                .order_by(Case.id)).all()
    result = []
    for case in case_rows:
        offer = latest_offered(session, case.id)
        chosen = customer_choice(session, case.id)
        item = session.get(OfferItem, chosen.item_id) if chosen and chosen.item_id else None
        latest_budget = chosen.budget if chosen and (offer is None or chosen.recorded_at >= offer.made_at) else (
            offer.budget if offer else Decimal("0.00"))
        result.append(CaseSpending(
            case_id=case.id, case_ref=case.ref, currency=case.currency, budget=latest_budget,
            committed=offer.allowed if offer else Decimal("0.00"),
            spent=chosen.final_cost if chosen else Decimal("0.00"),
            choice=chosen.choice if chosen else None, alternative=item.catalog_id if item else None))
    return Spending(since=since, until=until, cases=result)


def offers_on(session: Session, case_id: int) -> Sequence[Offer]:
    return session.scalars(select(Offer).where(Offer.case_id == case_id).options(selectinload(Offer.items))
                           .order_by(Offer.id)).all()
