"""Every kind of reminder Amends can send, with how to render it and whether it is still worth sending.

The reminders area registers the built-in kinds; other areas add theirs (an approval waiting too long,
the weekly digest) and then only call `bot.reminders.service.schedule(kind=...)`; the sweep does the rest:
claims, relevance re-check right before posting, retries, dedupe and failure reports.

    @wiring.reminder_kinds.add("approval_waiting", why_not=..., render=...)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.cases.models import Case
from bot.reminders.models import Reminder


@dataclass(frozen=True)
class Rendered:
    text: str  # notification fallback; escaped mrkdwn
    blocks: list[dict[str, Any]]


# (session, reminder, case or None, now) -> reason not to send now, or None to send
WhyNot = Callable[[Session, Reminder, Case | None, datetime], str | None]
# (reminder, case or None) -> the message
Render = Callable[[Reminder, Case | None], Rendered]
# (session, [(reminder, case or None)], now) -> schedule follow-ups of a batch of this kind's reminders, in
# the transaction that records them sent
AfterSent = Callable[[Session, list[tuple[Reminder, Case | None]], datetime], None]
# (client, reminder id, payload, channel, ts) -> Slack-side work once the message is in Slack (e.g. upload a
# chart next to it). Runs again if the post is found by the lookup after a crash, so it must be idempotent;
# raising makes the sweep retry the reminder (the lookup then finds the post and only this runs again).
AfterPost = Callable[[Any, int, dict[str, Any], str, str], None]


@dataclass(frozen=True)
class ReminderKind:
    name: str
    render: Render
    why_not: WhyNot | None = None
    after_sent: AfterSent | None = None
    # Most reminders only make sense while their case is open; a few (the satisfaction follow-up) after.
    needs_open_case: bool = True
    after_post: AfterPost | None = None


class ReminderKinds:
    def __init__(self) -> None:
        self._kinds: dict[str, ReminderKind] = {}

    def add(self, name: str, *, why_not: WhyNot | None = None, after_sent: AfterSent | None = None,
            needs_open_case: bool = True, after_post: AfterPost | None = None) -> Callable[[Render], Render]:
        def register(render: Render) -> Render:
            if name in self._kinds:
                raise ValueError(f"reminder kind {name!r} is registered twice")
            self._kinds[name] = ReminderKind(name, render, why_not, after_sent, needs_open_case, after_post)
            return render
        return register

    def get(self, name: str) -> ReminderKind | None:
        return self._kinds.get(name)
