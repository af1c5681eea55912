"""The recovery checklist in a case thread, on the sandbox page: recording a check, ticking a step."""

from __future__ import annotations

from playwright.sync_api import expect

from bot.sandbox.workspace import SUPPORT
from tests.browser.support import SandboxPage


def test_record_a_check_then_tick_a_step_in_the_recovery_checklist(ui: SandboxPage) -> None:
    ui.open(SUPPORT.id)
    case = ui.open_case()
    case.get_by_role("button", name="replies").click()
    checklist = ui.thread_messages("Recovery checklist")
    expect(checklist).to_contain_text("Late delivery playbook · 0 of")
    expect(checklist).to_contain_text("Try to still keep the promise")
    # Only the current step in full: the others are one line each (their guidance is in their details).
    expect(checklist).to_contain_text("look everywhere before you call the customer")  # step 1's why
    tell = checklist.locator(".bk-section").filter(has_text="2. Tell your manager")
    expect(tell).not_to_contain_text("surprises")

    # With nothing recorded, Done on the keep-the-promise step says why, over the checklist, where Ada is.
    keep = checklist.locator(".bk-section").filter(has_text="1. Try to still keep the promise")
    checklist.locator(".bk-actions").first.get_by_role("button", name="Done").click()
    expect(ui.modal).to_contain_text("Record how at least one way of keeping the promise went first")
    ui.shot("keep-promise-refused")
    ui.modal.get_by_role("button", name="OK").click()
    expect(ui.modal).to_have_count(0)
    expect(keep).to_contain_text("required")

    warehouse = checklist.locator(".bk-section").filter(has_text="Stock at another warehouse or store")
    expect(warehouse).to_contain_text("not checked yet")
    warehouse.get_by_label("Record outcome").select_option(label="Tried, no luck")
    expect(warehouse).to_contain_text("Tried, no luck (@Ada Lovelace)")
    expect(warehouse.get_by_label("Record outcome")).to_have_value("tried")
    ui.shot("check-recorded")

    # The check that mattered is enough: the others read "Not tried", and the step folds to one line.
    checklist.locator(".bk-actions").first.get_by_role("button", name="Done").click()
    expect(keep).to_contain_text("1. Try to still keep the promise — done by @Ada Lovelace")
    expect(keep).to_contain_text("checks: 1 tried, no luck,")
    expect(keep).to_contain_text("not tried")
    expect(warehouse).to_have_count(0)
    expect(tell).to_contain_text("surprises")  # now the current step, in full
    ui.shot("keep-promise-folded")

    tell_actions = checklist.locator(".bk-actions").filter(has=ui.page.get_by_role("button", name="Alert managers"))
    tell_actions.get_by_role("button", name="Done").click()
    expect(tell).to_contain_text("2. Tell your manager — done by @Ada Lovelace")
    expect(tell.locator(".mk-mention")).to_have_text("@Ada Lovelace")
    expect(tell.get_by_role("button", name="More options")).to_be_visible()  # reopen, add a note
    expect(tell_actions).to_have_count(0)
    expect(checklist).to_contain_text("Late delivery playbook · 2 of 10 steps done")
    ui.shot("step-done")

    # A folded step's details on demand: its menu's "Add a note" shows why it matters and its notes.
    keep.get_by_role("button", name="More options").click()
    keep.get_by_role("menuitem", name="Add a note").click()
    expect(ui.modal).to_contain_text("look everywhere before you call the customer")
