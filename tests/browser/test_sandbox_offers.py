"""Offering alternatives and approving an offer in the sandbox page, on the real bot: Ada offers more than
her limit, Sam (the approver) approves it from his DMs, and Ada hears it."""

from __future__ import annotations

from playwright.sync_api import expect

from bot.sandbox.workspace import APPROVER, ASSOCIATE, SUPPORT
from tests.browser.support import SandboxPage


def test_an_offer_beyond_the_limit_goes_to_the_approver_who_approves_it(ui: SandboxPage) -> None:
    ui.open(SUPPORT.id)
    case = ui.open_case()
    case.get_by_role("button", name="Offer alternatives").click()
    # 100 to win a customer × 1.5 (preferred) × 1.5 for the delay to the new date the intake suggested (the
    # achievable date: 3 days + 1 day's buffer for a supplier delay).
    expect(ui.modal).to_contain_text("Budget for this case: £225")
    expect(ui.modal).to_contain_text("× 1.5 for a Preferred customer")
    for choice in ("A loaner or demo unit", "Upgrade to an equal or better model", "Store credit"):
        ui.modal.locator("label.bk-choice", has_text=choice).locator("input").check()
    ui.shot("offer-modal")
    ui.modal.get_by_role("button", name="Offer").click()
    expect(ui.modal).to_contain_text("Sent for approval")
    expect(ui.modal).to_contain_text("It may cost £242, over this case's budget of £225")
    ui.modal.get_by_role("button", name="Done").click()

    ui.act_as(APPROVER.id)
    ui.app("messages")
    request = ui.messages("Approval needed").last
    expect(request).to_contain_text("Northwind Traders")
    ui.shot("approval-request")
    request.get_by_role("button", name="Approve", exact=True).click()
    expect(ui.messages("Approved").last).to_contain_text("by @Sam Okafor")
    expect(ui.messages("Approved").last.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    ui.shot("approved")

    ui.act_as(ASSOCIATE.id)
    ui.app("messages")
    expect(ui.messages("Your offer on AM-1").last).to_contain_text("Approved")
