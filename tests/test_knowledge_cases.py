"""Resolved cases in the index, and "Similar past cases" in a new case's thread."""

from __future__ import annotations

from bot.cases import service
from bot.cases.models import Case, Outcome
from bot.sandbox.fake_slack import Message
from tests import test_knowledge as shared
from tests.support import ASSOCIATE, MANAGER, Harness, all_text, waive_required_steps

# The knowledge tests' workspace: best-practices channels configured and created.
config = shared.config
harness = shared.harness
entries, results = shared.entries, shared.results



def resolve(harness: Harness, case: Case, outcome: Outcome = Outcome.TOOK_ALTERNATIVE) -> None:
    with harness.amends.db.transaction() as session:
        service.record_customer_contacted(session, case.id, actor_id=ASSOCIATE, now=harness.clock.now(),
                                          channel="phone", lifecycle=harness.amends.lifecycle)
        waive_required_steps(session, case.id, harness.clock.now())
        service.resolve_case(session, case.id, actor_id=ASSOCIATE, now=harness.clock.now(), outcome=outcome,
                             lifecycle=harness.amends.lifecycle)


def test_a_resolved_case_is_searchable_with_what_was_tried_and_what_the_customer_chose(harness: Harness) -> None:
    case = harness.open_case(promise="12 ergonomic chairs for the Leeds office", cause="stock-out",
                             notes="Offered the mesh model at the same price.")
    assert "Nothing found" in results(harness, "ergonomic chairs")
    resolve(harness, case)

    shown = results(harness, "ergonomik chairs cause:stock-out")
    assert "AM-1 · Stock-out: 12 ergonomic chairs for the Leeds office" in shown
    assert "Took an alternative" in shown and "Resolved case" in shown
    assert case.permalink in shown
    [entry] = entries(harness)
    assert "Customer chose: Took an alternative" in entry.body and "channel" not in entry.body

    with harness.amends.db.transaction() as session:
        service.reopen_case(session, case.id, actor_id=ASSOCIATE, now=harness.clock.now(), reason="customer called",
                            lifecycle=harness.amends.lifecycle)
    assert entries(harness) == []
    resolve(harness, case, Outcome.CUSTOMER_WAITED)
    assert "Customer waited" in results(harness, "ergonomic")

    with harness.amends.db.transaction() as session:
        session.delete(session.get(Case, case.id))
    assert entries(harness) == []
    assert "Nothing found" in results(harness, "ergonomic")


def test_a_new_case_shows_similar_past_cases_and_what_worked(harness: Harness) -> None:
    chairs = harness.open_case(customer_name="Northwind Traders", promise="12 office chairs for the Leeds site",
                               cause="supplier-delay", notes="Fabric batch failed inspection.")
    resolve(harness, chairs)
    desks = harness.open_case(customer_name="Fabrikam", promise="4 office desks", cause="logistics",
                              notes="Courier lost the pallet.")
    resolve(harness, desks, Outcome.CUSTOMER_WAITED)
    harness.settle()

    new = harness.open_case(customer_name="Contoso", promise="20 office chairs for the Bristol site",
                            cause="supplier-delay", notes="Supplier says the fabric is late.")
    similar = harness.fake.wait_for(lambda: [m for m in harness.thread(new) if "Similar past cases" in m.text])[0]
    shown = all_text(similar.blocks, similar.text)
    assert shown.index("AM-1") < shown.index("AM-2")          # the closest first (same cause, more words)
    assert "Customer chose: Took an alternative" in shown
    assert "<@" not in shown                                  # nobody is pinged
    assert "AM-3" not in shown                                # never itself


def test_no_similar_cases_posts_nothing(harness: Harness) -> None:
    case = harness.open_case()
    harness.settle()
    assert not [m for m in harness.thread(case) if "Similar past cases" in m.text]


def similar_on_click(harness: Harness, case: Case, *, user: str = ASSOCIATE, message: Message | None = None) -> str:
    before = len(harness.fake.ephemerals(user))
    harness.driver.click(user, "case_action:similar_cases", message=message or harness.case_message(case))
    answer = harness.fake.wait_for(lambda: harness.fake.ephemerals(user)[before:] and harness.fake.ephemerals(user)[-1])
    return all_text(answer.blocks, answer.text)


def test_the_case_message_button_shows_the_closest_resolved_cases_to_whoever_asks(harness: Harness) -> None:
    boilers = harness.open_case(customer_name="Northwind Traders", promise="2 combi boilers installed by Friday",
                                cause="supplier-delay", notes="Diverted two boilers from the Bristol branch transfer.")
    while_open = harness.case_message(boilers)
    resolve(harness, boilers)
    sofa = harness.open_case(customer_name="Fabrikam", promise="Corner sofa delivered and installed Saturday", cause="quality",
                             notes="Arrived damaged; gave a voucher for the next order.")
    resolve(harness, sofa, Outcome.CUSTOMER_WAITED)
    kettles = harness.open_case(customer_name="Tailspin", promise="40 kettles for the staff kitchens",
                                cause="logistics", notes="Barcode mixup sent the wrong kettle.")
    resolve(harness, kettles)
    new = harness.open_case(customer_name="Contoso", promise="3 boilers installed before the cold snap",
                            cause="supplier-delay", notes="Supplier cannot ship until next month.")
    harness.settle()

    shown = similar_on_click(harness, new, user=MANAGER)
    assert shown.startswith(f"Similar past cases to {new.ref} and what worked")
    assert shown.index(boilers.ref) < shown.index(sofa.ref)    # more words in common (and the same cause)
    assert kettles.ref not in shown                             # nothing in common
    assert "Customer chose: Customer waited" in shown

    # A resolved case never lists itself, only the others (asked from the message as it was while open).
    mine = similar_on_click(harness, boilers, message=while_open)
    assert boilers.ref + " ·" not in mine and sofa.ref in mine


