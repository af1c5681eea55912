"""Sending reminders (the sweep) and what people do with them (Update sent, Snooze, Hand over).

The sweep, driven by the ticker: claim what is due (bot.reminders.service.claim_due), decide and render it,
and queue each reminder on its destination channel's lane (bot/slack/reminder_lanes.py); poster threads
re-check right before posting that it is still worth sending (no "update your customer" for a case closed
a second ago), look in Slack first when an earlier attempt may have landed, and post with the reminder's id
in the message metadata; a settler thread records the answers in batches. Slack's 429 holds that channel
for Retry-After (waited out in memory when short, else the channel's reminders go back to the database due
then) and paces it at Slack's one post a second from then on, without holding anything else; 5xx and
network errors retry with backoff up to `max_attempts`, then the reminder is marked failed and reported in
the case thread. Nothing waits with sleep().

Delivery guarantee: every due reminder is posted at least once. A duplicate needs a process to die (or
Slack to answer 5xx) after Slack accepted the post, *and* the metadata lookup on retry to miss it; the
lookup makes that rare, and at most 4 x `send_concurrency` posts (in flight or not yet recorded) are
exposed at any moment.
"""

from __future__ import annotations

import contextvars
import logging
import math
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import load_only

from bot import metrics
from bot.cases import service as cases
from bot.cases.models import Case, CaseStatus
from bot.changes import RecordedEvent
from bot.errors import InvalidInput, StorageUnavailable
from bot.people import service as people
from bot.reminders import kinds, service, steps
from bot.reminders.kinds import Kind, Policy
from bot.reminders.models import Audience, Reminder
from bot.reminders.policy import next_morning
from bot.slack.blocks import reminders as blocks
from bot.slack.case_thread import post_in_thread, refresh_case_message
from bot.slack.client import make_web_client
from bot.slack.ids import Action
from bot.slack.notify import Respond, dm
from bot.slack.people import ZONE_REFRESH_EVERY, look_up_zone, refresh_zones
from bot.slack.reminder_kinds import Rendered
from bot.slack.reminder_lanes import Lanes
from bot.slack.wiring import Wiring

log = logging.getLogger(__name__)

METADATA_EVENT = "amends_reminder"
RENDER_RETRY = timedelta(seconds=30)
# Slack errors that no retry will fix.
PERMANENT = {"channel_not_found", "not_in_channel", "is_archived", "user_not_found", "user_not_visible",
             "cannot_dm_bot", "account_inactive", "invalid_auth", "not_authed", "token_revoked", "invalid_blocks",
             "invalid_blocks_format", "msg_too_long", "no_text", "missing_scope", "restricted_action",
             "thread_not_found", "invalid_metadata_format"}


@dataclass(frozen=True)
class Destination:
    channel: str  # a channel id, or a user id for the app DM
    thread_ts: str | None = None
    user_id: str | None = None  # set for DMs

    def describe(self) -> str:
        return f"<@{self.user_id}>" if self.user_id else f"<#{self.channel}>"


@dataclass(frozen=True)
class Job:
    """A claimed reminder, decided and rendered, ready to post."""

    reminder_id: int
    kind: str
    case_id: int | None
    needs_open_case: bool
    destination: Destination
    rendered: Rendered
    uncertain: bool
    attempts: int
    payload: dict[str, Any]
    # Since when a post of it may be in Slack (the earliest attempt that may have landed), when uncertain.
    posted_since: datetime | None
    # No post starts after this (monotonic): half the claim lease after the claim, well before another
    # process may take the claim over.
    post_by: float = math.inf


@dataclass(frozen=True)
class Result:
    job: Job | None
    reminder_id: int
    outcome: str  # sent, cancelled, retry, failed
    channel: str | None = None
    ts: str | None = None
    due_at: datetime | None = None
    error: str = ""
    uncertain: bool = False
    counts: bool = True
    retry_after: float | None = None  # Slack's Retry-After, in seconds, when rate limited


# Slack's documented limit for chat.postMessage: about one message a second a channel (short bursts allowed). A
# channel that was answered 429 once is paced at this for the rest of the sweep.
SLACK_PACE = timedelta(seconds=1)
# A Retry-After up to this is waited out in memory (the reminder keeps its claim); a longer one puts the
# reminder, and the rest of that channel's queue, back in the database, due when Slack said.
MAX_WAIT_IN_MEMORY = timedelta(seconds=10)
# Jobs claimed ahead of the posts, a poster: enough for every channel of a Monday burst to have its next post
# ready when Slack lets it post, few enough that a takeover after a crash has few lookups to make.
BACKLOG_PER_POSTER = 16
# Posts between leaving for Slack and being recorded (in flight, or answered and waiting to be settled), a
# poster: what a SIGKILL can leave landed but unrecorded (the takeover finds each by its metadata).
UNRECORDED_PER_POSTER = 4
# Answers the re-checks keep before dropping them all (memory; a poster whose answer went asks again).
RECHECK_ANSWERS_KEPT = 4096
# The settler records what has come back once half the bound is waiting, or this long after the first.
SETTLE_GATHER = 0.05

