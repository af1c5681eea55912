"""Migrations that move data: what an existing database holds comes through upgrade and downgrade."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from bench.common import private_schema
from bot.db import alembic_config, normalize_url, upgrade
from bot.playbooks.schema import StepAction
from tests.conftest import BACKENDS, POSTGRES_URL
from tests.support import Harness

ENTRY = text("INSERT INTO knowledge_entries (source_key, kind, channel_id, message_ts, author_id, body, cause, "
             "index_title, index_body, index_facets, version, posted_at, updated_at) VALUES (:key, 'message', "
             "'C1', :ts, 'U1', 'x', :cause, '', 'courier lost the parcel', :facets, '1', CURRENT_TIMESTAMP, "
             "CURRENT_TIMESTAMP)")
FACET_COUNTS = text("SELECT term, entries FROM knowledge_terms WHERE term LIKE '~%'")


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all (not the tests' migrated template)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with private_schema(POSTGRES_URL, prefix="amends_mig") as url:
        assert url
        yield url


def test_0009_counts_the_filter_words_of_entries_indexed_before_it(empty_url: str) -> None:
    command.upgrade(alembic_config(empty_url), "0003_offers")  # the revision before 0009
    engine = create_engine(normalize_url(empty_url))
    try:
        with engine.begin() as conn:
            for n, cause in enumerate(["stock-out", "stock-out", "quality"]):
                conn.execute(ENTRY, {"key": f"slack:C1:{n}", "ts": f"{n}.0", "cause": cause,
                                     "facets": f"kindmessage cause{cause.replace('-', '')} chanc1 useru1"})
        upgrade(empty_url)
        with engine.begin() as conn:
            assert dict(conn.execute(FACET_COUNTS).all()) == {
                "~causestockout": 2, "~causequality": 1, "~kindmessage": 3, "~chanc1": 3, "~useru1": 3}
        command.downgrade(alembic_config(empty_url), "0003_offers")
        with engine.begin() as conn:
            assert conn.execute(FACET_COUNTS).all() == []
            assert conn.execute(text("SELECT count(*) FROM knowledge_entries")).scalar() == 3
    finally:
        engine.dispose()


def test_0014_keeps_customer_apart_from_customs_in_entries_indexed_before_it(empty_url: str) -> None:
    command.upgrade(alembic_config(empty_url), "0010_home_digest")
    engine = create_engine(normalize_url(empty_url))
    index = text("UPDATE knowledge_entries SET index_body = :body WHERE source_key = :key")
    try:
        with engine.begin() as conn:
            for n, body in enumerate(["customer customers waited", "held at customs", "the customer"]):
                conn.execute(ENTRY, {"key": f"slack:C1:{n}", "ts": f"{n}.0", "cause": None, "facets": ""})
                conn.execute(index, {"body": body, "key": f"slack:C1:{n}"})
            conn.execute(text("INSERT INTO knowledge_terms (term, entries) VALUES ('customer', 2), ('customs', 1)"))
        upgrade(empty_url)
        with engine.begin() as conn:
            bodies = conn.execute(text("SELECT index_body FROM knowledge_entries ORDER BY id")).scalars().all()
            assert bodies == ["customerz customerz waited", "held at customs", "the customerz"]
            terms = dict(conn.execute(text("SELECT term, entries FROM knowledge_terms")).all())
            assert terms == {"customerz": 2, "customs": 1}
    finally:
        engine.dispose()


def test_0020_lets_the_resolve_form_answer_the_satisfaction_step_of_cases_opened_before_it(harness: Harness) -> None:
    from bot.playbooks import service as playbooks

    case = harness.open_case()
    url = harness.amends.settings.database_url
    command.downgrade(alembic_config(url), "0021_view_seal")  # as a case opened before 0020 left it
    # Read in SQL: below the head, the models' later columns (cases.origin, 0018_achievable) aren't there yet.
    with harness.amends.db.transaction() as session:
        action = session.execute(text("SELECT action FROM playbook_steps WHERE case_id = :case AND "
                                      "step_id = 'confirm-satisfaction'"), {"case": case.id}).scalar_one()
        assert action is None
    upgrade(url)
    with harness.amends.db.transaction() as session:
        step = playbooks.checklist(session, case.id, now=harness.clock.now()).step("confirm-satisfaction")
        assert step.action == StepAction.RECORD_SATISFACTION
        [blocker] = [b for b in playbooks.resolve_blockers(session, harness.case(case.id)) if "satisfied" in b.reason]
        assert blocker.answer is not None  # the form's score settles it: no longer a reason the form can't open
