"""The sandbox without a browser: its command line, its JSON API and the guards around it."""

from __future__ import annotations

import contextlib
import json
import queue
import shutil
import signal
import stat
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.checks import run_checks
from bot.errors import ConfigError
from bot.sandbox.launch import run_sandbox
from bot.sandbox.runtime import Sandbox
from bot.sandbox.workspace import ASSOCIATE, CASES, MANAGER, SUPPORT, SandboxWorkspace, sandbox_yaml
from bot.settings import AmendsConfig, Settings
from tests.test_cli import CLEAN_ENV, run_cli


@pytest.fixture
def sandbox(tmp_path: Path, sqlite_template: Path) -> Iterator[Sandbox]:
    database = tmp_path / "sandbox.db"
    shutil.copy(sqlite_template, database)
    config = AmendsConfig.model_validate(yaml.safe_load(sandbox_yaml()))
    with Sandbox(config, database_url=f"sqlite:///{database}", port=0, migrate=False, ack_timeout=10) as sandbox:
        sandbox.start(ticker=False)
        yield sandbox


def request(url: str, body: Any = None, *, headers: dict[str, str] | None = None,
            content_type: str = "application/json") -> tuple[int, dict[str, str], bytes]:
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    all_headers = {"Content-Type": content_type} if data is not None else {}
    all_headers.update(headers or {})
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=all_headers), timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def state(sandbox: Sandbox, user: str = ASSOCIATE.id, since: int = -1) -> dict[str, Any]:
    status, _, body = request(f"{sandbox.url}/api/state?user={user}&since={since}")
    assert status == 200, body
    return json.loads(body)


def test_the_generated_config_matches_the_workspace_and_passes_every_check() -> None:
    config = AmendsConfig.model_validate(yaml.safe_load(sandbox_yaml()))
    assert config.cases.channel == CASES.id and config.managers.users == (MANAGER.id,)
    settings = Settings.model_validate({})
    assert [p for result in run_checks(settings, config) for p in result.problems] == []
    roles = {p.role for p in SandboxWorkspace.for_config(config).people}
    assert roles == {"associate", "manager", "approver"}


def test_a_teams_own_config_brings_its_cases_channel_and_managers() -> None:
    config = AmendsConfig.model_validate({"cases": {"channel": "C0TEAMCASE"},
                                          "managers": {"users": ["U0BOSS0001"], "usergroup": "S0LEADS01"}})
    workspace = SandboxWorkspace.for_config(config)
    assert workspace.rooms[0].id == "C0TEAMCASE" and workspace.rooms[0].name == "cases"
    boss = workspace.person("U0BOSS0001")
    assert boss is not None and boss.role == "manager"
    assert workspace.usergroups == (("S0LEADS01", ("U0BOSS0001",)),)


def test_a_missing_amends_config_is_one_clear_error(tmp_path: Path) -> None:
    settings = Settings.model_validate({"AMENDS_CONFIG": str(tmp_path / "nope.yaml")})
    with pytest.raises(ConfigError) as caught:
        run_sandbox(settings, port=0, folder=tmp_path / "work")
    assert caught.value.problems == [f"AMENDS_CONFIG: {tmp_path / 'nope.yaml'} does not exist"]


def test_state_long_polls_until_something_changes(sandbox: Sandbox) -> None:
    first = state(sandbox)
    assert [c["name"] for c in first["channels"]] == ["cases", "best-practices", "support"]
    assert {p["role"] for p in first["people"]} == {"app", "associate", "manager", "approver"}
    assert first["app"]["commands"][0]["name"] == "/recover"

    answers: queue.Queue[dict[str, Any]] = queue.Queue()
    waiter = threading.Thread(target=lambda: answers.put(state(sandbox, since=first["revision"])))
    waiter.start()
    status, _, body = request(f"{sandbox.url}/api/message",
                              {"user": MANAGER.id, "channel": SUPPORT.id, "text": "Anyone free at 3?"})
    assert status == 200 and json.loads(body)["ok"]
    waiter.join(timeout=30)
    later = answers.get_nowait()
    assert later["revision"] > first["revision"]
    assert [m["text"] for m in later["messages"][SUPPORT.id]] == ["Anyone free at 3?"]


def test_what_the_app_can_do_names_every_recover_subcommand(sandbox: Sandbox) -> None:
    """The About tab and the composer's hint list `/recover search` (they showed only list and help)."""
    app = state(sandbox)["app"]
    [recover] = app["commands"]
    assert "search" in recover["usage_hint"] and "search: find past fixes" in recover["description"]
    usages = [s["usage"] for s in app["subcommands"]]
    assert any(u.startswith("/recover search <words>") for u in usages) and "/recover list" in usages


def test_actions_go_to_the_bot_as_slack_requests(sandbox: Sandbox) -> None:
    status, _, body = request(f"{sandbox.url}/api/command",
                              {"user": ASSOCIATE.id, "channel": SUPPORT.id, "text": "/recover"})
    assert status == 200 and json.loads(body) == {"ok": True, "status": 200, "answer": None}
    sandbox.fake.wait_for(lambda: sandbox.fake.view_stack(ASSOCIATE.id))  # the probe runs under the fake's lock
    modal = state(sandbox)["modal"]
    assert modal[-1]["view"]["callback_id"] == "case_intake"
    [delivery] = list(sandbox.traffic)
    assert delivery.kind == "slash_command" and delivery.payload["trigger_id"] and delivery.payload["response_url"]

    status, _, body = request(f"{sandbox.url}/api/submit",
                              {"user": ASSOCIATE.id, "view_id": modal[-1]["id"], "state": {}})
    assert status == 200 and json.loads(body)["answer"]["response_action"] == "errors"
    assert "customer_name" in state(sandbox)["modal"][-1]["errors"]


