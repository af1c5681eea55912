"""A modal's private_metadata comes back as it was opened: sealed for its person and modal (a submission
naming another case, or carrying another person's modal's state, changes nothing), and only someone who
may act on the case it names can use it. Signed requests to the real bot, against the fake Slack."""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from bot.cases.models import Case, CaseStatus
from bot.sandbox.fake_slack import ViewRecord
from bot.slack import people
from bot.slack.metadata import PRIVATE_METADATA_LIMIT, SLACK_PRIVATE_METADATA_LIMIT, Seal, bind_seal, seal_for_view
from tests.support import ASSOCIATE, CASES_CHANNEL, COLLEAGUE, Harness, all_text

STRANGER = "U0STRANGE1"  # in the workspace, but not on the team: not in the cases channel
LESSON = "The pallet went to the wrong depot."
ANSWERS = {"outcome": "customer_waited", "final_cost": "0", "lesson_cause": LESSON, "satisfaction": "4"}


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO):
        yield caplog


def resolvable(harness: Harness) -> Case:
    case = harness.open_case()
    harness.waive_required_steps(case.id)
    return case


def resolve_form(harness: Harness, case: Case, user: str = ASSOCIATE) -> ViewRecord:
    reply = harness.driver.click(user, "case_action:close", message=harness.case_message(harness.case(case.id)))
    assert reply.status == 200
    return harness.modal("resolve_case", user=user)


def submit(harness: Harness, record: ViewRecord, values: dict[str, Any]) -> Any:
    """A signed view_submission of `record` as it is here (its metadata possibly changed), as Slack sends it."""
    fake = harness.fake
    view = record.to_api(fake.team_id, fake.app_id, fake.bot_id)
    view["state"] = {"values": harness.driver.view_state(record, values)}
    user = fake.users[record.user]
    payload = {"type": "view_submission", "team": {"id": fake.team_id, "domain": fake.domain},
               "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": fake.team_id},
               "api_app_id": fake.app_id, "token": "unused", "trigger_id": fake.issue_trigger(user.id), "view": view,
               "response_urls": [], "is_enterprise_install": False}
    return harness.driver.post(urllib.parse.urlencode({"payload": json.dumps(payload)}).encode())


def nothing_resolved(harness: Harness, *cases: Case) -> bool:
    return all(harness.case(c.id).status == CaseStatus.OPEN
               and "resolution_recorded" not in [e.kind for e in harness.events(c.id)] for c in cases)


@pytest.mark.parametrize("forgery", ["edited", "another person's"])
def test_a_submission_whose_metadata_names_another_case_changes_nothing(harness: Harness, logs: Any,
                                                                        forgery: str) -> None:
    mine, other = resolvable(harness), resolvable(harness)
    form = resolve_form(harness, mine)
    record = harness.fake.view(form.id)
    if forgery == "edited":  # the seal kept, the case id changed
        forged = record.view["private_metadata"].replace(f'"case_id":{mine.id}', f'"case_id":{other.id}')
    else:  # a colleague's own modal for the other case, its metadata pasted into mine
        forged = harness.fake.view(resolve_form(harness, other, user=COLLEAGUE).id).view["private_metadata"]
    assert forged != record.view["private_metadata"]
    record.view["private_metadata"] = forged
    logs.clear()

    answer = submit(harness, record, ANSWERS)
    assert answer.status == 200
    reply = answer.json()
    assert reply["response_action"] == "errors"
    assert "couldn't verify this form" in " ".join(reply["errors"].values())
    harness.settle()
    assert nothing_resolved(harness, mine, other)
    refused = [r.getMessage() for r in logs.records if "private_metadata" in r.getMessage()]
    assert len(refused) == 1 and "resolve_case" in refused[0]
    assert not [r for r in logs.records if LESSON in r.getMessage() or forged in r.getMessage()]  # never the body


def test_a_click_in_a_modal_whose_metadata_was_changed_changes_nothing(harness: Harness) -> None:
    mine, other = resolvable(harness), resolvable(harness)
    form = resolve_form(harness, mine)
    before = harness.fake.view(form.id).view
    record = harness.fake.view(form.id)
    record.view["private_metadata"] = record.view["private_metadata"].replace(f'"case_id":{mine.id}',
                                                                              f'"case_id":{other.id}')
    reply = harness.driver.click(ASSOCIATE, "resolve_add_item", view=record, typed={"lesson_cause": LESSON})
    assert reply.status == 200
    harness.fake.wait_for(lambda: [d for d in harness.fake.dms(ASSOCIATE) if "couldn't verify" in d.text]
                          or [e for e in harness.fake.ephemerals(ASSOCIATE) if "couldn't verify" in e.text])
    harness.settle()
    assert harness.fake.view(form.id).view == before  # not turned into the other case's form
    assert other.ref not in all_text(harness.fake.view(form.id).view["blocks"])


