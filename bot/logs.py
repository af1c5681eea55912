"""Logging for `amends`: lines go to stderr from one writer thread, so logging never stalls a request.

A handler writing to stderr blocks the thread that logs whenever stderr does (a full pipe, a stuck log
collector), and every thread logs: the request threads that must ack within 3 s and the workers that open
modals. Here a thread only puts its record on a bounded queue; one writer thread formats and writes it.
When the sink stalls and the queue is full, records are dropped and counted (the count is logged once the
sink moves again) rather than stalling the bot. waitress warns "Task queue depth is N" for every request
that waits for a thread; under a burst that is a line per request, so it is let through once a minute.

Lines are plain text by default, one JSON object a line with AMENDS_LOG_FORMAT=json. What a line is
about rides in context variables, bound where a Slack request arrives (request id), by Bolt's middleware
(the Slack user) and by code that knows the case (its ref); work queued after the ack runs in a copy of
the request's context (bot.slack.surface), so its lines carry them too. They are read in the thread that
logs, before the record is queued. An error's reference is passed as `extra={"error_ref": ref}`.

Redaction is the last step of formatting, so it covers every logger at every level, tracebacks and other
libraries' debug lines included: Slack tokens (xox?-, xapp-), `Bearer` credentials, passwords in URLs,
Amends API keys (by their shape, so any key, not only this process's), and every secret value registered
with `add_secret` (the signing secret, AMENDS_API_SECRET).
"""

from __future__ import annotations

import atexit
import copy
import json
import logging
import queue
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from logging.handlers import QueueHandler, QueueListener
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
QUEUE_RECORDS = 10_000
QUEUE_DEPTH_EVERY = 60.0  # seconds between two of waitress's queue-depth warnings

REQUEST_ID: ContextVar[str | None] = ContextVar("amends_request_id", default=None)
SLACK_USER: ContextVar[str | None] = ContextVar("amends_slack_user", default=None)
CASE_REF: ContextVar[str | None] = ContextVar("amends_case_ref", default=None)
_FIELDS = {"request_id": REQUEST_ID, "slack_user": SLACK_USER, "case_ref": CASE_REF}

REDACTED = "[redacted]"
_PATTERNS = [
    re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+"),               # bot, user and other Slack tokens
    re.compile(r"\bxapp-[A-Za-z0-9-]+"),                    # app-level (Socket Mode) tokens
    re.compile(r"(?i)(?<=bearer )[A-Za-z0-9._~+/=-]{8,}"),  # Authorization headers
    re.compile(r"(?<=://)[^\s:/@]+:[^\s@/]+(?=@)"),         # user:password@ in URLs
    re.compile(r"(?<=\bamk_[0-9a-f]{12}_)[A-Za-z0-9_-]{43}"),  # an API key's secret (its id is kept)
]
_secrets: set[str] = set()
_secrets_lock = threading.Lock()
# Shorter values are not secrets worth the risk of redacting ordinary words.
MIN_SECRET_LENGTH = 8


