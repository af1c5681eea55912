"""The App Home, end to end: what an associate and a manager see, paging past Slack's 100 blocks, and
refreshing when the data behind it changes (SQLite, and PostgreSQL when AMENDS_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.cases import service as cases
from bot.cases.intake import CaseIntake
from bot.cases.models import Case, Outcome
from bot.changes import Changes
from bot.db import Database
from bot.playbooks import service as playbooks
from bot.playbooks.models import CheckOutcome
from bot.sandbox.fake_slack import ViewRecord
from bot.settings import AmendsConfig
from bot.slack.home import HomeRefresher
from tests.support import (
    APPROVER,
    ASSOCIATE,
    COLLEAGUE,
    MANAGER,
    OUTSIDER,
    Harness,
    all_text,
    configured,
    waive_required_steps,
)

MANAGER_GROUP = "S0MANAGERS"
TEAM = "Team's open cases"
DEADLINE = "Deadline near, customer not told"


@pytest.fixture
def config() -> AmendsConfig:
    return configured(managers={"users": [MANAGER], "usergroup": MANAGER_GROUP}, home={"refresh_after": "0s"})


@pytest.fixture(autouse=True)
def manager_group(fake_slack: Any) -> None:
    fake_slack.add_usergroup(MANAGER_GROUP, [])


# ---------------------------------------------------------------------- helpers


def home(harness: Harness, user: str) -> ViewRecord:
    record = harness.fake.home_record(user)
    assert record is not None, f"{user} has no Home"
    return record


def text(harness: Harness, user: str) -> str:
    return all_text(home(harness, user).view["blocks"])


def publishes(harness: Harness, user: str) -> int:
    return sum(1 for c in harness.fake.calls("views.publish") if c.ok and c.args.get("user_id") == user)


def open_home(harness: Harness, user: str) -> str:
    """The person opens the Home tab; returns what it shows once Amends has published it."""
    before = publishes(harness, user)
    assert harness.driver.app_home_opened(user).status == 200
    harness.fake.wait_for(lambda: publishes(harness, user) > before)
    return text(harness, user)


def wait_home(harness: Harness, user: str, probe: Any) -> str:
    """Wait until `user`'s Home (refreshed by Amends on its own) satisfies `probe(text)`."""
    return harness.fake.wait_for(lambda: (lambda t: t if probe(t) else None)(
        all_text((harness.fake.home(user) or {}).get("blocks"))))


def click(harness: Harness, user: str, action_id: str) -> str:
    harness.settle()  # refreshes already under way land first, so the next publish is the click's
    before = publishes(harness, user)
    assert harness.driver.click(user, action_id, home=True).status == 200
    harness.fake.wait_for(lambda: publishes(harness, user) > before)
    return text(harness, user)


def seed(harness: Harness, count: int, *, owner: str = ASSOCIATE, name: str = "Customer", hours: float = 100,
         history: bool = False, **overrides: Any) -> list[Case]:
    """Open `count` cases the way the bot does (playbook, reminders), in one transaction. `history`: cases
    from before, written through a connection of their own, so the bot does not post each one (or refresh
    Homes) as it does for a case opened now."""
    amends = harness.amends
    now = harness.clock.now()
    made = []
    db = Database(amends.settings.database_url) if history else amends.db
    with db.transaction() as session:
        for index in range(count):
            intake = CaseIntake(customer_name=f"{name} {index:03d}", order_ref=f"SO-{index:05d}",
                                promise="Chairs delivered", promised_at=now + timedelta(hours=hours + index),
                                cause=overrides.get("cause", "supplier-delay"),
                                order_value=overrides.get("order_value"), customer_tier=overrides.get("tier"))
            made.append(cases.open_case(session, intake, reporter_id=owner, config=amends.config, now=now,
                                        lifecycle=amends.lifecycle))
    if history:
        db.dispose()
    harness.settle()  # each case posted, and the refresh this brings on, are done
    return made


def blocks_of(harness: Harness, user: str) -> list[dict[str, Any]]:
    return home(harness, user).view["blocks"]


def shown_range(harness: Harness, user: str, title: str) -> tuple[int, int, int]:
    match = re.search(re.escape(title) + r"[^·]*·\s+(\d+)–(\d+) of (\d+)", text(harness, user))
    assert match, text(harness, user)
    return int(match[1]), int(match[2]), int(match[3])


