"""The Monday 09:00 burst in three timezones: `python bench/reminders.py --scenario monday`.

5,000 open cases (medium severity: a status update a day) opened on Friday 27 Nov 2026 at 16:00 UTC, owned by
people in London, New York and Singapore (a third each, their Slack profiles say so). The bot learns each
owner's timezone through users.info (the periodic refresh, one call per person) and times every case's
reminders with the real scheduler (bot.reminders.kinds.schedule_for_open_case): each falls due at its
owner's Monday 09:00. Then the bot runs in this process with its real ticker (sweep every 1 s) and the real
sender against the fake Slack (1 post a second per DM, bursts of 3), on a clock that runs at real speed
from 2 s before Singapore's 09:00 and jumps over the hours to London's, then New York's.

Prints per timezone: reminders posted, the local hour they landed in (all must be Monday 09:xx, none at
night), lateness (due -> posted, on the bot's clock) p50/p99/max next to the rate-limit floor (the busiest
owner's posts after the burst, at 1 a second), users.info calls, 429s, duplicates and lost reminders.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import percentile
from bench.reminders import SECRET, empty_database
from bot.sandbox.fake_slack import FakeSlack
from bot.settings import AmendsConfig, Settings

FRIDAY = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 30, tzinfo=UTC)
ZONES = (ZoneInfo("Asia/Singapore"), ZoneInfo("Europe/London"), ZoneInfo("America/New_York"))  # 09:00 in UTC order
TEAM_ZONE = "Europe/London"


class ShiftedClock:
    """Real time moved by an offset: the bot runs at real speed on the Monday morning chosen, and jumps over
    the hours between one timezone's 09:00 and the next."""

    def __init__(self, start: datetime) -> None:
        self._lock = threading.Lock()
        self._offset = start - datetime.now(UTC)

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def jump(self, to: datetime) -> timedelta:
        with self._lock:
            self._offset = to - datetime.now(UTC)
            return self._offset


def seed_cases(db_url: str, owners: list[str], count: int) -> None:
    """`count` open cases opened on Friday, owners in turn (bulk insert: set-up, not the thing measured)."""
    from sqlalchemy import String, insert, update

    from bot.cases.models import Case
    from bot.db import Database

    db = Database(db_url)
    with db.transaction() as session:
        session.execute(insert(Case), [
            dict(status="open", severity="medium", customer_name=f"Customer {i}", order_ref=f"SO-{i}",
                 promise="12 office chairs", promised_at=MONDAY + timedelta(days=10), cause="stock-out",
                 currency="GBP", owner_id=owners[i % len(owners)], reporter_id=owners[i % len(owners)],
                 created_at=FRIDAY, updated_at=FRIDAY, version=1)
            for i in range(count)])
        session.execute(update(Case).values(ref="AM-" + Case.id.cast(String)))
    db.dispose()


