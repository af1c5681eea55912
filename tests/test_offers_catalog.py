"""The alternatives catalog is data: the shipped file covers the recovery method, a team's file adds or
replaces entries, and every problem is named with its file and line by `amends check`."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bot.cases.models import Case
from bot.offers.catalog import Kind, Price, Role, check_catalog, load_catalog, ranked
from bot.playbooks.config import PlaybooksConfig
from bot.settings import AmendsConfig, load_config
from tests.test_cli import run_cli
from tests.test_playbook_files import write

ENTRY = """\
  - id: {id}
    title: {title}
    causes: [any]
    cost: {cost}
    value: 40
    grant: {{associate: 30, manager: 100}}
"""


def test_the_shipped_catalog_offers_what_the_method_asks_for() -> None:
    catalog = load_catalog(PlaybooksConfig())
    alternatives = {e.id for e in catalog.alternatives}
    incentives = {e.id for e in catalog.incentives}
    assert {"expedite-on-arrival", "upgrade-same-price", "partial-shipment", "loaner-unit", "source-elsewhere",
            "cancel-refund-goodwill"} <= alternatives
    assert {"store-credit", "discount-next-order", "free-accessory", "free-shipping-next"} <= incentives
    for entry in (*catalog.alternatives, *catalog.incentives):
        assert entry.grant.manager >= entry.grant.associate
    # Every cause has something to offer.
    for cause in ("stock-out", "supplier-delay", "logistics", "capacity", "quality", "system-error",
                  "force-majeure", "other"):
        for kind in ("goods", "service", "visit"):  # ...and every kind of promise, in its own terms
            case = Case(cause=cause, order_value=Decimal("500.00"), promise_kind=kind)
            assert ranked(catalog.alternatives, Kind.ALTERNATIVE, case, Role.ASSOCIATE)[0], (cause, kind)
            assert ranked(catalog.incentives, Kind.INCENTIVE, case, Role.ASSOCIATE)[0], (cause, kind)
    training = Case(cause="force-majeure", order_value=Decimal("500.00"), promise_kind="service")
    offered = {p.entry.id for p in ranked(catalog.alternatives, Kind.ALTERNATIVE, training, Role.ASSOCIATE)[0]}
    assert {"reschedule-preferred", "recorded-session", "another-trainer"} <= offered
    assert not offered & {"loaner-unit", "expedite-on-arrival", "upgrade-same-price"}


def test_prices_are_fixed_or_a_share_of_the_order_and_never_floats() -> None:
    assert Price.parse(12.5).of(None) == Decimal("12.50")
    assert Price.parse("8%").of(Decimal("2400.00")) == Decimal("192.00")
    assert Price.parse("12.5%").of(Decimal("99.99")) == Decimal("12.50")  # 12.49875, half up
    assert Price.parse("10%").of(None) is None  # unknown without the order value


def test_a_team_file_adds_replaces_and_retires_entries(tmp_path: Path) -> None:
    write(tmp_path, "alternatives.yaml", "alternatives:\n" + ENTRY.format(id="loaner-unit", title="Our own loaner",
                                                                          cost=10)
          + "  - {id: partial-shipment, title: x, cost: 1, value: 1, enabled: false}\n"
          + "incentives:\n" + ENTRY.format(id="bar-tab", title="Drinks on us", cost=5))
    catalog = load_catalog(PlaybooksConfig(folders=(tmp_path,)))
    loaner = catalog.entry(Kind.ALTERNATIVE, "loaner-unit")
    assert loaner is not None and loaner.title == "Our own loaner" and loaner.cost.fixed == Decimal("10.00")
    assert catalog.entry(Kind.ALTERNATIVE, "partial-shipment") is None
    assert catalog.entry(Kind.INCENTIVE, "bar-tab") is not None
    assert catalog.entry(Kind.ALTERNATIVE, "expedite-on-arrival") is not None  # the shipped ones stay


def test_every_problem_is_named_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "alternatives.yaml", "alternatives:\n"
                 + ENTRY.format(id="ok-one", title="Fine", cost=10)
                 + ENTRY.format(id="Bad Id", title="Bad id", cost=10)
                 + ENTRY.format(id="pricey", title="Float", cost="ten pounds")
                 + "  - {id: cause, title: Cause, cost: 1, value: 1, causes: [stockout]}\n"
                 + "  - {id: limits, title: Limits, cost: 1, value: 1, grant: {associate: 50, manager: 10}}\n")
    _, problems = check_catalog(PlaybooksConfig(folders=(tmp_path,)))
    assert problems == [
        f"{path}:8: alternatives.1.id: 'Bad Id' has the wrong form",
        f"{path}:17: alternatives.2.cost: “ten pounds” isn't an amount; write it like 40 or 40.50; or a share of "
        "the order value like 10%",
        f"{path}:20: alternatives.3.causes: unknown cause 'stockout'; use `any` or some of: capacity, force-majeure, "
        "logistics, other, quality, stock-out, supplier-delay, system-error",
        f"{path}:21: alternatives.4.grant: a manager's limit must be at least the associate's",
    ]


def test_the_budget_rules_are_configurable_and_checked(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", "cases: {channel: C0CASES01}\noffers:\n  budget:\n    marketing_spend: 9000\n"
                 "    new_customers: 60\n    tiers: {key: 4}\n  escalate_after: 90m\n")
    config = load_config(good)
    assert config.offers.budget.acquisition_cost == Decimal("150")
    assert config.offers.budget.tier_times("key") == Decimal("4")
    assert config.offers.budget.tier_times("preferred") == Decimal("1.5")  # defaults stay for the others
    assert isinstance(config, AmendsConfig)
    hash(config)

    write(tmp_path, "amends.yaml", "cases: {channel: C0CASES01}\noffers:\n  budget:\n    new_customers: 0\n"
                "    delay:\n      - {after: 3d, times: 1.5}\n      - {after: 1d, times: 1.2}\n")
    checked = run_cli("check", cwd=tmp_path)
    assert checked.returncode == 2
    assert "amends.yaml:4: offers.budget.new_customers: Input should be greater than or equal to 1" in checked.stderr
    assert "amends.yaml:5: offers.budget.delay: list the delay steps from the shortest delay" in checked.stderr


def test_check_reports_a_broken_catalog_and_run_refuses_to_start(tmp_path: Path) -> None:
    write(tmp_path / "team", "alternatives.yaml", "alternatives:\n  - {id: x, title: X, cost: -5, value: 1}\n")
    write(tmp_path, "amends.yaml", "cases: {channel: C0CASES01}\nplaybooks:\n  folders: [team]\n")
    checked = run_cli("check", cwd=tmp_path)
    assert checked.returncode == 2
    assert "FAIL  alternatives (2 files)" in checked.stdout
    assert "team/alternatives.yaml:2: alternatives.0.cost: the amount can't be negative" in checked.stderr
    assert "ok    playbooks (7 files)" in checked.stdout  # the catalog is not taken for a playbook
    ran = run_cli("run", cwd=tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    assert ran.returncode == 2 and "team/alternatives.yaml:2" in ran.stderr and "Traceback" not in ran.stderr
