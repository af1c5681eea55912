"""Opening a case in the sandbox page, as an associate would, on the real bot."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from bot.sandbox.workspace import ASSOCIATE, CASES, MANAGER, SUPPORT
from tests.browser.support import SandboxPage


def test_recover_modal_field_error_then_case_posted_with_manager_alert(ui: SandboxPage) -> None:
    ui.open(SUPPORT.id)
    ui.send("/recover")
    expect(ui.modal).to_contain_text("A promise is at risk")
    ui.shot("intake-modal")

    # Slack's own check first: a required field left empty never reaches the bot.
    ui.modal.get_by_role("button", name="Save case").click()
    expect(ui.field("customer_name")).to_contain_text("Please fill out this field.")

    # Then the bot's: a new date in the past comes back as a field error, and everything typed stays.
    ui.fill_intake(new_date=datetime(2020, 1, 6, 9, 30, tzinfo=ZoneInfo("Europe/London")))
    ui.modal.get_by_role("button", name="Save case").click()
    expect(ui.field("new_date")).to_contain_text("This date has already passed")
    expect(ui.field("customer_name").locator("input")).to_have_value("Northwind Traders")
    ui.shot("field-error")

    later = datetime.now(ZoneInfo("Europe/London")) + timedelta(days=5)
    ui.modal.get_by_label("New realistic date (date)").fill(later.strftime("%Y-%m-%d"))
    ui.modal.get_by_role("button", name="Save case").click()
    expect(ui.modal).to_contain_text("Saved as AM-1 for Northwind Traders")
    expect(ui.field("new_date")).to_have_count(0)
    ui.shot("saved")
    ui.modal.get_by_role("button", name="Done").click()
    expect(ui.modal).to_have_count(0)

    ui.channel(CASES.id)
    case = ui.messages("AM-1 · Promise at risk")
    expect(case).to_contain_text("Northwind Traders")
    expect(case).to_contain_text("12 office chairs delivered to the Leeds site")
    expect(case).to_contain_text("Supplier delay")
    expect(case.locator(".mk-mention")).to_contain_text(["@Ada Lovelace"])
    case.get_by_role("button", name="2 replies").click()  # the manager alert and the recovery checklist
    alert = ui.thread_messages("heads-up")
    expect(alert.locator(".mk-mention").first).to_have_text("@Maria Garcia")
    expect(ui.thread_messages("Recovery checklist")).to_contain_text("Try to still keep the promise")
    ui.shot("case-and-thread")

    ui.app("messages")
    expect(ui.messages("is saved and posted in")).to_contain_text("AM-1")
    expect(ui.messages("is saved and posted in").locator(".mk-channel")).to_have_text("#cases")


def test_ephemeral_answers_are_seen_only_by_the_person_who_asked(ui: SandboxPage) -> None:
    ui.open(SUPPORT.id)
    ui.send("/recover list")
    answer = ui.page.locator("#main .msg-ephemeral")
    expect(answer).to_contain_text("You have no open cases")
    expect(answer).to_contain_text("Only visible to you")
    ui.shot("ephemeral")

    ui.act_as(MANAGER.id)
    ui.channel(SUPPORT.id)
    expect(ui.page.locator("#main .intro")).to_be_visible()
    expect(ui.page.locator("#main .msg-ephemeral")).to_have_count(0)

    ui.act_as(ASSOCIATE.id)
    ui.channel(SUPPORT.id)
    expect(answer).to_have_count(1)
    answer.get_by_role("button", name="Dismiss message").click()
    expect(answer).to_have_count(0)


def test_unknown_commands_are_refused_like_slack_does(ui: SandboxPage) -> None:
    ui.open(SUPPORT.id)
    ui.send("/recovr")
    expect(ui.page.locator("#toasts")).to_contain_text("/recovr is not a valid command")
    expect(ui.page.locator("#main .composer-input")).to_have_value("/recovr")


def test_the_command_menu_and_the_requests_panel_show_what_slack_sends(ui: SandboxPage) -> None:
    ui.open(SUPPORT.id)
    ui.page.locator("#main .composer-input").fill("/re")
    menu = ui.page.locator("#main .command-menu")
    expect(menu).to_contain_text("/recover")
    menu.get_by_role("option").first.click()
    expect(ui.page.locator("#main .composer-input")).to_have_value("/recover ")
    ui.page.locator("#main .composer-input").press("Enter")
    expect(ui.modal).to_be_visible()
    ui.modal.get_by_role("button", name="Close").click()
    expect(ui.modal).to_have_count(0)

    ui.page.get_by_role("button", name="Requests").click()
    panel = ui.page.locator("#traffic")
    expect(panel.locator(".traffic-item").filter(has_text="slash_command")).to_contain_text("/recover")
    expect(panel.locator(".traffic-calls")).to_contain_text("views.open")
    ui.shot("requests-panel")


def test_open_case_on_the_home_tab_opens_the_case_thread_here(ui: SandboxPage) -> None:
    """In the sandbox, a button's link to one of its messages opens the thread in the page, as links in
    messages do: amends-sandbox.slack.com does not exist."""
    ui.open(SUPPORT.id)
    ui.open_case(customer_name="Fabrikam Stores")
    popups: list[object] = []
    ui.page.context.on("page", lambda page: popups.append(page))
    ui.app("home")
    home = ui.page.locator("#main .home")
    case = home.locator(".bk-section").filter(has_text="Fabrikam Stores").first
    expect(case.get_by_role("button", name="Open case")).to_be_visible()
    ui.shot("home")
    case.get_by_role("button", name="Open case").click()
    expect(ui.page.locator("#sidebar a[data-channel='" + CASES.id + "']")).to_have_attribute("aria-current", "page")
    expect(ui.thread_messages("Fabrikam Stores").first).to_be_visible()
    ui.shot("home-open-case")
    assert popups == []


def test_the_intake_suggests_the_achievable_date_and_warns_before_an_earlier_one(ui: SandboxPage) -> None:
    ui.open(SUPPORT.id)
    ui.send("/recover")
    tomorrow = datetime.now(ZoneInfo("Europe/London")) + timedelta(days=1, hours=1)
    ui.fill_intake(new_date=tomorrow)
    ui.modal.get_by_label("Coming from").select_option(label="CN")
    expect(ui.modal).to_contain_text("supplier-delay from CN: 7 days + 2 days' buffer")
    ui.shot("intake-achievable")

    ui.modal.get_by_role("button", name="Save case").click()
    expect(ui.modal).to_contain_text("This new date is earlier than the team can keep")
    expect(ui.field("customer_name").locator("input")).to_have_value("Northwind Traders")  # nothing typed is lost
    ui.shot("intake-earlier-warning")

    ui.modal.get_by_role("button", name="Save case").click()  # kept: the same date again
    expect(ui.modal).to_contain_text("Saved as AM-1 for Northwind Traders")
    ui.modal.get_by_role("button", name="Done").click()
    ui.channel(CASES.id)
    expect(ui.messages("AM-1 · Promise at risk")).to_contain_text("earlier than achievable")


def test_edit_case_prefilled_field_error_then_saved_and_said_in_the_thread(ui: SandboxPage) -> None:
    ui.open()
    case = ui.open_case(customer_contact="+44 20 7946 0000")
    case.get_by_role("button", name="Edit case").click()
    expect(ui.modal).to_contain_text("Edit AM-1")
    expect(ui.modal.get_by_label("Customer contact")).to_have_value("+44 20 7946 0000")
    expect(ui.modal.get_by_label("Customer tier")).to_have_value("preferred")

    # A timezone Amends doesn't know comes back on its field, with what was typed elsewhere kept.
    ui.modal.get_by_label("Customer's timezone").fill("Atlantis")
    ui.modal.get_by_label("Customer tier").select_option(label="Key account")
    ui.modal.get_by_role("button", name="Save changes").click()
    expect(ui.field("customer_timezone")).to_contain_text("I don't know that timezone")
    expect(ui.modal.get_by_label("Customer tier")).to_have_value("key")
    ui.shot("edit-case-field-error")

    ui.modal.get_by_label("Customer's timezone").fill("Paris")
    ui.modal.get_by_role("button", name="Save changes").click()
    expect(ui.modal).to_contain_text("Saved on AM-1")
    ui.modal.get_by_role("button", name="Done").click()
    expect(case).to_contain_text("Key account")
    expect(case).to_contain_text("Europe/Paris")
    case.get_by_role("button", name=re.compile("replies")).click()
    note = ui.thread_messages("edited AM-1")
    expect(note).to_contain_text("Customer tier: Preferred → Key account")
    expect(note).to_contain_text("Europe/Paris")