def monday(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from bot.app import build
    from bot.cases.models import Case
    from bot.reminders import kinds
    from bot.reminders.models import Reminder
    from bot.slack.people import refresh_zones

    workdir = Path(tempfile.mkdtemp(prefix="amends-bench-monday-"))
    fake = FakeSlack().start()
    owners = [f"U0M{i:07d}" for i in range(args.owners)]
    zone_of = {owner: ZONES[i % len(ZONES)] for i, owner in enumerate(owners)}
    for owner in owners:
        fake.add_user(owner, owner.lower(), tz=zone_of[owner].key)
    fake.add_channel("C0BENCH01", "cases", members=owners)
    fake.limit_posts_per_channel(args.per_second, burst=args.burst)

    db_url = empty_database(workdir, args.postgres)
    seed_cases(db_url, owners, args.cases)
    config = AmendsConfig.model_validate({"workspace": {"timezone": TEAM_ZONE}, "cases": {"channel": "C0BENCH01"},
                                          # A status reminder unanswered for a day escalates (not 4 h): the
                                          # jumps over the hours between zones must not add escalations.
                                          "reminders": {"sweep_every": "1s", "unanswered_after": "1d"}})
    settings = Settings.model_validate({"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_SIGNING_SECRET": SECRET,
                                        "AMENDS_DATABASE_URL": db_url, "AMENDS_SLACK_API_URL": fake.api_url})
    clock = ShiftedClock(FRIDAY)
    amends = build(settings, config=config, clock=clock, migrate=False)  # type: ignore[arg-type]
    deps = amends.wiring.deps

    # Friday: the owners' timezones, as the periodic refresh learns them (one users.info per person)...
    started = time.perf_counter()
    while refresh_zones(amends.client, deps):
        pass
    learned = time.perf_counter() - started
    # ...and each case's reminders timed by the real scheduler, in its owner's zone.
    started = time.perf_counter()
    policy = kinds.Policy(config.reminders, config.workspace.zone)
    with amends.db.transaction() as session:
        for case in session.scalars(select(Case).order_by(Case.id)):
            kinds.schedule_for_open_case(session, case, FRIDAY, policy)
    with amends.db.transaction() as session:
        due = {rid: (owner, due_at) for rid, owner, due_at in session.execute(
            select(Reminder.id, Case.owner_id, Reminder.due_at).join(Case, Case.id == Reminder.case_id)
            .where(Reminder.kind == kinds.Kind.STATUS_UPDATE))}
    scheduled = time.perf_counter() - started
    lookups_friday = len(fake.calls("users.info"))
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{args.cases} cases for {args.owners} owners ({backend}); timezones learned with {lookups_friday} "
          f"users.info calls in {learned:.1f}s; reminders timed in {scheduled:.1f}s")
    for zone in ZONES:
        local = Counter(d.astimezone(zone).strftime("%a %H:%M") for o, d in due.values() if zone_of[o] == zone)
        print(f"  {zone.key}: status updates due at local {dict(local)}")

    # Over the weekend the periodic refresh looked everyone up again (entries are a day old by Saturday); done
    # here at once, on Sunday night, since the clock jumps over the weekend.
    clock.jump(MONDAY - timedelta(hours=1))
    while refresh_zones(amends.client, deps):
        pass
    lookups_before = len(fake.calls("users.info"))

    def sent_since(instant: datetime) -> int:  # polled from the database, not the fake (whose lock posts need)
        with amends.db.transaction() as session:
            return int(session.scalar(select(func.count()).select_from(Reminder).where(
                Reminder.kind == kinds.Kind.STATUS_UPDATE, Reminder.state == "sent", Reminder.sent_at >= instant)) or 0)

    windows: list[tuple[float, timedelta]] = []  # (real time of the jump, clock offset from then on)
    amends.ticker.start()
    try:
        for zone in ZONES:
            nine = datetime.combine(MONDAY.date(), datetime.min.time(), zone).replace(hour=9).astimezone(UTC)
            expected = sum(1 for owner, _ in due.values() if zone_of[owner] == zone)
            windows.append((time.time(), clock.jump(nine - timedelta(seconds=2))))
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and sent_since(nine - timedelta(seconds=2)) < expected:
                time.sleep(0.5)  # waits on the bot's threads
            time.sleep(3)  # a few more sweeps: nothing else is due, nothing else may go
    finally:
        amends.close(10)

    posts = [p for p in fake.metadata_posts("amends_reminder") if p[2]["reminder_id"] in due]
    others = len(fake.metadata_posts("amends_reminder")) - len(posts)
    counts = Counter(p["reminder_id"] for _, _, p in posts)
    first_post: dict[int, float] = {}
    for _, ts, payload in posts:
        first_post.setdefault(payload["reminder_id"], float(ts))

    def on_bot_clock(real: float) -> datetime:
        offset = next(o for began, o in reversed(windows) if real >= began)
        return datetime.fromtimestamp(real, UTC) + offset

    rate_limited = sum(1 for c in fake.calls("chat.postMessage") if c.error == "ratelimited")
    lookups_during = len(fake.calls("users.info")) - lookups_before
    all_within = True
    print(f"Monday 09:00 in three timezones, one process, sweep every 1s, the fake's limit {args.per_second:g} "
          f"post/s per DM after a burst of {args.burst}:")
    for zone in ZONES:
        mine = [rid for rid, (owner, _) in due.items() if zone_of[owner] == zone]
        landed = {rid: on_bot_clock(first_post[rid]) for rid in mine if rid in first_post}
        lateness = [(landed[rid] - due[rid][1]).total_seconds() for rid in landed]
        hours = Counter(landed[rid].astimezone(zone).strftime("%a %H:xx") for rid in landed)
        night = sum(1 for when in landed.values()
                    if not (when.astimezone(zone).weekday() < 5 and 9 <= when.astimezone(zone).hour < 18))
        per_owner = Counter(due[rid][0] for rid in mine)
        busiest = max(per_owner.values())
        floor = max(0, busiest - args.burst) / args.per_second
        print(f"  {zone.key}: {len(landed)} of {len(mine)} posted to {len(per_owner)} owners, landed at local "
              f"{dict(hours)}, at night or outside working hours: {night}")
        if lateness:
            p99 = percentile(lateness, 99)
            within = p99 - floor <= 5
            all_within = all_within and within and night == 0 and len(landed) == len(mine)
            print(f"    lateness (due -> posted): p50 {percentile(lateness, 50):.1f}s, p99 {p99:.1f}s, "
                  f"max {max(lateness):.1f}s, mean {statistics.fmean(lateness):.1f}s; rate-limit floor "
                  f"{floor:.0f}s (busiest owner: {busiest} reminders, {args.burst} at once then "
                  f"{args.per_second:g}/s); p99 - floor = {p99 - floor:.1f}s "
                  f"({'within' if within else 'NOT within'} 5 s)")
        else:
            all_within = False
    lost = len(due) - len(first_post)
    print(f"users.info calls: {lookups_friday} on Friday (one per owner: "
          f"{'yes' if lookups_friday == len(owners) else 'no'}), {lookups_before - lookups_friday} by the refresh "
          f"over the weekend (entries older than {config.reminders.timezone_max_age.total_seconds() / 3600:g} h), "
          f"{lookups_during} while the reminders went out")
    duplicates = sum(1 for n in counts.values() if n > 1)
    print(f"429 answers from the fake: {rate_limited}; duplicates: {duplicates}; lost: {lost}; "
          f"other reminders sent: {others}")
    print(f"every zone in its own 09:00 hour, none at night, p99 within 5 s of the floor: "
          f"{'yes' if all_within and lost == 0 and duplicates == 0 else 'NO'}")
    fake.stop()
    return 0
