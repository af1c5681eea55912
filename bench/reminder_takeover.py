"""Reminders through SIGKILLs into busy DMs: 2,000 due reminders for 10 owners (200 posts in each DM), the
sending `amends run` killed three times mid-send and started again.

    python bench/reminder_takeover.py [--reminders 2000] [--owners 10] [--kills 3] [--postgres URL]

A process killed mid-send leaves posts that reached Slack but were never recorded as sent; the process
that takes the claims over must find each in its DM (by the reminder id in the message metadata) and not
post it again. Prints, for each kill, how many posts had landed unrecorded, then how many reminders were
posted, how many twice (must be 0), and how many of the unrecorded ones the takeover found.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bench.common import free_port, start, wait_http  # noqa: E402
from bench.reminders import ALWAYS_WORKING, SECRET, empty_database, seed, workspace  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.reminders.models import Reminder, ReminderState  # noqa: E402
from bot.settings import AmendsConfig  # noqa: E402

CONCURRENCY = 8


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reminders", type=int, default=2000)
    parser.add_argument("--owners", type=int, default=10)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--lease", type=int, default=45,
                        help="claim_lease in seconds: how long the posts of the killed process wait to be taken over "
                             "while the next process fills the DMs (default 45; the bot's default is 120)")
    parser.add_argument("--postgres", help="PostgreSQL URL; default: a SQLite file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="amends-bench-takeover-"))
    fake, owners = workspace(args.owners)
    fake.set_latency(0.03)  # a real round trip, so that each kill lands mid-send
    (workdir / "amends.yaml").write_text("cases:\n  channel: C0BENCH01\nreminders:\n  sweep_every: 1s\n"
                                         f"  claim_lease: {args.lease}s\n  send_concurrency: {CONCURRENCY}\n"
                                         f"{ALWAYS_WORKING}")
    config = AmendsConfig.model_validate({"cases": {"channel": "C0BENCH01"}})
    db_url = empty_database(workdir, args.postgres)
    seed(db_url, config, owners, args.reminders, datetime.now(UTC))
    db = Database(db_url)
    env = {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_SIGNING_SECRET": SECRET, "AMENDS_SLACK_API_URL": fake.api_url,
           "AMENDS_DATABASE_URL": db_url, "AMENDS_CONFIG": str(workdir / "amends.yaml"),
           "AMENDS_LOG_LEVEL": "WARNING"}

    def posted() -> Counter[int]:
        return Counter(payload["reminder_id"] for _, _, payload in fake.metadata_posts("amends_reminder"))

    def sent_ids() -> set[int]:
        with db.reading() as session:
            return set(session.scalars(select(Reminder.id).where(Reminder.state == ReminderState.SENT)))

    def bot() -> object:
        port = free_port()
        process = start(["-m", "bot", "run", "--host", "127.0.0.1", "--port", str(port)], env, workdir,
                        output=workdir / "bot.log")
        wait_http(f"http://127.0.0.1:{port}/healthz", process=process, timeout=60)
        return process

    unrecorded_at_kills: set[int] = set()
    unrecorded: set[int] = set()
    print(f"{args.reminders} due reminders for {args.owners} owners ({args.reminders // args.owners} posts a DM), "
          f"send_concurrency {CONCURRENCY}, claim_lease {args.lease}s, {'PostgreSQL' if args.postgres else 'SQLite'}")
    for kill in range(1, args.kills + 1):
        process = bot()
        target = args.reminders * kill // (args.kills + 1)
        # Kill again only once this process has taken over the last kill's posts: it looks for them after the
        # lease, when its own posts have filled the DMs since.
        while len(posted()) < target or not unrecorded <= sent_ids():
            time.sleep(0.05)  # waiting on another process's progress
        process.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]
        process.wait(10)  # type: ignore[attr-defined]
        landed, recorded = set(posted()), sent_ids()
        unrecorded = landed - recorded
        unrecorded_at_kills |= unrecorded
        print(f"kill {kill}: {len(landed)} posted, {len(unrecorded)} of them landed but not recorded as sent")

    process = bot()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and len(sent_ids()) < args.reminders:  # sending a status update
        time.sleep(0.2)  # schedules the next one, not yet due: the seeded ones are all that can be sent
    process.terminate()  # type: ignore[attr-defined]
    process.wait(10)  # type: ignore[attr-defined]

    counts = posted()
    duplicates = {rid: n for rid, n in counts.items() if n > 1}
    found = sum(1 for rid in unrecorded_at_kills if counts[rid] == 1)
    print(f"posted: {len(counts)} of {args.reminders} reminders; recorded as sent: {len(sent_ids())}")
    print(f"landed unrecorded at the kills: {len(unrecorded_at_kills)}; found by the takeover, not posted again: "
          f"{found}")
    print(f"duplicates: {len(duplicates)}" + (f" {sorted(duplicates)[:20]}" if duplicates else ""))
    db.dispose()
    fake.stop()
    return 1 if duplicates or len(counts) < args.reminders else 0


if __name__ == "__main__":
    raise SystemExit(main())