# ---------------------------------------------------------------------- what people see


def test_an_associate_sees_their_open_cases_with_step_reminder_and_what_is_overdue(harness: Harness) -> None:
    mine = harness.open_case(customer_name="Northwind <Traders>")
    late = harness.open_case(customer_name="Harbour Dental", promised_at=harness.clock.now() - timedelta(hours=2))
    harness.open_case(user=COLLEAGUE, customer_name="Contoso Labs")

    shown = open_home(harness, ASSOCIATE)

    assert "Your open cases" in shown and "You have *2* open cases" in shown
    assert "Northwind <Traders>" in shown  # person-written text, in a plain_text field: shown as typed
    assert mine.ref in shown and late.ref in shown
    assert "Contoso" not in shown                # only their own cases
    assert "Now: *Try to still keep the promise*" in shown
    assert ":bell: next reminder" in shown
    assert ":rotating_light: *overdue*" in shown and "*1* overdue" in shown
    assert TEAM not in shown and "This week" not in shown
    # The cases due soonest come first: the overdue one leads.
    assert shown.index(late.ref) < shown.index(mine.ref)
    # Each case links to its thread ("Open case") while its current step has no action of its own.
    buttons = [b["accessory"] for b in blocks_of(harness, ASSOCIATE) if b.get("accessory")]
    assert {b["url"] for b in buttons} == {mine.permalink, late.permalink}


def test_a_case_with_nothing_open_has_a_kind_empty_home(harness: Harness) -> None:
    shown = open_home(harness, ASSOCIATE)
    assert "No open cases of your own" in shown and "*0*" not in shown
    assert "No open cases" in shown
    assert harness.driver.click(ASSOCIATE, "open_intake", home=True).status == 200
    harness.modal("case_intake")


def test_the_next_action_button_runs_the_current_step_from_home(harness: Harness) -> None:
    case = harness.open_case()
    now = harness.clock.now()
    with harness.amends.db.transaction() as session:  # the keep-the-promise checks were all tried
        checklist = playbooks.checklist(session, case.id, now=now)
        for check in checklist.checks_step.checks:
            playbooks.record_check(session, case.id, check.id, CheckOutcome.TRIED, actor_id=ASSOCIATE, now=now)
        playbooks.complete_step(session, case.id, checklist.checks_step.id, actor_id=ASSOCIATE, now=now)

    shown = open_home(harness, ASSOCIATE)
    assert "Now: *Tell your manager*" in shown
    assert harness.driver.click(ASSOCIATE, "case_action:escalate", home=True).status == 200
    # The managers are alerted, the step is done, and the Home moves on to the next step by itself.
    wait_home(harness, ASSOCIATE, lambda t: "Now: *Find an alternative" in t)
    assert "escalated" in [e.kind for e in harness.events(case.id)]


def test_a_manager_sees_the_team_by_severity_deadlines_near_and_the_week(harness: Harness) -> None:
    soon = harness.open_case(customer_name="Soon Ltd", promised_at=harness.clock.now() + timedelta(hours=5))
    told = harness.open_case(user=COLLEAGUE, customer_name="Told Ltd",
                             promised_at=harness.clock.now() + timedelta(hours=6))
    with harness.amends.db.transaction() as session:
        cases.record_customer_contacted(session, told.id, actor_id=COLLEAGUE, now=harness.clock.now(),
                                        channel="phone", lifecycle=harness.amends.lifecycle)
    critical = harness.open_case(user=COLLEAGUE, customer_name="Key Account plc", order_value="9000",
                                 customer_tier="key", promised_at=harness.clock.now() - timedelta(hours=1))
    later = harness.open_case(customer_name="Later Ltd", promised_at=harness.clock.now() + timedelta(days=9),
                              cause="stock-out")
    harness.waive_required_steps(later.id)
    with harness.amends.db.transaction() as session:
        cases.resolve_case(session, later.id, actor_id=ASSOCIATE, now=harness.clock.now(),
                           outcome=Outcome.CUSTOMER_WAITED, lifecycle=harness.amends.lifecycle)

    shown = open_home(harness, MANAGER)

    assert "Amends · your team" in shown and "*3* open cases on the team" in shown
    team = shown[shown.index(TEAM):]
    assert team.index("Key Account") < team.index("Soon Ltd")  # most severe first
    assert f"owner <@{COLLEAGUE}>" in team and f"owner <@{ASSOCIATE}>" in team
    assert ":red_circle: 1 critical" in team
    deadline = shown[shown.index(DEADLINE):shown.index(TEAM)]
    assert soon.ref in deadline and critical.ref in deadline  # due soon, or passed, and nobody told them
    assert told.ref not in deadline and later.ref not in deadline
    week = shown[shown.index("This week"):]
    assert "*Opened*\n4" in week and "*Resolved*\n1" in week
    assert "*3* open cases on the team, :rotating_light: *1* overdue" in shown
    assert "Supplier delay 3" in week and "Stock-out 1" in week


