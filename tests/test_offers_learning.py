"""The offer modal learns from resolved cases (signed requests, fake Slack): what customers of the same
cause took far more often, and more happily, comes first with its reason; two cases of evidence move
nothing. The estimator itself: a Beta prior and Wilson bounds, similar cases weighted more."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench.offers_history import PastCase, seed
from bot.offers.catalog import Kind, Standing, load_catalog
from bot.offers.learning import Evidence, judge, weight, wilson
from bot.sandbox.fake_slack import ViewRecord
from bot.settings import AmendsConfig
from tests.support import APPROVER, MANAGER, Harness, all_text, configured
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
