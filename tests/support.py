"""Test harness: the real bot on its real HTTP endpoint, a strict fake Slack, and helpers to drive them."""

from __future__ import annotations

import functools
import html
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import bootstrap
from bot.app import Amends
from bot.cases.lifecycle import Lifecycle
from bot.cases.models import Case, CaseEvent
from bot.clock import FrozenClock
from bot.playbooks import service as playbooks
from bot.sandbox.driver import SlackDriver
from bot.sandbox.fake_slack import FakeSlack, Message, ViewRecord
from bot.server import HttpServer
from bot.settings import AmendsConfig

SIGNING_SECRET = "test-signing-secret"

ASSOCIATE = "U0ASSOC01"
COLLEAGUE = "U0ASSOC02"
MANAGER = "U0MANAGER1"
APPROVER = "U0APPROVE1"
OUTSIDER = "U0OUTSIDE1"
CASES_CHANNEL = "C0CASES01"
SUPPORT_CHANNEL = "C0SUPPORT1"


def seed_workspace(fake: FakeSlack) -> None:
    fake.add_user(ASSOCIATE, "ada", "Ada Lovelace", tz="Europe/London", phone="+44 20 7946 0123",
                  email="ada@example.com")
    fake.add_user(COLLEAGUE, "ben", "Ben Okri", tz="Europe/London")
    fake.add_user(MANAGER, "maria", "Maria Garcia", tz="Europe/Madrid")
    fake.add_user(APPROVER, "sam", "Sam Approver", tz="Europe/London")
    fake.add_user(OUTSIDER, "otto", "Otto Outsider", tz="Europe/Berlin")
    everyone = [ASSOCIATE, COLLEAGUE, MANAGER, APPROVER, OUTSIDER]
    fake.add_channel(CASES_CHANNEL, "cases", members=everyone)
    fake.add_channel(SUPPORT_CHANNEL, "support", members=everyone)


@functools.cache
def lifecycle_for(config: AmendsConfig) -> Lifecycle:
    """The lifecycle bot/bootstrap.py declares, for domain tests that run services without a bot."""
    return bootstrap.lifecycle(config)


def waive_required_steps(session: Session, case_id: int, now: datetime, *, manager: str = MANAGER) -> None:
    """What blocks resolving a new case is its required playbook steps: a manager waives the open ones,
    as they would from the checklist (see test_playbooks for the rule itself)."""
    playbooks.waive_required_steps(session, case_id, reason="Not needed here", actor_id=manager, by_manager=True,
                                   now=now)


