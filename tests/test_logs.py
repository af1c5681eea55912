"""The bot's logging never holds up a request: a stalled log output costs dropped lines, not acks."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bot import logs


class StalledOutput(io.StringIO):
    """stderr as a full pipe nobody reads: every write waits until `release()`."""

    def __init__(self) -> None:
        super().__init__()
        self.moving = threading.Event()

    def write(self, text: str) -> int:
        self.moving.wait()
        return super().write(text)

    def release(self) -> None:
        self.moving.set()


@contextmanager
def bare_root() -> Iterator[None]:
    """The root logger as `amends run` finds it: nothing configured (pytest's own handlers set aside)."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    for handler in saved:
        root.removeHandler(handler)
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved:
            root.addHandler(handler)
        root.setLevel(level)


def test_a_stalled_log_output_never_blocks_the_threads_that_log() -> None:
    output = StalledOutput()
    finished = threading.Event()

    def request_thread() -> None:
        for n in range(200):
            logging.getLogger("bot.slack").warning("line %d", n)
        finished.set()

    with bare_root():
        writer = logs.configure("INFO", output, capacity=10)
        assert writer is not None
        threading.Thread(target=request_thread, daemon=True).start()
        assert finished.wait(10), "a thread that logged was blocked by the stalled output"
        output.release()
        writer.queue.join()  # what was queued is written
        logging.getLogger("bot.slack").warning("output moving again")
        writer.stop()
    written = output.getvalue()
    assert "line 0" in written and "output moving again" in written
    assert "dropped" in written and "log records while the log output was stalled" in written


def test_waitress_queue_depth_warnings_are_let_through_once_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    root, level = logging.getLogger(), logging.getLogger().level
    try:
        logs.configure("INFO")  # the tests' root logger is configured already: only the filters are added
        for depth in range(1, 200):
            logging.getLogger("waitress.queue").warning("Task queue depth is %d", depth)
    finally:
        root.setLevel(level)
    assert [r.getMessage() for r in caplog.records if r.name == "waitress.queue"] == ["Task queue depth is 1"]


def test_the_log_keeps_the_schedulers_ticks_out_unless_debugging() -> None:
    ticks = logging.getLogger("apscheduler.executors.default")  # "Running job …" every 15 s
    saved = {name: logging.getLogger(name).level for name in ("", "apscheduler", "alembic")}
    try:
        logs.configure("INFO")
        assert not ticks.isEnabledFor(logging.INFO) and ticks.isEnabledFor(logging.WARNING)
        logs.configure("DEBUG")
        assert ticks.isEnabledFor(logging.DEBUG)
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
