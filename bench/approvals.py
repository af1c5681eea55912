"""Approval decisions under contention: on each of N requests, K approvers (and a double click) press
Approve or Deny at the same instant, as signed requests to the real bot on its HTTP endpoint, against the
fake Slack.

    python bench/approvals.py [--requests 30] [--clickers 4] [--postgres URL]

Prints how many decisions each request got (must be exactly 1), how many clickers were told someone else
decided first, and the time from a burst of clicks until every copy of the request shows the decision.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bench.common import percentile, private_schema  # noqa: E402
from bot.app import build  # noqa: E402
from bot.cases.models import CaseEvent  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.db import upgrade  # noqa: E402
from bot.sandbox.driver import SlackDriver  # noqa: E402
from bot.sandbox.fake_slack import FakeSlack, Message  # noqa: E402
from bot.server import HttpServer, wsgi_app  # noqa: E402
from bot.settings import AmendsConfig, Settings  # noqa: E402

SECRET = "bench-signing-secret"
ASSOCIATE, CHANNEL = "U0ASSOC01", "C0CASES01"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--clickers", type=int, default=4, help="approvers clicking each request at once")
    parser.add_argument("--postgres", help="a PostgreSQL URL (a private schema is made and dropped); default SQLite")
    args = parser.parse_args()

    approvers = [f"U0APPR{i:04d}" for i in range(args.clickers)]
    with tempfile.TemporaryDirectory() as tmp, private_schema(args.postgres) as postgres:
        url = postgres or f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        fake = FakeSlack().start()
        for user in [ASSOCIATE, *approvers]:
            fake.add_user(user, user.lower(), user)
        fake.add_channel(CHANNEL, "cases", members=[ASSOCIATE, *approvers])
        config = AmendsConfig.model_validate({"workspace": {"currency": "GBP"}, "cases": {"channel": CHANNEL},
                                              "managers": {"users": approvers[:1]},
                                              "offers": {"approvers": {"users": approvers}}})
        settings = Settings.model_validate({"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_SIGNING_SECRET": SECRET,
                                            "AMENDS_DATABASE_URL": url, "AMENDS_SLACK_API_URL": fake.api_url})
        clock = FrozenClock()
        amends = build(settings, config=config, clock=clock, migrate=False)
        server = HttpServer(wsgi_app(amends.bolt, signing_secret=amends.signing_secret), host="127.0.0.1", port=0, threads=8).start_in_thread()
        driver = SlackDriver(fake, server.url(), SECRET)
        try:
            run(args, fake, driver, amends, clock, approvers)
        finally:
            server.stop()
            amends.close()
            fake.stop()


def run(args: argparse.Namespace, fake: FakeSlack, driver: SlackDriver, amends: object, clock: FrozenClock,
        approvers: list[str]) -> None:
    requests: list[list[Message]] = []
    for index in range(args.requests):
        requests.append(ask(fake, driver, clock, approvers, index))
    latencies: list[float] = []
    told = 0
    for copies in requests:
        clicks = [(approvers[i % len(approvers)], "offer_approve" if i % 2 == 0 else "offer_deny",
                   copies[i % len(copies)]) for i in range(args.clickers)]
        clicks.append(clicks[0])  # and a double click
        barrier = threading.Barrier(len(clicks))

        threads = [threading.Thread(target=click, args=(driver, barrier, *c)) for c in clicks]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        fake.wait_for(lambda cs=copies: all("offer_approve" not in str(fake.message(m.channel, m.ts).blocks)
                                            for m in cs), timeout=30)
        latencies.append((time.perf_counter() - started) * 1000)
    time.sleep(0.5)  # let the losers' notices land before counting them (not part of any figure)
    for user in approvers:
        told += sum("already decided this request" in e.text for e in fake.ephemerals(user))
    with amends.db.transaction() as session:  # type: ignore[attr-defined]
        events = session.scalars(select(CaseEvent).where(CaseEvent.kind == "approval_decided")).all()
        per_case = Counter(e.case_id for e in events)
    decisions = Counter(per_case.values())
    print(f"{args.requests} requests, {args.clickers} approvers + a double click each, "
          f"{'PostgreSQL' if args.postgres else 'SQLite'}")
    print(f"decisions per request: {dict(sorted(decisions.items()))} (must be {{1: {args.requests}}})")
    print(f"clicks told someone decided first: {told} (every click but the winner: {args.requests * args.clickers})")
    print(f"burst to decision shown on every copy: p50 {percentile(latencies, 50):.0f} ms, "
          f"p99 {percentile(latencies, 99):.0f} ms, max {max(latencies):.0f} ms")


def click(driver: SlackDriver, barrier: threading.Barrier, user: str, action: str, message: Message) -> None:
    barrier.wait()
    driver.click(user, action, message=message)


def ask(fake: FakeSlack, driver: SlackDriver, clock: FrozenClock, approvers: list[str], index: int) -> list[Message]:
    """Open a case and make an offer beyond the associate's limit; returns the request's copies."""
    before = len(fake.views(ASSOCIATE))
    driver.command(ASSOCIATE, "", channel_id=CHANNEL)
    view = fake.wait_for(lambda: len(fake.views(ASSOCIATE)) > before and fake.open_view(ASSOCIATE))
    driver.submit(view.id, {"customer_name": f"Customer {index}", "order_ref": f"SO-{index}",
                            "promise": "12 office chairs", "promised_at": clock.now() + timedelta(hours=20),
                            "cause": "supplier-delay", "order_value": "2400", "customer_tier": "preferred"})
    case_message = fake.wait_for(lambda: [m for m in fake.messages(CHANNEL) if f"Customer {index}" in m.text])[-1]
    fake.wait_for(lambda: "case_action:offer_alternatives" in str(fake.message(CHANNEL, case_message.ts).blocks))
    driver.click(ASSOCIATE, "case_action:offer_alternatives", message=fake.message(CHANNEL, case_message.ts))
    offer = fake.wait_for(lambda: (v := fake.open_view(ASSOCIATE)) and v.view.get("callback_id") ==
                          "offer_alternatives" and v)
    driver.submit(offer.id, {"offer_alternatives": ["upgrade-same-price"], "offer_incentive": "store-credit"})
    fake.close_view(offer.id)
    return fake.wait_for(lambda: len(found := [m for user in approvers for m in fake.dms(user)
                                               if f"Customer {index} " in m.text and "Approval needed" in m.text])
                         == len(approvers) and found, timeout=15)


if __name__ == "__main__":
    main()
