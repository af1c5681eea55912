"""Modals come back as they were opened: for the same person, naming the same case, and used by someone
who may change that case.

* The seal (bot/slack/metadata.py). Every request binds a Seal for its user, so the modals built while
  answering it are sealed for that person. A modal's submission, its clicks and its closing are checked in
  Bolt's middleware, before any handler reads private_metadata, and the seal is taken off. A missing or
  wrong seal (changed metadata, another person's or another modal's) is refused with one log line (what,
  which callback, how long; never the body), the person is told kindly, and nothing is applied.
* Who may act (bot/slack/people.py may_act_on_case): its owner or reporter, a manager, an approver or a
  member of the cases channel. A submission, or a click in a modal, whose metadata names a case is checked
  by the surface (bot/slack/surface.py) within the interaction's database budget; a case action's button
  (bot/slack/case_actions.py) is checked before its form opens, so nobody types a form only to be refused.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import app_keys
from bot.cases.models import Case
from bot.db import deadline
from bot.errors import StorageUnavailable
from bot.slack.blocks import base
from bot.slack.metadata import Seal, bind_seal
from bot.slack.notify import tell
from bot.slack.people import RecentMembers, may_act_on_case

if TYPE_CHECKING:
    from bot.slack.deps import SlackDeps
    from bot.slack.surface import Surface

log = logging.getLogger(__name__)

KEY_BUDGET = 2.5  # seconds: the key's first read (once a process) happens before a person's answer
NOT_VERIFIED = ("Amends couldn't verify this form (it was changed, or opened before an update), so nothing was "
                "saved. Please copy what you typed, close it and start again from the case.")


class ViewGuard:
    def __init__(self, deps: SlackDeps, surface: Surface) -> None:
        self.deps = deps
        self.surface = surface
        self._key: bytes | None = None
        self._lock = threading.Lock()
        self.members = RecentMembers()

    def key(self) -> bytes:
        """The seal's key, read (or made) once a process; every replica reads the same (bot/app_keys.py)."""
        if self._key is None:
            with self._lock:
                if self._key is None:
                    with deadline(at=time.monotonic() + KEY_BUDGET), self.deps.db.transaction() as session:
                        self._key = app_keys.shared_key(session, app_keys.VIEW_METADATA, now=self.deps.clock.now())
        return self._key

    def warm(self) -> None:
        """Read the key at start, so the first burst of interactions doesn't queue behind its first read
        (measured: ack p99 80-290 ms in bench/ack_latency.py's first round without it). If the database
        can't be read yet, the first interaction reads it."""
        try:
            self.key()
        except (StorageUnavailable, SQLAlchemyError) as exc:
            log.warning("could not read the key that seals modals (%s); the first interaction will read it",
                        type(exc).__name__)

    # ------------------------------------------------------------------ the seal (Bolt middleware)

    def middleware(self, body: dict[str, Any], context: BoltContext, ack: Ack, client: WebClient,
                   next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's name for it
        user_id = context.user_id
        if not user_id or body.get("type") == "event_callback":  # events open no modal (no trigger_id)
            bind_seal(None)
            return next()
        # Read here, outside any interaction's claim (bot/replays.py): made inside one, the key's insert would
        # claim the interaction before its answer, and a corrected resubmission would count as a replay.
        key = self.key()
        seal = Seal(lambda: key, user_id)
        bind_seal(seal)
        view = body.get("view")
        if isinstance(view, dict) and view.get("type") == "modal" and view.get("private_metadata"):
            raw = str(view["private_metadata"])
            content = seal.open(str(view.get("callback_id") or ""), raw)
            if content is None:
                return self._refuse(body, view, raw, ack, client, user_id)
            view["private_metadata"] = content  # what handlers decode
        return next()

    def _refuse(self, body: dict[str, Any], view: dict[str, Any], raw: str, ack: Ack, client: WebClient,
                user_id: str) -> Any:
        kind = str(body.get("type"))
        log.warning("refused a %s: its private_metadata is not sealed for this person and modal (callback %.80s, "
                    "%d characters)", kind, view.get("callback_id"), len(raw))
        if kind == "view_submission":
            return ack(**base.refused_submission(view, NOT_VERIFIED))
        response = ack()
        if kind == "block_actions":  # told after the answer went out
            self.surface.submit(tell, client, user_id, f":warning: {NOT_VERIFIED}")
        return response

    # ------------------------------------------------------------------ who may act (bot/slack/surface.py)

    def refusal(self, body: dict[str, Any], client: WebClient) -> str | None:
        """Why the person may not do this to the case their modal was opened for; None: they may (or the
        modal names no case)."""
        view = body.get("view")
        if not isinstance(view, dict) or view.get("type") != "modal":
            return None
        case_id = _case_id(view.get("private_metadata"))
        if case_id is None:
            return None
        return self.case_refusal(case_id, str((body.get("user") or {}).get("id") or ""), client,
                                 what=str(body.get("type")))

    def case_refusal(self, case_id: int, user_id: str, client: WebClient, *, what: str) -> str | None:
        """Why `user_id` may not act on the case (`what` they tried, for the log); None: they may, or the case
        is gone (the handler says so)."""
        with self.deps.db.transaction() as session:
            case = session.get(Case, case_id)
            if case is None:
                return None
            ref, owner_id, reporter_id = case.ref or f"#{case.id}", case.owner_id, case.reporter_id
        if may_act_on_case(client, self.deps.config, self.members, user_id, owner_id=owner_id,
                           reporter_id=reporter_id):
            return None
        log.warning("refused a %s on %s: %s is not its owner or reporter, a manager, an approver nor in the cases "
                    "channel", what, ref, user_id)
        return (f"Only the team working on {ref} can change it: its owner, the managers, the approvers and the "
                "members of the cases channel. Nothing was changed; ask a manager to add you to the cases channel.")


def _case_id(metadata: object) -> int | None:
    try:
        data = json.loads(metadata) if isinstance(metadata, str) and metadata else None
    except ValueError:
        return None
    value = data.get("case_id") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
