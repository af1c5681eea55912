"""Customer data: every text column classified, export finds everything, erasure leaves no trace of the
customer and keeps the figures, retention runs once across replicas."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import JSON, String, Text, select

from bot.cases import service as cases
from bot.cases.models import Case, CaseEvent, Outcome
from bot.db import Base, Database
from bot.drafting import service as drafting
from bot.drafting.templates import Channel
from bot.knowledge.models import Entry
from bot.privacy import jobs, service
from bot.privacy.config import PrivacyConfig
from bot.privacy.personal import COLUMNS
from bot.settings import AmendsConfig
from bot.tracking import service as tracking
from bot.tracking.figures import figures
from bot.tracking.report import render_json
from bot.tracking.service import ActionItemInput, ItemSchedule, ResolutionInput
from tests import test_knowledge as shared
from tests.support import ASSOCIATE, Harness, all_text, configured

harness = shared.harness  # the knowledge tests' workspace: best-practices channels created
results = shared.results

NAME, CONTACT = "Grace Hopper Consulting", "grace.hopper@example.org"


@pytest.fixture
def config() -> AmendsConfig:
    return configured(knowledge={"channels": [shared.BEST, shared.PRIVATE_BEST]},
                      privacy={"retain_customer_data_for": "365d"})


def test_every_text_column_of_a_case_is_classified_as_personal_or_not() -> None:
    tables = [Case.__table__] + [t for table, children in service.case_tables() for t in [table, *children]]
    for table in tables:
        wanted = set(service.text_columns(table))
        declared = set(COLUMNS.get(table.name, {}))
        assert wanted - declared == set(), f"{table.name}: say in bot/privacy/personal.py what these hold"
        assert declared - wanted == set(), f"{table.name}: bot/privacy/personal.py names columns that don't exist"


def resolved_case(harness: Harness, *, customer_name: str = NAME, contact: str = CONTACT) -> Case:
    case = harness.open_case(customer_name=customer_name, customer_contact=contact,
                             promise=f"Server rack for {customer_name}'s new office",
                             notes=f"{customer_name.split()[0]} asked us to call before noon.")
    now, lifecycle = harness.clock.now(), harness.amends.lifecycle
    with harness.amends.db.transaction() as session:
        draft = drafting.save_draft(session, case.id, template="first_notice", channel=Channel.EMAIL,
                                    subject=f"Your order, {customer_name}", body=f"Dear {customer_name}, ...",
                                    edited=True, hints=[], author_id=ASSOCIATE, now=now)
        drafting.mark_sent(session, draft.id, actor_id=ASSOCIATE, now=now, lifecycle=lifecycle)
    harness.waive_required_steps(case.id)
    details = ResolutionInput(outcome=Outcome.CUSTOMER_WAITED, final_cost=Decimal("40.00"),
                              lesson_cause=f"The rack for {customer_name} was never on the shelf.",
                              lesson_worked="Calling before the due date.", satisfaction=4,
                              satisfaction_comment=f"{contact} says thanks",
                              action_items=(ActionItemInput(text=f"Count racks weekly ({customer_name})",
                                                            owner_id=ASSOCIATE, due_on=now.date() + timedelta(7)),))
    with harness.amends.db.transaction() as session:
        tracking.resolve(session, case.id, details, actor_id=ASSOCIATE, now=now, lifecycle=lifecycle,
                         schedule=ItemSchedule(harness.amends.config.workspace.zone))
    harness.settle()
    return harness.case(case.id)


def every_text_value(db: Database) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text or JSON value in every table."""
    import bot.models  # noqa: F401

    found = []
    with db.reading() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.c if isinstance(c.type, String | Text | JSON)]
            for row in session.execute(select(*columns)) if columns else []:
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        found.append((table.name, column.name, json.dumps(value) if isinstance(value, dict | list)
                                      else str(value)))
    return found


