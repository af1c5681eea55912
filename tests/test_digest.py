"""The weekly digest to managers: the week's figures, a chart, and exactly once however the bot restarts.

The digest is due Mondays at 09:00 London and covers the 7 days before; the week here is Mon 23 Nov
2026 09:00 - Mon 30 Nov 09:00 (ISO week 48). The digest is scheduled by one tick and posted by the
reminder sweep of the next, as happens in production within seconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.app import Amends, build
from bot.cases.models import Outcome
from bot.clock import FrozenClock
from bot.errors import StorageUnavailable
from bot.reminders.models import Reminder
from bot.sandbox.fake_slack import FakeSlack, Message
from bot.settings import AmendsConfig
from bot.tracking import digest
from bot.tracking.chart import PNG_MAGIC
from bot.tracking.service import ActionItemInput, ResolutionInput
from tests.conftest import make_settings
from tests.support import COLLEAGUE, MANAGER, Harness, all_text
from tests.tracking_seed import chose, contacted, open_case, resolve

DUE = datetime(2026, 11, 30, 9, tzinfo=UTC)
CHART = "amends-digest-2026-W48.png"


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def seed_week(harness: Harness) -> None:
    db, config = harness.amends.db, harness.amends.config
    loaner = open_case(db, config, at(24, 10), "supplier-delay", "Northwind <Traders>")
    contacted(db, config, loaner, at(24, 12))
    chose(db, loaner, at(25, 10), "alternative", "80", "120")
    resolve(db, config, loaner, at(26, 10), ResolutionInput(
        Outcome.TOOK_ALTERNATIVE, Decimal("80"), "Supplier missed the sailing", lesson_worked="A loaner unit & a call",
        satisfaction=5, action_items=(ActionItemInput("Book two sailings", COLLEAGUE, date(2026, 12, 10)),)))
    gone = open_case(db, config, at(25, 10), "stock-out", "Contoso")
    contacted(db, config, gone, at(25, 16))
    chose(db, gone, at(26, 10), "cancel", "20", "100")
    resolve(db, config, gone, at(27, 10), ResolutionInput(Outcome.CANCELLED, Decimal("20"), "Discontinued item"))
    open_case(db, config, at(27, 10), "supplier-delay", "Fabrikam")
    open_case(db, config, at(30, 10), "logistics", "Next week Ltd")  # after the week: not in this digest


def run(amends: Amends, harness: Harness, now: datetime) -> None:
    """One tick of another process at `now` (the clock is the same for every process)."""
    harness.clock.set(now)
    amends.ticker.run_pending()


def digests(fake: FakeSlack) -> list[Message]:
    return [m for m in fake.dms(MANAGER) if m.text.startswith(":bar_chart: Weekly digest")]


def charts(fake: FakeSlack) -> list[Message]:
    return [m for m in fake.dms(MANAGER) if any(f["name"] == CHART for f in m.files)]


def digest_rows(harness: Harness) -> list[Reminder]:
    with harness.amends.db.transaction() as session:
        return list(session.scalars(select(Reminder).where(Reminder.kind == digest.KIND)))


@pytest.fixture
def restart(db_url: str, fake_slack: FakeSlack, config: AmendsConfig, clock: FrozenClock) -> Iterator[object]:
    """Start another Amends process on the same database and Slack (what a restart or a replica is)."""
    started: list[Amends] = []

    def start() -> Amends:
        started.append(build(make_settings(db_url, fake_slack), config=config, clock=clock, migrate=False))
        return started[-1]

    yield start
    for amends in started:
        amends.close()


def test_the_digest_of_a_seeded_week(harness: Harness) -> None:
    seed_week(harness)
    harness.settle()  # the seeded cases are posted (their links are in the digest) before it is due
    harness.tick(DUE - timedelta(minutes=1))
    harness.tick()
    assert digests(harness.fake) == []
    harness.tick(DUE)
    harness.tick()
    [message] = digests(harness.fake)
    assert message.text == (":bar_chart: Weekly digest, Mon 23 Nov – Mon 30 Nov 2026: 3 case(s) opened, "
                            "2 resolved, £100 compensation spent.")
    shown = all_text(message.blocks)
    for fact in ["Weekly digest · Mon 23 Nov – Mon 30 Nov 2026",
                 "*Cases opened*\n3", "*Cases resolved*\n2",
                 "*Detection → customer told*\nmedian 4.0 h (2 of 3 told)",
                 "*Compensation spent*\n£100 of £220 budget (£120 left; 2 cases)",
                 "*Final costs (resolved)*\n£100",
                 "*Customer satisfaction*\n5.0 / 5 from 1 (5: 1)",
                 "*Action items*\n1 open, 0 overdue",
                 "• Supplier delay: *2*\n• Stock-out: *1*",
                 "• Took an alternative: *1*\n• Cancelled: *1*",
                 "_What worked:_ A loaner unit &amp; a call"]:
        assert fact in shown, fact
    lessons = [b for b in message.blocks if b["type"] in {"section", "rich_text"}
               and "_What caused it:_" in all_text([b])]
    # Each starts with its case, linked to the case message (the seeded cases were posted like any other).
    assert [re.findall(r"^\*<[^|>]+\|(AM-\d+)>\*", all_text([b]).strip()) for b in lessons] == [["AM-1"], ["AM-2"]]
    assert "Next week" not in shown

    [chart] = harness.fake.wait_for(lambda: charts(harness.fake))
    assert float(chart.ts) > float(message.ts) and chart.files[0]["mimetype"] == "image/png"
    uploaded = harness.fake.uploaded(chart.files[0]["id"])
    assert uploaded.content.startswith(PNG_MAGIC) and len(uploaded.content) > 5000
    [row] = digest_rows(harness)
    assert row.dedupe_key == f"weekly_digest:2026-W48:{MANAGER}" and row.state == "sent"
    assert row.payload["start"] == "2026-11-23T09:00:00+00:00"


def test_a_restart_at_digest_time_sends_it_once(harness: Harness, restart: object) -> None:
    seed_week(harness)
    harness.tick(DUE)
    harness.tick(DUE + timedelta(seconds=30))
    assert len(digests(harness.fake)) == 1
    for minutes in (1, 20, 24 * 60):  # restarted a minute later, then again, then the next day
        again = restart()  # type: ignore[operator]
        run(again, harness, DUE + timedelta(minutes=minutes))
        run(again, harness, DUE + timedelta(minutes=minutes, seconds=30))
    harness.tick(DUE + timedelta(days=2))
    assert len(digests(harness.fake)) == 1 and len(charts(harness.fake)) == 1
    assert len(digest_rows(harness)) == 1


def test_a_digest_that_fell_due_while_the_bot_was_down_goes_out_once_after_it_starts(
        harness: Harness, restart: object) -> None:
    seed_week(harness)
    harness.tick(DUE - timedelta(minutes=5))  # the last tick before it stopped
    later = restart()  # type: ignore[operator]
    run(later, harness, DUE + timedelta(hours=2, minutes=30))
    run(later, harness, DUE + timedelta(hours=2, minutes=31))
    assert len(digests(harness.fake)) == 1
    scheduled_meanwhile = restart()  # type: ignore[operator] - a replica that was up all along
    run(scheduled_meanwhile, harness, DUE + timedelta(hours=3))
    assert len(digests(harness.fake)) == 1 and len(charts(harness.fake)) == 1
    # Next week's is another digest.
    harness.tick(DUE + timedelta(days=7))
    harness.tick()
    assert len(digests(harness.fake)) == 2


def test_a_failed_chart_upload_is_retried_without_posting_the_digest_twice(harness: Harness) -> None:
    seed_week(harness)
    harness.fake.fail_next("files.completeUploadExternal", "internal_error", status=500)
    harness.tick(DUE)
    harness.tick()
    assert len(digests(harness.fake)) == 1 and charts(harness.fake) == []
    harness.tick(advance=timedelta(minutes=1))
    assert len(digests(harness.fake)) == 1 and len(charts(harness.fake)) == 1
    harness.tick(advance=timedelta(minutes=5))
    assert len(charts(harness.fake)) == 1 and digest_rows(harness)[0].state == "sent"


def test_a_database_hiccup_while_rendering_the_digest_only_delays_it(harness: Harness,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.slack import tracking as slack_tracking

    real = slack_tracking.figures
    failures = iter([StorageUnavailable("connection reset")])

    def flaky(*args: object, **kwargs: object) -> object:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real(*args, **kwargs)

    monkeypatch.setattr(slack_tracking, "figures", flaky)
    harness.tick(DUE)
    harness.tick()
    assert digests(harness.fake) == [] and digest_rows(harness)[0].state == "pending"
    harness.tick(advance=timedelta(seconds=31))
    assert len(digests(harness.fake)) == 1 and digest_rows(harness)[0].state == "sent"


def test_a_quiet_week_gets_its_digest_without_an_empty_chart(harness: Harness) -> None:
    harness.tick(DUE)
    harness.tick()
    [message] = digests(harness.fake)
    assert "No case was resolved this week." in all_text(message.blocks)
    assert "The chart follows" not in all_text(message.blocks)
    assert [m for m in harness.fake.dms(MANAGER) if m.files] == []


def test_the_week_a_digest_covers(harness: Harness) -> None:
    week = digest.latest_week(DUE - timedelta(seconds=1), harness.amends.config.tracking.digest,
                              harness.amends.config.workspace.zone)
    assert (week.start, week.end, week.label) == (DUE - timedelta(days=14), DUE - timedelta(days=7), "2026-W47")
    assert digest.latest_week(DUE, harness.amends.config.tracking.digest,
                              harness.amends.config.workspace.zone).label == "2026-W48"


def test_the_digest_says_how_each_alternative_did_and_charts_it(harness: Harness) -> None:
    from bench.offers_history import PastCase
    from bench.offers_history import seed as seed_history
    from bot.offers.catalog import load_catalog

    def past(took: str, satisfaction: int, day: int) -> PastCase:
        return PastCase("supplier-delay", "standard", ("loaner-unit", "upgrade-same-price"), "free-accessory",
                        took, satisfaction, at(day, 12))

    with harness.amends.db.transaction() as session:
        seed_history(session, load_catalog(harness.amends.config.playbooks),
                     [past("upgrade-same-price", 5, 24), past("upgrade-same-price", 4, 25), past("loaner-unit", 3, 26)])
    harness.tick(DUE)
    harness.tick()
    [message] = digests(harness.fake)
    shown = all_text(message.blocks)
    assert "*Alternatives and incentives*" in shown
    assert "• Upgrade to an equal or better model, same price: offered 3, taken 2 of 3, satisfaction 4.5, " \
           "£198 per taken" in shown
    assert "• A loaner or demo unit until theirs arrives: offered 3, taken 1 of 3, satisfaction 3.0, £46 per taken" \
           in shown
    assert "*Nobody took in 90 days, worth a review:*" in shown and "Store credit" in shown

    [chart] = harness.fake.wait_for(lambda: charts(harness.fake))
    png = harness.fake.uploaded(chart.files[0]["id"]).content
    assert png.startswith(PNG_MAGIC) and int.from_bytes(png[16:20], "big") == 1200  # a third panel: alternatives
    assert "alternatives taken of offered: Upgrade to an equal or better model, same price 2/3" in \
        harness.fake.uploaded(chart.files[0]["id"]).alt_txt
