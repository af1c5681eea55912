"""The App Home: published when a person opens it, refreshed when the data behind it changes.

* **What it shows** is a list of sections (bot/slack/home_sections.py) that areas register: here, an
  associate's open cases, and for managers the team's open cases by severity, the cases whose deadline
  is near while the customer hasn't been told, and this week's figures. A non-manager never gets the
  team sections: who is a manager is asked of amends.yaml and Slack at every rendering.
* **Paging**: every list shows one page and Previous/Next; the page a person is on is saved
  (bot.home.service), so a refresh keeps them where they were.
* **Refreshing**: services note what each transaction changed (bot.changes); once it commits, the
  `HomeRefresher` collects the people concerned (the cases' owners, before and after a hand-over, and
  every manager with a team view) and, `home.refresh_after` later, publishes each of their Homes once,
  however many changes came in between. Only people who have opened their Home get one.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block, ButtonElement

from bot import changes
from bot.changes import Changes
from bot.errors import StorageUnavailable
from bot.home import service
from bot.home.service import CaseLine
from bot.slack import errors
from bot.slack.blocks import base
from bot.slack.blocks import home as blocks
from bot.slack.blocks.home import HomePage
from bot.slack.home_sections import CHROME_BLOCKS, HomeContext
from bot.slack.ids import Action
from bot.slack.metadata import StaleInteraction
from bot.slack.people import is_manager, manager_ids
from bot.slack.wiring import Wiring

log = logging.getLogger(__name__)

MY_CASES = 20           # an associate's page of their own cases
MY_CASES_MANAGER = 5    # a manager's own cases, under the team's
TEAM_CASES = 15
DEADLINE_NEAR = 8


def register(wiring: Wiring) -> None:
    HomeArea(wiring).register()


class HomeArea:
    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring
        self.deps = wiring.deps
        self.zone = wiring.deps.config.workspace.zone
        self._locks = [threading.Lock() for _ in range(64)]
        self.refresher = HomeRefresher(self, delay=self.deps.config.home.refresh_after.total_seconds())

    def register(self) -> None:
        surface = self.wiring.surface
        surface.event("app_home_opened")(self.on_opened)
        surface.action(Action.HOME_PREVIOUS)(self.on_page)
        surface.action(Action.HOME_NEXT)(self.on_page)
        surface.action(Action.HOME_OPEN_CASE)(self.on_link)
        self._register_sections()
        changes.after_commit(self.deps.db, self.refresher.add)
        self.deps.on_close.append(self.refresher.close)
        every = self.deps.config.home.refresh_every
        if every and self.deps.ticker is not None:
            self.deps.ticker.every(every, "home-refresh")(self.refresh_recent)

    def refresh_recent(self, now: datetime) -> None:
        """Refresh the Homes opened lately, for what time alone changes (steps falling due, deadlines nearing)."""
        with self.deps.db.transaction() as session:
            users = service.opened_since(session, now - self.deps.config.home.keep_fresh_for)
        if users:
            self.refresher.add(Changes(user_ids=users))

    # ------------------------------------------------------------------ listeners

    def on_opened(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab
        user_id = event["user"]
        try:
            self.publish(client, user_id, opened=True)
        except Exception as exc:  # noqa: BLE001 - shown in the Home itself, where the person is looking
            text, expected = errors.message_for(exc)
            ref = errors.error_ref()
            log.log(logging.INFO if expected else logging.ERROR, "could not publish the Home of %s (%s)", user_id,
                    ref, exc_info=exc)
            # Recorded before it is shown, under the person's publishing lock: a refresh that came between
            # would compare with what the Home showed before and send nothing, leaving the failure up.
            with self._lock(user_id):
                with contextlib.suppress(StorageUnavailable):  # then nothing was recorded as shown either
                    self._unpublished(user_id)  # it shows the failure now, whatever it showed before
                client.views_publish(user_id=user_id, view=blocks.view(blocks.failed(ref)))

    def on_page(self, body: dict[str, Any], client: WebClient) -> None:
        page = HomePage.decode(body["actions"][0].get("value"))
        if page.section not in self.wiring.home:
            raise StaleInteraction()  # a list this version of Amends doesn't have (or a tampered button)
        self.publish(client, body["user"]["id"], turn=page)

    def on_link(self) -> None:
        """A link button (open the case): Slack opens the link and sends the click, which only needs an ack."""

    # ------------------------------------------------------------------ publishing

    def publish(self, client: WebClient, user_id: str, *, opened: bool = False, turn: HomePage | None = None,
                managers: set[str] | None = None) -> bool:
        """Render `user_id`'s Home from the database and publish it; False if they never opened it."""
        manager = user_id in managers if managers is not None else is_manager(client, self.deps.config, user_id)
        with self._lock(user_id):  # one publish at a time per person: the latest wins
            now = self.deps.clock.now()
            with self.deps.db.transaction() as session:
                if opened:
                    pages = service.opened(session, user_id, now=now)
                elif turn is not None:
                    pages = service.turn_page(session, user_id, turn.section, turn.offset, now=now)
                else:
                    found = service.pages(session, user_id)
                    if found is None:
                        return False
                    pages = found
                view = self.render(session, user_id, manager=manager, pages=pages)
                changed = service.published(session, user_id, team=manager, now=now,
                                            digest=blocks.content_digest(view))
            # A refresh that shows nothing new is not sent: Slack rate-limits views.publish per workspace.
            # Opening the Home or turning a page always is (the person is looking, and may never have seen it).
            if changed or opened or turn is not None:
                try:
                    client.views_publish(user_id=user_id, view=view)
                except Exception:
                    self._unpublished(user_id)
                    raise
        return True

    def _lock(self, user_id: str) -> threading.Lock:
        return self._locks[hash(user_id) % len(self._locks)]

    def _unpublished(self, user_id: str) -> None:
        with self.deps.db.transaction() as session:
            service.unpublished(session, user_id)

    def render(self, session: Any, user_id: str, *, manager: bool, pages: dict[str, int]) -> dict[str, Any]:
        """The Home view for one person (queries, blocks and Slack's own validation in to_dict())."""
        now = self.deps.clock.now()
        config = self.deps.config
        if manager:
            figures = service.open_summary(session, now=now)
        else:
            figures = service.open_summary(session, now=now, owner_id=user_id)
        rendered: list[Block] = blocks.chrome(manager=manager, now=now, zone=self.zone, open_cases=figures[0],
                                              overdue=figures[1])
        assert len(rendered) == CHROME_BLOCKS
        for section in self.wiring.home.for_person(manager):
            ctx = HomeContext(session=session, user_id=user_id, manager=manager, now=now, config=config,
                              case_actions=self.wiring.case_actions, section=section.name,
                              offset=pages.get(section.name, 0))
            produced = section.render(ctx)
            if len(produced) > section.max_blocks:
                raise base.BlockLimitError(f"home section {section.name!r} rendered {len(produced)} blocks; it "
                                           f"declared at most {section.max_blocks}")
            rendered += produced
        return blocks.view(rendered)

    # ------------------------------------------------------------------ the built-in sections

    def _register_sections(self) -> None:
        add = self.wiring.home.add
        rules = self.deps.config.reminders

        @add("my_cases", order=10, max_blocks=blocks.list_blocks(MY_CASES), managers=True, associates=True)
        def my_cases(ctx: HomeContext) -> list[Block]:
            limit = MY_CASES_MANAGER if ctx.manager else MY_CASES
            page = service.my_open_cases(ctx.session, ctx.user_id, offset=ctx.offset, limit=limit, now=ctx.now,
                                         rules=rules)
            empty = None if ctx.manager else "No open cases. When a promise is at risk, press *Open a case* " \
                                             "or type `/recover`."
            return blocks.paged_list(ctx.section, "Your open cases", page, self._row(ctx), empty=empty)

        @add("deadline_near", order=20, max_blocks=blocks.list_blocks(DEADLINE_NEAR), managers=True,
             associates=False)
        def deadline_near(ctx: HomeContext) -> list[Block]:
            page = service.deadline_near_untold(ctx.session, offset=ctx.offset, limit=DEADLINE_NEAR, now=ctx.now,
                                                rules=rules)
            window = _duration(rules.deadline_warning_before)
            return blocks.paged_list(ctx.section, "Deadline near, customer not told", page,
                                     self._row(ctx, owner=True),
                                     note=f"Due within {window} (or already due) and nobody has told the "
                                          "customer yet.")

        @add("team_cases", order=40, max_blocks=blocks.list_blocks(TEAM_CASES) + 1, managers=True,
             associates=False)
        def team_cases(ctx: HomeContext) -> list[Block]:
            page = service.team_open_cases(ctx.session, offset=ctx.offset, limit=TEAM_CASES, now=ctx.now,
                                           rules=rules)
            note = blocks.severity_note(service.open_by_severity(ctx.session))
            return blocks.paged_list(ctx.section, "Team's open cases, most severe first", page,
                                     self._row(ctx, owner=True), empty="No open cases on the team.", note=note)

        @add("week", order=80, max_blocks=4, managers=True, associates=False)
        def week(ctx: HomeContext) -> list[Block]:
            return blocks.week(service.week_figures(ctx.session, now=ctx.now, zone=self.zone), self.zone)

    def _row(self, ctx: HomeContext, *, owner: bool = False) -> Callable[[CaseLine], Block]:
        def row(line: CaseLine) -> Block:
            return blocks.case_row(line, self.zone, self._next_action(ctx, line), owner=owner)
        return row

    def _next_action(self, ctx: HomeContext, line: CaseLine) -> ButtonElement | None:
        """The button for the case's next action: its current step's action when an installed area offers it,
        else a link to the case thread."""
        actions, case, progress = ctx.case_actions, line.case, line.progress
        if progress is not None and progress.action and progress.action in actions:
            return actions.button(progress.action, case, source="home", step_id=progress.step_id)
        if case.permalink:
            return base.button("Open case", Action.HOME_OPEN_CASE, url=case.permalink, value=str(case.id))
        return None


