"""Reminder throughput: 10,000 due reminders across 500 channels through the fake Slack, with Slack's
per-channel posting limit on (1 message per second per channel, short bursts allowed), sent by a real
`amends run` process.

    python bench/reminders.py [--reminders 10000] [--channels 500] [--postgres URL] [--processes 1]

Prints sends per second, lateness (time from due to posted) p50/p99 next to the rate-limit floor (the
lateness Slack's per-channel limit alone imposes: the busiest channel's posts after its burst, at the
limit's rate), 429s seen, duplicates and lost (both must be 0), the machine's load average, and a verdict:
p99 within 5 s of the floor, yes or no (never yes with a duplicate or a lost reminder).

    python bench/reminders.py --scenario monday [--cases 5000] [--owners 300] [--postgres URL]

Working hours per person (bench/reminders_monday.py): open cases whose reminders fall due over a weekend,
owned by people in London, New York and Singapore, each reminded at their own Monday 09:00.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import String  # noqa: E402

from bench.common import free_port, percentile, start, wait_http  # noqa: E402
from bot.db import Base, Database, upgrade  # noqa: E402
from bot.sandbox.fake_slack import FakeSlack  # noqa: E402
from bot.settings import AmendsConfig  # noqa: E402

SECRET = "bench-signing-secret"
# On the real clock, whatever the hour the bench runs at, the owners' DMs are their working time (a DM
# outside the person's working hours waits for their morning).
ALWAYS_WORKING = '  working_hours: {start: "00:00", end: "23:59", days: [mon, tue, wed, thu, fri, sat, sun]}\n'


def seed(db_url: str, config: AmendsConfig, owners: list[str], count: int, due: datetime) -> None:
    """`count` open cases with a status-update reminder each, all due at `due` (bulk inserts: set-up, not
    the thing measured)."""
    from sqlalchemy import insert, select, update

    from bot.cases.models import Case
    from bot.reminders.models import Reminder

    db = Database(db_url)
    with db.transaction() as session:
        session.execute(insert(Case), [
            dict(status="open", severity="medium", customer_name=f"Customer {i}", order_ref=f"SO-{i}",
                 promise="12 office chairs", promised_at=due + timedelta(days=7), cause="stock-out",
                 currency=config.workspace.currency, owner_id=owners[i % len(owners)],
                 reporter_id=owners[i % len(owners)], created_at=due, updated_at=due, version=1)
            for i in range(count)])
        session.execute(update(Case).values(ref="AM-" + Case.id.cast(String)))
        case_ids = session.scalars(select(Case.id).order_by(Case.id)).all()
        session.execute(insert(Reminder), [
            dict(kind="status_update", case_id=case_id, audience="owner", dedupe_key=f"status_update:{case_id}",
                 payload={}, state="pending", due_at=due, attempts=0, uncertain=False, created_at=due)
            for case_id in case_ids])
    db.dispose()


def fall_due(db_url: str) -> float:
    """Make every pending reminder due now, in one statement; returns that moment (time.time())."""
    from sqlalchemy import update

    from bot.reminders.models import Reminder

    db = Database(db_url)
    now = datetime.now(UTC)
    with db.transaction() as session:
        session.execute(update(Reminder).where(Reminder.state == "pending").values(due_at=now))
    db.dispose()
    return now.timestamp()


def workspace(count: int) -> tuple[FakeSlack, list[str]]:
    """A fake Slack with `count` owners (each gets DMs) and the cases channel C0BENCH01."""
    fake = FakeSlack().start()
    owners = [f"U0B{i:07d}" for i in range(count)]
    for owner in owners:
        fake.add_user(owner, owner.lower())
    fake.add_channel("C0BENCH01", "cases", members=owners)
    return fake, owners


def empty_database(workdir: Path, postgres: str | None) -> str:
    """The URL of an empty, migrated database: `postgres` emptied, or a new SQLite file in `workdir`."""
    if postgres:
        reset_postgres(postgres)
        return postgres
    db_url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade(db_url)
    return db_url


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    import bot.models  # noqa: F401
    from bot.db import normalize_url

    upgrade(url)
    engine = create_engine(normalize_url(url))
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(t.name for t in Base.metadata.sorted_tables) +
                          " RESTART IDENTITY CASCADE"))
    engine.dispose()


def cpu_seconds(pid: int) -> float:
    """User + system CPU a running process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rate_limit_floor(reminders: int, channels: int, per_second: float, burst: int) -> float:
    """The lateness of the last post if the bot waited for nothing but Slack's limit: reminder i goes to
    channel i % channels (see seed()), and a channel's posts after its burst go at `per_second`."""
    busiest = -(-reminders // channels)
    return max(0, busiest - burst) / per_second


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--processes", type=int, default=1, help="bot processes (PostgreSQL only for > 1)")
    parser.add_argument("--postgres", help="PostgreSQL URL; default: a SQLite file")
    parser.add_argument("--per-second", type=float, default=1.0, help="fake's posts per second per channel")
    parser.add_argument("--burst", type=int, default=3)
    parser.add_argument("--scenario", choices=("burst", "monday"), default="burst",
                        help="burst: everything due at once (default); monday: Monday 09:00 in three timezones")
    parser.add_argument("--cases", type=int, default=5_000, help="monday: open cases")
    parser.add_argument("--owners", type=int, default=300, help="monday: owners, a third in each timezone")
    parser.add_argument("--send-concurrency", type=int, help="reminders.send_concurrency; default: the bot's")
    args = parser.parse_args()
    if args.scenario == "monday":
        from bench.reminders_monday import monday
        return monday(args)

    workdir = Path(tempfile.mkdtemp(prefix="amends-bench-reminders-"))
    fake, owners = workspace(args.channels)
    fake.limit_posts_per_channel(args.per_second, burst=args.burst)
    (workdir / "amends.yaml").write_text("cases:\n  channel: C0BENCH01\nreminders:\n  sweep_every: 1s\n"
                                         + ALWAYS_WORKING + (f"  send_concurrency: {args.send_concurrency}\n"
                                                             if args.send_concurrency else ""))
    config = AmendsConfig.model_validate({"cases": {"channel": "C0BENCH01"}})

    db_url = empty_database(workdir, args.postgres)
    # Seeded not yet due, so the bots are up (as at 08:59 on a Monday) when everything falls due at once.
    started_seed = time.perf_counter()
    seed(db_url, config, owners, args.reminders, datetime.now(UTC) + timedelta(days=1))
    print(f"seeded {args.reminders} reminders for {args.channels} owners in "
          f"{time.perf_counter() - started_seed:.1f}s ({'PostgreSQL' if args.postgres else 'SQLite'})")

    env = {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_SIGNING_SECRET": SECRET, "AMENDS_SLACK_API_URL": fake.api_url,
           "AMENDS_DATABASE_URL": db_url, "AMENDS_CONFIG": str(workdir / "amends.yaml"),
           "AMENDS_LOG_LEVEL": "WARNING"}
    processes = []
    for _ in range(args.processes):
        port = free_port()
        process = start(["-m", "bot", "run", "--host", "127.0.0.1", "--port", str(port)], env, workdir,
                        output=workdir / f"amends-{port}.log")
        wait_http(f"http://127.0.0.1:{port}/healthz", process=process, timeout=60)
        processes.append(process)
    time.sleep(2.0)  # the ticker's first sweeps (nothing due yet) are start-up, not the burst
    bot_cpu = sum(cpu_seconds(process.pid) for process in processes)
    fake_cpu = time.process_time()  # this process is the fake Slack (and the waiting below)
    began = fall_due(db_url)  # from here on, every reminder is due and the bots could send them

    def posted() -> Counter[int]:
        return Counter(payload["reminder_id"] for _, _, payload in fake.metadata_posts("amends_reminder"))

    try:
        deadline = time.monotonic() + 600
        while len(posted()) < args.reminders and time.monotonic() < deadline:
            # The benchmark waits on another process's progress; lateness is read from the posts' own
            # timestamps, so looking less often costs the fake (one Python process, as is Slack's side
            # here) less CPU and changes no figure.
            time.sleep(1.0)
    finally:
        fake_cpu = time.process_time() - fake_cpu
        bot_cpu = sum(cpu_seconds(process.pid) for process in processes) - bot_cpu
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:  # measured already; a slow stop is not this bench's business
                process.kill()
                process.wait(10)

    counts = posted()
    times = sorted(float(ts) for _, ts, _ in fake.metadata_posts("amends_reminder"))
    lateness = [t - began for t in times]
    elapsed = times[-1] - began if times else float("nan")
    rate_limited = sum(1 for c in fake.calls("chat.postMessage") if c.error == "ratelimited")
    floor = rate_limit_floor(args.reminders, args.channels, args.per_second, args.burst)
    duplicates = sum(1 for n in counts.values() if n > 1)
    lost = args.reminders - len(counts)
    print(f"{len(counts)} of {args.reminders} reminders posted by {args.processes} process(es) in {elapsed:.1f}s "
          f"({'PostgreSQL' if args.postgres else 'SQLite'})")
    print(f"sends per second: {len(times) / elapsed:.0f}")
    p99 = percentile(lateness, 99) if lateness else float("nan")
    if lateness:
        print(f"lateness (due -> posted): p50 {percentile(lateness, 50):.1f}s, p99 {p99:.1f}s, "
              f"max {max(lateness):.1f}s, mean {statistics.fmean(lateness):.1f}s")
    print(f"rate-limit floor: {floor:.1f}s (the busiest channel's {-(-args.reminders // args.channels)} posts: "
          f"a burst of {args.burst}, then {args.per_second:g} a second); p99 - floor: {p99 - floor:.1f}s")
    print(f"429 answers from the fake: {rate_limited}")
    print(f"CPU a reminder: bot {1000 * bot_cpu / args.reminders:.2f} ms, "
          f"fake Slack {1000 * fake_cpu / args.reminders:.2f} ms")
    print(f"duplicates: {duplicates}; lost: {lost}")
    print("load average (1, 5, 15 min): " + ", ".join(f"{load:.2f}" for load in os.getloadavg()) +
          f" on {os.cpu_count()} CPUs")
    within = lateness and p99 - floor <= 5.0 and duplicates == 0 and lost == 0
    print(f"p99 lateness within 5 s of the floor: {'yes' if within else 'no'}" +
          ("" if duplicates == 0 and lost == 0 else " (duplicates or lost reminders)"))
    fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
