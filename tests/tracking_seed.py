"""Tracked cases with known figures, for the report and the weekly digest tests, saved through the
domain services as the Slack flows do. November 2026: London is on UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bot.cases import service as cases
from bot.cases.intake import CaseIntake
from bot.cases.models import Outcome
from bot.db import Database
from bot.offers.models import CustomerChoice
from bot.settings import AmendsConfig
from bot.tracking import service as tracking
from bot.tracking.service import ActionItemInput, ItemSchedule, ResolutionInput
from tests.support import lifecycle_for, waive_required_steps

ASSOCIATE, COLLEAGUE = "U0ASSOC01", "U0ASSOC02"
START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)


def at(day: int, hour: int = 9, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def open_case(db: Database, config: AmendsConfig, when: datetime, cause: str, customer: str) -> int:
    intake = CaseIntake(customer_name=customer, order_ref=f"SO-{when:%m%d}", promise="12 office chairs",
                        promised_at=when + timedelta(days=2), cause=cause, order_value=Decimal("2400"))
    with db.transaction() as session:
        return cases.open_case(session, intake, reporter_id=ASSOCIATE, config=config, now=when,
                               lifecycle=lifecycle_for(config)).id


def contacted(db: Database, config: AmendsConfig, case_id: int, when: datetime) -> None:
    with db.transaction() as session:
        cases.record_customer_contacted(session, case_id, actor_id=ASSOCIATE, now=when, channel="phone",
                                        lifecycle=lifecycle_for(config))


def resolve(db: Database, config: AmendsConfig, case_id: int, when: datetime, details: ResolutionInput) -> None:
    with db.transaction() as session:
        waive_required_steps(session, case_id, when)  # the rules a resolution goes through: see test_playbooks
        tracking.resolve(session, case_id, details, actor_id=ASSOCIATE, now=when, lifecycle=lifecycle_for(config),
                         schedule=ItemSchedule(config.workspace.zone))


def chose(db: Database, case_id: int, when: datetime, choice: str, final_cost: str, budget: str) -> None:
    """The customer's choice as the offers area records it (with the case's compensation budget then)."""
    with db.transaction() as session:
        session.add(CustomerChoice(case_id=case_id, choice=choice, final_cost=Decimal(final_cost),
                                   budget=Decimal(budget), currency="GBP", recorded_by=ASSOCIATE, recorded_at=when,
                                   gesture="A voucher" if choice == "cancel" else None))


def seed(db: Database, config: AmendsConfig) -> None:
    """Six cases: AM-1..AM-4 count in November; AM-5 is all October; AM-6 was opened in November too."""
    one = open_case(db, config, at(10), "supplier-delay", "Northwind Traders")
    contacted(db, config, one, at(10, 11))                                   # told after 2 h
    chose(db, one, at(11), "alternative", "120.00", "200.00")
    resolve(db, config, one, at(12), ResolutionInput(
        Outcome.TOOK_ALTERNATIVE, Decimal("120.00"), "Fabric batch failed inspection",
        lesson_worked="Mesh model at the same price", lesson_change="Ask for inspection dates",
        satisfaction=5, satisfaction_comment="Lovely chairs",
        action_items=(ActionItemInput("Second fabric supplier", COLLEAGUE, date(2026, 11, 20)),)))
    two = open_case(db, config, at(11), "supplier-delay", "Contoso")
    contacted(db, config, two, at(11, 13))                                   # told after 4 h
    chose(db, two, at(12), "cancel", "0", "150.00")
    resolve(db, config, two, at(13), ResolutionInput(Outcome.CANCELLED, Decimal("0"), "Supplier went bust"))
    three = open_case(db, config, at(24), "stock-out", "Fabrikam")
    contacted(db, config, three, at(25))                                     # told after 24 h, still open
    four = open_case(db, config, at(20, month=10), "logistics", "Tailspin Toys")  # opened in October
    resolve(db, config, four, at(5), ResolutionInput(
        Outcome.PROMISE_KEPT, Decimal("35.50"), "Courier lost the pallet", lesson_worked="Sent a van",
        action_items=(ActionItemInput("Courier SLA review", ASSOCIATE, date(2026, 11, 6)),)))
    with db.transaction() as session:
        tracking.record_satisfaction(session, four, score=4, comment=None, actor_id=ASSOCIATE, now=at(8),
                                     lifecycle=lifecycle_for(config))
        [item] = tracking.action_items_for_case(session, four)
        tracking.complete_action_item(session, item.id, actor_id=ASSOCIATE, now=at(7))
    five = open_case(db, config, at(1, month=10), "quality", "Old Case Ltd")     # all in October
    resolve(db, config, five, at(5, month=10), ResolutionInput(Outcome.CANCELLED, Decimal("999"), "Old"))
    open_case(db, config, at(26), "capacity", "Wide World Importers")            # open, customer not told


# What the report for November must say.
EXPECTED = {
    "opened": 4,
    "resolved": 3,
    "by_cause": {"supplier-delay": 2, "capacity": 1, "stock-out": 1},
    "median_hours_to_contact": 4.0,
    "contacted": 3,
    "outcomes": {"promise_kept": 1, "took_alternative": 1, "cancelled": 1},
    "spent": Decimal("120.00"),
    "budget": Decimal("350.00"),
    "offer_cases": 2,
    "final_costs": Decimal("155.50"),
    "satisfaction_average": 4.5,
    "satisfaction_count": 2,
    "open_action_items": 1,
    "overdue_action_items": 1,
    "best": ["AM-1", "AM-4", "AM-2"],
    "cases": ["AM-4", "AM-1", "AM-2", "AM-3", "AM-6"],
}