class HomeRefresher:
    """Refreshes the Homes a committed change concerns, at most once per `delay` per burst of changes.

    Changes arriving while a refresh is waiting join it; changes arriving while one is running start the
    next one after it, so two refreshes never run at once and a Home is never published from older data
    after newer. Runs on the Bolt worker pool.
    """

    def __init__(self, area: HomeArea, *, delay: float,
                 start: Callable[[float, Callable[[], None]], None] | None = None) -> None:
        self.area = area
        self.delay = delay
        self._start = start or self._timer
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = Changes()
        self._scheduled = False
        self._running = False
        self._closed = False
        self._timers: set[threading.Timer] = set()

    def add(self, noted: Changes) -> None:
        with self._lock:
            if self._closed:
                return
            self._pending.case_ids |= noted.case_ids
            self._pending.user_ids |= noted.user_ids
            if self._scheduled or self._running:
                return
            self._scheduled = True
        self._start(self.delay, self._fire)

    def close(self) -> None:
        """The app is closing: nothing more is refreshed (the database is about to go); a refresh under way is
        given a few seconds to finish."""
        with self._lock:
            self._closed = True
            timers, self._timers = self._timers, set()
            self._idle.wait_for(lambda: not self._running, timeout=5)
        for timer in timers:
            timer.cancel()

    def _timer(self, delay: float, fire: Callable[[], None]) -> None:
        surface = self.area.wiring.surface
        if delay <= 0:
            surface.submit(fire)
            return

        def due() -> None:
            with self._lock:
                self._timers.discard(timer)
            surface.submit(fire)

        timer = threading.Timer(delay, due)
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
        timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._closed:
                return
            batch, self._pending = self._pending, Changes()
            self._scheduled, self._running = False, True
        try:
            self.refresh(batch)
        except Exception:  # noqa: BLE001 - the next change refreshes again; the Homes are rebuilt from the database
            log.exception("refreshing Homes failed")
        finally:
            with self._lock:
                self._running = False
                self._idle.notify_all()
                again = bool(self._pending) and not self._scheduled and not self._closed
                self._scheduled = self._scheduled or again
            if again:
                self._start(self.delay, self._fire)

    def refresh(self, batch: Changes) -> None:
        area = self.area
        with area.deps.db.transaction() as session:
            concerned = batch.user_ids | service.owners_of(session, sorted(batch.case_ids))
            users = service.homes_to_refresh(session, sorted(concerned))
        if not users:
            return
        client = area.wiring.surface.app.client
        managers = manager_ids(client, area.deps.config)
        for user_id in users:
            try:
                area.publish(client, user_id, managers=managers)
            except SlackApiError as exc:
                log.warning("could not refresh the Home of %s: %s", user_id, exc.response.get("error"))


def _duration(value: Any) -> str:
    hours = int(value.total_seconds() // 3600)
    return f"{hours // 24} days" if hours >= 48 and hours % 24 == 0 else f"{hours} hours"
