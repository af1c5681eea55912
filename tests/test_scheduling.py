"""The ticker runs periodic tasks; a failing task never stops the others."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from bot.clock import FrozenClock
from bot.scheduling import Ticker


def test_run_pending_runs_every_task_with_the_clocks_time(caplog: pytest.LogCaptureFixture) -> None:
    clock = FrozenClock()
    ticker = Ticker(clock)
    seen: list[tuple[str, datetime]] = []

    @ticker.every(timedelta(minutes=1), "broken")
    def broken(now: datetime) -> None:
        raise RuntimeError("boom")

    @ticker.every(timedelta(minutes=1), "sweep")
    def sweep(now: datetime) -> None:
        seen.append(("sweep", now))

    ticker.run_pending()
    assert seen == [("sweep", clock.now())]
    assert any("periodic task broken failed" in r.getMessage() for r in caplog.records)


def test_duplicate_names_are_refused() -> None:
    ticker = Ticker(FrozenClock())
    ticker.every(timedelta(seconds=1), "a")(lambda now: None)
    with pytest.raises(ValueError, match="already registered"):
        ticker.every(timedelta(seconds=1), "a")(lambda now: None)


def test_the_real_ticker_runs_tasks_at_start_and_on_interval() -> None:
    ticker = Ticker(FrozenClock())
    ran = threading.Semaphore(0)
    ticker.every(timedelta(milliseconds=100), "tick")(lambda now: ran.release())
    ticker.start()
    try:
        assert ran.acquire(timeout=5) and ran.acquire(timeout=5)  # once at start, then on the interval
    finally:
        ticker.shutdown()
