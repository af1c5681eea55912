"""What a Home tab shows, read with paged SQL (LIMIT/OFFSET and counts), never by loading every case.

Plain values in, plain values out; the caller owns the transaction. An associate's Home lists their open
cases with their current step and next reminder; a manager's adds the team's open cases by severity, the
cases whose deadline is near while the customer hasn't been told (the reminders' rule), and this week's
figures. Other areas add their own lists through the Slack-side section registry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.cases.models import Case, CaseStatus
from bot.cases.severity import Severity
from bot.home.models import AppHome
from bot.playbooks import service as playbooks
from bot.playbooks.service import Progress
from bot.reminders import kinds as reminder_rules
from bot.reminders import service as reminders
from bot.reminders.config import RemindersConfig
from bot.reminders.models import Audience

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    offset: int
    limit: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total

    @property
    def previous_offset(self) -> int:
        return max(0, self.offset - self.limit)

    @property
    def next_offset(self) -> int:
        return self.offset + self.limit


@dataclass(frozen=True)
class CaseLine:
    """One open case as a Home lists it."""

    case: Case
    progress: Progress | None     # the current playbook step, and how many steps are late
    next_reminder: datetime | None
    now: datetime
    deadline_window: timedelta

    @property
    def promise_overdue(self) -> bool:
        return self.case.promised_at <= self.now

    @property
    def deadline_near(self) -> bool:
        """The reminders' rule: due soon (or passed) and the customer not told."""
        return self.case.customer_contacted_at is None and self.case.promised_at <= self.now + self.deadline_window

    @property
    def overdue(self) -> bool:
        return self.promise_overdue or bool(self.progress and self.progress.overdue_steps)


@dataclass(frozen=True)
class WeekFigures:
    start: datetime      # Monday 00:00 in the workspace's zone
    opened: int
    resolved: int
    by_cause: tuple[tuple[str, int], ...]  # cases opened this week, most frequent cause first


SEVERITY_ORDER = case({s.value: -s.rank for s in Severity}, value=Case.severity, else_=1)  # critical first


def _clamp(offset: int, limit: int, total: int) -> int:
    """An offset past the end (cases resolved since the page was chosen) shows the last page instead."""
    if offset < 0 or total == 0:
        return 0
    if offset >= total:
        return (total - 1) // limit * limit
    return offset - offset % limit


def paged(total: int, offset: int, limit: int, fetch: Callable[[int], Sequence[T]]) -> Page[T]:
    """One page of a list of `total` rows: `fetch(offset)` returns up to `limit` rows from there (a query with
    OFFSET and LIMIT). For other areas' Home sections too."""
    offset = _clamp(offset, limit, total)
    return Page(tuple(fetch(offset)) if total else (), offset, limit, total)


def _case_page(session: Session, where: Sequence[ColumnElement[bool]], order: Sequence[ColumnElement[object]], *,
               offset: int, limit: int, now: datetime, rules: RemindersConfig) -> Page[CaseLine]:
    total = session.scalar(select(func.count()).select_from(Case).where(*where)) or 0

    def fetch(start: int) -> Sequence[Case]:
        # Ids first, then their rows: the database orders and skips index entries, not whole cases (a deep
        # page of 10,000 open cases: measured 3x faster on SQLite, whose sorter carries every selected column).
        ids: Select[tuple[int]] = select(Case.id).where(*where).order_by(*order, Case.id).offset(start).limit(limit)
        wanted = session.scalars(ids).all()
        found = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(wanted)))} if wanted else {}
        return [found[case_id] for case_id in wanted if case_id in found]

    page = paged(total, offset, limit, fetch)
    found = page.items
    ids = [c.id for c in found]
    progress = playbooks.progress_of(session, ids, now=now)
    # The next time Amends nudges the case's owner (the managers' escalations are theirs to see in the thread).
    upcoming = reminders.next_due_for_cases(session, ids, audiences=[Audience.OWNER])
    lines = tuple(CaseLine(c, progress.get(c.id), upcoming.get(c.id), now, rules.deadline_warning_before)
                  for c in found)
    return Page(lines, page.offset, limit, total)


def my_open_cases(session: Session, owner_id: str, *, offset: int, limit: int, now: datetime,
                  rules: RemindersConfig) -> Page[CaseLine]:
    """The owner's open cases, the promise due soonest first."""
    return _case_page(session, [Case.owner_id == owner_id, Case.status == CaseStatus.OPEN], [Case.promised_at],
                      offset=offset, limit=limit, now=now, rules=rules)


def team_open_cases(session: Session, *, offset: int, limit: int, now: datetime,
                    rules: RemindersConfig) -> Page[CaseLine]:
    """Every open case, most severe first, then the promise due soonest."""
    return _case_page(session, [Case.status == CaseStatus.OPEN], [SEVERITY_ORDER, Case.promised_at],
                      offset=offset, limit=limit, now=now, rules=rules)