# The posters' re-check, built once: building the statement for each read cost three times the read itself.
_CASE_STATUSES = select(Case.id, Case.status).where(Case.id.in_(bindparam("ids", expanding=True)))

# Messages a lookup asks for at once (Slack suggests no more than 200), and how far before the attempt's start
# it looks, for the difference between this machine's clock and Slack's.
LOOKUP_PAGE = 200
CLOCK_SKEW = timedelta(minutes=5)


class ReminderSender:
    """Claims due reminders and sends them; one per process, driven by the ticker.

    A sweep streams: this thread claims and prepares batches (one transaction decides and renders each)
    while `send_concurrency` poster threads post from per-channel lanes (bot/slack/reminder_lanes.py: a
    channel Slack told to wait waits, the others go on), each re-checking its case right before posting,
    and a settler thread records the answers in batches. Claims stay ahead of the posts by at most
    BACKLOG_PER_POSTER jobs a poster, and no job is posted later than half its claim lease after its claim.
    """

    def __init__(self, wiring: Wiring, client: WebClient) -> None:
        self.wiring = wiring
        self.deps = wiring.deps
        self.client = client
        self.config = wiring.deps.config.reminders
        self.policy = Policy(self.config, wiring.deps.config.workspace.zone)
        self.pool = ThreadPoolExecutor(self.config.send_concurrency, thread_name_prefix="amends-reminders")
        self._held: dict[str, datetime] = {}  # channel -> not before (after a 429), across sweeps
        self._stopping = threading.Event()
        self._held_lock = threading.Lock()
        self._lanes: Lanes[Job] | None = None
        self._rechecks = _Rechecks(self._case_statuses)

    def stop(self) -> None:
        """The bot is stopping: posts in flight finish and are recorded, the rest is handed back."""
        self._stopping.set()
        lanes = self._lanes
        if lanes is not None:
            lanes.stop()

    def sweep(self, now: datetime | None = None) -> Counter[str]:
        """Send everything due now. Returns how each claimed reminder ended (sent, cancelled, retry, ...)."""
        token = uuid.uuid4().hex
        concurrency = self.config.send_concurrency
        batch = concurrency * 4
        with self.deps.db.transaction() as session:
            metrics.REMINDERS_DUE.set(service.count_due(session, now=now or self.deps.clock.now()))
        lanes: Lanes[Job] = Lanes(concurrency=concurrency, unrecorded_limit=UNRECORDED_PER_POSTER * concurrency,
                                  pace=SLACK_PACE.total_seconds())
        settler = _Settler(self, lanes, token)
        self._lanes = lanes
        posters = [self.pool.submit(self._post_loop, lanes, settler) for _ in range(concurrency)]
        settler.start()
        try:
            while not self._stopping.is_set():
                while lanes.backlog() >= BACKLOG_PER_POSTER * concurrency and not self._stopping.is_set():
                    lanes.wait_below(BACKLOG_PER_POSTER * concurrency, timeout=1.0)
                with self.deps.db.transaction() as session:
                    ids = service.claim_due(session, now=now or self.deps.clock.now(), limit=batch,
                                            lease=self.config.claim_lease, token=token)
                claimed_at = time.monotonic()
                metrics.REMINDERS.labels("claimed").inc(len(ids))
                if not ids:
                    break
                post_by = claimed_at + self.config.claim_lease.total_seconds() / 2
                jobs, settled = self._prepare(ids, token, post_by)
                settler.add(settled, tracked=False)
                for job in jobs:
                    lanes.put(job.destination.channel, job)
                if len(ids) < batch:
                    break
        finally:
            lanes.close()
            if self._stopping.is_set():
                lanes.stop()
            for poster in posters:
                poster.result()
            now_ = self.deps.clock.now()
            settler.add([Result(job, job.reminder_id, "retry", due_at=now_, error="handed back: the bot is stopping",
                                counts=False) for job in lanes.drain()], tracked=False)
            settler.finish()
            self._lanes = None
            self._release(token)
        return settler.outcomes

    def _release(self, token: str) -> None:
        try:
            with self.deps.db.transaction() as session:
                released = service.release_claims(session, token=token, now=self.deps.clock.now())
        except Exception:  # noqa: BLE001 - left `sending`: reclaimed after the lease, looked up first
            log.exception("could not hand back unsettled reminder claims")
            return
        if released:
            log.warning("handed back %d claimed reminder(s) this sweep could not settle", released)

    # ------------------------------------------------------------------ 1. decide and render

    def _prepare(self, ids: list[int], token: str, post_by: float = math.inf) -> tuple[list[Job], list[Result]]:
        now = self.deps.clock.now()
        jobs: list[Job] = []
        settled: list[Result] = []
        with self.deps.db.transaction() as session:
            claimed = session.scalars(select(Reminder).where(Reminder.id.in_(ids), Reminder.claim_token == token)).all()
            loaded = _load_cases(session, {r.case_id for r in claimed})
            zones = people.zones(session, [self._person(r, loaded.get(r.case_id) if r.case_id else None)
                                           for r in claimed], self.policy.zone)  # one query for the batch
            for reminder in claimed:
                case = loaded.get(reminder.case_id) if reminder.case_id else None
                kind = self.wiring.reminder_kinds.get(reminder.kind)
                if kind is None:
                    settled.append(Result(None, reminder.id, "failed", error=f"unknown kind {reminder.kind}"))
                    continue
                reason = self._why_not(session, reminder, case, now)
                if reason:
                    service.mark_cancelled(session, reminder.id, token=token, reason=reason)
                    settled.append(Result(None, reminder.id, "cancelled", error=reason))
                    continue
                person = self._person(reminder, case)
                later = kinds.when_person_can_get(reminder, case, now, Policy(self.config, zones[person])) \
                    if person else None
                if later:  # not their working time: back to pending until their morning, not an attempt
                    settled.append(Result(None, reminder.id, "deferred", due_at=later, counts=False,
                                          error=f"outside {person}'s working hours ({zones[person].key})"))
                    continue
                try:
                    jobs.append(Job(reminder.id, reminder.kind, reminder.case_id, kind.needs_open_case,
                                    self._destination(reminder, case), kind.render(reminder, case),
                                    reminder.uncertain, reminder.attempts, dict(reminder.payload or {}),
                                    reminder.uncertain_since or reminder.created_at, post_by))
                except StorageUnavailable as exc:  # a renderer reading the database (the digest) tries again
                    log.warning("reminder %s: database unavailable while rendering; retrying", reminder.id)
                    settled.append(Result(None, reminder.id, "retry", due_at=now + RENDER_RETRY,
                                          error=f"rendering: {exc.detail or exc}", counts=False))
                except Exception as exc:  # noqa: BLE001 - a broken renderer fails its reminder, not the batch
                    log.exception("reminder %s: could not render", reminder.id)
                    settled.append(Result(None, reminder.id, "failed", error=f"rendering failed: {exc}"))
        return jobs, settled

    def _why_not(self, session: Any, reminder: Reminder, case: Case | None, now: datetime) -> str | None:
        kind = self.wiring.reminder_kinds.get(reminder.kind)
        assert kind is not None
        if reminder.case_id is not None and case is None:
            return "case removed"
        if kind.needs_open_case and case is not None and not case.is_open:
            return "case resolved"
        return kind.why_not(session, reminder, case, now) if kind.why_not else None

    @staticmethod
    def _person(reminder: Reminder, case: Case | None) -> str | None:
        """The one person a reminder is DMed to (whose working hours it keeps); None for a thread or channel."""
        if reminder.audience == Audience.MANAGERS and case is not None:
            return None
        return reminder.recipient_id if reminder.audience == Audience.USER or case is None else case.owner_id

    def _destination(self, reminder: Reminder, case: Case | None) -> Destination:
        if reminder.audience == Audience.MANAGERS and case is not None:
            if case.has_thread:
                return Destination(case.channel_id, case.message_ts)
            return Destination(self.deps.config.cases.channel)
        user = self._person(reminder, case)
        if user is None:
            raise ValueError(f"reminder {reminder.id} has no recipient")
        return Destination(user, user_id=user)

    # ------------------------------------------------------------------ 2. post

    def _post_loop(self, lanes: Lanes[Job], settler: _Settler) -> None:
        """One poster: the next job any channel may post now, until the lanes are done."""
        while (taken := lanes.take()) is not None:
            channel, job = taken
            if time.monotonic() > job.post_by:
                # Claimed too long ago to post safely (another process may soon take the claim over): handed
                # back, due once this channel's queue ahead of it has had its turn.
                lanes.done(channel)
                wait = SLACK_PACE * (1 + lanes.length(channel))
                settler.add([Result(job, job.reminder_id, "retry", due_at=self.deps.clock.now() + wait,
                                    error="claim too old to post; handed back", counts=False)])
                continue
            result = self._deliver_guarded(job)
            if result.retry_after is not None:
                until = time.monotonic() + result.retry_after
                if result.retry_after <= MAX_WAIT_IN_MEMORY.total_seconds() and until < job.post_by:
                    lanes.done(channel, again=job, hold_until=until, settling=False)  # waited out right here
                    continue
                lanes.done(channel, hold_until=until)
                assert result.due_at is not None
                result = replace(result, due_at=self._hold(channel, result.due_at))  # for later sweeps too
                held = [Result(other, other.reminder_id, "retry", due_at=result.due_at, error="rate limited",
                               counts=False) for other in lanes.take_lane(channel)]
                settler.add([result])
                settler.add(held, tracked=False)
                continue
            lanes.done(channel)
            settler.add([result])

    def _deliver_guarded(self, job: Job) -> Result:
        try:
            return self._deliver(job)
        except Exception as exc:  # noqa: BLE001 - one broken reminder must not stop the others
            log.exception("reminder %s: unexpected error", job.reminder_id)
            return self._transient(job, f"unexpected: {exc}", uncertain=True)

    def _deliver(self, job: Job) -> Result:
        now = self.deps.clock.now()
        held_until = self._held_until(job.destination.channel, now)
        if held_until is not None:
            return Result(job, job.reminder_id, "retry", due_at=held_until, error="waiting out Slack's rate limit",
                          counts=False)
        if job.needs_open_case and job.case_id is not None and not self._case_still_open(job.case_id):
            # Closed after this batch was prepared: no "update your customer" for a case closed a moment ago.
            return Result(job, job.reminder_id, "cancelled", error="case resolved")
        try:
            if job.uncertain:
                found = self._already_posted(job.destination, job.reminder_id, job.posted_since)
                if found is not None:
                    self._after_post(job, *found)
                    return Result(job, job.reminder_id, "sent", channel=found[0], ts=found[1])
            posted = self.client.chat_postMessage(
                channel=job.destination.channel, thread_ts=job.destination.thread_ts, text=job.rendered.text,
                blocks=job.rendered.blocks, unfurl_links=False,
                metadata={"event_type": METADATA_EVENT,
                          "event_payload": {"reminder_id": job.reminder_id, "kind": job.kind,
                                            "case_id": job.case_id or 0}})
        except SlackApiError as exc:
            return self._slack_failure(job, exc)
        except (URLError, TimeoutError, ConnectionError, OSError) as exc:
            # The post may or may not have reached Slack: look before posting next time.
            return self._transient(job, f"network: {exc}", uncertain=True)
        try:
            self._after_post(job, posted["channel"], posted["ts"])
        except Exception as exc:  # noqa: BLE001 - the post is in Slack: retry finds it and only redoes this
            log.exception("reminder %s: posted, but what follows the post failed", job.reminder_id)
            return self._transient(job, f"after post: {exc}", uncertain=True)
        return Result(job, job.reminder_id, "sent", channel=posted["channel"], ts=posted["ts"])

    def _after_post(self, job: Job, channel: str, ts: str) -> None:
        kind = self.wiring.reminder_kinds.get(job.kind)
        if kind is not None and kind.after_post is not None:
            kind.after_post(self.client, job.reminder_id, job.payload, channel, ts)

    def _case_still_open(self, case_id: int) -> bool:
        return self._rechecks.status(case_id) == CaseStatus.OPEN

    def _case_statuses(self, case_ids: set[int]) -> dict[int, str]:
        # A plain read outside the session machinery (and SQLite's writer lock): milliseconds before posting.
        with self.deps.db.engine.connect() as conn:
            return dict(conn.execute(_CASE_STATUSES, {"ids": list(case_ids)}).all())

    def _transient(self, job: Job, error: str, *, uncertain: bool) -> Result:
        if job.attempts >= self.config.max_attempts:
            return Result(job, job.reminder_id, "failed", error=error)
        backoff = timedelta(seconds=30 * 2 ** (job.attempts - 1))
        return Result(job, job.reminder_id, "retry", due_at=self.deps.clock.now() + backoff, error=error,
                      uncertain=uncertain)

    def _slack_failure(self, job: Job, exc: SlackApiError) -> Result:
        error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
        status = exc.response.status_code
        if status == 429 or error == "ratelimited":
            wait = timedelta(seconds=max(1, int(exc.response.headers.get("Retry-After", "1") or 1)))
            # A rate limit says nothing about the reminder itself: not an attempt, and nothing was posted. The
            # poster holds the channel: in memory for a short wait, beyond this sweep for a long one.
            return Result(job, job.reminder_id, "retry", due_at=self.deps.clock.now() + wait, error="rate limited",
                          counts=False, retry_after=wait.total_seconds())
        if error in PERMANENT:
            return Result(job, job.reminder_id, "failed", error=error)
        return self._transient(job, error, uncertain=job.uncertain or status >= 500)

    # ------------------------------------------------------------------ 3. settle

    def _settle(self, results: list[Result], token: str) -> Counter[str]:
        now = self.deps.clock.now()
        failed: list[tuple[Result, Case | None, str]] = []
        try:
            with self.deps.db.transaction() as session:
                # Held for the transaction: session.get() finds them only while something references them.
                loaded = _load_cases(session, {r.job.case_id for r in results if r.job is not None}, settling=True)
                outcomes = self._settle_sent(session, [r for r in results if r.outcome == "sent"], token, now,
                                             loaded)
                outcomes.update(self._settle_one(session, result, token, now, failed)
                                for result in results if result.outcome != "sent")
        except Exception:  # noqa: BLE001 - retried one by one below, so one bad row can't undo the batch
            log.exception("settling a batch of %d reminders failed; settling them one by one", len(results))
            failed, outcomes = [], Counter()
            for result in results:
                try:
                    with self.deps.db.transaction() as session:
                        outcomes[self._settle_one(session, result, token, now, failed)] += 1
                except Exception:  # noqa: BLE001 - left `sending`: reclaimed after the lease, looked up first
                    log.exception("reminder %s: could not settle", result.reminder_id)
                    outcomes["error"] += 1
        for result, case, recipient in failed:
            self._report(result, case, recipient)
        return outcomes

    def _settle_sent(self, session: Any, results: list[Result], token: str, now: datetime, cases: dict[int, Case]
                     ) -> Counter[str]:
        """Record a batch's sends with one read and one UPDATE, then run each kind's after_sent once. `cases`:
        theirs, read in this transaction."""
        if not results:
            return Counter()
        marked = service.mark_sent_many(session, {r.reminder_id: (r.channel, r.ts) for r in results}, token=token,
                                        now=now)
        people.zones(session, [case.owner_id for case in cases.values()], self.policy.zone)  # read once
        for reminder in marked:
            metrics.REMINDER_LATENESS_SECONDS.observe(max(0.0, (now - reminder.due_at).total_seconds()))
        self._after_sent(session, [(reminder, cases.get(reminder.case_id) if reminder.case_id else None)
                                   for reminder in marked], now)
        return Counter({"sent": len(marked), "lost": len(results) - len(marked)})

    def _after_sent(self, session: Any, sent: list[tuple[Reminder, Case | None]], now: datetime) -> None:
        by_kind: dict[str, list[tuple[Reminder, Case | None]]] = {}
        for reminder, case in sent:
            by_kind.setdefault(reminder.kind, []).append((reminder, case))
        for name, batch in by_kind.items():
            kind = self.wiring.reminder_kinds.get(name)
            if kind and kind.after_sent:
                kind.after_sent(session, batch, now)

    def _settle_one(self, session: Any, result: Result, token: str, now: datetime,
                    failed: list[tuple[Result, Case | None, str]]) -> str:
        rid = result.reminder_id
        if result.outcome == "sent":
            reminder = service.mark_sent(session, rid, token=token, now=now, channel_id=result.channel,
                                         message_ts=result.ts)
            if reminder is None:
                return "lost"
            metrics.REMINDER_LATENESS_SECONDS.observe(max(0.0, (now - reminder.due_at).total_seconds()))
            self._after_sent(session, [(reminder, session.get(Case, reminder.case_id) if reminder.case_id else None)],
                             now)
            return "sent"
        if result.outcome == "cancelled":
            if result.job is not None:  # cancelled at delivery; those from step 1 are settled already
                service.mark_cancelled(session, rid, token=token, reason=result.error)
            return "cancelled"
        if result.outcome in ("retry", "deferred"):
            assert result.due_at is not None
            retried = service.retry_later(session, rid, token=token, due_at=result.due_at, error=result.error,
                                          uncertain=result.uncertain, counts_as_attempt=result.counts)
            return result.outcome if retried else "lost"
        reminder = service.mark_failed(session, rid, token=token, error=result.error)
        if reminder is None:
            return "lost"
        case = session.get(Case, reminder.case_id) if reminder.case_id else None
        recipient = result.job.destination.describe() if result.job else "its recipient"
        failed.append((result, case, recipient))
        return "failed"

    def _report(self, result: Result, case: Case | None, recipient: str) -> None:
        kind = result.job.kind if result.job else "a"
        log.error("reminder %s (%s) failed for good: %s", result.reminder_id, kind, result.error)
        if case is not None and case.has_thread:
            try:
                post_in_thread(self.wiring.surface.app.client, case,
                               blocks.delivery_failed(case, kind, recipient, result.error))
            except SlackApiError as exc:
                log.error("could not report failed reminder %s: %s", result.reminder_id, exc.response.get("error"))

    # ------------------------------------------------------------------ rate limits and dedupe

    def _hold(self, channel: str, until: datetime) -> datetime:
        with self._held_lock:
            until = max(until, self._held.get(channel, until))
            self._held[channel] = until
            return until

    def _held_until(self, channel: str, now: datetime) -> datetime | None:
        with self._held_lock:
            until = self._held.get(channel)
            if until is not None and until <= now:
                del self._held[channel]
                return None
            return until

    def _already_posted(self, destination: Destination, reminder_id: int, since: datetime | None
                        ) -> tuple[str, str] | None:
        """Look for our own earlier post of this reminder (its id rides in the message metadata) among every
        message of the destination since the attempt that may have posted it, page by page: the last 100
        messages of a busy DM missed posts (64 duplicates in 2,000 reminders after three SIGKILLs)."""
        channel = destination.channel
        if destination.user_id:
            channel = self.client.conversations_open(users=destination.user_id)["channel"]["id"]
        window: dict[str, Any] = {"channel": channel, "limit": LOOKUP_PAGE, "include_all_metadata": True}
        if since is not None:
            window["oldest"] = f"{(since - CLOCK_SKEW).timestamp():.6f}"
        cursor = None
        while True:
            if destination.thread_ts:
                answer = self.client.conversations_replies(ts=destination.thread_ts, cursor=cursor, **window)
            else:
                answer = self.client.conversations_history(cursor=cursor, **window)
            for message in answer.get("messages", []):
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == METADATA_EVENT and \
                        (metadata.get("event_payload") or {}).get("reminder_id") == reminder_id:
                    return channel, message["ts"]
            cursor = (answer.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None


class _Rechecks:
    """The posters' re-checks, read together: a question joins the next read to start, never one already
    under way, so every answer was read after it was asked (right before its post, as one read each was);
    posters asking at the same moment share one query instead of one each."""

    def __init__(self, read: Callable[[set[int]], dict[int, str]]) -> None:
        self._read = read
        self._cond = threading.Condition()
        self._asked: set[int] = set()
        self._started = 0  # reads started so far
        self._reading = False
        self._answers: dict[int, tuple[int, str | None]] = {}  # case id -> (the read that answered, status)
        self._failed: dict[int, Exception] = {}  # read -> why it failed

    def status(self, case_id: int) -> str | None:
        with self._cond:
            wanted = self._started + 1  # the next read to start
            self._asked.add(case_id)
            while True:
                answered = self._answers.get(case_id)
                if answered is not None and answered[0] >= wanted:
                    return answered[1]
                if wanted in self._failed:
                    raise self._failed[wanted]
                if not self._reading:
                    break
                self._cond.wait()
            self._reading = True
            self._started += 1
            # Its own question too: an earlier read may have taken it, its answer since dropped (see below).
            self._asked.add(case_id)
            current, asked, self._asked = self._started, self._asked, set()
        try:
            statuses = self._read(asked)
        except Exception as exc:
            with self._cond:
                self._failed = {current: exc}
                self._reading = False
                self._cond.notify_all()
            raise
        with self._cond:
            if len(self._answers) > RECHECK_ANSWERS_KEPT:  # older ones serve nobody (a late waiter asks again)
                self._answers = {}
            for asked_id in asked:
                self._answers[asked_id] = (current, statuses.get(asked_id))
            self._reading = False
            self._cond.notify_all()
            return self._answers[case_id][1]


class _Settler:
    """Records a sweep's answers in batches on a thread of its own, so posting waits for the database only
    when the bound on unrecorded posts is reached. Results `tracked` count towards that bound."""

    def __init__(self, sender: ReminderSender, lanes: Lanes[Job], token: str) -> None:
        self.sender, self.lanes, self.token = sender, lanes, token
        self.outcomes: Counter[str] = Counter()
        self._cond = threading.Condition()
        self._pending: list[tuple[Result, bool]] = []
        self._finished = False
        # The ticker's per-transaction database deadline applies here too.
        context = contextvars.copy_context()
        self._thread = threading.Thread(target=context.run, args=(self._run,), name="amends-reminders-settle",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def add(self, results: list[Result], *, tracked: bool = True) -> None:
        if results:
            with self._cond:
                self._pending.extend((result, tracked) for result in results)
                self._cond.notify_all()

    def finish(self) -> None:
        """Record what is left, then end."""
        with self._cond:
            self._finished = True
            self._cond.notify_all()
        self._thread.join()

    def _run(self) -> None:
        gather = self.lanes.unrecorded_limit // 2
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._finished)
                if not self._pending:
                    return
                self._cond.wait_for(lambda: len(self._pending) >= gather or self._finished, SETTLE_GATHER)
                batch, self._pending = self._pending, []
            try:
                done = self.sender._settle([result for result, _ in batch], self.token)
            except Exception:  # noqa: BLE001 - left `sending`: reclaimed after the lease, looked up first
                log.exception("could not settle %d reminder results", len(batch))
                done = Counter({"error": len(batch)})
            finally:
                self.lanes.recorded(sum(1 for _, tracked in batch if tracked))
            for outcome, count in done.items():
                metrics.REMINDERS.labels(outcome).inc(count)
            self.outcomes.update(done)


def _load_cases(session: Any, case_ids: set[int | None], *, settling: bool = False) -> dict[int, Case]:
    """One query for a batch's cases. The session's identity map holds objects weakly: while the caller keeps
    the answer, session.get() finds them without asking the database again (discarded at once, as before,
    every get() asked again: 12% of the sender's time). `settling`: only the columns settling reads (what a
    sent reminder schedules next, and a failure's report); any other is loaded when first read."""
    wanted = [case_id for case_id in case_ids if case_id is not None]
    if not wanted:
        return {}
    statement = _CASES_TO_SETTLE if settling else _CASES
    return {case.id: case for case in session.scalars(statement, {"ids": wanted})}


_CASES = select(Case).where(Case.id.in_(bindparam("ids", expanding=True)))
_CASES_TO_SETTLE = _CASES.options(load_only(Case.id, Case.status, Case.owner_id, Case.severity, Case.channel_id,
                                            Case.message_ts, Case.ref))


# ---------------------------------------------------------------------- registration


def register(wiring: Wiring) -> None:
    deps = wiring.deps
    config = deps.config
    policy = Policy(config.reminders, config.workspace.zone)
    surface = wiring.surface
    surface.uses_scopes("im:history", "channels:history", "groups:history", "im:write")

    _register_builtin_kinds(wiring, policy)

    # Reminders get their own client without retry handlers: the sweep retries on its own terms, so a
    # 429 never stalls a sender thread and an ambiguous failure is looked up before posting again. Each
    # poster keeps its connection to Slack open: no handshake per reminder.
    app_client = surface.app.client
    quiet_client = make_web_client(app_client.token, app_client.base_url, timeout=app_client.timeout,
                                   rate_limit_retries=0, server_error_retries=0, connection_retries=1,
                                   keep_alive=True)
    sender = ReminderSender(wiring, quiet_client)
    deps.on_close.append(sender.stop)
    if deps.ticker is not None:
        # People's timezones, refreshed off the sender's path (the sender only reads the cache); first, so a
        # tick that learns someone's zone sends their reminders in it.
        deps.ticker.every(ZONE_REFRESH_EVERY, "people-timezones")(lambda now: refresh_zones(app_client, deps))
        deps.ticker.every(config.reminders.sweep_every, "reminders")(lambda now: sweep(now))

    def sweep(now: datetime) -> None:
        # Steps that fell due become reminders first, so the same tick sends them.
        with deps.db.transaction() as session:
            steps.schedule_due_steps(session, now, send_at=policy.working(now))
        sender.sweep()
    _register_actions(wiring, policy)


def _register_builtin_kinds(wiring: Wiring, policy: Policy) -> None:
    config = wiring.deps.config
    add = wiring.reminder_kinds.add

    def builtin_why_not(session: Any, reminder: Reminder, case: Case | None, now: datetime) -> str | None:
        return kinds.why_not_send(session, reminder, case, now)

    def after_status_sent(session: Any, sent: list[tuple[Reminder, Case | None]], now: datetime) -> None:
        kinds.after_sent(session, sent, now, policy)

    @add(Kind.STATUS_UPDATE, why_not=builtin_why_not, after_sent=after_status_sent)
    def status_update(reminder: Reminder, case: Case | None) -> Rendered:
        assert case is not None
        return blocks.status_update(reminder, case, config)

    @add(Kind.DEADLINE_NEAR, why_not=builtin_why_not)
    def deadline_near(reminder: Reminder, case: Case | None) -> Rendered:
        assert case is not None
        return blocks.deadline_near(reminder, case, config)

    @add(Kind.DEADLINE_MANAGER, why_not=builtin_why_not)
    def deadline_manager(reminder: Reminder, case: Case | None) -> Rendered:
        assert case is not None
        return blocks.deadline_manager(reminder, case, config)

    @add(Kind.UNANSWERED, why_not=builtin_why_not)
    def unanswered(reminder: Reminder, case: Case | None) -> Rendered:
        assert case is not None
        with wiring.deps.db.transaction() as session:
            source = session.get(Reminder, reminder.payload.get("source_id"))
            sent_at = source.sent_at if source else None
        return blocks.unanswered(reminder, case, config, sent_at)

    @add(Kind.FOLLOW_UP, why_not=builtin_why_not, needs_open_case=False)
    def follow_up(reminder: Reminder, case: Case | None) -> Rendered:
        assert case is not None
        buttons = [wiring.case_actions.button("record_satisfaction", case, source="reminder", style="primary")] \
            if "record_satisfaction" in wiring.case_actions else []
        return blocks.follow_up(reminder, case, config, buttons)

    @add(steps.KIND, why_not=steps.why_not_send)
    def step_due(reminder: Reminder, case: Case | None) -> Rendered:
        assert case is not None
        action = reminder.payload.get("action")
        button = (wiring.case_actions.button(action, case, source="reminder", step_id=reminder.payload["step_id"])
                  if action and action in wiring.case_actions else None)
        return blocks.step_due(reminder, case, config, button)


def _register_actions(wiring: Wiring, policy: Policy) -> None:
    deps = wiring.deps
    surface = wiring.surface

    def clicked(body: dict[str, Any]) -> tuple[blocks.ReminderRef, dict[str, Any]]:
        action = body["actions"][0]
        return blocks.ReminderRef.decode(action.get("block_id")), action

    def settle_message(respond: Respond, reminder: Reminder, case: Case, outcome: str) -> None:
        kind = wiring.reminder_kinds.get(reminder.kind)
        original = kind.render(reminder, case) if kind else Rendered(outcome, [])
        respond(text=original.text, blocks=blocks.settled(original, outcome), replace_original=True)

    def answer(ref: blocks.ReminderRef, user_id: str, what: str, also: Any = None) -> tuple[Reminder, Case]:
        """Record the answer (and `also(session, case, now)`, e.g. a hand-over) in one transaction."""
        now = deps.clock.now()
        with deps.db.transaction() as session:
            reminder = service.answer(session, ref.reminder_id, user_id=user_id, now=now, answer=what)
            kinds.answered(session, reminder)
            case = cases.get_case(session, reminder.case_id)
            if also is not None:
                case = also(session, case, now)
            cases.record_event(session, case, f"reminder_{what}", user_id, now, reminder_id=reminder.id,
                               reminder_kind=reminder.kind)
            return reminder, case

    @surface.action(Action.REMINDER_UPDATE_SENT)
    def update_sent(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ref, _ = clicked(body)
        user_id = body["user"]["id"]
        reminder, case = answer(ref, user_id, "update_sent")
        settle_message(respond, reminder, case, f":white_check_mark: Update sent, noted by <@{user_id}>. Thank you.")
        if "draft_message" in wiring.case_actions:
            wiring.case_actions.run("draft_message", case, user_id=user_id, trigger_id=body.get("trigger_id"),
                                    client=client, respond=respond, source="reminder", body=body)

    @surface.action(Action.REMINDER_CUSTOMER_TOLD)
    def customer_told(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ref, _ = clicked(body)
        user_id = body["user"]["id"]

        def told(session: Any, case: Case, now: datetime) -> Case:
            return cases.record_customer_contacted(session, case.id, actor_id=user_id, now=now,
                                                   channel="unspecified", lifecycle=deps.lifecycle)

        reminder, case = answer(ref, user_id, "customer_told", told)
        settle_message(respond, reminder, case, f":white_check_mark: Customer told, noted by <@{user_id}>.")

    @surface.action(Action.REMINDER_SNOOZE)
    def snooze(body: dict[str, Any], respond: Respond) -> None:
        ref, action = clicked(body)
        user_id = body["user"]["id"]
        choice = (action.get("selected_option") or {}).get("value")
        now = deps.clock.now()
        config = deps.config
        with deps.db.transaction() as session:
            zone = people.zone(session, user_id, config.workspace.zone)  # "tomorrow morning" is theirs
        until = {"1h": lambda: now + timedelta(hours=1), "4h": lambda: now + timedelta(hours=4),
                 "tomorrow": lambda: next_morning(now, config.reminders.working_hours, zone)}
        if choice not in until:
            raise InvalidInput("Please pick how long to snooze for.")
        when = until[choice]()
        reminder, case = answer(ref, user_id, "snoozed")
        with deps.db.transaction() as session:
            kinds.snooze_status_updates(session, case.id, when, now)
        shown = blocks.base.slack_date(when, config.workspace.zone)
        settle_message(respond, reminder, case, f":zzz: Snoozed by <@{user_id}> until {shown}.")

    @surface.action(Action.REMINDER_HANDOVER)
    def hand_over(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ref, action = clicked(body)
        user_id = body["user"]["id"]
        new_owner = action.get("selected_user")
        if not new_owner:
            raise InvalidInput("Please pick the colleague who takes the case over.")
        profile = client.users_info(user=new_owner)["user"]
        if profile.get("is_bot") or profile.get("deleted"):
            raise InvalidInput("Please pick a colleague: bots and deactivated accounts can't own a case.")
        with deps.db.transaction() as session:  # their profile is here anyway: their reminders keep their hours
            people.record(session, new_owner, tz=profile.get("tz"), label=profile.get("tz_label"),
                          offset=profile.get("tz_offset"), now=deps.clock.now())

        def hand(session: Any, case: Case, now: datetime) -> Case:
            return cases.change_owner(session, case.id, new_owner_id=new_owner, actor_id=user_id, now=now)

        reminder, case = answer(ref, user_id, "handed_over", hand)
        settle_message(respond, reminder, case, f":arrows_counterclockwise: Handed over by <@{user_id}> to "
                                                f"<@{new_owner}>, who now gets its reminders.")
        dm(client, new_owner, f"<@{user_id}> handed {case.ref} over to you: you now own it and get its reminders.")
        refresh_case_message(client, wiring, case.id)


def learn_owner_zone(client: WebClient, wiring: Wiring, event: RecordedEvent) -> None:
    """A case follow-up (bot/slack/case_followups.py). The owner's first case: their timezone is looked up
    now (one users.info call), and if it isn't the team's, the case's reminders are timed again in it, so
    even the first ones land in the owner's working hours. Anyone already known is left to the periodic
    refresh."""
    deps = wiring.deps
    with deps.db.transaction() as session:
        case = session.get(Case, event.case_id)
        if case is None or not case.is_open or people.known(session, case.owner_id):
            return
        owner = case.owner_id
    zone = look_up_zone(client, deps, owner)
    if zone is None or zone == deps.config.workspace.zone:
        return
    with deps.db.transaction() as session:
        case = session.get(Case, event.case_id)
        if case is not None and case.owner_id == owner:
            kinds.retime_for_owner(session, case, case.created_at,
                                   Policy(deps.config.reminders, deps.config.workspace.zone))