@pytest.mark.parametrize(("verb", "body", "status", "error"), [
    ("command", {"user": ASSOCIATE.id, "channel": SUPPORT.id, "text": "/nope"}, 400, "/nope is not a valid command"),
    ("message", {"user": "U0STRANGER", "channel": SUPPORT.id, "text": "hi"}, 400, "is not someone"),
    ("message", {"user": ASSOCIATE.id, "channel": "C0NOWHERE", "text": "hi"}, 404, "is not in a conversation"),
    ("submit", {"user": ASSOCIATE.id, "view_id": "V0000000999", "state": {}}, 409, "no longer open"),
    ("delete", {"user": ASSOCIATE.id, "channel": SUPPORT.id, "ts": "1.2"}, 403, "your own messages"),
])
def test_requests_that_make_no_sense_are_refused_clearly(sandbox: Sandbox, verb: str, body: dict[str, Any],
                                                         status: int, error: str) -> None:
    got, _, answer = request(f"{sandbox.url}/api/{verb}", body)
    assert got == status and error in json.loads(answer)["error"]
    assert list(sandbox.traffic) == []


def test_the_page_is_guarded_against_other_sites(sandbox: Sandbox) -> None:
    status, headers, page = request(f"{sandbox.url}/")
    assert status == 200 and b'<script type="module" src="/static/app.js">' in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]

    # DNS rebinding: a page on another name resolving to 127.0.0.1 gets nothing.
    assert request(f"{sandbox.url}/api/state?user={ASSOCIATE.id}", headers={"Host": "evil.example:80"})[0] == 403
    # A cross-site form can't send JSON without a preflight the sandbox never answers.
    form = request(f"{sandbox.url}/api/message", b"user=U0ASSOC01&text=hi",
                   content_type="application/x-www-form-urlencoded")
    assert form[0] == 415
    assert request(f"{sandbox.url}/static/../runtime.py")[0] == 404
    assert request(f"{sandbox.url}/static/%2e%2e/runtime.py")[0] == 404


@contextlib.contextmanager
def running(*args: str, cwd: Path) -> Iterator[tuple[str, str]]:
    """`amends ARGS` started in `cwd` until its page is up: yields (its URL, what it printed)."""
    process = subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=cwd, env=CLEAN_ENV,
                               stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
    try:
        seen = []
        while not any("Press Ctrl+C" in line for line in seen):  # the banner's last line
            seen.append(lines.get(timeout=60))
        yield next(line for line in seen if "Open http://" in line).split()[1], "".join(seen)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def test_amends_run_without_tokens_starts_the_sandbox_and_says_so(tmp_path: Path) -> None:
    with running("run", "--port", "0", cwd=tmp_path) as (url, output):
        assert "no Slack tokens are set" in output and "fake Slack" in output
        assert "starts empty each time" in output
        status, _, body = request(f"{url}/api/state?user={ASSOCIATE.id}")
        assert status == 200 and json.loads(body)["workspace"]["name"] == "Amends Sandbox"
        assert (tmp_path / "amends-sandbox" / "amends.yaml").exists()
        # What people typed is theirs: the folder and the database are the owner's alone.
        assert stat.S_IMODE((tmp_path / "amends-sandbox").stat().st_mode) == 0o700
        assert stat.S_IMODE((tmp_path / "amends-sandbox" / "amends.db").stat().st_mode) == 0o600


def test_a_second_sandbox_in_the_same_folder_leaves_the_running_one_alone(tmp_path: Path) -> None:
    database = tmp_path / "amends-sandbox" / "amends.db"
    with running("run", "--port", "0", cwd=tmp_path) as (url, _):
        before = database.stat().st_ino
        second = run_cli("sandbox", "--demo", "--port", "0", cwd=tmp_path)
        # It says what is wrong and what to do, naming the folder (not a variable the sandbox never uses) ...
        assert second.returncode == 2, second.stderr
        assert "another Amends sandbox is running in amends-sandbox" in second.stderr
        assert "--dir" in second.stderr and "AMENDS_DATABASE_URL" not in second.stderr
        assert "Traceback" not in second.stderr
        # ... and the running sandbox keeps its database and goes on working.
        assert database.stat().st_ino == before
        status, _, body = request(f"{url}/api/command", {"user": ASSOCIATE.id, "channel": SUPPORT.id,
                                                         "text": "/recover list"})
        assert status == 200 and json.loads(body)["ok"], body
    # Once it has stopped, the folder is free again; a demo says it starts with the demo's cases.
    with running("sandbox", "--demo", "--port", "0", cwd=tmp_path) as (_, output):
        assert "starts empty" not in output and "demo cases" in output


def test_run_with_only_some_tokens_still_explains_what_is_missing(tmp_path: Path) -> None:
    result = run_cli("run", cwd=tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-1-2-3"})
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET" in result.stderr and "sandbox" in result.stderr  # and not started
    assert "Traceback" not in result.stderr