@pytest.mark.parametrize("user", [ASSOCIATE, COLLEAGUE, APPROVER, OUTSIDER])
def test_a_non_manager_never_sees_the_team_view(harness: Harness, user: str) -> None:
    seed(harness, 3, owner=COLLEAGUE, hours=2)
    shown = open_home(harness, user)
    assert TEAM not in shown and DEADLINE not in shown and "This week" not in shown
    assert "your team" not in shown
    # ...nor after a refresh brought on by a change.
    seed(harness, 1, owner=user, name="Refreshed")
    wait_home(harness, user, lambda t: "Refreshed" in t)
    assert TEAM not in text(harness, user)


def test_managers_from_the_usergroup_see_the_team_and_lose_it_when_they_leave(harness: Harness) -> None:
    harness.fake.add_usergroup(MANAGER_GROUP, [COLLEAGUE])
    seed(harness, 2, owner=ASSOCIATE)
    assert TEAM in open_home(harness, COLLEAGUE)
    harness.fake.add_usergroup(MANAGER_GROUP, [])
    assert TEAM not in open_home(harness, COLLEAGUE)


def resolve_with_items(harness: Harness, case: Case, items: list[tuple[str, str, int]]) -> None:
    """Resolve `case` with action items (text, owner, due in days), as the resolve flow saves them."""
    from bot.tracking import service as tracking
    from bot.tracking.service import ActionItemInput, ItemSchedule, ResolutionInput

    today = harness.clock.now().date()
    details = ResolutionInput(Outcome.CUSTOMER_WAITED, Decimal("0"), "Supplier slipped", action_items=tuple(
        ActionItemInput(text, owner, today + timedelta(days=days)) for text, owner, days in items))
    harness.waive_required_steps(case.id)
    with harness.amends.db.transaction() as session:
        tracking.resolve(session, case.id, details, actor_id=case.owner_id, now=harness.clock.now(),
                         lifecycle=harness.amends.lifecycle, schedule=ItemSchedule(harness.amends.config.workspace.zone))


def test_overdue_action_items_show_to_their_owner_and_the_manager_and_mark_done_from_home(harness: Harness) -> None:
    case = seed(harness, 1, name="Lesson Ltd")[0]
    resolve_with_items(harness, case, [("Second <fabric> supplier", COLLEAGUE, 1), ("Check lead times", ASSOCIATE, 1),
                                       ("Train the new starters", ASSOCIATE, 20)])
    harness.clock.advance(timedelta(days=3))
    mine = open_home(harness, COLLEAGUE)
    assert "Your overdue action items" in mine and "Second <fabric> supplier" in mine
    assert "Check lead times" not in mine  # Ada's
    team = open_home(harness, MANAGER)
    assert "Overdue action items" in team and "Second <fabric> supplier" in team and "Check lead times" in team
    assert "Train the new starters" not in team  # not due yet

    harness.driver.click(COLLEAGUE, "action_item_done", home=True)
    wait_home(harness, COLLEAGUE, lambda t: "Second" not in t)
    wait_home(harness, MANAGER, lambda t: "Second" not in t and "Check lead times" in t)


