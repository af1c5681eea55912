"""What Slack shows after a case event, once the change is committed: one table, for every entry point.

A case opened by /recover, by the order system's API or by the CLI is posted the same way, because
posting follows the recorded `opened` event, not the request that opened it. The flow:

    service (in a transaction) -> record_event -> lifecycle reactions (bot/bootstrap.py)
    commit -> bot.changes hands the recorded events here -> FOLLOW_UPS[kind] queued on the worker pool

Never after a rollback. The commit hook runs on the committing thread, so it only queues; a case's
follow-ups run one after another in the order their events were recorded (posted before resolved), and
one failing is logged with the case's reference (and its actor told) without stopping the others.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence

from slack_sdk import WebClient

from bot import changes
from bot.api.service import ApiEvent
from bot.cases.models import CaseEventKind
from bot.changes import Changes, RecordedEvent
from bot.slack import api_events, errors
from bot.slack.case_edit import say_edited
from bot.slack.case_thread import post_case, refresh_case
from bot.slack.drafting import refresh_posted_drafts
from bot.slack.knowledge import post_similar_cases
from bot.slack.notify import tell
from bot.slack.playbooks import post_checklist
from bot.slack.reminders import learn_owner_zone
from bot.slack.resolve import dm_action_items, post_reopened_note, post_resolved_note, post_satisfaction_note
from bot.slack.wiring import Wiring
from bot.tracking.service import SATISFACTION_EVENT

log = logging.getLogger(__name__)

FollowUp = Callable[[WebClient, Wiring, RecordedEvent], None]

FOLLOW_UPS: Mapping[str, Sequence[FollowUp]] = {
    # The case message, the managers' alert in its thread and the owner's confirmation (or how to fix it).
    CaseEventKind.OPENED: [post_case, learn_owner_zone],  # the owner's timezone, on their first case
    # In the case thread now there is one (also when posting again from the DM's button).
    CaseEventKind.POSTED: [post_similar_cases, post_checklist],
    CaseEventKind.CUSTOMER_CONTACTED: [post_checklist],  # the contact step ticked
    # Edit case: the message shows the new values, the thread hears before -> after (bot/slack/case_edit.py).
    CaseEventKind.EDITED: [refresh_case, say_edited],
    CaseEventKind.RESOLVED: [refresh_case, post_resolved_note, dm_action_items, post_checklist],
    CaseEventKind.REOPENED: [refresh_case, post_reopened_note, post_checklist],
    SATISFACTION_EVENT: [refresh_case, post_satisfaction_note],
    # The customer's name, contact and drafts gone (bot/privacy): the case message and drafts say so.
    CaseEventKind.PERSONAL_DATA_ERASED: [refresh_case, refresh_posted_drafts],
    # What an order system told the HTTP API (bot/api/service.py).
    ApiEvent.OPENED_BY_SYSTEM: [api_events.dm_owner_at_risk],
    ApiEvent.DATE_CHANGED: [refresh_case, api_events.say_date_changed],
    ApiEvent.DELIVERED: [post_checklist, api_events.say_delivered],
    ApiEvent.CANCELLED_UPSTREAM: [api_events.say_cancelled],
}


class CaseFollowUps:
    def __init__(self, wiring: Wiring, table: Mapping[str, Sequence[FollowUp]] = FOLLOW_UPS) -> None:
        self.wiring = wiring
        self.table = table
        self._queues: dict[int, deque[tuple[FollowUp, RecordedEvent]]] = {}  # a case's, while it has work
        self._lock = threading.Lock()

    def install(self) -> None:
        changes.after_commit(self.wiring.deps.db, self.dispatch)

    def dispatch(self, committed: Changes) -> None:
        """Queue the follow-ups of each recorded event (on the committing thread: queue, nothing more)."""
        for event in committed.events:
            for follow_up in self.table.get(event.kind, ()):
                self._queue(follow_up, event)

    def _queue(self, follow_up: FollowUp, event: RecordedEvent) -> None:
        with self._lock:
            queue = self._queues.get(event.case_id)
            if queue is not None:  # the case's work is running: it runs this next
                queue.append((follow_up, event))
                return
            self._queues[event.case_id] = deque([(follow_up, event)])
        self.wiring.surface.submit(self._drain, event.case_id)

    def _drain(self, case_id: int) -> None:
        while True:
            with self._lock:
                queue = self._queues[case_id]
                if not queue:
                    del self._queues[case_id]
                    return
                follow_up, event = queue.popleft()
            self._run(follow_up, event)

    def _run(self, follow_up: FollowUp, event: RecordedEvent) -> None:
        client = self.wiring.surface.app.client
        try:
            follow_up(client, self.wiring, event)
        except Exception as exc:  # noqa: BLE001 - logged with the case and told to its actor; the others go on
            text, expected = errors.message_for(exc)
            ref = errors.error_ref()
            log.log(logging.WARNING if expected else logging.ERROR, "%s after %s of %s failed (%s)",
                    follow_up.__name__, event.kind, event.case_ref or f"case #{event.case_id}", ref, exc_info=exc)
            if event.actor_id:
                try:
                    tell(client, event.actor_id, text or errors.apology(ref))
                except Exception:  # noqa: BLE001 - they can't be reached; the log line above is what's left
                    log.exception("could not tell %s about %s", event.actor_id, ref)