def test_the_button_says_so_when_no_resolved_case_is_alike(harness: Harness) -> None:
    case = harness.open_case(promise="A <b>bespoke</b> & unusual order")
    shown = similar_on_click(harness, case)
    assert f"No resolved case like {case.ref} yet" in shown


def test_re_indexing_a_case_counts_its_words_once_in_the_vocabulary(harness: Harness) -> None:
    """Typo correction and search plans read how many entries hold each word: re-indexing a resolved case
    (its satisfaction recorded later) must not count its words again (it did on PostgreSQL)."""
    from sqlalchemy import select

    from bot.knowledge.cases import index_case
    from bot.knowledge.index import claim_event
    from bot.knowledge.models import Term

    case = harness.open_case(promise="A walnut bookcase for the library", cause="stock-out")
    resolve(harness, case)
    with harness.amends.db.transaction() as session:
        index_case(session, service.get_case(session, case.id), harness.clock.now())
    with harness.amends.db.transaction() as session:
        assert session.scalar(select(Term.entries).where(Term.term == "walnut")) == 1
        # The same "insert unless there" decides whether an Events API delivery is new or Slack's retry.
        assert claim_event(session, "Ev0RETRY", harness.clock.now()) is True
        assert claim_event(session, "Ev0RETRY", harness.clock.now()) is False


def test_a_resolved_case_reads_as_what_was_tried_what_they_chose_and_the_lesson(harness: Harness) -> None:
    """Search results and Similar past cases tell the case in words (checks with their outcomes, the
    customer's choice, the lesson, amounts as £182), never the raw event log; and the event log's own
    words ("channel", "draft") don't make the case match a query."""
    from tests.test_offers import offer, open_choice
    from tests.test_playbooks import Checklist
    from tests.test_resolve import open_modal, submit

    case = harness.open_case(customer_name="Northwind Traders", promise="65-inch TV for the Leeds showroom",
                             cause="stock-out", notes="System showed 3 in stock; the shelf was empty.")
    checklist = Checklist(harness, case.id)
    checklist.check("other-location", "tried")
    checklist.check("physical-check", "not_possible")
    with harness.amends.db.transaction() as session:
        service.record_customer_contacted(session, case.id, actor_id=ASSOCIATE, now=harness.clock.now(),
                                          channel="email", lifecycle=harness.amends.lifecycle)
    offer(harness, case, ["loaner-unit"], "free-shipping-next")
    choice = open_choice(harness, case)
    loaner = next(o["value"] for b in choice.view["blocks"] if b.get("block_id") == "choice_alternative"
                  for o in b["element"]["options"])
    assert submit(harness, choice, {"choice": "alternative", "choice_alternative": loaner,
                                    "choice_final_cost": "182"})["response_action"] == "update"
    harness.waive_required_steps(case.id)  # not about the checklist's required steps
    resolved = open_modal(harness, case, "close", "resolve_case")
    submit(harness, resolved, {"outcome": "took_alternative", "final_cost": "182",
                               "lesson_cause": "The stock count was wrong for a week.",
                               "lesson_worked": "A loaner TV the same afternoon.",
                               "lesson_change": "Count the showroom stock every Monday."})
    harness.fake.wait_for(lambda: entries(harness))
    harness.settle()

    shown = results(harness, "showroom TV")
    assert "*showroom* · What worked: A loaner *TV* the same afternoon. · Tried: Stock at another location" in shown
    [entry] = entries(harness)
    lines = entry.body.splitlines()
    assert lines[1:4] == [
        "What worked: A loaner TV the same afternoon.",
        "Tried: Stock at another location: tried, no luck; Physical check (the system may be wrong): "
        "not possible",
        "Customer chose: Took an alternative: A loaner or demo unit until theirs arrives",
    ]
    assert "Final cost: £182" in lines and "What caused it: The stock count was wrong for a week." in lines
    for raw in ("check recorded", "outcome tried", "draft", "channel", "customer contacted", "GBP", "182.00"):
        assert raw not in entry.body, raw
    assert "channel" not in entry.index_body and "email" not in entry.index_body
    assert "Nothing found" in results(harness, "email")  # the contact's channel, only in the event log

    new = harness.open_case(customer_name="Contoso", promise="55-inch TV for the Leeds showroom",
                            cause="stock-out", notes="The shelf was empty.")
    similar = harness.fake.wait_for(lambda: [m for m in harness.thread(new) if "Similar past cases" in m.text])[0]
    told = all_text(similar.blocks, similar.text)
    assert "What worked: A loaner TV the same afternoon." in told
    assert "Tried: Stock at another location: tried, no luck" in told
    assert "Customer chose: Took an alternative: A loaner or demo unit until theirs arrives" in told
