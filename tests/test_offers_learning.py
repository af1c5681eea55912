"""The offer modal learns from resolved cases (signed requests, fake Slack): what customers of the same
cause took far more often, and more happily, comes first with its reason; two cases of evidence move
nothing. The estimator itself: a Beta prior and Wilson bounds, similar cases weighted more."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import select

from bench.offers_history import PastCase, seed
from bot.cases import service as cases
from bot.cases.intake import CaseIntake
from bot.cases.models import Case, Outcome
from bot.clock import FrozenClock
from bot.db import Database, alembic_config, upgrade
from bot.offers import service
from bot.offers.catalog import Kind, Role, Standing, load_catalog
from bot.offers.learning import Evidence, judge, rebuild_tallies, record_outcomes, weight, wilson
from bot.offers.models import Decision, OfferOutcome, OfferTally
from bot.sandbox.fake_slack import ViewRecord
from bot.settings import AmendsConfig
from bot.tracking import service as tracking
from bot.tracking.service import ItemSchedule, ResolutionInput
from tests.support import APPROVER, MANAGER, Harness, all_text, configured, lifecycle_for, waive_required_steps
from tests.test_offers import open_offer


@pytest.fixture
def config() -> AmendsConfig:
    return configured(offers={"approvers": {"users": [APPROVER, MANAGER]}})


def history(harness: Harness, rows: list[PastCase]) -> None:
    with harness.amends.db.transaction() as session:
        seed(session, load_catalog(harness.amends.config.playbooks), rows)


def past(took: str | None, satisfaction: int | None, harness: Harness, *, cause: str = "supplier-delay",
         tier: str = "preferred") -> PastCase:
    return PastCase(cause=cause, tier=tier, alternatives=("loaner-unit", "upgrade-same-price"),
                    incentive="free-accessory", took=took, satisfaction=satisfaction,
                    resolved_at=harness.clock.now() - timedelta(days=20))


def alternatives(view: ViewRecord) -> list[str]:
    block = next(b for b in view.view["blocks"] if b.get("block_id") == "offer_alternatives")
    return [o["value"] for o in block["element"]["options"]]


TODAY = ["loaner-unit", "partial-shipment", "expedite-on-arrival", "upgrade-same-price", "source-elsewhere",
         "cancel-refund-goodwill"]


def test_what_similar_customers_took_and_liked_comes_first_with_its_reason(harness: Harness) -> None:
    # Supplier delays like this one: 17 of 20 customers took the upgrade and loved it; 2 took the loaner
    # (cheaper, first today) and were lukewarm; one waited. Other causes say the opposite, and count less.
    rows = [past("upgrade-same-price", 5 if i % 3 else 4, harness) for i in range(17)]
    rows += [past("loaner-unit", 3, harness) for _ in range(2)] + [past("wait", 4, harness)]
    rows += [past("loaner-unit", 5, harness, cause="logistics", tier="standard") for _ in range(5)]
    history(harness, rows)
    case = harness.open_case()
    view = open_offer(harness, case)
    ranked = alternatives(view)
    assert ranked[0] == "upgrade-same-price" and ranked.index("loaner-unit") > ranked.index("partial-shipment")
    shown = all_text(view.view["blocks"])
    assert ("*Upgrade to an equal or better model, same price*: taken by 17 of 20 similar customers, "
            "satisfaction 4.6 (ranked up)") in shown
    assert "*A loaner or demo unit until theirs arrives*: taken by 2 of 20 similar customers, satisfaction 3.0 " \
           "(ranked down)" in shown


def test_two_cases_of_evidence_move_nothing(harness: Harness) -> None:
    history(harness, [past("upgrade-same-price", 5, harness) for _ in range(2)])
    case = harness.open_case()
    view = open_offer(harness, case)
    assert alternatives(view) == TODAY
    assert ("taken by 2 of 2 similar customers, satisfaction 5.0 (too few cases to rank by yet)"
            in all_text(view.view["blocks"]))


def test_the_estimator() -> None:
    low, high = wilson(7, 9)
    assert 0.45 < low < 0.46 and 0.93 < high < 0.94
    assert wilson(0, 0) == (0.0, 1.0)
    # A case of the same cause and tier counts nearly fully; another cause barely; never more than one case.
    assert weight(True, True, True) == pytest.approx(1.0) and weight(False, False, False) == pytest.approx(0.1)
    assert weight(True, False, False) > weight(False, True, True) > weight(False, False, True)

    def record(taken: int, offered: int, score: float | None = None) -> Evidence:
        scored = taken if score is not None else 0
        return Evidence(offered_w=offered, taken_w=taken, satisfaction_w=(score or 0) * scored, scored_w=scored,
                        offered=offered, taken=taken, satisfaction_sum=int((score or 0) * scored), scored=scored)

    # One lucky case does not jump an entry to the top; a clear record does, unless customers disliked it.
    assert judge({"a": record(1, 1, 5), "b": record(3, 10, 4)})["a"].standing is Standing.NEUTRAL
    verdicts = judge({"a": record(18, 20, 5), "b": record(3, 20, 4)})
    assert (verdicts["a"].standing, verdicts["b"].standing) == (Standing.UP, Standing.DOWN)
    assert judge({"a": record(18, 20, 2), "b": record(3, 20, 5)})["a"].standing is Standing.NEUTRAL
    assert Kind.ALTERNATIVE.value == "alternative"


def tallies(session) -> dict:  # noqa: ANN001
    return {(t.kind, t.catalog_id, t.cause, t.tier): (t.offered, t.taken, t.satisfaction_sum, t.scored, t.cost_sum)
            for t in session.scalars(select(OfferTally)) if t.offered}


def resolve_with_an_approved_smaller_offer(db: Database, config: AmendsConfig, now: datetime) -> int:
    """A case through the services and the bot's lifecycle (bot/bootstrap.py): the upgrade or the loaner
    asked, approved up to £100 (the upgrade left out), the customer takes the loaner, the case is
    resolved; then scored 4 at the follow-up."""
    catalog = load_catalog(config.playbooks)
    lifecycle = lifecycle_for(config)
    intake = CaseIntake(customer_name="Northwind", order_ref="SO-1", promise="12 office chairs",
                        promised_at=now + timedelta(days=1), cause="supplier-delay", order_value=Decimal("2400"),
                        customer_tier="preferred")
    with db.transaction() as session:
        case_id = cases.open_case(session, intake, reporter_id="U0ASSOC01", config=config, now=now,
                                  lifecycle=lifecycle).id
        waive_required_steps(session, case_id, now)
        offer = service.make_offer(session, case_id, alternatives=["upgrade-same-price", "loaner-unit"],
                                   incentive="store-credit", note=None, actor_id="U0ASSOC01", role=Role.ASSOCIATE,
                                   catalog=catalog, config=config, approvers=[APPROVER], now=now)
        service.decide(session, offer.id, Decision.APPROVED_DIFFERENT, actor_id=APPROVER, now=now,
                       show=service.money(config), amount="100")
        loaner = next(i for i in offer.items if i.catalog_id == "loaner-unit")
        service.record_choice(session, case_id, choice="alternative", item_id=loaner.id, gesture=None,
                              final_cost="", note=None, actor_id="U0ASSOC01", config=config, now=now)
        tracking.resolve(session, case_id, ResolutionInput(Outcome.TOOK_ALTERNATIVE, Decimal("90"), "Fabric"),
                         actor_id="U0ASSOC01", now=now, lifecycle=lifecycle,
                         schedule=ItemSchedule(config.workspace.zone))
    with db.transaction() as session:
        tracking.record_satisfaction(session, case_id, score=4, comment=None, actor_id="U0ASSOC01", now=now,
                                     lifecycle=lifecycle)
    return case_id


def test_the_record_follows_the_case_as_it_is_resolved_scored_and_reopened(db_url: str, config: AmendsConfig,
                                                                           clock: FrozenClock) -> None:
    db, now = Database(db_url), clock.now()
    try:
        case_id = resolve_with_an_approved_smaller_offer(db, config, now)
        with db.transaction() as session:
            rows = {(o.kind, o.catalog_id): (o.taken, o.satisfaction, o.final_cost)
                    for o in session.scalars(select(OfferOutcome).where(OfferOutcome.case_id == case_id))}
            # The upgrade was left out by the approver: never offered, so not counted against it.
            assert rows == {("alternative", "loaner-unit"): (True, 4, Decimal("90.00")),
                            ("incentive", "store-credit"): (True, 4, Decimal("90.00"))}
            kept = tallies(session)
            assert kept[("alternative", "loaner-unit", "supplier-delay", "preferred")] == (1, 1, 4, 1, Decimal("90.00"))
            rebuild_tallies(session)
            assert tallies(session) == kept  # the increments agree with the sums afresh
        with db.transaction() as session:
            cases.reopen_case(session, case_id, actor_id="U0ASSOC01", now=now, reason="Wrong chairs",
                              lifecycle=lifecycle_for(config))
        with db.transaction() as session:
            assert session.scalars(select(OfferOutcome)).all() == [] and tallies(session) == {}
    finally:
        db.dispose()


def test_the_upgrade_fills_the_record_from_cases_resolved_before_it(db_url: str, config: AmendsConfig,
                                                                    clock: FrozenClock) -> None:
    db = Database(db_url)
    try:
        resolve_with_an_approved_smaller_offer(db, config, clock.now())
        with db.transaction() as session:
            kept = tallies(session)
            outcomes = sorted((o.case_id, o.kind, o.catalog_id, o.taken, o.satisfaction, o.final_cost)
                              for o in session.scalars(select(OfferOutcome)))
        db.dispose()
        command.downgrade(alembic_config(db_url), "0010_home_digest")
        upgrade(db_url)
        db = Database(db_url)
        with db.transaction() as session:
            assert tallies(session) == kept
            assert sorted((o.case_id, o.kind, o.catalog_id, o.taken, o.satisfaction, o.final_cost)
                          for o in session.scalars(select(OfferOutcome))) == outcomes
    finally:
        db.dispose()


def test_the_seeded_history_is_what_the_lifecycle_would_have_kept(db_url: str, config: AmendsConfig,
                                                                  clock: FrozenClock) -> None:
    """bench/offers_history.py writes outcome rows and tallies itself (100,000 cases one by one would take
    minutes); recomputing each case as the lifecycle does changes nothing."""
    when = clock.now() - timedelta(days=3)
    rows = [PastCase("supplier-delay", "key", ("loaner-unit", "upgrade-same-price"), "store-credit", took, score, when)
            for took, score in [("loaner-unit", 5), ("upgrade-same-price", None), ("wait", 3), ("cancel", 1),
                                (None, None)]]
    db = Database(db_url)
    try:
        with db.transaction() as session:
            seed(session, load_catalog(config.playbooks), rows)
        with db.transaction() as session:
            before = tallies(session), sorted((o.case_id, o.kind, o.catalog_id, o.taken, o.satisfaction, o.final_cost)
                                              for o in session.scalars(select(OfferOutcome)))
            for case in session.scalars(select(Case)):
                record_outcomes(session, case)
            after = tallies(session), sorted((o.case_id, o.kind, o.catalog_id, o.taken, o.satisfaction, o.final_cost)
                                             for o in session.scalars(select(OfferOutcome)))
        assert after == before and len(before[1]) == 15
    finally:
        db.dispose()
