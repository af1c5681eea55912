"""Settings and amends.yaml: every problem is named precisely, none is a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.datafile import load_model
from bot.errors import ConfigError
from bot.settings import AmendsConfig, load_config, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "amends.yaml"
    path.write_text(text)
    return path


def test_a_valid_file_loads(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "cases:\n  channel: C0CASES01\nmanagers:\n  users: [U0MGR01]\n"))
    assert config.cases.channel == "C0CASES01"
    assert config.workspace.timezone == "UTC"
    assert [t.id for t in config.customer_tiers] == ["standard", "preferred", "key"]


def test_the_example_file_is_valid() -> None:
    config = load_config(Path(__file__).parent.parent / "amends.example.yaml")
    assert config.workspace.currency == "GBP"


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "workspace:\n  timezone: Mars/Olympus\n  currency: EURO\ncases:\n  channel: general\n"
                           "managers:\n  users: [maria]\nmanagerz: 1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = caught.value.problems
    assert f"{path}:2: workspace.timezone: unknown timezone 'Mars/Olympus'" in problems[0]
    assert any(p.startswith(f"{path}:3: workspace.currency") for p in problems)
    assert any(p.startswith(f"{path}:5: cases.channel: 'general' is not a channel ID") for p in problems)
    assert any(p.startswith(f"{path}:7: managers.users.0: 'maria' is not a user ID") for p in problems)
    assert any(p.startswith(f"{path}:8: managerz: is not a known setting") for p in problems)


def test_a_missing_required_key_points_at_its_parent(tmp_path: Path) -> None:
    path = write(tmp_path, "workspace:\n  timezone: UTC\ncases:\n  id_prefix: AM\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [f"{path}:3: cases.channel: is required"]  # the `cases:` line


def test_yaml_syntax_errors_point_at_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "cases:\n  channel: C0CASES01\n  bad: [unclosed\n")
    with pytest.raises(ConfigError) as caught:
        load_model(path, AmendsConfig)
    assert caught.value.problems[0].startswith(f"{path}:")
    assert "invalid YAML" in caught.value.problems[0]


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "cases:\n  channel: C0CASES01\n  channel: C0OTHER01\n")
    with pytest.raises(ConfigError, match="duplicate key 'channel'"):
        load_config(path)


def test_a_missing_file_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="copy amends.example.yaml"):
        load_config(tmp_path / "amends.yaml")


@pytest.mark.parametrize(("env", "message"), [
    ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN: must be a bot token starting with 'xoxb-'"),
    ({"SLACK_APP_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN: must be an app-level token starting with 'xapp-'"),
    ({"AMENDS_DATABASE_URL": "mysql://x"}, "AMENDS_DATABASE_URL: must be a sqlite:/// or postgresql:// URL"),
    ({"AMENDS_SLACK_API_URL": "slack.com"}, "AMENDS_SLACK_API_URL: must be an http(s) URL"),
    ({"AMENDS_LOG_LEVEL": "LOUD"}, "AMENDS_LOG_LEVEL: must be one of"),
    ({"AMENDS_DATABASE_LOCK_TIMEOUT": "3"}, "AMENDS_DATABASE_LOCK_TIMEOUT: must be more than 0 and less than 3 seconds"),
    ({"AMENDS_DATABASE_LOCK_TIMEOUT": "0"}, "AMENDS_DATABASE_LOCK_TIMEOUT: must be more than 0"),
])
def test_invalid_environment_names_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert caught.value.problems[0].startswith(message)


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert settings.socket_mode and settings.missing_for_slack() == []
    http = load_settings({"SLACK_BOT_TOKEN": "xoxb-1"})
    assert http.missing_for_slack() == ["SLACK_SIGNING_SECRET"]
    assert http.slack_api_url == "https://slack.com/api/"


def test_amends_mode_makes_the_choice_explicit() -> None:
    assert load_settings({}).runs_sandbox
    assert not load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}).runs_sandbox  # half-configured is not a sandbox
    assert load_settings({"AMENDS_MODE": "sandbox", "SLACK_BOT_TOKEN": "xoxb-1"}).runs_sandbox
    assert load_settings({"AMENDS_MODE": "sandbox", "SLACK_BOT_TOKEN": "xoxb-1"}).partial_slack_problem() is None
    assert not load_settings({"AMENDS_MODE": "Slack"}).runs_sandbox
    with pytest.raises(ConfigError) as caught:
        load_settings({"AMENDS_MODE": "prod"})
    assert caught.value.problems[0].startswith("AMENDS_MODE: must be slack or sandbox")