def traces(db: Database, *needles: str) -> list[tuple[str, str, str]]:
    """Where any of `needles` stands as a word ("hopper", not "shopper") in any text value."""
    found = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in needles), re.IGNORECASE)
    return [(t, c, v) for t, c, v in every_text_value(db) if found.search(v)]


def report(harness: Harness) -> Any:
    """`amends report --format json` for the last month, without who the customers were and what they said."""
    now = harness.clock.now()
    with harness.amends.db.reading() as session:
        found = figures(session, start=now - timedelta(days=30), end=now + timedelta(days=1), currency="GBP")

    def figures_only(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: figures_only(v) for k, v in node.items() if k not in ("customer", "order", "satisfaction_comment")}
        return [figures_only(v) for v in node] if isinstance(node, list) else node
    return figures_only(json.loads(render_json(found)))


def test_export_finds_a_customers_data_in_every_table(harness: Harness) -> None:
    case = resolved_case(harness)
    resolved_case(harness, customer_name="Someone Else Ltd", contact="+44 20 7946 0999")
    exported = jobs.export_customer(harness.amends.db, "+44 (0) GRACE.HOPPER@example.org".split()[-1],
                                    now=harness.clock.now())
    [record] = exported["cases"]
    assert record["case"]["ref"] == case.ref and record["case"]["customer_name"] == NAME
    for table in ("case_events", "drafts", "case_resolutions", "action_items", "reminders", "playbook_steps",
                  "knowledge_entries"):
        assert record[table], f"nothing exported from {table}"
    assert f"Dear {NAME}" in json.dumps(record)
    # By name too, case-insensitively, and a phone number however it is spaced.
    assert len(jobs.export_customer(harness.amends.db, NAME.upper(), now=harness.clock.now())["cases"]) == 1
    phone = jobs.export_customer(harness.amends.db, "+442079460999", now=harness.clock.now())["cases"]
    assert [r["case"]["customer_name"] for r in phone] == ["Someone Else Ltd"]


def test_the_index_holds_the_lesson_never_who_the_customer_was(harness: Harness) -> None:
    resolved_case(harness)
    assert "Server rack" in results(harness, "server rack")
    for who in ("grace hopper", "grace.hopper@example.org", "SO-18342"):
        assert "Nothing found" in results(harness, who)
    with harness.amends.db.reading() as session:
        [entry] = session.scalars(select(Entry)).all()
    assert "the customer" in entry.body and traces(harness.amends.db, "grace", "hopper")  # the case still has them
    assert not [t for t in traces(harness.amends.db, "grace", "hopper", "SO-18342") if t[0].startswith("knowledge")]


def test_erasure_leaves_no_trace_of_the_customer_and_keeps_the_figures(harness: Harness) -> None:
    case = resolved_case(harness)
    other = resolved_case(harness, customer_name="Northwind Traders", contact="+44 20 7946 0000")
    assert "Server rack" in results(harness, "server rack")
    before = report(harness)
    assert traces(harness.amends.db, "grace", "hopper", CONTACT)

    [erasure] = jobs.erase_customer(harness.amends.db, CONTACT, now=harness.clock.now(), actor="dpo")
    assert erasure.ref == case.ref and erasure.total > 5

    assert traces(harness.amends.db, "grace", "hopper", CONTACT) == []
    assert "Nothing found" in results(harness, "grace hopper")
    # Counts, costs, satisfaction, contact times, outcomes: the same; the lesson without the customer's name.
    assert report(harness) == json.loads(json.dumps(before).replace(NAME, "the customer"))
    erased = harness.case(case.id)
    assert erased.personal_data_erased_at is not None and erased.cause and erased.severity
    assert erased.promise == "Server rack for the customer's new office"
    # The other customer's case is untouched, and the lesson still teaches without the name.
    assert harness.case(other.id).customer_name == "Northwind Traders"
    with harness.amends.db.reading() as session:
        lesson = tracking.live_resolution(session, case.id)
        logged = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert lesson is not None and lesson.lesson_cause == "The rack for the customer was never on the shelf."
    assert lesson.satisfaction == 4 and lesson.satisfaction_comment is None
    assert "personal_data_erased" in logged
    assert jobs.export_customer(harness.amends.db, CONTACT, now=harness.clock.now())["cases"] == []


