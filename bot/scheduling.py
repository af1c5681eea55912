"""Periodic tasks (reminder sweeps, escalations, digests), driven by APScheduler as a ticker only.

APScheduler 3's job stores cannot be shared between processes (its FAQ says so; measured here: every
job ran once per process and schedulers crashed on a lost race), and its default misfire handling
silently drops a one-time job that fell due while the bot was down. So nothing is ever *scheduled* in
APScheduler: it only ticks, with an in-memory store, interval jobs, `max_instances=1` and
`coalesce=True`. Each task asks the database what is due at that moment and claims it atomically,
which is what makes restarts lose nothing and several replicas safe.

Tests don't start the ticker; they call `run_pending()` with a controllable clock.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot.clock import Clock
from bot.db import PERIODIC_LIMIT, deadline

log = logging.getLogger(__name__)

Task = Callable[[datetime], None]


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    every: timedelta
    run: Task


class Ticker:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.tasks: list[PeriodicTask] = []
        self._scheduler: BackgroundScheduler | None = None
        self._lock = threading.Lock()

    def every(self, interval: timedelta, name: str) -> Callable[[Task], Task]:
        """Register `task(now)` to run every `interval` (and once at start, to catch up after downtime)."""
        def register(task: Task) -> Task:
            if any(t.name == name for t in self.tasks):
                raise ValueError(f"a periodic task named {name!r} is already registered")
            self.tasks.append(PeriodicTask(name, interval, task))
            return task
        return register

    def run_task(self, task: PeriodicTask, now: datetime | None = None) -> None:
        """Run one task; a failure is logged and never stops the ticker or the other tasks."""
        try:
            # A fresh context: a case a task logged about must not label the next task's lines.
            with deadline(each=PERIODIC_LIMIT):  # a database that stopped answering must not stop the ticking
                contextvars.Context().run(task.run, now or self.clock.now())
        except Exception:  # noqa: BLE001 - a periodic task must survive anything and try again next tick
            log.exception("periodic task %s failed; it will run again at its next tick", task.name)

    def run_pending(self, now: datetime | None = None) -> None:
        """Run every task once, now (tests; and at start-up, so work due during downtime goes out at once)."""
        for task in list(self.tasks):
            self.run_task(task, now)

    def start(self) -> None:
        with self._lock:
            if self._scheduler is not None:
                return
            scheduler = BackgroundScheduler(timezone=UTC)
            for task in self.tasks:
                scheduler.add_job(self.run_task, "interval", args=[task], id=task.name, name=task.name,
                                  seconds=task.every.total_seconds(), max_instances=1, coalesce=True,
                                  next_run_time=datetime.now(UTC))
            scheduler.start()
            self._scheduler = scheduler
            log.info("ticker started with %d periodic task(s): %s", len(self.tasks),
                     ", ".join(t.name for t in self.tasks) or "none")

    def shutdown(self) -> None:
        with self._lock:
            if self._scheduler is not None:
                self._scheduler.shutdown(wait=True)
                self._scheduler = None
