"""Working hours per person: a reminder DMed to someone lands in *their* working hours, from the timezone of
their Slack profile (users.info), cached and refreshed; the team's zone (Europe/London here) otherwise.

The clock starts on Monday 23 Nov 2026; the cases open on Friday 27 Nov at 21:00 UTC (16:00 in New York,
05:00 on Saturday in Singapore), medium severity, so their first status update (a day later) falls due
over the weekend.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.cases.models import Case
from bot.people.models import PersonZone
from bot.reminders import kinds
from bot.reminders.models import Reminder, ReminderState
from tests.support import ASSOCIATE, CASES_CHANNEL, COLLEAGUE, SUPPORT_CHANNEL, Harness, all_text, configured

FRI = datetime(2026, 11, 27, tzinfo=UTC)
MON = datetime(2026, 11, 30, tzinfo=UTC)
SINGAPORE, NEW_YORK, LONDON = ZoneInfo("Asia/Singapore"), ZoneInfo("America/New_York"), ZoneInfo("Europe/London")
SIN_OWNER, NY_OWNER = "U0SINGAP01", "U0NEWYORK1"
UPDATE = "Time to update"


def add_colleague(harness: Harness, user_id: str, name: str, tz: str | None) -> None:
    harness.fake.add_user(user_id, name, tz=tz)
    for channel in (CASES_CHANNEL, SUPPORT_CHANNEL):
        harness.fake.channels[channel].members.add(user_id)


def open_friday_evening(harness: Harness, owner: str) -> int:
    harness.clock.set(FRI.replace(hour=21))
    case = harness.open_case(user=owner, promised_at=FRI + timedelta(days=10), new_date=None)
    harness.settle()  # the owner's timezone is looked up after the case is posted
    return case.id


def sent(harness: Harness, user: str) -> list[Reminder]:
    """The status updates DMed to `user`, in the order they went out."""
    with harness.amends.db.transaction() as session:
        return list(session.scalars(select(Reminder).where(
            Reminder.state == ReminderState.SENT, Reminder.kind == "status_update",
            Reminder.channel_id == harness.fake.im_channel(user).id).order_by(Reminder.sent_at)))


def lookups(harness: Harness, user: str) -> int:
    return len([c for c in harness.fake.calls("users.info") if c.args.get("user") == user])


def in_working_hours(instant: datetime, zone: ZoneInfo) -> bool:
    local = instant.astimezone(zone)
    return local.weekday() < 5 and 9 <= local.hour < 18


def tick_hourly(harness: Harness, until: datetime, owners: dict[str, ZoneInfo]) -> None:
    """Run the bot hour by hour, checking that no reminder ever reaches an owner outside their hours."""
    seen = {user: 0 for user in owners}
    while harness.clock.now() < until:
        harness.tick(advance=timedelta(hours=1))
        for user, zone in owners.items():
            dms = harness.dms_containing(user, UPDATE)
            if len(dms) > seen[user]:
                local = harness.clock.now().astimezone(zone)
                assert in_working_hours(harness.clock.now(), zone), f"{user} reminded at {local:%a %H:%M} local"
                seen[user] = len(dms)


def test_owners_in_singapore_and_new_york_are_reminded_at_their_own_monday_nine(harness: Harness) -> None:
    add_colleague(harness, SIN_OWNER, "wei", "Asia/Singapore")
    add_colleague(harness, NY_OWNER, "nora", "America/New_York")
    singapore_case = open_friday_evening(harness, SIN_OWNER)
    new_york_case = open_friday_evening(harness, NY_OWNER)

    tick_hourly(harness, MON.replace(hour=16), {SIN_OWNER: SINGAPORE, NY_OWNER: NEW_YORK})

    for user, zone, case_id in ((SIN_OWNER, SINGAPORE, singapore_case), (NY_OWNER, NEW_YORK, new_york_case)):
        first = sent(harness, user)[0]
        assert first.case_id == case_id
        local = first.sent_at.astimezone(zone)
        assert (local.strftime("%a"), local.hour) == ("Mon", 9), f"{user}: {local}"
    # Monday 09:00 in Singapore is Sunday 20:00 in New York: each owner on their own morning, hours apart.
    assert sent(harness, SIN_OWNER)[0].sent_at == MON.replace(hour=1)   # 09:00 SGT
    assert sent(harness, NY_OWNER)[0].sent_at == MON.replace(hour=14)   # 09:00 EST
    # A message to the team (the managers' thread) keeps the team's zone: nothing here is the owners' own.


def test_the_timezone_is_looked_up_once_per_person_not_per_reminder(harness: Harness) -> None:
    add_colleague(harness, SIN_OWNER, "wei", "Asia/Singapore")
    for _ in range(3):
        open_friday_evening(harness, SIN_OWNER)
    assert lookups(harness, SIN_OWNER) == 1  # on the first case; the next two found it cached

    tick_hourly(harness, MON.replace(hour=2), {SIN_OWNER: SINGAPORE})

    assert len(sent(harness, SIN_OWNER)) == 3
    # Three reminders and 53 hourly ticks later: one lookup more each time the cached zone turned a day old.
    assert lookups(harness, SIN_OWNER) == 3


def test_a_timezone_changed_in_slack_is_picked_up_when_the_cache_is_a_day_old(harness: Harness) -> None:
    add_colleague(harness, SIN_OWNER, "wei", "Asia/Singapore")
    open_friday_evening(harness, SIN_OWNER)
    harness.fake.set_timezone(SIN_OWNER, "America/New_York")  # they flew to New York for the weekend
    tick_hourly(harness, MON.replace(hour=16), {SIN_OWNER: NEW_YORK})

    # Timed for 09:00 in Singapore (Monday 01:00 UTC), it waited for 09:00 in New York instead.
    assert sent(harness, SIN_OWNER)[0].sent_at == MON.replace(hour=14)
    with harness.amends.db.transaction() as session:
        cached = session.get(PersonZone, SIN_OWNER)
        assert (cached.tz, cached.tz_label, cached.tz_offset) == ("America/New_York", "Eastern Standard Time",
                                                                   -5 * 3600)


def test_users_info_failing_falls_back_to_the_team_zone_for_someone_unknown(harness: Harness) -> None:
    add_colleague(harness, SIN_OWNER, "wei", "Asia/Singapore")
    harness.fake.fail_next("users.info", "fatal_error", status=200, count=1)
    open_friday_evening(harness, SIN_OWNER)
    with harness.amends.db.transaction() as session:  # timed in the team's hours: Monday 09:00 London
        due = session.scalar(select(Reminder.due_at).where(Reminder.kind == "status_update"))
        assert due == MON.replace(hour=9)
        assert session.get(PersonZone, SIN_OWNER).error == "fatal_error"

    harness.tick(MON.replace(hour=8, minute=59))
    assert harness.dms_containing(SIN_OWNER, UPDATE) == []
    with harness.amends.db.transaction() as session:
        cached = session.get(PersonZone, SIN_OWNER)
        # Failed on Friday, tried again at the next refresh after an hour: the zone is known by Monday...
        assert cached.tz == "Asia/Singapore" and cached.error is None
    # ...but the reminder was timed in London's hours on Friday, and 09:00 London is 17:00 in Singapore:
    # their working time, so it goes out then rather than waiting for Tuesday.
    harness.tick(MON.replace(hour=9))
    assert len(harness.dms_containing(SIN_OWNER, UPDATE)) == 1


def test_users_info_failing_keeps_the_cached_zone(harness: Harness) -> None:
    add_colleague(harness, SIN_OWNER, "wei", "Asia/Singapore")
    open_friday_evening(harness, SIN_OWNER)
    harness.fake.fail_next("users.info", "fatal_error", status=200, count=100)  # Slack down all weekend
    tick_hourly(harness, MON.replace(hour=2), {SIN_OWNER: SINGAPORE})

    assert sent(harness, SIN_OWNER)[0].sent_at == MON.replace(hour=1)  # 09:00 SGT, from the cache
    with harness.amends.db.transaction() as session:
        cached = session.get(PersonZone, SIN_OWNER)
        assert cached.tz == "Asia/Singapore" and cached.error == "fatal_error"
    # While it fails, tried again once an hour, not at every tick.
    before = lookups(harness, SIN_OWNER)
    for _ in range(4):
        harness.tick(advance=timedelta(minutes=15))
    assert lookups(harness, SIN_OWNER) - before == 1


def test_a_profile_without_a_timezone_gets_the_team_zone(harness: Harness) -> None:
    add_colleague(harness, SIN_OWNER, "wei", None)
    open_friday_evening(harness, SIN_OWNER)
    tick_hourly(harness, MON.replace(hour=10), {SIN_OWNER: LONDON})
    assert sent(harness, SIN_OWNER)[0].sent_at == MON.replace(hour=9)  # 09:00 London


def test_a_case_handed_over_follows_the_new_owners_hours(harness: Harness) -> None:
    add_colleague(harness, NY_OWNER, "nora", "America/New_York")
    harness.clock.set(MON.replace(hour=9))
    harness.open_case()  # a London owner; high severity: every 4 hours
    harness.settle()
    harness.tick(MON.replace(hour=13))
    update = harness.dms_containing(ASSOCIATE, UPDATE)[-1]
    harness.driver.click(ASSOCIATE, "reminder_handover", message=update, selected=NY_OWNER)
    harness.fake.wait_for(lambda: harness.dms_containing(NY_OWNER, "handed "))
    harness.tick(MON.replace(hour=17))  # the next one, due 17:00 London, is 12:00 in New York: it goes
    assert len(harness.dms_containing(NY_OWNER, UPDATE)) == 1
    harness.tick(MON.replace(hour=21))  # 21:00 London, 16:00 in New York: their afternoon
    assert len(harness.dms_containing(NY_OWNER, UPDATE)) == 2
    assert harness.dms_containing(COLLEAGUE, UPDATE) == []


def test_a_deadline_nudge_keeps_the_owners_hours_and_says_when_none_is_left(harness: Harness) -> None:
    add_colleague(harness, NY_OWNER, "nora", "America/New_York")
    add_colleague(harness, SIN_OWNER, "wei", "Asia/Singapore")
    # Opened on Monday at 07:00 UTC, due at 11:00 UTC; nudged no sooner than an hour after opening (08:00 UTC).
    # In Singapore that is 16:00, a working moment before the deadline (19:00 there): nudged then. In New
    # York it is 03:00, and none is left before the deadline (06:00 there): nudged at once, saying so. In the
    # team's zone it would have been 09:00 London for both.
    harness.clock.set(MON.replace(hour=7))
    harness.open_case(user=NY_OWNER, promised_at=MON.replace(hour=11))
    harness.open_case(user=SIN_OWNER, promised_at=MON.replace(hour=11))
    harness.settle()
    harness.tick(MON.replace(hour=8))
    new_york = harness.dms_containing(NY_OWNER, "hasn't been told yet")
    singapore = harness.dms_containing(SIN_OWNER, "hasn't been told yet")
    assert len(new_york) == 1 and "Sent outside working hours" in all_text(new_york[0].blocks)
    assert len(singapore) == 1 and "Sent outside working hours" not in all_text(singapore[0].blocks)


def test_a_reminder_timed_in_another_zone_waits_for_the_persons_hours() -> None:
    """The sweep's last check, right before posting (a case handed over, a zone learned late, a snooze)."""
    config = configured()
    team = kinds.Policy(config.reminders, LONDON)
    new_york = kinds.Policy(config.reminders, NEW_YORK)
    now = MON.replace(hour=9)  # 09:00 London, 04:00 in New York
    case = Case(promised_at=MON + timedelta(days=3))
    status = Reminder(kind=kinds.Kind.STATUS_UPDATE, due_at=now, payload={})
    assert kinds.when_person_can_get(status, case, now, team) is None
    assert kinds.when_person_can_get(status, case, now, new_york) == MON.replace(hour=14)  # 09:00 in New York
    # Due at 17:50 in the person's own hours, the sweep running 20 minutes late: it still goes.
    late = Reminder(kind=kinds.Kind.STATUS_UPDATE, due_at=MON.replace(hour=17, minute=50), payload={})
    assert kinds.when_person_can_get(late, case, MON.replace(hour=18, minute=10), team) is None
    # A deadline nudge whose deadline comes before the person's morning goes now, and says so.
    urgent = Case(promised_at=MON.replace(hour=12))
    nudge = Reminder(kind=kinds.Kind.DEADLINE_NEAR, due_at=now, payload={})
    assert kinds.when_person_can_get(nudge, urgent, now, new_york) is None
    assert nudge.payload[kinds.OUTSIDE_HOURS] is True