@dataclass
class Harness:
    amends: Amends
    server: HttpServer
    driver: SlackDriver
    fake: FakeSlack
    clock: FrozenClock
    opened: list[int] = field(default_factory=list)

    # ------------------------------------------------------------------ driving

    def command(self, text: str = "", *, user: str = ASSOCIATE, channel: str = SUPPORT_CHANNEL) -> Any:
        return self.driver.command(user, text, channel_id=channel)

    def open_intake(self, text: str = "", *, user: str = ASSOCIATE) -> ViewRecord:
        reply = self.command(text, user=user)
        assert reply.status == 200, reply.text
        return self.fake.wait_for(lambda: self._intake_view(user))

    def _intake_view(self, user: str) -> ViewRecord | None:
        view = self.fake.open_view(user)
        return view if view and view.view.get("callback_id") == "case_intake" else None

    def intake_values(self, **overrides: Any) -> dict[str, Any]:
        return intake_values(self.clock.now(), **overrides)

    def open_case(self, *, user: str = ASSOCIATE, wait_posted: bool = True, **overrides: Any) -> Case:
        """Open a case the way an associate does and wait until it is posted in the cases channel."""
        view = self.open_intake(user=user)
        reply = self.driver.submit(view.id, self.intake_values(**overrides))
        assert reply.status == 200, reply.text
        answer = reply.json()
        assert answer and answer.get("response_action") == "update", answer
        # The intake again means a warning (a new date earlier than achievable), not a saved case.
        assert answer["view"].get("callback_id") != "case_intake", all_text(answer["view"]["blocks"])
        case = self.latest_case()
        if wait_posted:
            self.fake.wait_for(lambda: self.settled(case.id))
            case = self.case(case.id)
        return case

    def waive_required_steps(self, case_id: int) -> None:
        """A manager waives the case's required playbook steps still open, so that a test not about what
        blocks resolution can resolve the case (through the service and the bot's real lifecycle)."""
        with self.amends.db.transaction() as session:
            waive_required_steps(session, case_id, self.clock.now())

    def settled(self, case_id: int) -> bool:
        """The case is posted and everything that follows it is done (manager alert, DM, checklist)."""
        kinds = {e.kind for e in self.events(case_id)}
        return "posted" in kinds and ("playbook_attached" not in kinds or "checklist_posted" in kinds)

    def tick(self, to: datetime | None = None, *, advance: timedelta | None = None) -> None:
        """Move the clock (to a time, or forward) and run the periodic tasks, as the ticker would."""
        if to is not None:
            self.clock.set(to)
        if advance is not None:
            self.clock.advance(advance)
        self.amends.ticker.run_pending()

    def modal(self, callback_id: str, *, user: str = ASSOCIATE,
              until: Callable[[ViewRecord], bool] = lambda view: True) -> ViewRecord:
        """Wait until `user` is looking at the modal `callback_id` (and `until` holds for it)."""
        def shown() -> ViewRecord | None:
            view = self.fake.open_view(user)
            return view if view and view.view.get("callback_id") == callback_id and until(view) else None
        return self.fake.wait_for(shown)

    def dms_containing(self, user: str, text: str) -> list[Message]:
        return [m for m in self.fake.dms(user) if text in m.text]

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until all the work the bot queued after its acks so far has finished.

        Every worker thread is given a task that waits for the others; when all of them are waiting, no
        earlier task can still be running or queued (the pool takes work in order)."""
        workers = self.amends.wiring.surface.workers
        count = workers._max_workers  # type: ignore[attr-defined]
        barrier = threading.Barrier(count + 1, timeout=timeout)
        for _ in range(count):
            workers.submit(barrier.wait)
        barrier.wait()

    # ------------------------------------------------------------------ reading state

    def case(self, case_id: int) -> Case:
        with self.amends.db.transaction() as session:
            return session.get(Case, case_id)

    def latest_case(self) -> Case:
        with self.amends.db.transaction() as session:
            return session.scalars(select(Case).order_by(Case.id.desc())).first()

    def cases(self) -> list[Case]:
        with self.amends.db.transaction() as session:
            return list(session.scalars(select(Case).order_by(Case.id)))

    def events(self, case_id: int) -> list[CaseEvent]:
        with self.amends.db.transaction() as session:
            return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                        .order_by(CaseEvent.id)))

    def case_message(self, case: Case) -> Message:
        message = self.fake.message(case.channel_id, case.message_ts)
        assert message is not None
        return message

    def thread(self, case: Case) -> list[Message]:
        return self.fake.thread(case.channel_id, case.message_ts)


def intake_values(now: datetime, **overrides: Any) -> dict[str, Any]:
    """What an associate types in the intake modal, by block id."""
    values: dict[str, Any] = {
        "customer_name": "Northwind Traders",
        "customer_contact": "+44 20 7946 0000",
        "order_ref": "SO-18342",
        "promise": "12 office chairs delivered to the Leeds site",
        "promised_at": now + timedelta(hours=20),
        "cause": "supplier-delay",
        "new_date": now + timedelta(days=4),
        "order_value": "2400.00",
        "customer_tier": "preferred",
        "notes": "Supplier says the fabric batch failed inspection.",
    }
    values.update(overrides)
    return values


def _texts(blocks: Any, text_of: Callable[[dict[str, Any]], str | None]) -> list[str]:
    """`text_of(node)` for every node of blocks that it answers (not looking inside those), in order."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found = text_of(node)
            if found is not None:
                parts.append(found)
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks or [])
    return parts


_RICH = {"rich_text_section", "rich_text_quote", "rich_text_preformatted"}


def all_text(blocks: list[dict[str, Any]] | None, text: str = "") -> str:
    """Every string in a message or view (text and blocks), for asserting what a person would see; rich text
    written as the mrkdwn that would say the same."""
    def text_of(node: dict[str, Any]) -> str | None:
        if node.get("type") in _RICH:
            return _as_mrkdwn(node)
        return node["text"] if isinstance(node.get("text"), str) else None

    return "\n".join([text, *_texts(blocks, text_of)])


