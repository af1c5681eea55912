"""Per-channel lanes for the reminder sender: Slack's only wait should be Slack's own limit.

Slack limits chat.postMessage per channel (about one message a second, short bursts allowed) and says how
long to wait (Retry-After). So each destination gets its own queue: a channel that was told to wait is held
until then and, having hit the limit once, is paced at one post a `pace` for the rest of the sweep instead of
collecting a 429 for every other post; every other channel keeps going. Posters take the next job of any
channel that may post now, one post per channel at a time, with two bounds:

* at most `concurrency` posts in flight;
* at most `unrecorded_limit` posts between leaving for Slack and being recorded in the database (in flight,
  or answered and waiting to be settled): a process killed at any moment leaves no more posts landed but
  unrecorded than that, and each of those is found by the takeover's metadata lookup.

Plain threads and a condition variable; nothing here knows Slack or the database. Times are monotonic
seconds (Retry-After is Slack's real time, whatever the bot's clock says).
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Lane(Generic[T]):
    jobs: deque[T] = field(default_factory=deque)
    not_before: float = 0.0  # held after a 429, or paced
    paced: bool = False  # hit the limit once: one post a `pace` from now on
    busy: bool = False  # a post of this channel is in flight
    scheduled: bool = False  # in the ready queue or the waiting heap


class Lanes(Generic[T]):
    def __init__(self, *, concurrency: int, unrecorded_limit: int, pace: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.concurrency = concurrency
        self.unrecorded_limit = max(unrecorded_limit, concurrency)
        self.pace = pace
        self.clock = clock
        self._cond = threading.Condition()
        self._lanes: dict[str, _Lane[T]] = {}
        self._ready: deque[str] = deque()
        self._waiting: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self.queued = 0
        self.in_flight = 0
        self.unrecorded = 0
        self._closed = False  # no more jobs will be put
        self._stopped = False  # hand out nothing more

    # ------------------------------------------------------------------ the feeder's side

    def put(self, channel: str, job: T) -> int:
        """Queue `job` for `channel`; returns how many of the channel's jobs are now queued before it."""
        with self._cond:
            lane = self._lanes.setdefault(channel, _Lane())
            ahead = len(lane.jobs) + (1 if lane.busy else 0)
            lane.jobs.append(job)
            self.queued += 1
            self._schedule(channel, lane)
            self._cond.notify_all()
            return ahead

    def backlog(self) -> int:
        """Jobs queued or in flight."""
        with self._cond:
            return self.queued + self.in_flight

    def wait_below(self, limit: int, timeout: float) -> None:
        """Wait (at most `timeout`) until fewer than `limit` jobs are queued or in flight."""
        with self._cond:
            self._cond.wait_for(lambda: self.queued + self.in_flight < limit or self._stopped, timeout)

    def close(self) -> None:
        """No more jobs will be put: posters end once every queued job is done."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def stop(self) -> None:
        """Hand out nothing more (the bot is stopping); posts in flight finish."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def drain(self) -> list[T]:
        """Remove and return every queued job (never taken)."""
        with self._cond:
            left = [job for lane in self._lanes.values() for job in lane.jobs]
            for lane in self._lanes.values():
                lane.jobs.clear()
            self.queued = 0
            self._cond.notify_all()
            return left

    def length(self, channel: str) -> int:
        with self._cond:
            lane = self._lanes.get(channel)
            return len(lane.jobs) if lane else 0

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is queued or in flight."""
        with self._cond:
            return self._cond.wait_for(lambda: self.queued + self.in_flight == 0, timeout)

    # ------------------------------------------------------------------ the posters' side

    def take(self) -> tuple[str, T] | None:
        """The next job that may be posted now (blocking until there is one), or None when the lanes are
        closed and empty, or stopped."""
        with self._cond:
            while True:
                if self._stopped or (self._closed and self.queued == 0 and self.in_flight == 0):
                    return None
                now = self.clock()
                while self._waiting and self._waiting[0][0] <= now:
                    _, _, channel = heapq.heappop(self._waiting)
                    self._ready.append(channel)
                room = self.in_flight < self.concurrency and self.in_flight + self.unrecorded < self.unrecorded_limit
                if room and self._ready:
                    channel = self._ready.popleft()
                    lane = self._lanes[channel]
                    lane.scheduled = False
                    if not lane.jobs:  # emptied by take_lane() while it waited its turn
                        continue
                    lane.busy = True
                    self.queued -= 1
                    self.in_flight += 1
                    return channel, lane.jobs.popleft()
                timeout = max(0.0, self._waiting[0][0] - now) if self._waiting and room else None
                self._cond.wait(timeout)

    def done(self, channel: str, *, again: T | None = None, hold_until: float | None = None,
             settling: bool = True) -> None:
        """A post of `channel` came back. `again`: put that job back at the head of its lane (rate limited);
        `hold_until`: Slack said to wait until then; `settling`: its result now waits to be recorded."""
        with self._cond:
            lane = self._lanes[channel]
            lane.busy = False
            self.in_flight -= 1
            if settling:
                self.unrecorded += 1
            now = self.clock()
            if hold_until is not None:
                lane.paced = True
                lane.not_before = max(lane.not_before, hold_until)
            elif lane.paced:
                lane.not_before = max(lane.not_before, now + self.pace)
            if again is not None:
                lane.jobs.appendleft(again)
                self.queued += 1
            self._schedule(channel, lane)
            self._cond.notify_all()

    def take_lane(self, channel: str) -> list[T]:
        """Remove and return every job queued for `channel` (held too long to wait for in memory)."""
        with self._cond:
            lane = self._lanes.get(channel)
            if lane is None:
                return []
            jobs = list(lane.jobs)
            lane.jobs.clear()
            self.queued -= len(jobs)
            self._cond.notify_all()
            return jobs

    def recorded(self, count: int) -> None:
        """`count` results were recorded in the database."""
        with self._cond:
            self.unrecorded -= count
            self._cond.notify_all()

    def _schedule(self, channel: str, lane: _Lane[T]) -> None:
        if lane.busy or lane.scheduled or not lane.jobs:
            return
        lane.scheduled = True
        if lane.not_before > self.clock():
            heapq.heappush(self._waiting, (lane.not_before, next(self._seq), channel))
        else:
            self._ready.append(channel)
