"""Logging for `amends`: lines go to stderr from one writer thread, so logging never stalls a request.

A handler writing to stderr blocks the thread that logs whenever stderr does (a full pipe, a stuck log
collector), and every thread logs: the request threads that must ack within 3 s and the workers that open
modals. Here a thread only puts its record on a bounded queue; one writer thread formats and writes it.
When the sink stalls and the queue is full, records are dropped and counted (the count is logged once the
sink moves again) rather than stalling the bot. waitress warns "Task queue depth is N" for every request
that waits for a thread; under a burst that is a line per request, so it is let through once a minute.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sys
import threading
import time
from logging.handlers import QueueHandler, QueueListener
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
QUEUE_RECORDS = 10_000
QUEUE_DEPTH_EVERY = 60.0  # seconds between two of waitress's queue-depth warnings


class DroppingQueueHandler(QueueHandler):
    """A QueueHandler that never waits: a record that finds the queue full is dropped and counted."""

    def __init__(self, records: queue.Queue[logging.LogRecord]) -> None:
        super().__init__(records)
        self.dropped = 0
        self._lock = threading.Lock()

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


def configure(level: str, stream: TextIO | None = None, *, capacity: int = QUEUE_RECORDS) -> Writer | None:
    """Route the root logger through a queue to `stream` (stderr) and return the started writer; like
    logging.basicConfig, only when nothing configured the root logger before (then None)."""
    root = logging.getLogger()
    root.setLevel(level)
    quiet = max(logging.WARNING, logging.getLevelName(level))
    logging.getLogger("alembic").setLevel(quiet)
    # The scheduler logs every run of every periodic task (twice every 15 s); the bot logs what they did.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if level == "DEBUG" else quiet)
    queue_depth = logging.getLogger("waitress.queue")
    if not any(isinstance(f, EveryInterval) for f in queue_depth.filters):
        queue_depth.addFilter(EveryInterval(QUEUE_DEPTH_EVERY))
    if root.handlers:
        return None
    writer = logging.StreamHandler(stream or sys.stderr)
    writer.setFormatter(logging.Formatter(FORMAT))
    records: queue.Queue[logging.LogRecord] = queue.Queue(capacity)
    listener = Writer(records, writer, respect_handler_level=False)
    root.addHandler(DroppingQueueHandler(records))
    listener.start()
    atexit.register(listener.stop)  # what is queued is written before the process ends
    return listener
