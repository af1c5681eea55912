"""`amends report`: the figures of a period and every case in it, as a table, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.db import Database
from bot.playbooks import service as playbooks
from bot.settings import AmendsConfig
from bot.tracking.figures import figures
from tests.support import Harness
from tests.tracking_seed import END, EXPECTED, START, seed


@pytest.fixture
def seeded(db_url: str, config: AmendsConfig) -> Iterator[Database]:
    db = Database(db_url)
    seed(db, config)
    yield db
    db.dispose()


@pytest.fixture
def cli_env(db_url: str, config: AmendsConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "amends.yaml"
    path.write_text(yaml.safe_dump(config.model_dump(mode="json", exclude_defaults=True)))
    monkeypatch.setenv("AMENDS_DATABASE_URL", db_url)
    monkeypatch.setenv("AMENDS_CONFIG", str(path))
    monkeypatch.chdir(tmp_path)


def report(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(["report", "--since", "2026-11-01", "--until", "2026-12-01", *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def test_the_figures_of_a_month(seeded: Database, config: AmendsConfig) -> None:
    with seeded.transaction() as session:
        found = figures(session, start=START, end=END, currency="GBP")
    for name, value in EXPECTED.items():
        if name == "best":
            assert [lesson.ref for lesson in found.best_lessons] == value
        elif name == "cases":
            assert [row.ref for row in found.cases] == value
        else:
            assert getattr(found, name) == value, name
    assert found.budget_left == Decimal("230.00") and found.satisfaction_scores == {4: 1, 5: 1}
    one = next(row for row in found.cases if row.ref == "AM-1")
    assert (one.hours_to_contact, one.final_cost, one.satisfaction, one.action_items, one.action_items_open) == \
        (2.0, Decimal("120.00"), 5, 1, 1)


def test_table_is_readable_in_a_terminal(seeded: Database, cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    out = report(capsys)
    lines = out.splitlines()
    assert lines[0] == "Amends report · Sun 01 Nov 2026 00:00 – Tue 01 Dec 2026 00:00 (Europe/London)"
    assert "Cases opened               4" in out and "Cases resolved             3" in out
    assert "Detection → customer told  median 4.0 h (3 of 4 told)" in out
    assert "Compensation spent         £120 of £350 budget (£230 left; 2 cases)" in out
    assert "Final costs (resolved)     £155.50" in out
    assert "Customer satisfaction      4.5 / 5 from 2 (5: 1 · 4: 1)" in out
    assert "Action items               1 open, 1 overdue" in out
    assert re.search(r"^  Supplier delay +2  █{24}$", out, re.MULTILINE)
    assert re.search(r"^  Cancelled +1  █{24}$", out, re.MULTILINE)
    assert "  1. AM-1 · Supplier delay · Took an alternative · satisfaction 5/5 · cost £120" in out
    assert "     What worked: Mesh model at the same price" in out
    table = lines[lines.index("Cases (5)") + 1:]
    assert table[0].split() == ["case", "opened", "cause", "severity", "customer", "status", "outcome", "told",
                                "after", "cost", "(GBP)", "satisf.", "items", "open"]
    am1 = next(line for line in table if line.startswith("AM-1 "))
    assert am1.split()[-4:] == ["h", "120.00", "5/5", "1/1"] and "Took an alternative" in am1
    assert max(len(line) for line in lines) <= 160  # fits a wide terminal without wrapping


def test_csv_has_one_row_per_case(seeded: Database, cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(report(capsys, "--format", "csv"))))
    assert [r["ref"] for r in rows] == EXPECTED["cases"]
    am1 = rows[1]
    assert am1["final_cost"] == "120.00" and am1["outcome"] == "took_alternative" and am1["satisfaction"] == "5"
    assert am1["hours_to_contact"] == "2.0" and am1["what_worked"] == "Mesh model at the same price"
    assert am1["opened_at"] == "2026-11-10T09:00:00+00:00"
    open_one = rows[4]
    assert open_one["status"] == "open" and open_one["final_cost"] == "" and open_one["customer_contacted_at"] == ""


def test_json_has_the_figures_and_the_cases(seeded: Database, cli_env: None,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(report(capsys, "--format", "json"))
    assert data["spent"] == "120.00" and data["budget"] == "350.00" and data["budget_left"] == "230.00"
    assert data["final_costs"] == "155.50" and data["offer_cases"] == 2 and data["currency"] == "GBP"
    assert data["by_cause"] == EXPECTED["by_cause"] and data["outcomes"] == EXPECTED["outcomes"]
    assert data["median_hours_to_contact"] == 4.0 and data["satisfaction_average"] == 4.5
    assert [lesson["ref"] for lesson in data["best_lessons"]] == EXPECTED["best"]
    assert [c["ref"] for c in data["cases"]] == EXPECTED["cases"]
    assert data["start"] == "2026-11-01T00:00:00+00:00" and data["end"] == "2026-12-01T00:00:00+00:00"


def test_bad_period_is_one_clear_line(seeded: Database, cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--since", "last month"]) == 2
    assert "--since 'last month': give a duration like 30d" in capsys.readouterr().err
    assert main(["report", "--since", "2026-12-02", "--until", "2026-12-01"]) == 2
    assert "--since must be before --until" in capsys.readouterr().err


def test_ticking_the_playbooks_contact_step_counts_as_the_customer_told(harness: Harness) -> None:
    case = harness.open_case()
    told = harness.clock.now() + timedelta(hours=3)
    with harness.amends.db.transaction() as session:
        playbooks.complete_step(session, case.id, "contact-customer", actor_id="U0ASSOC01", now=told)
    with harness.amends.db.transaction() as session:
        found = figures(session, start=harness.clock.now() - timedelta(days=1), end=told + timedelta(hours=1),
                        currency="GBP")
    assert found.median_hours_to_contact == 3.0 and found.cases[0].customer_contacted_at == told


def seed_alternatives(db: Database, config: AmendsConfig) -> None:
    """November: the upgrade offered 4 times and taken 3 (satisfaction 5, 5, 4), the loaner offered 4 times
    and taken once, one customer waited; in October (within 90 days of 1 Dec) the expedite was taken once."""
    from bench.offers_history import PastCase
    from bench.offers_history import seed as seed_history
    from bot.offers.catalog import load_catalog
    from tests.tracking_seed import at

    def past(took: str | None, satisfaction: int | None, when: object, alternatives: tuple[str, ...] = (
            "loaner-unit", "upgrade-same-price")) -> PastCase:
        return PastCase("supplier-delay", "standard", alternatives, "free-accessory", took, satisfaction, when)

    rows = [past("upgrade-same-price", 5, at(3)), past("upgrade-same-price", 5, at(4)),
            past("upgrade-same-price", 4, at(5)), past("loaner-unit", 3, at(6)),
            past("expedite-on-arrival", 4, at(20, month=10), ("expedite-on-arrival",))]
    with db.transaction() as session:
        seed_history(session, load_catalog(config.playbooks), rows)


def test_the_report_says_how_each_alternative_did(seeded: Database, cli_env: None, config: AmendsConfig,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    seed_alternatives(seeded, config)
    out = report(capsys)
    lines = out.splitlines()
    start = lines.index("Alternatives and incentives (cases resolved in the period)")
    section = lines[start:lines.index("", start)]
    upgrade = next(line for line in section if line.startswith("  Upgrade"))
    assert re.search(r"alternative +4 +3 of 4 +4\.7 +£198$", upgrade), upgrade  # the upgrade £192 + accessory £6
    loaner = next(line for line in section if line.startswith("  A loaner"))
    assert re.search(r"alternative +4 +1 of 4 +3\.0 +£46$", loaner), loaner
    accessory = next(line for line in section if line.startswith("  A free accessory"))
    assert re.search(r"incentive +4 +4 of 4 +4\.2 +£160$", accessory), accessory  # every customer stayed
    flagged = next(line for line in section if line.strip().startswith("Nobody took in 90 days"))
    assert "Source it from another location or a competitor" in flagged and "Store credit" in flagged
    assert "Express delivery" not in flagged and "Upgrade" not in flagged  # taken in October, and in November

    data = json.loads(report(capsys, "--format", "json"))
    upgrade_json = next(e for e in data["alternatives"] if e["catalog_id"] == "upgrade-same-price")
    assert (upgrade_json["offered"], upgrade_json["taken"], upgrade_json["cost_per_taken"]) == (4, 3, "198.00")
    assert {"kind": "alternative", "title": "Store credit"} not in data["not_taken_in_90_days"]
    assert {"kind": "incentive", "title": "Store credit"} in data["not_taken_in_90_days"]
