"""`amends sandbox --demo`: realistic cases at different stages, made by driving the real bot."""

from __future__ import annotations

from playwright.sync_api import expect

from bot.sandbox.demo import seed_demo
from bot.sandbox.runtime import Sandbox
from bot.sandbox.workspace import BEST_PRACTICES, CASES, MANAGER
from tests.browser.support import SandboxPage


def test_the_demo_fills_the_workspace_through_the_bot(ui: SandboxPage, sandbox: Sandbox) -> None:
    summary = seed_demo(sandbox)
    assert "4 cases in #cases" in summary and "4 posts in #best-practices" in summary
    assert "2 message drafts" in summary

    ui.open(CASES.id, as_=MANAGER.id)
    cases = ui.messages("Promise at risk")
    expect(cases).to_have_count(4)
    for customer in ["Northwind Traders", "Harbour Dental Clinic", "Siobhan O'Brien", "Contoso Labs"]:
        expect(ui.messages(customer)).to_have_count(1)
    expect(ui.messages("Harbour Dental Clinic")).to_contain_text("critical")  # overdue, key account
    ui.messages("Northwind Traders").get_by_role("button", name="replies").click()
    expect(ui.thread_messages("Phone script for Northwind Traders")).to_contain_text("Called by @Ada Lovelace")
    ui.shot("demo-cases")

    ui.channel(BEST_PRACTICES.id)
    expect(ui.messages()).to_have_count(4)
    ui.shot("demo-best-practices")
