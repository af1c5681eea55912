"""Best practices in the sandbox page: posts in #best-practices, "Save as best practice", /recover search."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from bot.knowledge.models import Entry
from bot.sandbox.runtime import Sandbox
from bot.sandbox.workspace import ASSOCIATE, BEST_PRACTICES, MANAGER, SUPPORT
from tests.browser.support import SandboxPage
from tests.support import waive_required_steps


def indexed(sandbox: Sandbox, count: int) -> None:
    """Wait until the bot has indexed `count` entries (it indexes after acking the event)."""
    def enough() -> bool:
        with sandbox.amends.db.transaction() as session:
            return session.scalar(select(func.count()).select_from(Entry)) >= count
    sandbox.fake.wait_for(enough, timeout=15)


def test_search_past_fixes_with_a_typo_and_save_a_message_as_best_practice(ui: SandboxPage, sandbox: Sandbox) -> None:
    ui.open(BEST_PRACTICES.id, as_=MANAGER.id)
    ui.send("Carrier lost the delivery slot? Book our own van for key accounts: it costs less than the credit.")
    indexed(sandbox, 1)

    ui.act_as(ASSOCIATE.id)
    ui.channel(SUPPORT.id)
    ui.send("/recover search carier lost slot")
    results = ui.page.locator("#main .msg-ephemeral").filter(has_text="Results")
    expect(results).to_contain_text("Results 1–1 of 1")
    expect(results).to_contain_text("Book our own van")
    expect(results.locator(".mk-mention")).to_contain_text(["@Maria Garcia"])
    ui.shot("search-results")
    results.get_by_role("link", name="open").click()  # the permalink opens the message here
    expect(ui.page.locator(f"#sidebar a[data-channel='{BEST_PRACTICES.id}']")).to_have_attribute(
        "aria-current", "page")
    expect(ui.thread_messages("Book our own van")).to_be_visible()
    ui.channel(SUPPORT.id)

    ui.send("Loaner units: the demo fleet in Bristol can ship the same day.")
    tip = ui.messages("demo fleet in Bristol")
    tip.hover()
    tip.get_by_role("button", name="More actions").click()
    tip.get_by_role("menuitem", name="Save as best practice").click()
    expect(ui.modal).to_contain_text("Save as best practice")
    expect(ui.modal.get_by_label("Title")).to_have_value("Loaner units: the demo fleet in Bristol can ship the same day.")
    ui.modal.get_by_label("Title").fill("Ship a demo unit as a loaner")
    ui.modal.get_by_label("Cause").select_option(label="Stock-out")
    ui.shot("save-as-best-practice")
    ui.modal.get_by_role("button", name="Save").click()
    expect(ui.modal).to_have_count(0)
    indexed(sandbox, 2)

    ui.channel(BEST_PRACTICES.id)
    expect(ui.messages("Ship a demo unit as a loaner")).to_be_visible()
    ui.channel(SUPPORT.id)
    ui.send("/recover search loaner cause:stock-out")
    found = ui.page.locator("#main .msg-ephemeral").filter(has_text="for “loaner cause:stock-out”")
    expect(found).to_contain_text("Ship a demo unit as a loaner")
    expect(found).to_contain_text("cause: Stock-out")
    ui.shot("search-saved")


def test_similar_past_cases_for_a_new_case_and_from_its_button(ui: SandboxPage, sandbox: Sandbox) -> None:
    from bot.cases import service
    from bot.cases.models import Outcome

    ui.open()
    ui.open_case(customer_name="Northwind Traders", promise="12 office chairs delivered to the Leeds site",
                 notes="Fabric batch failed inspection; offered the mesh model at the same price.")
    amends = sandbox.amends
    with amends.db.transaction() as session:
        [first] = service.open_cases_owned_by(session, ASSOCIATE.id)
        waive_required_steps(session, first.id, amends.clock.now(), manager=MANAGER.id)
        service.resolve_case(session, first.id, actor_id=ASSOCIATE.id, now=amends.clock.now(),
                             outcome=Outcome.TOOK_ALTERNATIVE, lifecycle=amends.lifecycle)
    indexed(sandbox, 1)

    case = ui.open_case(customer_name="Contoso", promise="20 office chairs for the Bristol site",
                        notes="Supplier says the fabric is late.")
    case.get_by_role("button", name="Similar past cases").click()
    similar = ui.page.locator("#main .msg-ephemeral").filter(has_text="Similar past cases to AM-2")
    expect(similar).to_contain_text("AM-1 · Supplier delay: 12 office chairs delivered to the Leeds site")
    expect(similar).to_contain_text("Customer chose: Took an alternative")
    expect(similar).to_contain_text("offered the mesh model at the same price")
    ui.shot("similar-past-cases")