_ANGLE = re.compile(r"<([^<>]*)>")
_FORMAT = re.compile(r"(?<![^\s(\[{\"'“‘—–·•:/])([*_~`])(?=\S)(.+?)(?<=\S)\1(?![^\s)\]}\"'”’—–·•:;,.!?/])")


def _mrkdwn_shown(text: str) -> str:
    def angle(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target[:1] in "@#":
            return target
        if target.startswith("!date^") or label:
            return label
        return "@" + target[1:] if target.startswith("!") else target

    text = _ANGLE.sub(angle, text)
    while (changed := _FORMAT.sub(r"\2", text)) != text:  # nested formatting too
        text = changed
    return html.unescape(text)


def _rich_shown(element: dict[str, Any]) -> str:
    kind = element.get("type")
    if kind == "text":
        return element.get("text", "")
    if kind in {"user", "channel"}:
        return ("@" if kind == "user" else "#") + element.get(f"{kind}_id", "")
    if kind == "link":
        return element.get("text") or element.get("url", "")
    if kind == "date":
        return element.get("fallback", "")
    if kind == "emoji":
        return f":{element.get('name')}:"
    if kind == "broadcast":
        return "@" + element.get("range", "")
    return ""


def slack_shows(blocks: list[dict[str, Any]] | None) -> str:
    """The text of blocks as Slack shows it to a person: mrkdwn's formatting applied (its `*`, `_`, `~` and
    backticks gone, entities decoded, mentions and links as their labels), plain_text and rich text as
    they are. A person's text is shown as typed only if it is found in here unchanged."""
    def text_of(node: dict[str, Any]) -> str | None:
        kind = node.get("type")
        if kind == "mrkdwn":
            return _mrkdwn_shown(node.get("text", ""))
        if kind == "plain_text":
            return node.get("text", "")
        if kind in _RICH:
            return "".join(_rich_shown(e) for e in node.get("elements", []))
        return None

    return "\n".join(_texts(blocks, text_of))


def _as_mrkdwn(section: dict[str, Any]) -> str:
    """A rich text section written as the mrkdwn that would say the same (its text escaped), so that tests
    read rich text and mrkdwn alike."""
    out = []
    for element in section.get("elements", []):
        kind = element.get("type")
        if kind == "text":
            piece = element.get("text", "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        elif kind == "user":
            piece = f"<@{element['user_id']}>"
        elif kind == "channel":
            piece = f"<#{element['channel_id']}>"
        elif kind == "link":
            piece = f"<{element['url']}|{element['text']}>" if element.get("text") else f"<{element['url']}>"
        elif kind == "date":
            piece = f"<!date^{element['timestamp']}^{element['format']}|{element.get('fallback', '')}>"
        elif kind == "emoji":
            piece = f":{element['name']}:"
        elif kind == "broadcast":
            piece = f"<!{element['range']}>"
        else:
            piece = ""
        style = element.get("style") or {}
        for flag, mark in (("code", "`"), ("strike", "~"), ("italic", "_"), ("bold", "*")):
            if style.get(flag) and piece.strip():
                piece = f"{mark}{piece}{mark}"
        out.append(piece)
    return ("> " if section.get("type") == "rich_text_quote" else "") + "".join(out)


def pings(blocks: list[dict[str, Any]] | None, text: str = "") -> list[str]:
    """Every mention, broadcast and link Slack would act on in a message: in mrkdwn (and the notification
    text) written between angle brackets, in rich text as elements of their own."""
    found = re.findall(r"<([@#!][^>]*|https?:[^>]*)>", text)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.extend(re.findall(r"<([@#!][^>]*|https?:[^>]*)>", node.get("text", "")))
            elif node.get("type") in {"user", "usergroup", "broadcast", "link"}:
                found.append(str(node.get("user_id") or node.get("usergroup_id") or node.get("range")
                                 or node.get("url")))
            else:
                for value in node.values():
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def aware(value: datetime) -> datetime:
    assert value.tzinfo is not None
    return value


def configured(**sections: Any) -> AmendsConfig:
    """The test workspace's amends.yaml, with some sections added or replaced."""
    return AmendsConfig.model_validate({
        "workspace": {"timezone": "Europe/London", "currency": "GBP", "locale": "en_GB"},
        "cases": {"channel": CASES_CHANNEL, "id_prefix": "AM"},
        "managers": {"users": [MANAGER]},
        **sections,
    })
