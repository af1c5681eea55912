"""Playbook files: the shipped ones encode the recovery method, and a broken file is named precisely."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cases.causes import Cause
from bot.checks import playbooks_check
from bot.errors import ConfigError
from bot.paths import SHIPPED_PLAYBOOKS
from bot.playbooks.config import PlaybooksConfig
from bot.playbooks.loader import check_library, load_library, load_playbook, playbook_files
from bot.playbooks.schema import Anchor, StepAction, parse_offset
from bot.settings import AmendsConfig, Settings, load_config
from tests.test_cli import run_cli

GOOD_STEP = "  - id: call\n    title: Call the customer\n    why: They should hear it from us first.\n"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_playbook(path)
    return caught.value.problems


# ---------------------------------------------------------------------- the shipped playbooks


def test_the_shipped_playbooks_cover_the_common_broken_promises() -> None:
    library = load_library(PlaybooksConfig())
    assert {"late-delivery", "out-of-stock", "missed-appointment", "wrong-item", "general"} <= set(library.playbooks)
    assert library.for_cause(Cause.STOCK_OUT)[0] == "out-of-stock"
    assert library.for_cause(Cause.SUPPLIER_DELAY)[0] == "late-delivery"
    assert library.for_cause(Cause.CAPACITY)[0] == "missed-appointment"
    assert library.for_cause(Cause.QUALITY)[0] == "wrong-item"
    assert library.for_cause(Cause.OTHER)[0] == "general"


@pytest.mark.parametrize("path", playbook_files(SHIPPED_PLAYBOOKS), ids=lambda p: p.stem)
def test_each_shipped_playbook_follows_the_recovery_method(path: Path) -> None:
    playbook = load_playbook(path)
    first = playbook.steps[0]
    # 1. try to keep the promise first, with checks whose outcome is recorded
    assert first.checks and first.required
    # 2. the manager hears early; the customer is contacted; their choice is recorded; the case closes
    actions = [s.action for s in playbook.steps]
    assert actions.index(StepAction.ESCALATE) == 1
    assert {StepAction.DRAFT_MESSAGE, StepAction.RECORD_CHOICE, StepAction.SCHEDULE_UPDATES} <= set(actions)
    assert actions[-1] == StepAction.CLOSE
    # the apology comes after the customer has been offered a solution
    ids = [s.id for s in playbook.steps]
    assert ids.index("apologize") > ids.index("contact-customer")
    # the promise-kept path confirms the delivery and closes
    assert playbook.promise_kept and playbook.promise_kept[-1].action == StepAction.CLOSE


# ---------------------------------------------------------------------- broken files, with documented errors


def test_bad_yaml_points_at_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", "title: Broken\nsteps:\n  - id: a\n    title: [unclosed\n")
    assert problems_of(path) == [f"{path}:5: invalid YAML: expected ',' or ']', but got '<stream end>'"]


def test_unknown_action_is_named_with_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", f"title: P\nsteps:\n{GOOD_STEP}    action: escalte\n")
    assert problems_of(path) == [
        f"{path}:6: steps.0.action: unknown action 'escalte'; actions are: offer_alternatives, draft_message, "
        "escalate, schedule_updates, record_choice, record_satisfaction, close"]


def test_duplicate_step_ids_point_at_the_second(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", f"title: P\nsteps:\n{GOOD_STEP}{GOOD_STEP}")
    assert problems_of(path) == [f"{path}:6: steps.1.id: duplicate step id 'call' (first at steps.0)"]


def test_duplicate_ids_across_the_two_paths_and_checks(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "title: P\nsteps:\n  - id: keep\n    title: Keep it\n    why: Because.\n"
                                     "    checks:\n      - {id: x, title: X}\n      - {id: x, title: Y}\n"
                                     "promise_kept:\n  - id: keep\n    title: Again\n    why: Because.\n")
    assert problems_of(path) == [f"{path}:8: steps.0.checks.1.id: duplicate check id 'x'",
                                 f"{path}:10: promise_kept.0.id: duplicate step id 'keep' (first at steps.0)"]


def test_missing_title_and_bad_offset(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "steps:\n  - id: call\n    why: Because.\n    due: 2 hours later\n")
    assert problems_of(path) == [
        f"{path}:1: title: is required",
        f"{path}:2: steps.0.title: is required",
        f"{path}:4: steps.0.due: '2 hours later' is not a due offset; write it like '2h after opened', "
        "'1d before promised' or 'promised'"]


def test_other_mistakes_are_explained(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "title: P\nsteps:\n  - id: Call Them\n    title: Call\n    why: ''\n"
                                     "    required: maybe\n    colour: red\n"
                                     "promise_kept:\n  - id: done\n    title: Done\n    why: Because.\n")
    assert problems_of(path) == [
        f"{path}:3: steps.0.id: 'Call Them' is not an id; use lowercase letters, digits and hyphens (at most 40), "
        "starting with a letter, like keep-promise",
        f"{path}:5: steps.0.why: must not be empty",
        f"{path}:6: steps.0.required: Input should be a valid boolean, unable to interpret input",
        f"{path}:7: steps.0.colour: is not a known setting (check the spelling)",
        f"{path}:8: promise_kept: needs a step with `checks` in `steps`: a check that worked is what leads to "
        "these steps"]


def test_an_empty_file_and_a_bad_file_name(tmp_path: Path) -> None:
    write(tmp_path, "empty.yaml", "")
    write(tmp_path, "Late Delivery.yaml", f"title: P\nsteps:\n{GOOD_STEP}")
    config = PlaybooksConfig(folders=(tmp_path,))
    _, problems, files = check_library(config)
    assert files == 9  # the seven shipped and these two
    assert problems == [
        f"{tmp_path}/Late Delivery.yaml: the file name is the playbook's id; use lowercase letters, digits and "
        "hyphens, like late-delivery.yaml",
        f"{tmp_path}/empty.yaml:1: the file is empty; a playbook needs a title and steps"]


def test_a_playbook_too_long_for_one_slack_message_is_refused(tmp_path: Path) -> None:
    steps = "".join(GOOD_STEP.replace("call", f"s{i}") for i in range(16))
    path = write(tmp_path, "long.yaml", f"title: Long\nsteps:\n{steps}")
    assert problems_of(path) == [f"{path}:2: steps: has 16 steps; a checklist shows at most 15"]


# ---------------------------------------------------------------------- team folders and the cause map


def test_a_team_folder_adds_and_overrides_playbooks(tmp_path: Path) -> None:
    team = tmp_path / "team"
    write(team, "late-delivery.yaml", f"title: Our late delivery\nsteps:\n{GOOD_STEP}")
    write(team, "vip.yaml", f"title: VIP\nsteps:\n{GOOD_STEP}")
    config_path = write(tmp_path, "amends.yaml", "cases: {channel: C0CASES01}\nplaybooks:\n  folders: [team]\n"
                                                 "  by_cause:\n    stock-out: vip\n")
    config = load_config(config_path)
    library = load_library(config.playbooks)
    assert library.playbooks["late-delivery"].title == "Our late delivery"
    assert library.for_cause(Cause.STOCK_OUT)[0] == "vip"
    assert library.for_cause(Cause.LOGISTICS)[0] == "late-delivery"  # the other defaults still apply


def test_amends_yaml_naming_a_missing_playbook_or_cause(tmp_path: Path) -> None:
    config_path = write(tmp_path, "amends.yaml", "cases: {channel: C0CASES01}\nplaybooks:\n  by_cause:\n"
                                                 "    stock-out: nope\n")
    config = load_config(config_path)
    result = playbooks_check(Settings.model_validate({"AMENDS_CONFIG": str(config_path)}), config)
    assert result.problems == [f"{config_path}:4: playbooks.by_cause.stock-out: there is no playbook 'nope' "
                               "(known: field-visit, general, late-delivery, missed-appointment, missed-service, "
                               "out-of-stock, wrong-item)"]

    bad = write(tmp_path, "bad.yaml", "cases: {channel: C0CASES01}\nplaybooks:\n  by_cause:\n    stockout: x\n"
                                      "  checklist: email\n")
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    assert caught.value.problems[0].startswith(f"{bad}:3: playbooks.by_cause: unknown cause 'stockout'; causes "
                                               "are: capacity, force-majeure")
    assert caught.value.problems[1].startswith(f"{bad}:5: playbooks.checklist: Input should be 'thread' or 'dm'")


def test_the_default_config_needs_no_playbooks_section() -> None:
    config = AmendsConfig.model_validate({"cases": {"channel": "C0CASES01"}})
    assert config.playbooks.checklist == "thread" and config.playbooks.fallback == "general"
    hash(config)  # renderings are cached per config


# ---------------------------------------------------------------------- amends check / amends run


def test_check_lists_every_problem_in_every_playbook_and_run_refuses_to_start(tmp_path: Path) -> None:
    write(tmp_path / "team", "one.yaml", f"title: One\nsteps:\n{GOOD_STEP}    action: nope\n")
    write(tmp_path / "team", "two.yaml", f"title: Two\nsteps:\n{GOOD_STEP}{GOOD_STEP}")
    write(tmp_path, "amends.yaml", "cases: {channel: C0CASES01}\nplaybooks:\n  folders: [team]\n")
    checked = run_cli("check", cwd=tmp_path)
    assert checked.returncode == 2
    assert "FAIL  playbooks (9 files)" in checked.stdout
    assert "team/one.yaml:6: steps.0.action: unknown action 'nope'" in checked.stderr
    assert "team/two.yaml:6: steps.1.id: duplicate step id 'call'" in checked.stderr

    ran = run_cli("run", cwd=tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    assert ran.returncode == 2
    assert "data file problems" in ran.stderr and "team/one.yaml:6" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_check_passes_with_the_shipped_playbooks(tmp_path: Path) -> None:
    write(tmp_path, "amends.yaml", "cases: {channel: C0CASES01}\nmanagers: {users: [U0MGR0001]}\n")
    checked = run_cli("check", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "ok    playbooks (7 files)" in checked.stdout
    assert "stock-out -> out-of-stock" in checked.stdout


# ---------------------------------------------------------------------- due offsets


def test_due_offsets_are_relative_to_opening_or_the_promise() -> None:
    opened = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    promised = opened + timedelta(days=3)
    assert parse_offset("2h after opened").due_at(opened_at=opened, promised_at=promised) == opened + timedelta(hours=2)
    assert parse_offset("1d 4h before promised").due_at(opened_at=opened, promised_at=promised) == \
        promised - timedelta(days=1, hours=4)
    assert parse_offset("promised").anchor is Anchor.PROMISED
    # a promise that is already overdue makes its steps due now, not in the past
    assert parse_offset("1d before promised").due_at(opened_at=opened, promised_at=opened - timedelta(hours=2)) \
        == opened
    with pytest.raises(ValueError, match="can't fall due before the case was opened"):
        parse_offset("1h before opened")


def test_the_readme_example_is_a_valid_playbook(tmp_path: Path) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    example = readme.split("## Playbooks", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    playbook = load_playbook(write(tmp_path, "example.yaml", example))
    assert playbook.checks_step is not None and playbook.promise_kept


def test_amends_check_allows_one_satisfaction_step_a_path_and_not_on_the_checks_step(tmp_path: Path) -> None:
    satisfied = "  - id: happy{n}\n    title: Check they are satisfied\n    why: Because.\n" \
                "    action: record_satisfaction\n    required: true\n"
    path = write(tmp_path, "p.yaml", "title: P\nsteps:\n  - id: keep\n    title: Keep it\n    why: Because.\n"
                                     "    action: record_satisfaction\n    checks:\n      - {id: x, title: X}\n"
                                     + satisfied.format(n=1) + satisfied.format(n=2)
                                     + "promise_kept:\n" + satisfied.format(n=3))
    assert problems_of(path) == [
        f"{path}:6: steps.0.action: the keep-the-promise step can't be the one that records satisfaction; give it "
        "a step of its own",
        f"{path}:17: steps.2.action: only one step may record satisfaction (first at steps.1): the resolve form "
        "asks once"]
