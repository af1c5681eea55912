"""Block Kit for the App Home: its header, paged lists with Previous/Next, case rows and the week's figures.

Every list is one page (`bot.home.service.Page`) rendered in at most `list_blocks(limit)` blocks, which is
what lets each section declare its budget (bot/slack/home_sections.py) and the whole Home stay within
Slack's 100 blocks however many cases there are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import Field
from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.cases.achievable import earlier_than_achievable, recorded
from bot.cases.causes import Cause
from bot.cases.severity import Severity
from bot.home.service import CaseLine, Page, WeekFigures
from bot.slack.blocks import base
from bot.slack.ids import Action
from bot.slack.metadata import BUTTON_VALUE_LIMIT, Metadata
from bot.text import escape_mrkdwn, one_line

T = TypeVar("T")
PAGE_BLOCK_PREFIX = "home_page."


class HomePage(Metadata):
    """A Previous/Next button: the list it turns and where the page it shows starts."""

    section: str = Field(max_length=60)
    offset: int = Field(ge=0)


def list_blocks(limit: int, *, per_row: int = 1) -> int:
    """The most blocks `paged_list` uses for a page of `limit` rows (of `per_row` blocks each): divider,
    title, rows, Previous/Next."""
    return limit * per_row + 3


def view(blocks: Sequence[Block]) -> dict[str, Any]:
    return base.home(blocks)


def chrome(*, manager: bool, now: datetime, zone: ZoneInfo, open_cases: int, overdue: int) -> list[Block]:
    """The top of every Home (CHROME_BLOCKS blocks): who it is for, a one-line summary, what to do."""
    if manager:
        title = "Amends · your team"
        summary = f"*{open_cases}* open case{_s(open_cases)} on the team"
    else:
        title = "Amends · your cases"
        # "of your own": an approver's Home lists others' offers below, which "0 open cases" seemed to deny.
        summary = f"You have *{open_cases}* open case{_s(open_cases)}" if open_cases else "No open cases of your own"
    if overdue:
        summary += f", :rotating_light: *{overdue}* overdue"
    return [
        base.header(title),
        base.context(summary + ".", f"Updated {base.slack_date(now, zone)}."),  # see content_digest
        ActionsBlock(block_id="home_actions", elements=[
            base.button("Open a case", Action.OPEN_INTAKE, style="primary"),
        ]),
    ]


def content_digest(view: dict[str, Any]) -> str:
    """What the view shows, but for when it was rendered (the last element of the chrome's summary): a
    refresh that would show the same again need not be published."""
    header, summary, *rest = view["blocks"]
    shown = {**view, "blocks": [header, {**summary, "elements": summary["elements"][:-1]}, *rest]}
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()


def paged_list(section: str, title: str, page: Page[T], render_row: Callable[[T], Block | list[Block]], *,
               empty: str | None = None, note: str | None = None) -> list[Block]:
    """A titled list, one page of it, with Previous/Next when there is more. `title` and `note` must be
    escaped mrkdwn. With no rows, the title and `empty` (or nothing at all when `empty` is None)."""
    if page.total == 0 and empty is None:
        return []
    heading = f"*{title}*"
    if page.total > len(page.items) or page.offset:
        heading += f"  ·  {page.offset + 1}–{page.offset + len(page.items)} of {page.total}"
    elif page.total:
        heading += f"  ·  {page.total}"
    if note:
        heading += f"\n{note}"
    if page.total == 0:
        heading += f"\n_{empty}_"
    blocks: list[Block] = [base.divider(), base.section(heading)]
    for item in page.items:
        row = render_row(item)
        blocks += row if isinstance(row, list) else [row]
    nav: list[ButtonElement] = []
    if page.has_previous:
        nav.append(base.button("Previous", Action.HOME_PREVIOUS,
                               value=HomePage(section=section, offset=page.previous_offset).encode(BUTTON_VALUE_LIMIT)))
    if page.has_next:
        nav.append(base.button("Next", Action.HOME_NEXT,
                               value=HomePage(section=section, offset=page.next_offset).encode(BUTTON_VALUE_LIMIT)))
    if nav:
        blocks.append(ActionsBlock(block_id=PAGE_BLOCK_PREFIX + section, elements=nav))
    return blocks


def case_row(line: CaseLine, zone: ZoneInfo, button: ButtonElement | None, *, owner: bool = False) -> Block:
    """One open case: what was promised to whom, how urgent, where it stands and what comes next."""
    case = line.case
    severity = Severity(case.severity)
    ref = base.link(case.permalink, case.ref or "") if case.permalink else f"{case.ref}"
    due = f"due {base.slack_date(case.promised_at, zone)}"
    if line.promise_overdue:
        due = f":rotating_light: *overdue* since {base.slack_date(case.promised_at, zone)}"
    facts = [f"*{ref}*", f"{severity.emoji} {severity}", due]
    if case.new_date is not None:
        facts.append(f"new date {base.slack_date(case.new_date, zone)}")
    if case.achievable_date is not None:
        # Next to the promised date: a new date earlier than the team can keep is a second broken promise.
        early = ":warning: " if earlier_than_achievable(case.new_date, recorded(case), zone) else ""
        facts.append(f"{early}achievable {base.slack_date(case.achievable_date, zone)}")
    if line.deadline_near:
        facts.append(":mega: customer not told yet")
    if owner:
        facts.append(f"owner {base.user_mention(case.owner_id)}")
    lines = [" · ".join(facts)]
    progress = line.progress
    if progress is not None:
        step = f"Now: *{escape_mrkdwn(one_line(progress.title, 80))}*"
        if progress.due_at is not None:
            late = progress.overdue(line.now)
            step += f" ({':alarm_clock: ' if late else ''}{'was due' if late else 'due'} " \
                    f"{base.slack_date(progress.due_at, zone)})"
        if progress.overdue_steps > 1:
            step += f" · {progress.overdue_steps} steps late"
        lines.append(step)
    if line.next_reminder is not None:
        lines.append(f":bell: next reminder {base.slack_date(line.next_reminder, zone)}")
    # Who and what, as typed, in plain_text fields: the section keeps its button (see base.plain_fields).
    return base.plain_fields("\n".join(lines), [one_line(case.customer_name, 60), one_line(case.promise, 90)],
                             accessory=button)


def severity_note(counts: dict[str, int]) -> str:
    shown = [f"{Severity(s).emoji} {counts[s.value]} {s.value}" for s in reversed(Severity) if counts.get(s.value)]
    return "  ".join(shown)


def week(figures: WeekFigures, zone: ZoneInfo) -> list[Block]:
    """This week's figures (4 blocks): opened and resolved since Monday, opened by cause. (How many are open
    and overdue now is in the Home's summary line.)"""
    # Not Slack's date token: on a Tuesday it would read "since Yesterday".
    since = figures.start.astimezone(zone).strftime("%a %d %b")
    blocks: list[Block] = [
        base.divider(),
        base.section(f"*This week* (since {since})"),
        base.fields_section([("Opened", str(figures.opened)), ("Resolved", str(figures.resolved))]),
    ]
    if figures.by_cause:
        causes = "  ·  ".join(f"{_cause_label(cause)} {count}" for cause, count in figures.by_cause[:8])
        blocks.append(base.context(f"Opened by cause: {causes}"))
    return blocks


def failed(ref: str) -> list[Block]:
    """What the Home shows when it couldn't be put together."""
    return [base.header("Amends"), base.section(
        f":warning: I couldn't load your Home just now. Open the tab again in a moment. If it keeps happening, "
        f"give your Amends admin this reference: `{ref}`.")]


def _cause_label(cause: str) -> str:
    try:
        return Cause(cause).label
    except ValueError:
        return escape_mrkdwn(cause)


def _s(count: int) -> str:
    return "" if count == 1 else "s"
