"""The amends command line: clear errors, a manifest that matches the code."""

from __future__ import annotations

import json
import socket
import stat
import subprocess
import sys
from pathlib import Path

import yaml

from bot.cli import main
from bot.db import head_revision

CLEAN_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env={**CLEAN_ENV, **(env or {})},
                          capture_output=True, text=True, timeout=60)


def test_invalid_setting_is_one_clear_line(tmp_path: Path) -> None:
    result = run_cli("check", cwd=tmp_path, env={"SLACK_BOT_TOKEN": "nope"})
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN: must be a bot token" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_named(tmp_path: Path) -> None:
    result = run_cli("db", "upgrade", cwd=tmp_path, env={"AMENDS_DATABASE_URL": "postgresql://127.0.0.1:1/x"})
    assert result.returncode == 2
    assert "AMENDS_DATABASE_URL: cannot use the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_creates_the_sqlite_file(tmp_path: Path) -> None:
    result = run_cli("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "amends.db").exists()
    assert stat.S_IMODE((tmp_path / "amends.db").stat().st_mode) == 0o600  # cases hold customers' details
    current = run_cli("db", "current", cwd=tmp_path).stdout
    assert f"current: {head_revision()}" in current and "run: amends db upgrade" not in current


def test_run_on_a_busy_port_says_so_in_one_line_before_starting_anything(tmp_path: Path) -> None:
    (tmp_path / "amends.yaml").write_text("cases:\n  channel: C0CASES01\n")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result = run_cli("run", "--host", "127.0.0.1", "--port", port, cwd=tmp_path,
                         env={"SLACK_BOT_TOKEN": "xoxb-1-2-3", "SLACK_SIGNING_SECRET": "secret"})
    assert result.returncode == 2
    assert result.stderr.splitlines()[1].startswith(f"  - --port {port}: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 2
    assert not (tmp_path / "amends.db").exists()  # nothing started: not even the schema upgrade


def test_index_on_a_database_not_yet_upgraded_says_what_to_run(tmp_path: Path) -> None:
    result = run_cli("index", "status", cwd=tmp_path)
    assert result.returncode == 2
    assert "the database schema is not up to date (run: amends db upgrade)" in result.stderr
    assert "Traceback" not in result.stderr
    assert run_cli("db", "upgrade", cwd=tmp_path).returncode == 0
    status = run_cli("index", "status", cwd=tmp_path)
    assert status.returncode == 0 and "entries: 0 (none)" in status.stdout, status.stderr


def test_check_reports_config_problems(tmp_path: Path) -> None:
    (tmp_path / "amends.yaml").write_text("cases:\n  channel: nope\n")
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2
    assert "amends.yaml:2: cases.channel" in result.stderr


def test_manifest_lists_what_the_code_handles(capsys: object) -> None:
    assert main(["manifest", "--json", "--url", "https://amends.example.com/slack/events"]) == 0
    manifest = json.loads(capsys.readouterr().out)  # type: ignore[attr-defined]
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert commands["/recover"]["url"] == "https://amends.example.com/slack/events"
    # Slack's autocomplete shows every subcommand an area added, search included.
    assert commands["/recover"]["usage_hint"] == "[what happened | help | list | search]"
    assert manifest["settings"]["interactivity"]["request_url"] == "https://amends.example.com/slack/events"
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert {"commands", "chat:write"} <= set(manifest["oauth_config"]["scopes"]["bot"])


def test_socket_mode_manifest_has_no_urls(capsys: object) -> None:
    assert main(["manifest"]) == 0
    manifest = yaml.safe_load(capsys.readouterr().out)  # type: ignore[attr-defined]
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "url" not in manifest["features"]["slash_commands"][0]
    assert "request_url" not in manifest["settings"]["interactivity"]


def test_half_configured_slack_refuses_to_start_naming_what_is_missing(tmp_path: Path) -> None:
    # A bot token without a signing secret (or app token) used to start the sandbox: a deployment whose
    # secret failed to load would have looked up and healthy while answering nobody.
    for env, missing in [({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN"),
                         ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN not set, but SLACK_APP_TOKEN is"),
                         ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN not set, but SLACK_SIGNING_SECRET is")]:
        result = run_cli("run", "--port", "0", cwd=tmp_path, env=env)
        assert result.returncode == 2, result.stderr
        problems = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
        assert len(problems) == 1 and missing in problems[0], result.stderr
        assert "sandbox" not in result.stdout and not (tmp_path / "amends-sandbox").exists()


def test_amends_mode_slack_without_tokens_says_what_to_set(tmp_path: Path) -> None:
    result = run_cli("run", "--port", "0", cwd=tmp_path, env={"AMENDS_MODE": "slack"})
    assert result.returncode == 2
    assert "Missing now: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in result.stderr
    assert not (tmp_path / "amends-sandbox").exists()


def test_check_validates_lead_times_with_file_and_line_and_names_uncovered_causes(tmp_path: Path) -> None:
    team = tmp_path / "team"
    team.mkdir()
    (team / "lead_times.yaml").write_text("lead_times:\n  - cause: supplier-delay\n    from: CN\n    lead: soon\n")
    (tmp_path / "amends.yaml").write_text(f"cases:\n  channel: C0CASES01\nplaybooks:\n  folders: [{team}]\n")
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2
    assert f"{team / 'lead_times.yaml'}:4: lead_times.0.lead: 'soon' is not a lead time" in result.stderr

    (team / "lead_times.yaml").write_text("lead_times:\n  - cause: supplier-delay\n    from: CN\n    lead: 9d\n")
    result = run_cli("check", cwd=tmp_path)
    assert "lead times (2 files)" in result.stdout, result.stdout + result.stderr
    assert "no lead time for the causes quality, system-error, force-majeure, other" in result.stdout
