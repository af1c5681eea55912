"""What a template can use: the facts of the case, the associate, and the offers made to the customer.

Everything a template sees is built here, in one place, from plain values. The variables:

    customer.name, customer.contact (or None), customer.timezone          - as typed at intake
    customer.language ("en", "es": the language of the draft; dates are written in it)
    order.ref, order.promise, order.value (Amount or None)
    order.promised (When), order.new_date (When or None), order.overdue (true/false),
    order.kind ("goods", "service" or "visit": what was promised; the wording follows it)
    case.ref (a link to the case in Slack, the plain reference elsewhere), case.cause ("stock-out", ...),
    case.cause_label ("Stock-out"), case.cause_detail ("phantom-stock", ... or None), case.severity, case.contacted (When the customer was first told, or
    None), case.notes (internal: never put them in customer text)
    associate.name, associate.first_name, associate.phone, associate.email (each may be None),
    associate.reach (the direct way to reach them: phone, else email, else the team's contact, or None),
    associate.mention (a Slack mention in Slack, the name elsewhere)
    company, team_contact                                                  - amends.yaml `drafting:`
    alternatives   - a list; each has title, description, available (When or None), price (Amount or None)
    incentive      - what makes the alternative worth taking (e.g. "a free upgrade to the Pro model")
    gift           - the gift or advantage for the customer (e.g. "free delivery on your next order")
    compensation   - money given back (Amount or None)
    choice         - what the customer chose, once they have: "wait", "alternative", "cancel" or None
    done           - what the case's log says was done, as a customer hears it: done.tried / done.worked
                     (the playbook checks' `say`, e.g. "checked our other stores"), done.since_contact
                     (those recorded after the customer was first told), done.manager_alerted, done.anything
    personal_care  - the associate chose to offer looking after the customer's next order personally
    tone           - "warm" or "formal" (amends.yaml drafting.tone), ask_forgiveness - true unless the
                     team switched "Will you forgive us?" off
    today          - When

`When` prints as "Friday 27 November at 2 pm" in the customer's timezone (`.date`, `.short`, `.time`,
`.weekday` give parts); `Amount` prints as "£240" in the workspace currency.

Offers (alternatives, incentive, gift, compensation, choice) come from `OfferFacts`, filled by
`bot.drafting.offers.offers_for`; every one of them is optional and templates read well without them.
What was done comes from `RecordedFacts` (`bot.drafting.facts.facts_for`): a message says only what the
case's log records, and nothing when nothing was recorded.
Person-written text is shortened to a sensible length here and otherwise kept exactly as typed: it is
data, never template code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.cases.causes import Cause
from bot.cases.models import Case
from bot.drafting.environment import SlackSyntax
from bot.drafting.values import When
from bot.money import Amount
from bot.settings import AmendsConfig
from bot.text import truncate

# How much of each person-written field a message quotes; the rest is left to the associate's judgement.
SHORT = 120
MEDIUM = 300


class Choice(StrEnum):
    """What the customer chose; the choice is always theirs."""

    WAIT = "wait"
    ALTERNATIVE = "alternative"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Alternative:
    """Something the customer may take instead of waiting (from the offers area)."""

    title: str
    description: str | None = None
    available_at: datetime | None = None  # aware; when the customer can have it
    price: Decimal | None = None          # None: the same price as what they ordered


@dataclass(frozen=True)
class OfferFacts:
    """The offers made to the customer, as plain values. Every field is optional."""

    alternatives: Sequence[Alternative] = ()
    incentive: str | None = None
    gift: str | None = None
    compensation: Decimal | None = None
    choice: Choice | None = None
    # Offered entries the catalog has no words for in the draft's language: named in the base language's.
    unworded: Sequence[str] = ()


@dataclass(frozen=True)
class DoneFact:
    """One thing the case's log records as done, worded for the customer (a check's `say`)."""

    say: str
    at: datetime
    worked: bool = False


@dataclass(frozen=True)
class RecordedFacts:
    """What the case's log records as done, as plain values. Empty: nothing may be claimed."""

    done: Sequence[DoneFact] = ()
    manager_alerted_at: datetime | None = None


@dataclass(frozen=True)
class Associate:
    """Who sends the message, and how the customer reaches them directly."""

    user_id: str
    name: str
    phone: str | None = None
    email: str | None = None


# ---------------------------------------------------------------------- what templates see


@dataclass(frozen=True)
class CustomerView:
    name: str
    contact: str | None
    timezone: str
    language: str = "en"


@dataclass(frozen=True)
class OrderView:
    ref: str
    promise: str
    value: Amount | None
    promised: When
    new_date: When | None
    overdue: bool
    kind: str = "goods"


@dataclass(frozen=True)
class CaseView:
    ref: SlackSyntax
    cause: str
    cause_label: str
    severity: str
    contacted: When | None
    notes: str | None
    cause_detail: str | None = None


@dataclass(frozen=True)
class DoneView:
    tried: tuple[str, ...] = ()
    worked: tuple[str, ...] = ()
    since_contact: tuple[str, ...] = ()
    manager_alerted: bool = False

    @property
    def anything(self) -> bool:
        return bool(self.tried or self.worked or self.manager_alerted)


@dataclass(frozen=True)
class AssociateView:
    name: str
    first_name: str
    phone: str | None
    email: str | None
    reach: str | None
    mention: SlackSyntax


@dataclass(frozen=True)
class AlternativeView:
    title: str
    description: str | None
    available: When | None
    price: Amount | None