def test_a_persons_action_items_not_yet_overdue_are_on_their_home(harness: Harness) -> None:
    case = seed(harness, 1, name="Lesson Ltd")[0]
    resolve_with_items(harness, case, [("Train the new starters", ASSOCIATE, 20), ("Check lead times", ASSOCIATE, 1),
                                       ("Call the *supplier* back", ASSOCIATE, 5), ("Audit stock", COLLEAGUE, 5)])
    harness.clock.advance(timedelta(days=3))
    mine = open_home(harness, ASSOCIATE)
    upcoming = mine[mine.index("Your action items"):]
    # Soonest due first; the overdue one is in its own list above; a colleague's is not here.
    assert upcoming.index("Call the *supplier* back") < upcoming.index("Train the new starters")
    assert "Check lead times" not in upcoming and "Audit stock" not in upcoming
    assert "Check lead times" in mine[mine.index("Your overdue action items"):mine.index("Your action items")]
    assert "due Sat 28 Nov 2026" in upcoming and "late" not in upcoming
    # Done from the Home: it leaves the list.
    blocks = blocks_of(harness, ASSOCIATE)
    row = next(b for b in blocks if "Call the *supplier* back" in all_text([b]))
    harness.driver.click(ASSOCIATE, "action_item_done", home=True, value=row["accessory"]["value"])
    wait_home(harness, ASSOCIATE, lambda t: "Call the *supplier* back" not in t and "Train the new starters" in t)


# ---------------------------------------------------------------------- paging


def test_an_associate_with_130_cases_pages_through_all_of_them_within_100_blocks(harness: Harness) -> None:
    made = seed(harness, 130, history=True)
    open_home(harness, ASSOCIATE)
    seen: list[str] = []
    while True:
        blocks = blocks_of(harness, ASSOCIATE)
        assert len(blocks) <= 100
        seen += re.findall(r"\*(?:<[^|>]*\|)?(AM-\d+)>?\*", all_text(blocks))  # a posted case's ref is a link
        if "home_next" not in str(blocks):
            break
        click(harness, ASSOCIATE, "home_next")
    assert sorted(seen) == sorted(c.ref for c in made)  # each once, none left out
    assert shown_range(harness, ASSOCIATE, "Your open cases") == (121, 130, 130)
    click(harness, ASSOCIATE, "home_previous")
    assert shown_range(harness, ASSOCIATE, "Your open cases") == (101, 120, 130)


def test_a_manager_with_a_crowded_team_stays_within_100_blocks_and_pages_each_list(harness: Harness) -> None:
    seed(harness, 120, owner=ASSOCIATE, hours=3, history=True)
    seed(harness, 40, owner=MANAGER, name="Own", history=True)
    open_home(harness, MANAGER)
    assert len(blocks_of(harness, MANAGER)) <= 100
    assert shown_range(harness, MANAGER, TEAM) == (1, 15, 160)
    assert shown_range(harness, MANAGER, DEADLINE) == (1, 8, 22)  # due within 24 h: 3 h to 24 h from now
    assert shown_range(harness, MANAGER, "Your open cases") == (1, 5, 40)
    harness.settle()
    harness.driver.click(MANAGER, "home_next", home=True, block_id="home_page.team_cases")
    harness.fake.wait_for(lambda: "16–30 of 160" in text(harness, MANAGER))
    assert shown_range(harness, MANAGER, DEADLINE) == (1, 8, 22)  # the other lists stay where they were


def test_the_page_survives_a_refresh_and_shrinks_when_cases_close(harness: Harness) -> None:
    made = seed(harness, 25, history=True)
    open_home(harness, ASSOCIATE)
    click(harness, ASSOCIATE, "home_next")
    assert shown_range(harness, ASSOCIATE, "Your open cases") == (21, 25, 25)
    with harness.amends.db.transaction() as session:
        for case in made[-10:]:
            waive_required_steps(session, case.id, harness.clock.now())
            cases.resolve_case(session, case.id, actor_id=ASSOCIATE, now=harness.clock.now(),
                               outcome=Outcome.CUSTOMER_WAITED, lifecycle=harness.amends.lifecycle)
    # 15 left: the second page is gone, so the refreshed Home shows the last page there is.
    wait_home(harness, ASSOCIATE, lambda t: "You have *15* open cases" in t)
    assert "home_next" not in str(blocks_of(harness, ASSOCIATE))
    assert "home_previous" not in str(blocks_of(harness, ASSOCIATE))


