"""Register listeners with Bolt and, in the same call, record what the Slack app must declare.

`amends manifest` is generated from these records, so the app manifest can never list a command the
code does not handle or miss an event it listens to.

How listeners run. Slack needs an answer within 3 seconds, and an ack must never wait behind other
people's work. So every registration here acks on the request thread (Bolt runs with
process_before_response=True) and hands the handler to the worker pool. Measured with
bench/ack_latency.py: Bolt's default (the whole listener, ack included, queued on the pool, and the
request thread polling for the ack every 10 ms) gave p99 85 ms; Bolt's lazy listeners, which deep-copy
and re-parse every request, cost 3.6 ms of CPU a request and p99 105 ms; this hand-off, p99 (see README).

* `command`, `action`, `event`, `message_shortcut`, `view_closed`: the handler runs after the ack. It
  takes Bolt's usual arguments (body, client, respond, context, ...) but no `ack`.
* `view_submission`: the handler runs *before* the ack because its answer is the ack (field errors, an
  updated view). It must call `ack(...)` quickly. Slow follow-up work goes in `then=`, which runs after
  the ack and sees anything the handler put in `context`.

Each interaction is applied once (bot/replays.py): a view submission per view version, a click per its
own timestamp; the same request again changes nothing and a submission is answered as the first time (by
the same process; another answers it with an empty ack). A
submission's database work ends within DATABASE_BUDGET, so the answer reaches Slack in time even when the
database hangs (bot/db.py deadline()).

An exception in a handler that runs after the ack is reported like any other (see errors.report): the
person gets a kind message, and unknown errors are logged with a reference.
"""

from __future__ import annotations

import contextvars
import inspect
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Executor, Future
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot import metrics, replays
from bot.db import Database, deadline
from bot.errors import NotAllowed, StorageUnavailable
from bot.replays import Interaction
from bot.slack import errors
from bot.slack.blocks.base import refused_submission

if TYPE_CHECKING:
    from bot.slack.view_guard import ViewGuard

Listener = Callable[..., Any]
Matcher = str | re.Pattern[str]

# Everything a handler may ask for; the guard passes on only what the handler's signature names.
log = logging.getLogger(__name__)

# How long a person's interaction may wait for the database: an answer must reach Slack within 3 seconds,
# and transit, Bolt and the answer itself take some of them.
DATABASE_BUDGET = 2.5  # seconds
# After the ack no answer is due, but a database that stopped answering must not hold a worker for good;
# each transaction gets this long (generous: a loaded machine must not fail work that would succeed).
AFTER_ACK_LIMIT = 10.0  # seconds

# Where a view submission's answer leaves its interaction for the follow-up (Bolt's context crosses threads).
_INTERACTION = "amends_interaction"

def _after_ack(fn: Callable[..., Any], *args: Any) -> Any:
    # Queued work replaces the deadline of the request that queued it (the person's 3 seconds, long past
    # once a Retry-After was slept) with its own per-transaction bound.
    with deadline(each=AFTER_ACK_LIMIT):
        return fn(*args)


_INJECTABLE = ("body", "client", "respond", "context", "logger", "action", "view", "command", "event",
               "shortcut", "message", "say")


@dataclass(frozen=True)
class SlashCommand:
    name: str
    description: str
    usage_hint: str


@dataclass(frozen=True)
class Shortcut:
    callback_id: str
    name: str
    description: str
    kind: str  # "message" or "global"


@dataclass
class Declarations:
    commands: dict[str, SlashCommand] = field(default_factory=dict)
    shortcuts: list[Shortcut] = field(default_factory=list)
    events: set[str] = field(default_factory=set)
    scopes: set[str] = field(default_factory=lambda: {"chat:write"})
    interactivity: bool = False
    home_tab: bool = False


# Bot events and the scopes Slack requires to subscribe to them.
EVENT_SCOPES = {
    "app_home_opened": set(),
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.im": {"im:history"},
    "member_joined_channel": {"channels:read"},
}


def _guarded(work: Listener) -> tuple[Listener, set[str]]:
    wanted = set(inspect.signature(work).parameters)
    unknown = wanted - set(_INJECTABLE)
    if unknown:
        raise TypeError(f"{work.__qualname__} asks for {sorted(unknown)}; handlers after the ack may take "
                        f"{', '.join(_INJECTABLE)}")
    return work, wanted


def _run(work: Listener, wanted: set[str], given: dict[str, Any], interaction: Interaction | None = None) -> None:
    try:
        with replays.applying(interaction) if interaction else nullcontext():
            work(**{name: value for name, value in given.items() if name in wanted})
    except replays.AlreadyApplied:
        log.info("a replayed %s changed nothing", given["body"].get("type"))
    except Exception as exc:  # noqa: BLE001 - reported to the person and logged, never swallowed
        errors.report(exc, given["body"], given["client"], given["respond"])