def add_secret(value: str | None) -> None:
    """Never log `value` (a signing secret, an API key), whatever logger or level."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(value)
            _secrets.add(json.dumps(value)[1:-1])  # as it appears inside a JSON line


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def bind(**fields: str | None) -> list[tuple[ContextVar[str | None], Token[str | None]]]:
    """Set request_id / slack_user / case_ref for what runs from here on in this context."""
    return [(_FIELDS[name], _FIELDS[name].set(value)) for name, value in fields.items()]


def unbind(tokens: list[tuple[ContextVar[str | None], Token[str | None]]]) -> None:
    for var, token in reversed(tokens):
        var.reset(token)


@contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    tokens = bind(**fields)
    try:
        yield
    finally:
        unbind(tokens)


class _Context(logging.Filter):
    """Copies the bound context onto each record (an `extra=` value wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _FIELDS.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        if not hasattr(record, "error_ref"):
            record.error_ref = None
        return True


class _Text(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        about = " ".join(f"{label}={value}" for label, value in (
            ("case", getattr(record, "case_ref", None)), ("user", getattr(record, "slack_user", None)),
            ("req", getattr(record, "request_id", None)), ("ref", getattr(record, "error_ref", None))) if value)
        if about:
            first, newline, rest = line.partition("\n")
            line = f"{first} [{about}]{newline}{rest}"
        return redact(line)


class _Json(JsonFormatter):
    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in log_data.items() if value is not None}

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        return _Json(["levelname", "name", "message"], timestamp="time",
                     rename_fields={"levelname": "level", "name": "logger", "exc_info": "traceback"})
    return _Text(FORMAT)


class DroppingQueueHandler(QueueHandler):
    """A QueueHandler that never waits: a record that finds the queue full is dropped and counted."""

    def __init__(self, records: queue.Queue[logging.LogRecord]) -> None:
        super().__init__(records)
        self.dropped = 0
        self._lock = threading.Lock()

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        """The message with its arguments merged and the traceback as text, formatted later by the writer
        (the base class would fold the traceback into the message, where JSON lines want it apart)."""
        record = copy.copy(record)
        record.message = record.msg = record.getMessage()
        record.args = None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
        return record

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            with self._lock:
                self.dropped += 1
            return
        with self._lock:
            dropped, self.dropped = self.dropped, 0
        if dropped:
            note = logging.LogRecord(__name__, logging.WARNING, __file__, 0,
                                     "dropped %d log records while the log output was stalled", (dropped,), None)
            try:
                self.queue.put_nowait(note)
            except queue.Full:
                with self._lock:
                    self.dropped += dropped + 1


class Writer(QueueListener):
    """The one thread that writes log lines; on stop it waits for room to say so (the queue may be full)."""

    def enqueue_sentinel(self) -> None:
        self.queue.put(self._sentinel)

    def stop(self) -> None:
        if self._thread is not None:  # stopped already (at exit, after a test stopped it)
            super().stop()


class EveryInterval(logging.Filter):
    """Lets one record through per `seconds` (a warning that repeats for every request)."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self._next = 0.0

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if now < self._next:
            return False
        self._next = now + self.seconds
        return True


# Loggers whose DEBUG lines are whole Slack payloads: messages, views and forms, which hold customers' names
# and contacts (README "Customer data"). Those lines are never written, whatever the level (a filter on the
# handler: Bolt sets its own app logger's level from the root's when the app is built).
WIRE_LOGGERS = ("slack_sdk.web", "slack_sdk.socket_mode", "slack_sdk.webhook", "slack_bolt")


class _NoWirePayloads(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO or not record.name.startswith(WIRE_LOGGERS)


def configure(level: str, stream: TextIO | None = None, *, fmt: str = "text",
              capacity: int = QUEUE_RECORDS) -> Writer | None:
    """Route the root logger through a queue to `stream` (stderr), lines in `fmt` (text or json), and return
    the started writer; like logging.basicConfig, only when nothing configured the root logger before
    (then None)."""
    root = logging.getLogger()
    root.setLevel(level)
    quiet = max(logging.WARNING, logging.getLevelName(level))
    logging.getLogger("alembic").setLevel(quiet)
    # The scheduler logs every run of every periodic task (twice every 15 s); the bot logs what they did.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if level == "DEBUG" else quiet)
    # The client's DEBUG lines are never written (WIRE_LOGGERS), but slack_sdk formats each one, the whole
    # payload, whenever this logger's own level is unset (it reads `.level`, not the effective level).
    logging.getLogger("slack_sdk.web.base_client").setLevel(logging.INFO)
    queue_depth = logging.getLogger("waitress.queue")
    if not any(isinstance(f, EveryInterval) for f in queue_depth.filters):
        queue_depth.addFilter(EveryInterval(QUEUE_DEPTH_EVERY))
    if root.handlers:
        return None
    writer = logging.StreamHandler(stream or sys.stderr)
    writer.setFormatter(formatter(fmt))
    records: queue.Queue[logging.LogRecord] = queue.Queue(capacity)
    listener = Writer(records, writer, respect_handler_level=False)
    handler = DroppingQueueHandler(records)
    handler.addFilter(_NoWirePayloads())
    handler.addFilter(_Context())  # in the thread that logs, where the context is
    root.addHandler(handler)
    listener.start()
    atexit.register(listener.stop)  # what is queued is written before the process ends
    _writers.append(listener)
    return listener


_writers: list[Writer] = []


def flush() -> None:
    """Write what is queued now (before os._exit, which runs no atexit handler)."""
    for writer in _writers:
        writer.stop()