# ---------------------------------------------------------------------- refreshing


def test_homes_refresh_when_cases_open_resolve_and_change_hands(harness: Harness) -> None:
    open_home(harness, ASSOCIATE)
    open_home(harness, COLLEAGUE)
    open_home(harness, MANAGER)

    case = harness.open_case(customer_name="Fresh Fields")
    wait_home(harness, ASSOCIATE, lambda t: "Fresh Fields" in t)
    wait_home(harness, MANAGER, lambda t: "Fresh Fields" in t)
    assert "Fresh Fields" not in text(harness, COLLEAGUE)

    with harness.amends.db.transaction() as session:
        cases.change_owner(session, case.id, new_owner_id=COLLEAGUE, actor_id=ASSOCIATE, now=harness.clock.now())
    wait_home(harness, COLLEAGUE, lambda t: "Fresh Fields" in t)
    wait_home(harness, ASSOCIATE, lambda t: "Fresh Fields" not in t)

    harness.waive_required_steps(case.id)
    with harness.amends.db.transaction() as session:
        cases.resolve_case(session, case.id, actor_id=COLLEAGUE, now=harness.clock.now(),
                           outcome=Outcome.TOOK_ALTERNATIVE, lifecycle=harness.amends.lifecycle)
    wait_home(harness, COLLEAGUE, lambda t: "Fresh Fields" not in t)
    wait_home(harness, MANAGER, lambda t: "Fresh Fields" not in t and "*Resolved*\n1" in t)


def test_a_sent_reminder_moves_the_next_reminder_on_the_home(harness: Harness) -> None:
    harness.open_case()
    first = re.search(r"next reminder <!date\^(\d+)", open_home(harness, ASSOCIATE))
    assert first
    harness.tick(advance=timedelta(hours=8))  # the status update is sent and the next one scheduled
    refreshed = wait_home(harness, ASSOCIATE, lambda t: re.search(r"next reminder <!date\^(\d+)", t) and
                          re.search(r"next reminder <!date\^(\d+)", t)[1] != first[1])
    assert int(re.search(r"next reminder <!date\^(\d+)", refreshed)[1]) > int(first[1])


def test_what_time_alone_changes_shows_after_the_periodic_refresh(harness: Harness) -> None:
    harness.open_case(promised_at=harness.clock.now() + timedelta(hours=2))
    shown = open_home(harness, ASSOCIATE)
    assert ":alarm_clock:" not in shown and "*overdue*" not in shown
    harness.clock.advance(timedelta(hours=3))  # nothing happened, but the step and the promise fell due
    ticker = harness.amends.ticker
    ticker.run_task(next(t for t in ticker.tasks if t.name == "home-refresh"))  # only that, no reminders
    shown = wait_home(harness, ASSOCIATE, lambda t: ":alarm_clock: was due" in t)
    assert ":rotating_light: *overdue*" in shown


def refresh_opened_homes(harness: Harness) -> None:
    ticker = harness.amends.ticker
    ticker.run_task(next(t for t in ticker.tasks if t.name == "home-refresh"))
    harness.settle()


def test_a_refresh_that_would_show_the_same_again_is_not_sent(harness: Harness) -> None:
    harness.open_case(customer_name="Fresh Fields")
    open_home(harness, ASSOCIATE)
    harness.settle()
    sent = publishes(harness, ASSOCIATE)
    harness.clock.advance(timedelta(minutes=1))  # only "Updated" would change
    refresh_opened_homes(harness)
    assert publishes(harness, ASSOCIATE) == sent
    harness.open_case(customer_name="Green Grocers")  # something to show
    wait_home(harness, ASSOCIATE, lambda t: "Green Grocers" in t)
    harness.settle()
    sent = publishes(harness, ASSOCIATE)
    refresh_opened_homes(harness)
    assert publishes(harness, ASSOCIATE) == sent
    open_home(harness, ASSOCIATE)  # opening the tab always shows it afresh
    assert publishes(harness, ASSOCIATE) == sent + 1