def deadline_near_untold(session: Session, *, offset: int, limit: int, now: datetime,
                         rules: RemindersConfig) -> Page[CaseLine]:
    """Open cases whose deadline is near (or passed) and whose customer hasn't been told, soonest first."""
    return _case_page(session, [reminder_rules.deadline_near(rules, now)], [Case.promised_at],
                      offset=offset, limit=limit, now=now, rules=rules)


def open_by_severity(session: Session) -> dict[str, int]:
    rows = session.execute(select(Case.severity, func.count()).where(Case.status == CaseStatus.OPEN)
                           .group_by(Case.severity)).all()
    return {severity: count for severity, count in rows}


def week_start(now: datetime, zone: ZoneInfo) -> datetime:
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0,
                                                               tzinfo=None)
    return monday.replace(tzinfo=zone).astimezone(now.tzinfo)


def week_figures(session: Session, *, now: datetime, zone: ZoneInfo) -> WeekFigures:
    start = week_start(now, zone)
    # Counted here rather than with GROUP BY: SQLite would then walk the whole cause index instead of this
    # week's range of (created_at, cause) (measured: 7 ms against 0.1 ms with 10,000 cases).
    causes = Counter(session.scalars(select(Case.cause).where(Case.created_at >= start)))
    resolved = session.scalar(select(func.count()).select_from(Case).where(
        Case.status == CaseStatus.RESOLVED, Case.resolved_at >= start)) or 0
    by_cause = tuple(sorted(causes.items(), key=lambda item: (-item[1], item[0])))
    return WeekFigures(start, sum(causes.values()), resolved, by_cause)


def open_summary(session: Session, *, now: datetime, owner_id: str | None = None) -> tuple[int, int]:
    """(open cases, of which the promise is overdue), the team's or one owner's."""
    where = [Case.status == CaseStatus.OPEN]
    if owner_id is not None:
        where.append(Case.owner_id == owner_id)
    total, overdue = session.execute(select(func.count(), func.count(case((Case.promised_at <= now, 1))))
                                     .select_from(Case).where(*where)).one()
    return total or 0, overdue or 0


# ---------------------------------------------------------------------- whose Home, on which page


def opened(session: Session, user_id: str, *, now: datetime) -> dict[str, int]:
    """The person opened their Home: remember them (their Home is kept fresh from now on); their pages."""
    dialect = session.get_bind().dialect.name
    upsert = (sqlite_insert if dialect == "sqlite" else postgresql_insert)(AppHome).values(
        user_id=user_id, team=False, pages={}, opened_at=now)
    session.execute(upsert.on_conflict_do_update(index_elements=[AppHome.user_id], set_={"opened_at": now}))
    return dict(session.scalar(select(AppHome.pages).where(AppHome.user_id == user_id)) or {})


def pages(session: Session, user_id: str) -> dict[str, int] | None:
    """The pages the person is on, or None if they never opened their Home."""
    found = session.scalar(select(AppHome.pages).where(AppHome.user_id == user_id))
    return None if found is None else dict(found)


def turn_page(session: Session, user_id: str, section: str, offset: int, *, now: datetime) -> dict[str, int]:
    home = session.get(AppHome, user_id)
    if home is None:
        home = AppHome(user_id=user_id, team=False, pages={}, opened_at=now)
        session.add(home)
    home.pages = {**(home.pages or {}), section: max(0, offset)}
    return dict(home.pages)


def published(session: Session, user_id: str, *, team: bool, now: datetime, digest: str) -> bool:
    """Record what the person's Home now shows; False when it showed exactly that already."""
    home = session.get(AppHome, user_id)
    if home is None:
        return True
    changed = (home.digest, home.team) != (digest, team)
    home.team, home.digest = team, digest
    if changed:
        home.published_at = now
    return changed


def unpublished(session: Session, user_id: str) -> None:
    """The person's Home may not show the last rendering (publishing it failed): the next refresh sends it."""
    home = session.get(AppHome, user_id)
    if home is not None:
        home.digest = None


def homes_to_refresh(session: Session, users: Sequence[str]) -> list[str]:
    """Of `users`, those who have a Home, plus everyone whose Home shows the team view."""
    query = select(AppHome.user_id).where(AppHome.team.is_(True))
    if users:
        query = query.union(select(AppHome.user_id).where(AppHome.user_id.in_(list(users))))
    return sorted(session.scalars(query).all())


def opened_since(session: Session, since: datetime) -> set[str]:
    """Everyone who opened their Home since `since` (kept fresh as time passes)."""
    return set(session.scalars(select(AppHome.user_id).where(AppHome.opened_at >= since)).all())


def owners_of(session: Session, case_ids: Sequence[int]) -> set[str]:
    if not case_ids:
        return set()
    return set(session.scalars(select(Case.owner_id).where(Case.id.in_(list(case_ids)))).all())
