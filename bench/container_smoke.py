"""The container as an operator runs it, end to end (driven by bench/container_smoke.sh).

compose.yaml (with bench/compose.smoke.yaml) starts the image and PostgreSQL 15; the bot talks to a
fake Slack served here. Waits for /readyz, sends a signed /recover and sees the modal open, sends the
container SIGTERM and sees it exit 0. Prints what it measured; exits non-zero on any failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bot.sandbox.driver import SlackDriver
from bot.sandbox.fake_slack import FakeSlack
from tests.processes import free_port
from tests.support import ASSOCIATE, CASES_CHANNEL, MANAGER, seed_workspace

ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "smoke-signing-secret-0123456789"
PROJECT = "amends-smoke"


def compose(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    command = os.environ.get("COMPOSE", "docker-compose").split()
    return subprocess.run([*command, "-p", PROJECT, "-f", "compose.yaml", "-f", "bench/compose.smoke.yaml", *args],
                          cwd=ROOT, env=env, check=check, text=True, capture_output=True)


def ready(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status, answer.read().decode().strip()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode().strip()
    except OSError as exc:
        return 0, str(exc)


def main() -> int:
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="amends-smoke-"))
    config = folder / "amends.yaml"
    config.write_text(f"cases:\n  channel: {CASES_CHANNEL}\nmanagers:\n  users: [{MANAGER}]\n")
    config.chmod(0o644)
    env = {**os.environ, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "AMENDS_PORT": str(port),
           "AMENDS_SMOKE_CONFIG": str(config), "AMENDS_IMAGE": os.environ.get("AMENDS_IMAGE", "amends:smoke"),
           "POSTGRES_IMAGE": os.environ.get("POSTGRES_IMAGE", "postgres:15"), "AMENDS_LOG_FORMAT": "json"}
    compose("up", "-d", "--no-build", "db", env=env)  # also makes the network the fake Slack listens on
    gateway = subprocess.run(["docker", "network", "inspect", f"{PROJECT}_default", "--format",
                              "{{range .IPAM.Config}}{{.Gateway}}{{end}}"], check=True, capture_output=True,
                             text=True).stdout.strip()
    fake = FakeSlack().start(host=gateway)
    seed_workspace(fake)
    env.update({"SLACK_BOT_TOKEN": fake.bot_token, "AMENDS_SLACK_API_URL": fake.api_url})
    failures: list[str] = []
    started = time.monotonic()
    try:
        compose("up", "-d", "--no-build", "amends", env=env)
        container = compose("ps", "-q", "amends", env=env).stdout.strip()
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        status, body = ready(url + "/readyz")
        while status != 200 and time.monotonic() < deadline:
            time.sleep(0.2)  # a container starting: nothing to wait on but its port
            status, body = ready(url + "/readyz")
        print(f"ready: /readyz {status} {body!r} {time.monotonic() - started:.1f} s after `compose up`")
        if status != 200:
            raise RuntimeError(f"/readyz never answered 200: {status} {body}")

        driver = SlackDriver(fake, url + "/slack/events", SIGNING_SECRET)
        sent = time.monotonic()
        reply = driver.command(ASSOCIATE)
        acked = time.monotonic()
        view = fake.wait_for(lambda: fake.open_view(ASSOCIATE), timeout=10)
        opened = time.monotonic()
        print(f"/recover: HTTP {reply.status}, ack {1000 * (acked - sent):.0f} ms, modal "
              f"{view.view.get('callback_id')!r} open {1000 * (opened - sent):.0f} ms after the command")
        if reply.status != 200 or view.view.get("callback_id") != "case_intake":
            failures.append("the intake modal did not open")
        metrics = ""
        for _ in range(50):  # the bot counts Slack's answer a moment after the fake recorded the modal
            metrics = urllib.request.urlopen(url + "/metrics", timeout=5).read().decode()
            if 'amends_slack_api_calls_total{method="views.open",outcome="ok"}' in metrics:
                break
            time.sleep(0.1)
        shown = [line for line in metrics.splitlines()
                 if line.startswith(("amends_command_to_modal_seconds_count", "amends_slack_api_calls_total{"))]
        print("metrics:", *shown, sep="\n  ")

        stop_sent = time.monotonic()
        subprocess.run(["docker", "kill", "--signal", "SIGTERM", container], check=True, capture_output=True)
        code = int(subprocess.run(["docker", "wait", container], check=True, capture_output=True,
                                  text=True).stdout.strip())
        print(f"SIGTERM: exit status {code} after {time.monotonic() - stop_sent:.1f} s")
        if code != 0:
            failures.append(f"exit status {code} after SIGTERM")
        logs = subprocess.run(["docker", "logs", container], capture_output=True, text=True).stderr.splitlines()
        lines = [json.loads(line) for line in logs if line.startswith("{")]
        print("last log lines:", *[f"{x['level']} {x['logger']}: {x['message']}" for x in lines[-4:]], sep="\n  ")
        for line in lines:
            if line["level"] in ("ERROR", "CRITICAL"):
                failures.append(f"logged an error: {line['message']}")
                print(line.get("traceback", ""), file=sys.stderr)
        if any(SIGNING_SECRET in line or fake.bot_token in line for line in logs):
            failures.append("a secret is in the log")
    except Exception as exc:  # noqa: BLE001 - reported, then everything is torn down
        failures.append(f"{type(exc).__name__}: {exc}")
        print(compose("logs", "--tail", "40", env=env, check=False).stdout, file=sys.stderr)
    finally:
        compose("down", "-v", env=env, check=False)
        fake.stop()
    print("container smoke:", "FAILED: " + "; ".join(failures) if failures else "passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