def refused_at_once(harness: Harness, user: str, case: Case) -> bool:
    """`user` was told, where they clicked, that the case is the team's."""
    told = f"Only the team working on {case.ref} can change it"
    return bool(harness.dms_containing(user, told) or [e for e in harness.fake.ephemerals(user) if told in e.text])


def test_someone_not_on_the_team_is_told_before_a_cases_form_opens(harness: Harness) -> None:
    harness.fake.add_user(STRANGER, "stan", "Stan Ranger", tz="Europe/London")
    case = resolvable(harness)
    # They saw the case message somewhere (a link, a shared channel): its buttons open nothing for them.
    for action in ("close", "offer_alternatives"):
        reply = harness.driver.click(STRANGER, f"case_action:{action}", message=harness.case_message(harness.case(case.id)))
        assert reply.status == 200
    harness.fake.wait_for(lambda: refused_at_once(harness, STRANGER, case))
    harness.settle()
    assert harness.fake.views(STRANGER) == []

    # Added to the cases channel, they are on the team at once (a name missing from the remembered list is
    # asked about again), and the form opens.
    harness.fake.channels[CASES_CHANNEL].members.add(STRANGER)
    resolve_form(harness, case, user=STRANGER)


def test_the_member_list_is_asked_of_slack_once_a_minute_not_at_every_click(harness: Harness) -> None:
    harness.fake.channels[CASES_CHANNEL].members.add(COLLEAGUE)
    case = resolvable(harness)
    before = len(harness.fake.calls("conversations.members"))
    for _ in range(3):
        harness.driver.click(COLLEAGUE, "case_action:offer_alternatives", message=harness.case_message(harness.case(case.id)))
        harness.modal("offer_alternatives", user=COLLEAGUE)
        harness.settle()
    assert len(harness.fake.calls("conversations.members")) - before == 1


def test_someone_who_left_the_team_may_not_use_a_form_opened_before(harness: Harness,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    harness.fake.add_user(STRANGER, "stan", "Stan Ranger", tz="Europe/London")
    harness.fake.channels[CASES_CHANNEL].members.add(STRANGER)
    case = resolvable(harness)
    form = resolve_form(harness, case, user=STRANGER)
    harness.fake.channels[CASES_CHANNEL].members.discard(STRANGER)
    monkeypatch.setattr(people, "MEMBERSHIP_TTL", 0.0)  # the minute the member list is trusted has passed

    reply = harness.driver.submit(form.id, ANSWERS).json()
    assert reply["response_action"] == "errors"
    assert f"Only the team working on {case.ref} can change it" in " ".join(reply["errors"].values())
    harness.settle()
    assert nothing_resolved(harness, case)

    # Nor can they use the form's buttons (each click in a modal naming a case is checked too).
    reply = harness.driver.click(STRANGER, "resolve_add_item", view=harness.fake.view(form.id))
    assert reply.status == 200
    harness.fake.wait_for(lambda: refused_at_once(harness, STRANGER, case))
    harness.settle()
    assert not any(b.get("block_id") == "item_1_text" for b in harness.fake.view(form.id).view["blocks"])

    # Back in the cases channel, the same form goes through, as typed.
    harness.fake.channels[CASES_CHANNEL].members.add(STRANGER)
    assert harness.driver.submit(form.id, ANSWERS).json()["response_action"] == "update"
    harness.fake.wait_for(lambda: harness.case(case.id).status == CaseStatus.RESOLVED)


def test_the_seal_keeps_private_metadata_within_slacks_limit() -> None:
    bind_seal(Seal(lambda: b"k" * 32, ASSOCIATE))
    try:
        sealed = seal_for_view("x" * PRIVATE_METADATA_LIMIT, "resolve_case")
        assert sealed is not None and len(sealed) == SLACK_PRIVATE_METADATA_LIMIT
        with pytest.raises(ValueError, match="Slack's limit is 3000"):
            seal_for_view("x" * (PRIVATE_METADATA_LIMIT + 1), "resolve_case")
        seal = Seal(lambda: b"k" * 32, ASSOCIATE)
        assert seal.open("resolve_case", sealed) == "x" * PRIVATE_METADATA_LIMIT
        assert seal.open("reopen_case", sealed) is None  # another modal's
        assert Seal(lambda: b"k" * 32, COLLEAGUE).open("resolve_case", sealed) is None  # another person's
    finally:
        bind_seal(None)


def test_replicas_share_the_seals_key_through_the_database(harness: Harness) -> None:
    from bot.slack.view_guard import ViewGuard

    wiring = harness.amends.wiring
    mine = wiring.surface.view_guard.key()
    another_replica = ViewGuard(wiring.deps, wiring.surface)  # a fresh process, the same database
    assert another_replica.key() == mine and len(mine) == 32
    sealed = Seal(lambda: mine, ASSOCIATE).seal("resolve_case", '{"case_id":1}')
    assert Seal(another_replica.key, ASSOCIATE).open("resolve_case", sealed) == '{"case_id":1}'
