"""Drafting a message to the customer in the sandbox page, on the real bot."""

from __future__ import annotations

from playwright.sync_api import expect

from bot.sandbox.workspace import SUPPORT
from tests.browser.support import SandboxPage


def test_draft_a_message_edit_it_check_its_tone_save_and_mark_it_sent(ui: SandboxPage) -> None:
    ui.open(SUPPORT.id)
    case = ui.open_case()
    case.get_by_role("button", name="Draft message").click()
    expect(ui.modal.get_by_role("heading")).to_have_text("Draft message")
    script = ui.modal.get_by_role("textbox", name="Phone script")
    # Nothing is recorded on the new case, so the draft claims nothing was done, and the check says so.
    expect(ui.modal).to_contain_text("Doesn't say what has been done")
    assert "Northwind Traders" in script.input_value() and "+44 20 7946 0123" in script.input_value()
    ui.shot("phone-script")

    ui.modal.get_by_role("radio", name="Email").check()
    subject = ui.modal.get_by_label("Subject")
    expect(subject).to_have_value("Your order SO-18342: a change to your delivery, and your options")
    body = ui.modal.get_by_role("textbox", name="Email")
    edited = body.input_value() + "\nIt is guaranteed to be with you on Friday."
    body.fill(edited)
    ui.modal.get_by_role("button", name="Check tone again").click()
    expect(ui.modal).to_contain_text("Promises what we don't control")
    expect(ui.modal).to_contain_text("“guaranteed”")
    expect(body).to_have_value(edited)  # what was typed stays
    ui.shot("tone-hint")

    ui.modal.get_by_role("button", name="Save draft").click()
    expect(ui.modal).to_contain_text("Saved on AM-1")
    ui.modal.get_by_role("button", name="Done").click()
    expect(ui.modal).to_have_count(0)

    case.get_by_role("button", name="replies").click()
    draft = ui.thread_messages("Email for Northwind Traders")
    expect(draft).to_contain_text("by @Ada Lovelace (edited)")
    expect(draft.locator("pre").last).to_contain_text("It is guaranteed to be with you on Friday.")
    expect(draft).to_contain_text("Tone hints: Promises what we don't control")
    draft.get_by_role("button", name="Mark as sent").click()
    expect(draft).to_contain_text("Sent by @Ada Lovelace")
    expect(draft.get_by_role("button", name="Mark as sent")).to_have_count(0)
    ui.shot("draft-sent")
