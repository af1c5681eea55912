"""App Home render time for a manager whose team has 10,000 open cases, on SQLite and PostgreSQL.

What is timed is everything a Home costs Amends before Slack sees it: the queries (one page of each list,
the counts, the week's figures), building the blocks, and slack_sdk's validation in to_dict(). The cases
are opened the way the bot opens them (playbook steps, reminders, event log), across 25 owners, with
some resolved this week; pages are picked at random across each list, as people click Next.

    python bench/app_home.py [--cases 10000] [--renders 300] [--postgres URL]

PostgreSQL runs when --postgres (or AMENDS_TEST_POSTGRES_URL) is given; it uses a private schema.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bench.common import percentile, private_schema  # noqa: E402
from bot.app import Amends, build  # noqa: E402
from bot.cases import service as cases  # noqa: E402
from bot.cases.intake import CaseIntake  # noqa: E402
from bot.cases.models import Outcome  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.playbooks import service as playbooks  # noqa: E402
from bot.sandbox.fake_slack import FakeSlack  # noqa: E402
from bot.settings import AmendsConfig, Settings  # noqa: E402
from bot.slack.home import HomeArea  # noqa: E402

MANAGER = "U0MANAGER1"
OWNERS = [f"U0OWNER{i:03d}" for i in range(25)]
CAUSES = ["stock-out", "supplier-delay", "logistics", "capacity", "quality", "other"]
TIERS = [None, "preferred", "key"]


def make_app(url: str, fake: FakeSlack, clock: FrozenClock) -> Amends:
    config = AmendsConfig.model_validate({"cases": {"channel": "C0CASES01"}, "managers": {"users": [MANAGER]}})
    settings = Settings.model_validate({"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_SIGNING_SECRET": "bench",
                                        "AMENDS_DATABASE_URL": url, "AMENDS_SLACK_API_URL": fake.api_url})
    return build(settings, config=config, clock=clock, migrate=True)


def seed(amends: Amends, count: int, resolved: int, rng: random.Random) -> None:
    """`count` open cases and `resolved` resolved ones, opened over the past two weeks, as the bot does."""
    now = amends.clock.now()
    # Its own connection to the same database: these cases stand for history already in Slack, so the bot's
    # follow-ups after commit (post each case) are not set off, while the lifecycle's reactions are.
    db = Database(amends.settings.database_url)
    started = time.perf_counter()
    total = count + resolved
    for batch in range(0, total, 500):
        with db.transaction() as session:
            for index in range(batch, min(total, batch + 500)):
                opened = now - timedelta(minutes=rng.randrange(0, 14 * 24 * 60))
                intake = CaseIntake(
                    customer_name=f"Customer {index}", order_ref=f"SO-{index:06d}", promise="Goods delivered",
                    promised_at=opened + timedelta(hours=rng.randrange(-24, 24 * 10)), cause=rng.choice(CAUSES),
                    order_value=Decimal(rng.randrange(50, 20_000)), customer_tier=rng.choice(TIERS))
                case = cases.open_case(session, intake, reporter_id=rng.choice(OWNERS), config=amends.config,
                                       now=opened, lifecycle=amends.lifecycle)
                if rng.random() < 0.3:
                    case.customer_contacted_at = opened + timedelta(hours=1)
                if index >= count:
                    closed = opened + timedelta(hours=6)
                    playbooks.waive_required_steps(session, case.id, reason="Customer waited", actor_id=MANAGER,
                                                   by_manager=True, now=closed)
                    cases.resolve_case(session, case.id, actor_id=case.owner_id, now=closed,
                                       outcome=Outcome.CUSTOMER_WAITED, lifecycle=amends.lifecycle)
        print(f"\r  seeded {min(total, batch + 500):,} of {total:,} cases", end="", flush=True)
    print(f" in {time.perf_counter() - started:.0f} s")
    db.dispose()


def measure(amends: Amends, renders: int, rng: random.Random) -> tuple[list[float], int]:
    area = HomeArea(amends.wiring)  # renders with the sections the app registered
    timings = []
    blocks = 0
    for _ in range(renders):
        pages = {"team_cases": rng.randrange(0, 10_000 // 15) * 15 if rng.random() < 0.5 else 0,
                 "deadline_near": rng.randrange(0, 20) * 8 if rng.random() < 0.2 else 0}
        started = time.perf_counter()
        with amends.db.transaction() as session:
            view = area.render(session, MANAGER, manager=True, pages=pages)
        timings.append((time.perf_counter() - started) * 1000)
        blocks = max(blocks, len(view["blocks"]))
    return timings, blocks


def run(name: str, url: str, args: argparse.Namespace) -> None:
    print(f"{name}:")
    rng = random.Random(8)
    with FakeSlack() as fake:
        fake.add_user(MANAGER, "maria", "Maria Garcia")
        amends = make_app(url, fake, FrozenClock())
        try:
            seed(amends, args.cases, args.resolved, rng)
            if amends.db.dialect == "postgresql":  # what autovacuum does to a table this size within a minute
                with amends.db.engine.begin() as conn:
                    conn.execute(text("ANALYZE"))
            measure(amends, 20, rng)  # warm caches and connections
            timings, blocks = measure(amends, args.renders, rng)
        finally:
            amends.close()
    p50, p95 = percentile(timings, 50), percentile(timings, 95)
    verdict = "meets" if p95 < 100 else "MISSES"
    load = os.getloadavg()[0]
    print(f"  manager Home, {args.cases:,} open cases: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max "
          f"{max(timings):.1f} ms over {len(timings)} renders ({blocks} blocks at most); {verdict} the 100 ms p95 "
          f"target (load average {load:.1f} on {os.cpu_count()} CPUs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--resolved", type=int, default=1_000, help="resolved cases besides (week figures)")
    parser.add_argument("--renders", type=int, default=300)
    parser.add_argument("--postgres", default=os.environ.get("AMENDS_TEST_POSTGRES_URL"))
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            run("SQLite", f"sqlite:///{folder}/bench.db", args)
    if args.postgres:
        with private_schema(args.postgres) as url:
            run("PostgreSQL", url, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