@dataclass(frozen=True)
class DraftContext:
    customer: CustomerView
    order: OrderView
    case: CaseView
    associate: AssociateView
    company: str | None
    team_contact: str | None
    alternatives: tuple[AlternativeView, ...] = ()
    incentive: str | None = None
    gift: str | None = None
    compensation: Amount | None = None
    choice: str | None = None
    today: When | None = field(default=None)
    done: DoneView = DoneView()
    personal_care: bool = False
    tone: str = "warm"
    ask_forgiveness: bool = True

    def as_mapping(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def inline(value: str | None, limit: int) -> str | None:
    """Person text for the middle of a sentence: whitespace folded to single spaces, shortened."""
    if value is None:
        return None
    folded = " ".join(value.split())
    return truncate(folded, limit) if folded else None


# First words people capitalise only because they start the field ("A 65-inch TV", "Paid training"); a
# brand or a name ("Samsung TV", "HP fuser") keeps its capital. Lower-cased in the middle of a sentence.
COMMON_FIRST_WORDS = frozenset("""
    a an the one two three four five six seven eight nine ten twelve some our your new replacement
    paid free full annual monthly weekly first second repair delivery installation training service
    visit session appointment maintenance set pair box pack order
""".split())


def mid_sentence(text: str) -> str:
    """Person text placed after "your order SO-1, ...": a capital only a sentence start gave it goes."""
    first, _, rest = text.partition(" ")
    if first[:1].isupper() and first[1:].islower() and first.lower() in COMMON_FIRST_WORDS:
        return f"{first.lower()} {rest}".rstrip()
    if len(first) == 1 and first in {"A"}:
        return f"a {rest}".rstrip()
    return text


def customer_zone(case: Case, config: AmendsConfig) -> ZoneInfo:
    """The customer's timezone when the case has one, else the workspace's."""
    name = getattr(case, "customer_timezone", None)
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return config.workspace.zone


def done_view(facts: RecordedFacts, contacted_at: datetime | None) -> DoneView:
    said = [f for f in facts.done if inline(f.say, SHORT)]
    return DoneView(
        tried=tuple(inline(f.say, SHORT) or "" for f in said if not f.worked),
        worked=tuple(inline(f.say, SHORT) or "" for f in said if f.worked),
        since_contact=tuple(inline(f.say, SHORT) or "" for f in said
                            if contacted_at is not None and f.at > contacted_at),
        manager_alerted=facts.manager_alerted_at is not None,
    )


def build_context(case: Case, *, config: AmendsConfig, associate: Associate, offers: OfferFacts | None = None,
                  facts: RecordedFacts | None = None, personal_care: bool = False, language: str = "en",
                  now: datetime) -> DraftContext:
    """What a template sees; `language` is the draft's (its dates are written in it)."""
    offers = offers or OfferFacts()
    zone = customer_zone(case, config)
    currency = config.workspace.currency

    def when(instant: datetime | None) -> When | None:
        return When.of(instant, zone, now=now, language=language) if instant is not None else None

    def money(value: Decimal | None) -> Amount | None:
        return Amount(value, currency, config.workspace.locale) if value is not None else None

    ref = case.ref or f"#{case.id}"
    name = inline(associate.name, SHORT) or "your contact"
    phone, email = inline(associate.phone, 60), inline(associate.email, SHORT)
    team_contact = inline(config.drafting.team_contact, MEDIUM)
    cause = Cause(case.cause)
    return DraftContext(
        customer=CustomerView(name=inline(case.customer_name, SHORT) or "there",
                              contact=inline(case.customer_contact, SHORT), timezone=zone.key,
                              language=language),
        order=OrderView(
            ref=inline(case.order_ref, SHORT) or "",
            promise=mid_sentence(inline(case.promise, MEDIUM) or ""),
            value=money(case.order_value),
            promised=when(case.promised_at),
            # The new date the customer is told; until one is set, what the team can keep (buffer included).
            new_date=when(case.new_date or case.achievable_date),
            overdue=case.promised_at <= now,
            kind=case.promise_kind or "goods",
        ),
        case=CaseView(
            ref=SlackSyntax(f"<{case.permalink}|{ref}>" if case.permalink else ref, ref),
            cause=cause.value, cause_label=cause.label, severity=case.severity,
            contacted=when(case.customer_contacted_at),
            notes=truncate(case.notes, 1000) if case.notes else None,
            cause_detail=case.cause_detail,
        ),
        associate=AssociateView(
            name=name, first_name=name.split()[0],
            phone=phone, email=email, reach=phone or email or team_contact,
            mention=SlackSyntax(f"<@{associate.user_id}>", name),
        ),
        company=inline(config.drafting.company, SHORT),
        team_contact=team_contact,
        alternatives=tuple(
            AlternativeView(title=inline(alt.title, SHORT) or "an alternative",
                            description=inline(alt.description, MEDIUM),
                            available=when(alt.available_at), price=money(alt.price))
            for alt in offers.alternatives[:5]
        ),
        incentive=inline(offers.incentive, MEDIUM),
        gift=inline(offers.gift, MEDIUM),
        compensation=money(offers.compensation),
        choice=Choice(offers.choice).value if offers.choice else None,
        today=when(now),
        done=done_view(facts or RecordedFacts(), case.customer_contacted_at),
        personal_care=personal_care and config.drafting.personal_care,
        tone=str(config.drafting.tone),
        ask_forgiveness=config.drafting.ask_forgiveness,
    )
