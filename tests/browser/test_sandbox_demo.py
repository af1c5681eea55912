"""`amends sandbox --demo`: realistic cases at different stages, made by driving the real bot."""

from __future__ import annotations

from playwright.sync_api import expect

from bot.sandbox.demo import seed_demo
from bot.sandbox.runtime import Sandbox
from bot.sandbox.workspace import APPROVER, ASSOCIATE, BEST_PRACTICES, CASES, MANAGER
from tests.browser.support import SandboxPage


def test_the_demo_fills_the_workspace_through_the_bot(ui: SandboxPage, sandbox: Sandbox) -> None:
    summary = seed_demo(sandbox)
    assert "4 cases in #cases" in summary and "4 posts in #best-practices" in summary
    assert "2 message drafts" in summary and "2 offers (one waiting for Sam Okafor's approval)" in summary

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


def test_the_demo_home_tabs_show_each_persons_cases_and_the_managers_team(ui: SandboxPage, sandbox: Sandbox) -> None:
    seed_demo(sandbox)
    ui.open(CASES.id, as_=ASSOCIATE.id)
    ui.app("home")
    home = ui.page.locator("#main .home")
    expect(home).to_contain_text("Amends · your cases")
    expect(home).to_contain_text("Northwind Traders")
    expect(home).to_contain_text("Siobhan O'Brien")
    expect(home).not_to_contain_text("Harbour Dental Clinic")  # Ben's
    expect(home).not_to_contain_text("Team's open cases")
    ui.shot("demo-home-associate")

    ui.act_as(MANAGER.id)
    ui.app("home")
    expect(home).to_contain_text("Amends · your team")
    team = home.locator(".bk-section").filter(has_text="Harbour Dental Clinic").first
    expect(team).to_contain_text("critical")
    expect(home).to_contain_text("Deadline near, customer not told")
    expect(home).to_contain_text("This week")
    ui.shot("demo-home-manager")

    ui.act_as(APPROVER.id)  # Sam approves offers without being a manager
    ui.app("home")
    expect(home).to_contain_text("Approvals waiting for you")
    expect(home).not_to_contain_text("Team's open cases")
    ui.shot("demo-home-approver")
    home.get_by_role("button", name="Approve", exact=True).click()
    expect(home).not_to_contain_text("Approvals waiting for you")  # decided: the Home refreshes by itself
