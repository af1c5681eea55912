"""How long the Offer alternatives modal's ranking takes once the team has many resolved cases to learn from.

    python bench/offers_rank.py [--cases 100000] [--runs 200] [--postgres URL]

Seeds --cases resolved cases (random causes, tiers, offers of one to three alternatives from the shipped
catalog, the customers' choices and satisfaction over the last year; bench/offers_history.py), then times
`bot.offers.service.choices_for` - what the modal shows: the catalog priced, the checklist's ruled-out
checks, and the learned verdicts from every resolved case - for open cases of each cause, each with ten
"similar past cases" as the search would hand over. Prints p50 / p95 / p99 / max in milliseconds, on
SQLite, and on PostgreSQL too with --postgres (a private schema is made and dropped).

The figure is the database and Python work of one modal opening, measured in this process: Slack's round
trips are not in it (bench/ack_latency.py measures those). Other work on the machine shows in the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from bench.common import percentile, private_schema  # noqa: E402
from bench.offers_history import ORDER_VALUE, PastCase, seed  # noqa: E402
from bot.cases.causes import Cause  # noqa: E402
from bot.cases.models import Case  # noqa: E402
from bot.db import Database, upgrade  # noqa: E402
from bot.offers import service  # noqa: E402
from bot.offers.catalog import Catalog, Kind, Role, load_catalog, ranked  # noqa: E402
from bot.playbooks.config import PlaybooksConfig  # noqa: E402
from bot.settings import AmendsConfig  # noqa: E402

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
TIERS = ("standard", "preferred", "key")
SIMILAR = 10


def history(catalog: Catalog, count: int, rng: random.Random) -> list[PastCase]:
    """Past cases whose customers favour some alternatives over others, as a real team's would."""
    fits = {}
    for cause in Cause:
        probe = Case(cause=cause.value, order_value=ORDER_VALUE, promise="12 office chairs")
        fits[cause.value] = [p.entry.id for p in ranked(catalog.alternatives, Kind.ALTERNATIVE, probe,
                                                        Role.MANAGER)[0]]
    liking = {e.id: rng.random() for e in catalog.alternatives}
    incentives = [e.id for e in catalog.incentives]
    rows = []
    for _ in range(count):
        cause = rng.choice(list(fits))
        offered = tuple(rng.sample(fits[cause], k=min(len(fits[cause]), rng.randint(1, 3))))
        roll = rng.random()
        if roll < 0.6:
            took: str = max(offered, key=lambda a: liking[a] + rng.random())
        else:
            took = "wait" if roll < 0.9 else "cancel"
        rows.append(PastCase(cause=cause, tier=rng.choice(TIERS), alternatives=offered,
                             incentive=rng.choice(incentives), took=took,
                             satisfaction=rng.randint(2, 5) if rng.random() < 0.7 else None,
                             resolved_at=NOW - timedelta(days=rng.uniform(1, 365))))
    return rows


def open_cases(db: Database, rng: random.Random) -> list[int]:
    """One open case per cause, as the modal would be opened on."""
    ids = []
    with db.transaction() as session:
        for n, cause in enumerate(Cause):
            ids.append(session.execute(insert(Case).returning(Case.id), [dict(
                ref=f"OPEN-{n}", status="open", severity="high", customer_name=f"Open {n}",
                customer_tier=rng.choice(TIERS), order_ref=f"SO-OPEN-{n}", promise="12 office chairs",
                promised_at=NOW + timedelta(days=1), cause=cause.value, order_value=Decimal("2400.00"),
                currency="GBP", owner_id="U0ASSOC01", reporter_id="U0ASSOC01", created_at=NOW, updated_at=NOW,
                version=1)]).scalar_one())
    return ids


def run(url: str, cases: int, runs: int, label: str) -> None:
    rng = random.Random(7)
    upgrade(url)
    db = Database(url)
    catalog = load_catalog(PlaybooksConfig())
    config = AmendsConfig.model_validate({"workspace": {"currency": "GBP"}, "cases": {"channel": "C0CASES01"}})
    started = time.perf_counter()
    with db.transaction() as session:
        seed(session, catalog, history(catalog, cases, rng))
    seeded = time.perf_counter() - started
    targets = open_cases(db, rng)
    with db.transaction() as session:
        past = list(session.scalars(select(Case.id).where(Case.status == "resolved").limit(5000)))
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    timings = []
    for n in range(runs + 5):
        case_id = targets[n % len(targets)]
        similar = rng.sample(past, SIMILAR)
        t0 = time.perf_counter()
        with db.transaction() as session:
            choices = service.choices_for(session, case_id, catalog=catalog, role=Role.ASSOCIATE, config=config,
                                          now=NOW, similar_ids=similar)
        elapsed = (time.perf_counter() - t0) * 1000
        assert choices.alternatives
        if n >= 5:  # the first few warm the caches and compile the statements
            timings.append(elapsed)
    db.dispose()
    timings.sort()
    print(f"{label}: {cases:,} resolved cases (seeded in {seeded:.0f} s), {runs} modal rankings: "
          f"p50 {percentile(timings, 50):.1f} ms, p95 {percentile(timings, 95):.1f} ms, "
          f"p99 {percentile(timings, 99):.1f} ms, max {timings[-1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--postgres", help="also on PostgreSQL at this URL (a private schema is made and dropped)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          "(other work on it shows in the figures)")
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", args.cases, args.runs, "SQLite")
    if args.postgres:
        with private_schema(args.postgres) as url:
            assert url
            run(url, args.cases, args.runs, "PostgreSQL")


if __name__ == "__main__":
    main()
