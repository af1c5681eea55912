"""Logging: never holds up a request (a stalled output costs dropped lines, not acks), JSON lines an operator
can ship and search, what each line is about, no secrets ever."""

from __future__ import annotations

import contextvars
import io
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot import logs
from bot.sandbox.driver import SlackDriver
from bot.sandbox.fake_slack import FakeSlack
from tests.processes import BotProcess
from tests.support import ASSOCIATE, CASES_CHANNEL, MANAGER, SIGNING_SECRET, intake_values


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
    queue_depth = logging.getLogger("waitress.queue")
    # A filter added by an earlier configure() (test_cli runs `main` in this process) may have let a real
    # warning through from a loaded test server less than a minute ago: start from a fresh one.
    for earlier in [f for f in queue_depth.filters if isinstance(f, logs.EveryInterval)]:
        queue_depth.removeFilter(earlier)
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


@contextmanager
def logged(fmt: str, level: str = "DEBUG") -> Iterator[io.StringIO]:
    """What the root logger writes while configured as `amends run` configures it."""
    out = io.StringIO()
    with bare_root():
        writer = logs.configure(level, out, fmt=fmt)
        assert writer is not None
        try:
            yield out
        finally:
            writer.stop()


def test_secrets_are_redacted_whatever_logs_them() -> None:
    logs.add_secret("an-api-key-0123456789")
    with logged("text") as captured:
        log = logging.getLogger("some.library")
        log.debug("calling with token=%s", "xoxb-1234-5678-abcdEFGH")
        log.info("socket mode with xapp-1-A0123-456-beef and key an-api-key-0123456789")
        log.warning("header Authorization: Bearer sk_live_abcdefghij")
        log.error("cannot reach postgresql://amends:s3cr3t-pw@db:5432/amends")
        log.info("order system sent amk_0123456789ab_%s", "A" * 43)  # any API key, registered or not
        try:
            raise RuntimeError("refused xoxb-9999-8888-zzzz")
        except RuntimeError:
            log.exception("failed")
    text = captured.getvalue()
    for secret in ("xoxb-1234", "xapp-1-A0123", "an-api-key-0123456789", "sk_live_abcdefghij", "s3cr3t-pw",
                   "xoxb-9999", "A" * 43):
        assert secret not in text
    assert text.count(logs.REDACTED) == 8
    assert "amk_0123456789ab_[redacted]" in text  # which key, not the key
    assert "postgresql://[redacted]@db:5432/amends" in text  # enough left to tell which database
    assert "RuntimeError: refused" in text  # the traceback is kept, redacted


def test_json_lines_carry_what_they_are_about() -> None:
    def log_some() -> None:
        with logs.bound(request_id="r1", slack_user=ASSOCIATE, case_ref="AM-7"):
            try:
                raise ValueError("boom")
            except ValueError:
                logging.getLogger("bot.x").exception("went %s", "wrong", extra={"error_ref": "E-ABC123"})
        logging.getLogger("bot.y").info("plain")

    with logged("json", "INFO") as captured:
        contextvars.Context().run(log_some)  # as a fresh thread would, without what earlier tests bound here
    first, second = (json.loads(line) for line in captured.getvalue().splitlines())
    assert first["level"] == "ERROR" and first["logger"] == "bot.x" and first["message"] == "went wrong"
    assert (first["request_id"], first["slack_user"], first["case_ref"], first["error_ref"]) == \
        ("r1", ASSOCIATE, "AM-7", "E-ABC123")
    assert "ValueError: boom" in first["traceback"]
    assert datetime.fromisoformat(first["time"]).tzinfo is not None
    assert set(second) == {"time", "level", "logger", "message"}  # nothing bound, nothing shown


def test_a_debug_run_logs_json_about_each_request_and_never_a_secret_nor_the_customer(fake_slack: FakeSlack, db_url: str,
                                                                     tmp_path: Path) -> None:
    config = tmp_path / "amends.yaml"
    config.write_text(f"cases:\n  channel: {CASES_CHANNEL}\nmanagers:\n  users: [{MANAGER}]\n")
    bot = BotProcess(fake_slack, db_url, config, tmp_path / "bot.log",
                     env={"AMENDS_LOG_LEVEL": "DEBUG", "AMENDS_LOG_FORMAT": "json"}).wait_ready()
    try:
        driver = SlackDriver(fake_slack, bot.url(), SIGNING_SECRET)
        assert driver.command(ASSOCIATE).status == 200
        view = fake_slack.wait_for(lambda: fake_slack.open_view(ASSOCIATE))
        assert driver.submit(view.id, intake_values(datetime.now(UTC), customer_name="Zebulon Quirk Ltd",
                                                    customer_contact="zq@quirk.example",
                                                    notes="Zebulon wants a call")).status == 200
        fake_slack.wait_for(lambda: fake_slack.messages(CASES_CHANNEL))
        # An unexpected error: the person is told a reference, the log has it next to the traceback.
        fake_slack.fail_next("views.open", "fatal_error", status=200)
        assert driver.command(ASSOCIATE).status == 200
        fake_slack.wait_for(lambda: "error_ref" in (tmp_path / "bot.log").read_text())
    finally:
        bot.stop()
    text = (tmp_path / "bot.log").read_text()
    lines = [json.loads(line) for line in text.splitlines()]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert any(line["level"] == "DEBUG" for line in lines)
    assert any(line.get("case_ref") == "AM-1" and line.get("slack_user") == ASSOCIATE and line.get("request_id")
               for line in lines), "no line says which case, person and request it is about"
    failure = [line for line in lines if line.get("error_ref")]
    assert failure and failure[0]["slack_user"] == ASSOCIATE and "traceback" in failure[0]
    assert fake_slack.bot_token not in text and fake_slack.bot_token.split("-", 1)[1] not in text
    assert SIGNING_SECRET not in text
    # Nor the customer (README "Customer data"): Slack's wire logs, which carry whole messages, are not written.
    assert "Zebulon" not in text and "zq@quirk.example" not in text


def test_slack_sdk_builds_no_debug_line_per_call_that_would_never_be_written(fake_slack: FakeSlack) -> None:
    """slack_sdk formats a DEBUG line holding the whole payload for every call unless its logger's own level
    is above DEBUG (it reads `.level`); those lines are dropped by the wire filter anyway."""
    client_logger = logging.getLogger("slack_sdk.web.base_client")
    saved = {name: logging.getLogger(name).level for name in ("", "slack_sdk.web.base_client")}
    formatted: list[str] = []

    class Payload(dict):  # type: ignore[type-arg]
        def __repr__(self) -> str:
            formatted.append("json_body")
            return super().__repr__()

    try:
        client_logger.setLevel(logging.NOTSET)
        logs.configure("DEBUG")
        WebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url).api_call(
            "auth.test", json=Payload(probe=True))
        assert formatted == []
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
