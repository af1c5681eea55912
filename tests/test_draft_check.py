"""`amends check` renders every template against the sample cases and validates the tone rules."""

from __future__ import annotations

from pathlib import Path

from bot.checks import run_checks
from bot.settings import AmendsConfig, Settings
from tests.test_cli import run_cli


def test_amends_check_reports_template_and_rule_errors_with_file_and_line(tmp_path: Path) -> None:
    team = tmp_path / "our_templates"
    team.mkdir()
    (team / "first_notice.sms.j2").write_text("Hi {{ customer.name }},\nyour {{ order.reff }} is late.\n")
    (team / "tone_rules.yaml").write_text("rules:\n  - id: x\n    label: X\n")
    (tmp_path / "amends.yaml").write_text("cases:\n  channel: C0123ABCD\ndrafting:\n  templates: our_templates\n")
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert "our_templates/first_notice.sms.j2:2: order has no attribute 'reff'" in result.stderr
    assert "our_templates/tone_rules.yaml:2: rules.0.advice: is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_shipped_templates_and_rules_pass_with_notes_only_for_hints(tmp_path: Path) -> None:
    team = tmp_path / "team"
    team.mkdir()
    (team / "chatty.sms.j2").write_text("{{ customer.name }}, " + "we are so very sorry " * 20)
    config = AmendsConfig.model_validate({"cases": {"channel": "C0123ABCD"}, "drafting": {"templates": team}})
    result = next(r for r in run_checks(Settings(), config) if r.label.startswith("message templates"))
    assert result.problems == []
    assert any(f"{team / 'chatty.sms.j2'}: tone hint “Long for the channel”" in note for note in result.notes)
    # The shipped templates earn one hint only, on first notices for the two sample cases whose log records
    # nothing done: the draft claims nothing, and the hint asks the associate to say what they did.
    shipped = [note for note in result.notes if "message_templates" in note]
    assert len(shipped) == 6 and all(
        "first_notice." in note and ("“Doesn't say what has been done” on 2 of 8" in note
                                     or "“No dice qué se ha hecho” on 2 of 8" in note) for note in shipped), shipped


def test_check_renders_every_language_s_templates(tmp_path: Path) -> None:
    team = tmp_path / "team"
    team.mkdir()
    (team / "first_notice.sms.es.j2").write_text("Hola {{ customer.nombre }}")
    config = AmendsConfig.model_validate({"cases": {"channel": "C0123ABCD"}, "drafting": {"templates": team}})
    result = next(r for r in run_checks(Settings(), config) if r.label.startswith("message templates"))
    assert "languages en, es" in result.label and "25 in" in result.label  # 13 English, 12 Spanish (the team's replaces one)
    assert result.problems == [f"{team / 'first_notice.sms.es.j2'}:1: customer has no attribute 'nombre' "
                               "(with the sample case “new date, alternatives, gift and compensation”)"]