def test_who_is_looked_up_again(db_url: str) -> None:
    """Owners of open cases, owners with a reminder still to come (a resolved case's follow-up) and recipients
    of their own reminders (a manager's digest); never looked up first; a day-old entry again, a failed one
    after an hour."""
    from bot.db import Database
    from bot.people import service as people
    from bot.reminders import service as reminders
    from bot.reminders.models import Audience

    db = Database(db_url)
    now = MON.replace(hour=9)

    def case(owner: str, status: str) -> int:
        with db.transaction() as session:
            row = Case(status=status, severity="medium", customer_name="Northwind", order_ref="SO-1", promise="chairs",
                       promised_at=now + timedelta(days=3), cause="stock-out", currency="GBP", owner_id=owner,
                       reporter_id=owner, created_at=now, updated_at=now, version=1)
            session.add(row)
            session.flush()
            return row.id

    case("U0OPEN0001", "open")
    case("U0FRESH001", "open")
    case("U0FAILED01", "open")
    case("U0STALE001", "open")
    resolved = case("U0RESOLVD1", "resolved")
    case("U0NOBODY01", "resolved")  # nothing left to remind them of
    with db.transaction() as session:
        reminders.schedule(session, kind="follow_up", case_id=resolved, due_at=now + timedelta(days=3), now=now)
        reminders.schedule(session, kind="weekly_digest", due_at=now, now=now, audience=Audience.USER,
                           recipient_id="U0MANAGER9", key="weekly_digest:2026-W49:U0MANAGER9")
        people.record(session, "U0FRESH001", tz="Asia/Singapore", label=None, offset=None,
                      now=now - timedelta(hours=23))
        people.record(session, "U0STALE001", tz="Asia/Singapore", label=None, offset=None,
                      now=now - timedelta(hours=25))
        people.record_failure(session, "U0FAILED01", now=now - timedelta(minutes=30), error="fatal_error")
    with db.transaction() as session:
        due = people.to_refresh(session, now=now, max_age=timedelta(days=1), limit=50)
        assert due[:3] == sorted(["U0MANAGER9", "U0OPEN0001", "U0RESOLVD1"])  # never looked up: first
        assert set(due) == {"U0MANAGER9", "U0OPEN0001", "U0RESOLVD1", "U0STALE001"}
        later = people.to_refresh(session, now=now + timedelta(hours=1), max_age=timedelta(days=1), limit=50)
        assert "U0FAILED01" in later and "U0FRESH001" in later
        assert people.zones(session, ["U0FRESH001", "U0FAILED01", None], LONDON) == {
            "U0FRESH001": SINGAPORE, "U0FAILED01": LONDON}
    db.dispose()
