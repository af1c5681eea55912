"""How long the report and the weekly digest take to compute, at a realistic and a large size.

    python bench/tracking.py [--cases 10000] [--postgres postgresql://...] [--rounds 5]

Seeds `--cases` cases spread over the last 30 days (two thirds resolved, with a final cost, a lesson,
satisfaction for half of them and an action item for a fifth), then times, per database: the figures of
30 days (what `amends report` computes) and of 7 days (the digest), rendering the report as a table, CSV
and JSON, and drawing the digest's chart. Prints the median of `--rounds` runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from bench.common import private_schema  # noqa: E402
from bot.cases.causes import Cause  # noqa: E402
from bot.cases.models import Case, Outcome  # noqa: E402
from bot.db import Database, upgrade  # noqa: E402
from bot.tracking import report  # noqa: E402
from bot.tracking.chart import chart_png  # noqa: E402
from bot.tracking.figures import figures  # noqa: E402
from bot.tracking.models import ActionItem, Resolution  # noqa: E402

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
BATCH = 2000


def seed(db: Database, count: int) -> None:
    rng = random.Random(8)
    causes, outcomes = [c.value for c in Cause], [o.value for o in Outcome]
    for first in range(1, count + 1, BATCH):
        cases, resolutions, items = [], [], []
        for case_id in range(first, min(first + BATCH, count + 1)):
            opened = NOW - timedelta(minutes=rng.randrange(30 * 24 * 60))
            resolved = opened + timedelta(hours=rng.randrange(2, 96)) if rng.random() < 0.67 else None
            resolved = resolved if resolved and resolved < NOW else None
            cases.append(dict(id=case_id, ref=f"AM-{case_id}", status="resolved" if resolved else "open",
                              severity=rng.choice(["low", "medium", "high", "critical"]),
                              customer_name=f"Customer {case_id}", order_ref=f"SO-{case_id}",
                              promise="12 office chairs", promised_at=opened + timedelta(days=2),
                              cause=rng.choice(causes), currency="GBP", owner_id="U0ASSOC01",
                              reporter_id="U0ASSOC01", created_at=opened, updated_at=opened,
                              customer_contacted_at=opened + timedelta(minutes=rng.randrange(10, 2000))
                              if rng.random() < 0.8 else None,
                              outcome=rng.choice(outcomes) if resolved else None, resolved_at=resolved, version=1))
            if resolved:
                happy = rng.random() < 0.5
                resolutions.append(dict(id=case_id, case_id=case_id, resolved_at=resolved, resolved_by="U0ASSOC01",
                                        outcome=cases[-1]["outcome"], final_cost=Decimal(rng.randrange(0, 30000)) / 100,
                                        currency="GBP", lesson_cause="The supplier's batch failed inspection",
                                        lesson_worked="A loaner unit" if rng.random() < 0.6 else None,
                                        satisfaction=rng.randrange(1, 6) if happy else None,
                                        satisfaction_at=resolved if happy else None))
                if rng.random() < 0.2:
                    due = (resolved + timedelta(days=rng.randrange(1, 20))).date()
                    items.append(dict(case_id=case_id, resolution_id=case_id, text="Second supplier",
                                      owner_id="U0ASSOC02", due_on=due, created_at=resolved, created_by="U0ASSOC01",
                                      overdue_at=datetime.combine(due + timedelta(days=1), datetime.min.time(), UTC)))
        with db.transaction() as session:
            session.execute(insert(Case), cases)
            if resolutions:
                session.execute(insert(Resolution), resolutions)
            if items:
                session.execute(insert(ActionItem), items)


def timed(fn: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def run(name: str, url: str, count: int, rounds: int) -> None:
    upgrade(url)
    db = Database(url)
    started = time.perf_counter()
    seed(db, count)
    print(f"{name}: seeded {count:,} cases in {time.perf_counter() - started:.1f} s")

    def period(days: int) -> Any:
        with db.transaction() as session:
            return figures(session, start=NOW - timedelta(days=days), end=NOW, currency="GBP")

    month_ms, month = timed(lambda: period(30), rounds)
    week_ms, week = timed(lambda: period(7), rounds)
    zone = ZoneInfo("Europe/London")
    rows = [(f"figures, 30 days ({len(month.cases):,} cases)", month_ms),
            (f"figures, 7 days ({len(week.cases):,} cases)", week_ms)]
    for fmt in report.FORMATS:
        rows.append((f"render 30 days as {fmt}", timed(lambda fmt=fmt: report.render(month, fmt, zone), rounds)[0]))
    rows.append(("digest chart (PNG)", timed(lambda: chart_png(week, "Weekly digest"), rounds)[0]))
    for label, ms in rows:
        print(f"  {label:<36} {ms:8.1f} ms")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", help="also run on this PostgreSQL (a private schema is made and dropped)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{folder}/bench.db", args.cases, args.rounds)
    if args.postgres:
        with private_schema(args.postgres) as url:
            run("PostgreSQL", url, args.cases, args.rounds)


if __name__ == "__main__":
    main()