def interaction_of(body: dict[str, Any]) -> Interaction | None:
    """What makes a request the same interaction as another: a click's own timestamp, a view's version."""
    if body.get("type") == "view_submission":
        view = body["view"]
        return Interaction(replays.key_of("view", view.get("id"), view.get("hash")))
    if body.get("type") == "block_actions" and body["actions"][0].get("action_ts"):
        action, container = body["actions"][0], body.get("container") or {}
        return Interaction(replays.key_of("action", body["user"]["id"], action["action_ts"], action["action_id"],
                                          action.get("block_id"), container.get("message_ts"),
                                          container.get("view_id")))
    return None


class Surface:
    def __init__(self, app: App, workers: Executor, db: Database) -> None:
        self.app = app
        self.workers = workers
        self.db = db
        self.answers = replays.Answers()
        self.declared = Declarations()
        self._closed = False
        self._pending: set[Future[Any]] = set()  # queued or running
        self._pending_lock = threading.Lock()
        # Who may act on the case a modal names (bot/slack/view_guard.py), set by bot/slack/bolt.py.
        self.view_guard: ViewGuard | None = None

    def refusal(self, body: dict[str, Any], client: Any) -> str | None:
        """Why the person may not act on the case their modal names (None: they may)."""
        if self.view_guard is None:
            return None
        try:
            return self.view_guard.refusal(body, client)
        except StorageUnavailable as exc:
            return exc.user_message

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Queue work on the pool. Once the bot is closing, late work (a debounce timer firing) is dropped:
        the database it would use is going away."""
        if self._closed:
            log.debug("bot closing: dropped %s", getattr(fn, "__qualname__", fn))
            return
        try:
            # In a copy of the request's context: its log lines keep the request id, user and case.
            future = self.workers.submit(contextvars.copy_context().run, _after_ack, fn, *args)
        except RuntimeError:  # the pool shut down between the check and the submit
            log.debug("bot closing: dropped %s", getattr(fn, "__qualname__", fn))
            return
        with self._pending_lock:
            self._pending.add(future)
        metrics.WORK_QUEUE_DEPTH.inc()
        future.add_done_callback(self._done)

    def _done(self, future: Future[Any]) -> None:
        with self._pending_lock:
            self._pending.discard(future)
        metrics.WORK_QUEUE_DEPTH.dec()

    def close(self, timeout: float | None = None) -> bool:
        """Finish the work already queued (within `timeout` seconds), then accept no more (before the database
        is disposed, so no worker reconnects to it afterwards). False when some was abandoned."""
        self._closed = True
        with self._pending_lock:
            pending = list(self._pending)
        _, unfinished = futures.wait(pending, timeout=timeout)
        if unfinished:
            log.warning("%d piece(s) of acknowledged work unfinished after %.0f s: abandoned (cases saved but not "
                        "posted are posted by the case_posts sweep)", len(unfinished), timeout or 0)
        self.workers.shutdown(wait=not unfinished, cancel_futures=True)
        return not unfinished

    def run_after_ack(self, work: Listener) -> Listener:
        """A Bolt listener that acks at once and queues `work` on the worker pool. A click already applied
        (the same request again) changes nothing."""
        work, wanted = _guarded(work)

        def listener(ack: Ack, body: dict[str, Any], client: Any, respond: Any, context: Any, logger: Any,
                     action: Any, view: Any, command: Any, event: Any, shortcut: Any, message: Any,
                     say: Any) -> None:
            if ack.response is None:
                ack()
            given = {"body": body, "client": client, "respond": errors.CheckedRespond.checking(respond),
                     "context": context, "logger": logger,
                     "action": action, "view": view, "command": command, "event": event, "shortcut": shortcut,
                     "message": message, "say": say}
            # A view's follow-up belongs to the submission, which checked and may have claimed it already.
            interaction = context.get(_INTERACTION) or interaction_of(body)
            self.submit(self._run_once, work, wanted, given, interaction, _INTERACTION not in context)

        listener.__name__ = work.__name__
        listener.__qualname__ = work.__qualname__
        return listener

    def _run_once(self, work: Listener, wanted: set[str], given: dict[str, Any], interaction: Interaction | None,
                  check: bool) -> None:
        try:
            if interaction is not None and check and replays.applied(self.db, interaction.key):
                log.info("a replayed %s changed nothing", given["body"].get("type"))
                return
        except StorageUnavailable as exc:
            errors.report(exc, given["body"], given["client"], given["respond"])
            return
        if given["body"].get("type") == "block_actions":  # a click in a modal naming a case
            refusal = self.refusal(given["body"], given["client"])
            if refusal is not None:
                errors.report(NotAllowed(refusal), given["body"], given["client"], given["respond"])
                return
        _run(work, wanted, given, interaction)

    def _answer_once(self, answer: Listener, ack: Ack, body: dict[str, Any], context: Any, client: Any,
                     kwargs: dict[str, Any]) -> bool:
        """Run a submission's `answer`; if this very submission was applied before, what it wrote rolls
        back and the ack is the one first given. Whether the follow-up should run.

        Not looked up first: a lookup would spend the person's 3 seconds twice when the database hangs,
        and the answer writes (and so claims the submission) before anything else it does."""
        interaction = interaction_of(body)
        assert interaction is not None
        with deadline(at=time.monotonic() + DATABASE_BUDGET):
            refusal = self.refusal(body, client)
            if refusal is not None:
                ack(**refused_submission(body["view"], refusal))
                return False
            try:
                with replays.applying(interaction):
                    answer(**kwargs)
            except replays.AlreadyApplied:
                given_answer = self.answers.answer_of(interaction.key)
                log.info("a replayed view submission changed nothing")
                if ack.response is None:
                    ack(**json.loads(given_answer)) if given_answer else ack()
                return False
            if interaction.claimed and ack.response is not None:
                self.answers.keep_answer(interaction.key, ack.response.body or "")
        context[_INTERACTION] = interaction
        return True

    def uses_scopes(self, *scopes: str) -> None:
        """Declare Web API scopes a feature needs (e.g. users:read for users.info)."""
        self.declared.scopes.update(scopes)

    def _after_ack(self, register: Callable[..., Any]) -> Callable[[Listener], Listener]:
        def decorator(work: Listener) -> Listener:
            register(self.run_after_ack(work))
            return work
        return decorator

    def command(self, name: str, *, description: str, usage_hint: str = "") -> Callable[[Listener], Listener]:
        self.declared.commands[name] = SlashCommand(name, description, usage_hint)
        self.declared.scopes.add("commands")
        return self._after_ack(self.app.command(name))

    def describe_command(self, name: str, *, description: str, usage_hint: str) -> None:
        """Say again what a registered command does (its subcommands are added after it is registered)."""
        self.declared.commands[name] = SlashCommand(name, description, usage_hint)

    def action(self, action_id: Matcher) -> Callable[[Listener], Listener]:
        self.declared.interactivity = True
        return self._after_ack(self.app.action(action_id))

    def view_closed(self, callback_id: Matcher) -> Callable[[Listener], Listener]:
        self.declared.interactivity = True
        return self._after_ack(self.app.view_closed(callback_id))

    def message_shortcut(self, callback_id: str, *, name: str, description: str) -> Callable[[Listener], Listener]:
        self.declared.interactivity = True
        self.declared.shortcuts.append(Shortcut(callback_id, name, description, "message"))
        self.declared.scopes.add("commands")
        return self._after_ack(self.app.message_shortcut(callback_id))

    def event(self, manifest_event: str, *, matchers: list[Callable[..., bool]] | None = None
              ) -> Callable[[Listener], Listener]:
        """Listen to an Events API event. `manifest_event` is the subscription name (e.g. message.channels)."""
        self.declared.events.add(manifest_event)
        self.declared.scopes.update(EVENT_SCOPES.get(manifest_event, set()))
        if manifest_event == "app_home_opened":
            self.declared.home_tab = True
        event_type = manifest_event.split(".")[0]
        return self._after_ack(self.app.event(event_type, matchers=matchers))

    def view_submission(self, callback_id: Matcher, *, then: Listener | None = None
                        ) -> Callable[[Listener], Listener]:
        """`answer` runs before the ack and must call ack(); `then` runs after it (see module docs)."""
        self.declared.interactivity = True
        register = self.app.view_submission(callback_id)

        def decorator(answer: Listener) -> Listener:
            follow_up = self.run_after_ack(then) if then is not None else None

            def listener(ack: Ack, body: dict[str, Any], client: Any, respond: Any, context: Any, logger: Any,
                         action: Any, view: Any, command: Any, event: Any, shortcut: Any, message: Any,
                         say: Any) -> None:
                kwargs = {"ack": ack, "body": body, "view": view, "client": client, "context": context,
                          "logger": logger, "respond": respond}
                if self._answer_once(answer, ack, body, context, client,
                                     {k: v for k, v in kwargs.items() if k in answer_params}) \
                        and follow_up is not None:
                    follow_up(ack, body, client, respond, context, logger, action, view, command, event,
                              shortcut, message, say)

            answer_params = set(inspect.signature(answer).parameters)
            listener.__name__ = answer.__name__
            register(listener)
            return answer
        return decorator