def test_a_home_slack_did_not_take_is_sent_again_at_the_next_refresh(harness: Harness) -> None:
    harness.open_case(promised_at=harness.clock.now() + timedelta(hours=2))
    open_home(harness, ASSOCIATE)
    harness.settle()
    harness.clock.advance(timedelta(hours=3))  # the step falls due: the next refresh shows it
    harness.fake.fail_next("views.publish", "internal_error", status=200)
    refresh_opened_homes(harness)
    assert ":alarm_clock: was due" not in text(harness, ASSOCIATE)
    refresh_opened_homes(harness)  # the same view as the refused one: sent, not skipped
    assert ":alarm_clock: was due" in text(harness, ASSOCIATE)


def test_nobody_gets_a_home_they_never_opened(harness: Harness) -> None:
    harness.open_case()
    harness.settle()
    harness.open_case()  # a second change, after the first refresh had every chance to run
    harness.settle()
    assert harness.fake.home_record(ASSOCIATE) is None and harness.fake.home_record(MANAGER) is None


def test_a_home_that_fails_to_render_says_so_in_the_home(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.home import service

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    open_home(harness, ASSOCIATE)
    monkeypatch.setattr(service, "open_summary", broken)
    shown = open_home(harness, ASSOCIATE)
    assert "couldn't load your Home" in shown and re.search(r"`E-[0-9A-F]{6}`", shown)
    monkeypatch.undo()
    refresh_opened_homes(harness)  # the Home as it was before, but it shows the failure now: sent again
    assert "couldn't load your Home" not in text(harness, ASSOCIATE)


# ---------------------------------------------------------------------- the refresher's coalescing


class ManualTimer:
    def __init__(self) -> None:
        self.started: list[Any] = []

    def __call__(self, delay: float, fire: Any) -> None:
        self.started.append(fire)

    def fire(self) -> None:
        self.started.pop(0)()


class Recorder(HomeRefresher):
    def __init__(self, timer: ManualTimer) -> None:
        super().__init__(None, delay=2.0, start=timer)  # type: ignore[arg-type]
        self.batches: list[Changes] = []
        self.during: Changes | None = None

    def refresh(self, batch: Changes) -> None:
        self.batches.append(batch)
        if self.during is not None:
            during, self.during = self.during, None
            self.add(during)


def test_a_burst_of_changes_refreshes_once() -> None:
    timer = ManualTimer()
    refresher = Recorder(timer)
    refresher.add(Changes({1}, {"U1"}))
    refresher.add(Changes({2}, {"U2"}))
    refresher.add(Changes({1}, set()))
    assert len(timer.started) == 1
    timer.fire()
    assert refresher.batches == [Changes({1, 2}, {"U1", "U2"})]
    assert timer.started == []


def test_changes_during_a_refresh_are_refreshed_after_it_once() -> None:
    timer = ManualTimer()
    refresher = Recorder(timer)
    refresher.during = Changes({3}, set())
    refresher.add(Changes({1}, set()))
    timer.fire()
    assert len(timer.started) == 1  # the change that came in meanwhile waits for its own refresh
    refresher.add(Changes({4}, set()))
    assert len(timer.started) == 1
    timer.fire()
    assert refresher.batches == [Changes({1}, set()), Changes({3, 4}, set())]


def test_the_registry_refuses_a_section_that_could_take_a_home_past_100_blocks() -> None:
    from bot.slack.home_sections import HomeSections

    sections = HomeSections()
    sections.add("a", order=1, max_blocks=60, managers=True, associates=True)(lambda ctx: [])
    sections.add("b", order=2, max_blocks=37, managers=False, associates=True)(lambda ctx: [])
    with pytest.raises(ValueError, match="an associate's Home to 101 blocks"):
        sections.add("c", order=3, max_blocks=1, managers=False, associates=True)(lambda ctx: [])
    sections.add("d", order=3, max_blocks=37, managers=True, associates=False)(lambda ctx: [])
    assert [s.name for s in sections.for_person(manager=True)] == ["a", "d"]


def test_nothing_is_refreshed_once_the_app_closes() -> None:
    timer = ManualTimer()
    refresher = Recorder(timer)
    refresher.add(Changes({1}, set()))
    refresher.close()  # before the refresh that was waiting
    timer.fire()
    refresher.add(Changes({2}, set()))
    assert refresher.batches == [] and timer.started == []