def test_retention_erases_only_cases_past_the_period(harness: Harness) -> None:
    old = resolved_case(harness)
    harness.clock.advance(timedelta(days=300))
    recent = resolved_case(harness, customer_name="Fabrikam", contact="orders@fabrikam.example")
    harness.clock.advance(timedelta(days=70))  # old: resolved 370 days ago; recent: 70
    privacy = PrivacyConfig(retain_customer_data_for=timedelta(days=365))
    db = harness.amends.db

    assert [ref for ref, _ in jobs.cases_past_retention(db, now=harness.clock.now(), retain_for=timedelta(days=365))
            ] == [old.ref]
    assert harness.case(old.id).customer_name == NAME  # a dry run changes nothing

    assert jobs.retention_sweep(db, privacy, harness.clock.now()) == 1
    assert harness.case(old.id).customer_name == "[erased]"
    assert harness.case(recent.id).customer_name == "Fabrikam"
    assert jobs.retention_sweep(db, privacy, harness.clock.now()) == 0


@pytest.mark.parametrize("replicas", [2])
def test_two_replicas_erase_each_case_once(harness: Harness, db_url: str, replicas: int) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("replicas share PostgreSQL (on SQLite one process writes at a time; the other retries)")
    for n in range(6):
        resolved_case(harness, customer_name=f"Customer {n} Ltd", contact=f"c{n}@example.org")
    harness.clock.advance(timedelta(days=400))
    privacy = PrivacyConfig(retain_customer_data_for=timedelta(days=365))
    databases = [Database(db_url) for _ in range(replicas)]
    counts: list[int] = []
    start = threading.Barrier(replicas)

    def replica(db: Database) -> None:
        start.wait()
        counts.append(jobs.retention_sweep(db, privacy, harness.clock.now()))

    threads = [threading.Thread(target=replica, args=(db,)) for db in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for db in databases:
        db.dispose()
    assert sum(counts) == 6
    with harness.amends.db.reading() as session:
        erased_events = session.scalars(select(CaseEvent.case_id).where(CaseEvent.kind == "personal_data_erased")).all()
    assert sorted(erased_events) == sorted(set(erased_events)) and len(erased_events) == 6



def test_retention_runs_on_the_ticker_and_slack_shows_the_data_erased(harness: Harness) -> None:
    from tests.test_draft_slack import body_of, open_draft, posted_drafts

    case = harness.open_case(customer_name=NAME, customer_contact=CONTACT)
    view = open_draft(harness, case)
    assert NAME in body_of(view)
    harness.driver.submit(view.id)
    [posted] = harness.fake.wait_for(lambda: posted_drafts(harness, case))
    assert NAME in all_text(posted.blocks, posted.text)
    harness.fake.close_view(view.id)
    harness.waive_required_steps(case.id)
    with harness.amends.db.transaction() as session:
        cases.resolve_case(session, case.id, actor_id=ASSOCIATE, now=harness.clock.now(),
                           outcome=Outcome.CUSTOMER_WAITED, lifecycle=harness.amends.lifecycle)
    harness.settle()

    harness.tick(advance=timedelta(days=364))
    assert harness.case(case.id).personal_data_erased_at is None
    harness.tick(advance=timedelta(days=2))
    message = harness.fake.wait_for(lambda: "personal data was erased" in all_text(harness.case_message(case).blocks)
                                    and harness.case_message(case))
    assert NAME not in all_text(message.blocks, message.text) and "_erased_" in all_text(message.blocks)
    draft = harness.fake.wait_for(lambda: [m for m in harness.thread(case) if m.ts == posted.ts
                                           and "erased with the customer's personal data" in m.text])[0]
    assert NAME not in all_text(draft.blocks, draft.text)
