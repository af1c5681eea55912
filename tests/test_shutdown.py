"""Stopping the bot (SIGTERM from an orchestrator, Ctrl+C) loses nothing it acknowledged."""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.fake_slack import FakeSlack
from tests.processes import BotProcess
from tests.support import CASES_CHANNEL, MANAGER, SIGNING_SECRET, intake_values

PEOPLE = [f"U0STOP{i:04d}" for i in range(20)]


@pytest.fixture
def workspace(fake_slack: FakeSlack, tmp_path: Path) -> FakeSlack:
    for person in PEOPLE:
        fake_slack.add_user(person, person.lower())
    return fake_slack


def start(fake: FakeSlack, db_url: str, tmp_path: Path) -> tuple[BotProcess, SlackDriver]:
    config = tmp_path / "amends.yaml"
    config.write_text(f"cases:\n  channel: {CASES_CHANNEL}\nmanagers:\n  users: [{MANAGER}]\n")
    bot = BotProcess(fake, db_url, config, tmp_path / "bot.log").wait_ready()
    return bot, SlackDriver(fake, bot.url(), SIGNING_SECRET)


def modals_opened(fake: FakeSlack) -> int:
    return sum(1 for call in fake.calls("views.open") if call.error is None)


def stopped(bot: BotProcess) -> int:
    code = bot.process.wait(30)
    bot.stop()
    return code


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_opens_every_modal_already_acknowledged(workspace: FakeSlack, db_url: str, tmp_path: Path,
                                                        signum: signal.Signals) -> None:
    bot, driver = start(workspace, db_url, tmp_path)
    workspace.set_latency(0.15)  # Slack's round trips: 20 modals take a while on 8 workers
    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(lambda person: driver.command(person), PEOPLE))
    assert [reply.status for reply in replies] == [200] * 20  # all acknowledged...
    bot.process.send_signal(signum)
    assert modals_opened(workspace) < 20, "the work was done before the stop: nothing was tested"
    assert stopped(bot) == 0
    assert modals_opened(workspace) == 20  # ...and all done before it exited
    log = bot.log_path.read_text()
    assert "stopping gracefully" in log and "INFO    bot: stopped" in log  # its last lines are written too


def test_a_stop_posts_every_case_already_saved(workspace: FakeSlack, db_url: str, tmp_path: Path) -> None:
    bot, driver = start(workspace, db_url, tmp_path)
    for person in PEOPLE:
        assert driver.command(person).status == 200
    views = [workspace.wait_for(lambda p=person: workspace.open_view(p)) for person in PEOPLE]
    workspace.set_latency(0.05)
    values = intake_values(datetime.now(UTC))
    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(lambda view: driver.submit(view.id, values), views))
    assert all(reply.json()["response_action"] == "update" for reply in replies)  # saved, the modal says so
    bot.process.send_signal(signal.SIGTERM)
    assert len(workspace.messages(CASES_CHANNEL)) < 20, "the cases were posted before the stop"
    assert stopped(bot) == 0
    assert len(workspace.messages(CASES_CHANNEL)) == 20
