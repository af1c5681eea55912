"""Run the real bot as separate processes (`python -m bot run`) against the test's fake Slack."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.sandbox.fake_slack import FakeSlack
from tests.support import SIGNING_SECRET

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotProcess:
    def __init__(self, fake: FakeSlack, db_url: str, config_path: Path, log_path: Path,
                 env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.log_path = log_path
        env = {**os.environ, "SLACK_BOT_TOKEN": fake.bot_token, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
               "AMENDS_SLACK_API_URL": fake.api_url, "AMENDS_DATABASE_URL": db_url,
               "AMENDS_CONFIG": str(config_path), "AMENDS_LOG_LEVEL": "INFO", **(env or {})}
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen([sys.executable, "-m", "bot", "run", "--host", "127.0.0.1",
                                         "--port", str(self.port)], cwd=ROOT, env=env,
                                        stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 30) -> BotProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bot exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url("/readyz"), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)  # polling a child process's port: nothing to wait on but time
        raise TimeoutError(f"bot not ready:\n{self.log_path.read_text()[-3000:]}")

    def url(self, path: str = "/slack/events") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no chance to finish what it was doing."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()


@contextmanager
def bots(fake: FakeSlack, db_url: str, config_path: Path, log_dir: Path, count: int = 1) -> Iterator[list[BotProcess]]:
    started = [BotProcess(fake, db_url, config_path, log_dir / f"bot-{i}.log") for i in range(count)]
    try:
        yield [bot.wait_ready() for bot in started]
    finally:
        for bot in started:
            bot.stop()
