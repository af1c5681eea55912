"""The checklist and its modals stay within Slack's limits, whatever state a case is in, for every shipped
playbook and for a playbook at every limit the schema allows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import ButtonElement

from bot.cases.models import Case, CaseStatus, Outcome
from bot.paths import SHIPPED_PLAYBOOKS
from bot.playbooks import engine
from bot.playbooks import service as playbooks
from bot.playbooks.engine import Checklist, StepView
from bot.playbooks.loader import load_playbook, playbook_files
from bot.playbooks.models import CasePath, CasePlaybook, CheckOutcome, StepNote, StepStatus, Track
from bot.playbooks.schema import (
    CHECK_TITLE_LENGTH,
    ITEM_LENGTH,
    MAX_CHECKS,
    MAX_ITEMS,
    MAX_STEPS,
    TITLE_LENGTH,
    WHY_LENGTH,
    Playbook,
    StepAction,
    structure_problems,
)
from bot.sandbox import blockkit
from bot.slack.blocks import base
from bot.slack.blocks import playbooks as blocks
from bot.slack.blocks.playbooks import PlaybookCallback, StepRef
from bot.slack.case_actions import ACTION_PREFIX, CaseActionValue
from tests.support import ASSOCIATE, MANAGER, Harness, pings, slack_shows

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ZONE = ZoneInfo("Europe/London")
NASTY = "Tom & Jerry <@U0EVERYONE> <!channel> "  # person text that must be escaped, and grows when it is


def long_text(length: int) -> str:
    return (NASTY * (length // len(NASTY) + 1))[:length]


def maximal_playbook() -> Playbook:
    """A playbook at every limit of the schema, with text that grows when escaped."""
    actions = [a.value for a in StepAction]

    def step(index: int, prefix: str) -> dict[str, Any]:
        action = actions[index % len(actions)]
        if action == StepAction.RECORD_SATISFACTION and index >= len(actions):  # one a path
            action = StepAction.ESCALATE.value
        return {"id": f"{prefix}{index}", "title": long_text(TITLE_LENGTH).strip() or "x",
                "why": long_text(WHY_LENGTH).strip(), "items": [long_text(ITEM_LENGTH).strip()] * MAX_ITEMS,
                "action": action, "required": index % 2 == 0, "due": "1d 4h before promised"}

    steps = [step(i, "s") for i in range(MAX_STEPS)]
    steps[0]["checks"] = [{"id": f"c{i}", "title": long_text(CHECK_TITLE_LENGTH).strip()} for i in range(MAX_CHECKS)]
    data = {"title": long_text(TITLE_LENGTH).strip(), "summary": long_text(200).strip(), "steps": steps,
            "promise_kept": [step(i, "k") for i in range(MAX_STEPS - 1)]}
    assert structure_problems(data) == []
    return Playbook.model_validate(data)


PLAYBOOKS = {path.stem: load_playbook(path) for path in playbook_files(SHIPPED_PLAYBOOKS)}
PLAYBOOKS["maximal"] = maximal_playbook()


def new_case(status: str = CaseStatus.OPEN) -> Case:
    return Case(id=42, ref="AM-42", status=status, severity="high", customer_name=long_text(300),
                order_ref="SO-1", promise=long_text(500), promised_at=NOW + timedelta(days=1), cause="other",
                currency="GBP", owner_id=ASSOCIATE, reporter_id=ASSOCIATE, created_at=NOW, updated_at=NOW,
                outcome=Outcome.CANCELLED if status == CaseStatus.RESOLVED else None, version=3)


def progress(playbook: Playbook, case: Case, *, path: CasePath = CasePath.RECOVERY, close: set[str] = frozenset(),
             status: StepStatus = StepStatus.DONE) -> CasePlaybook:
    steps, checks = engine.new_progress(playbook, case)
    for row in steps:
        if row.track in close:
            row.status, row.status_by, row.status_at = status, ASSOCIATE, NOW
            row.reason = long_text(playbooks.REASON_LIMIT) if status != StepStatus.DONE else None
    for index, check in enumerate(checks):
        check.outcome = list(CheckOutcome)[index % 3] if path == CasePath.PROMISE_KEPT or index % 2 else None
        check.recorded_by, check.recorded_at = (MANAGER, NOW) if check.outcome else (None, None)
    notes = [StepNote(step_id=row.step_id, author_id=ASSOCIATE, at=NOW, text=long_text(playbooks.NOTE_LIMIT))
             for row in steps for _ in range(3)]
    return CasePlaybook(case_id=case.id, playbook_id="p", title=playbook.title, path=path, revision=987654,
                        definition=playbook.model_dump(mode="json", exclude_none=True), steps=steps, checks=checks,
                        notes=notes, attached_at=NOW, updated_at=NOW)


def every_action(step: StepView) -> ButtonElement | None:
    """As if every area were installed: each step with an action gets its button."""
    if step.action is None:
        return None
    value = CaseActionValue(case_id=123456, source="checklist", step_id=step.id, version=99).encode()
    return base.button(step.action.replace("_", " ").capitalize(), ACTION_PREFIX + step.action, value=value)


def states(playbook: Playbook) -> dict[str, Checklist]:
    open_case, resolved = new_case(), new_case(CaseStatus.RESOLVED)
    overdue = NOW + timedelta(days=5)  # every step with a due time is overdue: the most detail shown
    return {
        "fresh": engine.build(progress(playbook, open_case), open_case, overdue),
        "promise kept, recovery steps open": engine.build(
            progress(playbook, open_case, path=CasePath.PROMISE_KEPT), open_case, overdue),
        "promise kept after recovery steps were dealt with": engine.build(
            progress(playbook, open_case, path=CasePath.PROMISE_KEPT, close={Track.RECOVERY},
                     status=StepStatus.WAIVED), open_case, overdue),
        "everything skipped": engine.build(
            progress(playbook, open_case, close={Track.COMMON, Track.RECOVERY}, status=StepStatus.SKIPPED),
            open_case, overdue),
        "resolved": engine.build(progress(playbook, resolved, close={Track.COMMON}), resolved, overdue),
    }


@pytest.mark.parametrize("name", list(PLAYBOOKS))
def test_the_checklist_fits_in_one_slack_message_in_every_state(name: str) -> None:
    for state, checklist in states(PLAYBOOKS[name]).items():
        rendered = blocks.checklist_message(checklist, ZONE, every_action)
        assert len(rendered) <= blockkit.MESSAGE_BLOCKS, state
        assert blockkit.message_problems(rendered) == [], state
        assert blockkit.blocks_text_length(rendered) <= blockkit.MESSAGE_BLOCKS_TEXT, state
        assert len(blocks.checklist_fallback(checklist)) < 500


@pytest.mark.parametrize("name", list(PLAYBOOKS))
def test_the_modals_and_the_escalation_fit(name: str) -> None:
    checklist = states(PLAYBOOKS[name])["fresh"]
    step = checklist.steps[0]
    ref = StepRef(case_id=checklist.case_id, step_id=step.id, revision=checklist.revision)
    for view in [blocks.reason_modal(PlaybookCallback.SKIP, step, ref), blocks.reason_modal(PlaybookCallback.WAIVE,
                                                                                            step, ref),
                 blocks.note_modal(step, ref, ZONE)]:
        assert blockkit.view_problems(view) == []
    _, rendered = blocks.escalation(new_case(), checklist, actor_id=ASSOCIATE, mentions=["<@U0MANAGER1>"], zone=ZONE)
    assert blockkit.message_problems(rendered) == []
    assert blockkit.blocks_text_length(rendered) <= blockkit.MESSAGE_BLOCKS_TEXT


def test_a_busy_checklist_shows_less_detail_rather_than_fail() -> None:
    checklist = states(PLAYBOOKS["late-delivery"])["everything skipped"]
    rendered = blocks.checklist_message(checklist, ZONE, every_action)
    assert blockkit.blocks_text_length(rendered) <= blocks.TEXT_BUDGET
    # Every step dealt with is one line: its reason and notes are one click away (the step's details).
    assert NASTY.strip()[:10] not in slack_shows(rendered)


def test_person_text_is_shown_as_typed_and_pings_nobody() -> None:
    fresh = states(PLAYBOOKS["general"])["fresh"]  # the current step shows its latest notes
    rendered = blocks.checklist_message(fresh, ZONE, every_action)
    assert not [p for p in pings(rendered) if "EVERYONE" in p or "channel" in p]
    assert NASTY.strip() in slack_shows(rendered)
    skipped = states(PLAYBOOKS["general"])["everything skipped"].steps[0]  # its reason, in its details
    ref = StepRef(case_id=fresh.case_id, step_id=skipped.id, revision=fresh.revision)
    details = blocks.note_modal(skipped, ref, ZONE)["blocks"]
    assert NASTY.strip() in slack_shows(details) and not [p for p in pings(details) if "EVERYONE" in p]


def test_the_longest_shipped_checklist_is_accepted_by_slack(harness: Harness) -> None:
    """Through the strict fake: the longest shipped playbook, every step with notes, posted and updated."""
    longest = max(PLAYBOOKS.items() - {("maximal", PLAYBOOKS["maximal"])},
                  key=lambda item: len(blocks.checklist_message(states(item[1])["fresh"], ZONE, every_action)))[0]
    cause = next(c for c, p in harness.amends.config.playbooks.by_cause if p == longest)
    case = harness.open_case(cause=cause)
    with harness.amends.db.transaction() as session:
        for step in playbooks.checklist(session, case.id, now=NOW).steps:
            for _ in range(3):
                playbooks.add_note(session, case.id, step.id, text=long_text(playbooks.NOTE_LIMIT), actor_id=ASSOCIATE,
                                   now=NOW)
        row = session.get(CasePlaybook, case.id)
        channel, ts, check_id = row.channel_id, row.message_ts, row.checks[0].check_id
    harness.clock.advance(timedelta(days=5))  # everything overdue: every step shows its detail
    updates_before = len(harness.fake.calls("chat.update"))
    harness.driver.click(ASSOCIATE, f"playbook_check:{check_id}", message=harness.fake.message(channel, ts),
                         selected="tried")
    updates = harness.fake.wait_for(lambda: harness.fake.calls("chat.update")[updates_before:])
    assert all(call.ok for call in updates), [call.error for call in updates]
    shown = harness.fake.message(channel, ts)
    assert len(shown.blocks) > 20 and "Tried, no luck" in str(shown.blocks)


def test_the_schema_limits_are_what_the_renderer_was_sized_for() -> None:
    source = Path(blocks.__file__).read_text()
    assert f"{MAX_STEPS} open steps" in source and f"{MAX_CHECKS} checks" in source
