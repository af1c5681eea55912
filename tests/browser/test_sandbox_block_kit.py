"""The page renders Block Kit as Slack does, safely, and every element sends Slack's payload."""

from __future__ import annotations

from playwright.sync_api import expect

from bot.sandbox.runtime import Sandbox
from bot.sandbox.workspace import ASSOCIATE, CASES, MANAGER, SUPPORT
from tests.browser.kit import (
    Recorder,
    bot_client,
    gallery_blocks,
    install_modal_flow,
    mrkdwn,
    plain,
    record_kit_actions,
)
from tests.browser.support import SandboxPage

HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def test_html_in_a_customer_name_or_a_message_shows_as_text(ui: SandboxPage, sandbox: Sandbox) -> None:
    ui.open(SUPPORT.id)
    case = ui.open_case(customer_name=HOSTILE, promise='Chairs <b>"bold"</b> & <i>more</i>')
    expect(case).to_contain_text(HOSTILE)
    expect(case).to_contain_text('Chairs <b>"bold"</b> & <i>more</i>')

    ui.send('<img src=x onerror="window.__pwned = 3"> *still bold* &amp; <b>text</b>')
    typed = ui.messages("still bold")
    expect(typed).to_contain_text('<img src=x onerror="window.__pwned = 3">')
    expect(typed).to_contain_text("&amp; <b>text</b>")
    expect(typed.locator("strong")).to_have_text("still bold")

    bot_client(sandbox).chat_postMessage(channel=CASES.id, text="<javascript:alert(1)|click me> <data:text/html,x|y>")
    sneaky = ui.messages("click me")
    expect(sneaky).to_be_visible()
    expect(sneaky.locator("a")).to_have_count(0)
    ui.shot("injection-shown-as-text")

    main = ui.page.locator("#main")
    expect(main.locator(".msg-content img")).to_have_count(0)
    expect(main.locator(".msg-content script, .msg-content b, .msg-content i")).to_have_count(0)
    assert ui.page.evaluate("window.__pwned") is None


def test_every_block_and_element_renders_and_sends_slacks_payload(ui: SandboxPage, sandbox: Sandbox) -> None:
    recorder = record_kit_actions(sandbox)
    ui.open(SUPPORT.id)
    bot_client(sandbox).chat_postMessage(channel=SUPPORT.id, text="Block Kit gallery", blocks=gallery_blocks())
    message = ui.messages("Everything Slack shows")
    expect(message.get_by_role("heading")).to_have_text("Everything Slack shows 🎉")

    text = message.locator("[data-block-id='kit_text'] .bk-section-text")
    expect(text.locator("strong").first).to_have_text("bold")
    expect(text.locator("em").first).to_have_text("italic")
    expect(text.locator("del")).to_have_text("strike")
    expect(text.locator("code")).to_have_text("code")
    link = text.locator("a.mk-link")
    expect(link).to_have_count(1)
    expect(link).to_have_text("a link")
    expect(link).to_have_attribute("href", "https://example.com/case?id=1&x=2")
    expect(text.locator(".mk-mention").first).to_have_text("@Maria Garcia")
    expect(text.locator(".mk-channel")).to_have_text("#cases")
    expect(text.locator(".mk-broadcast")).to_have_text("@here")
    expect(text).to_contain_text("<not a tag>")
    expect(text).to_contain_text("not a link")
    expect(text.locator("time")).to_have_text("Thursday, January 1st, 2026 at 12:00 AM")
    expect(text).to_contain_text("✅")
    expect(text.locator("pre")).to_have_text("pre *not bold*")
    expect(text.locator("blockquote")).to_have_text("quoted")
    expect(message.locator(".bk-field")).to_have_text(["Customer\nNorthwind", "Due\nFriday"], use_inner_text=True)
    expect(message.locator(".bk-context")).to_contain_text("context text")
    expect(message.locator(".bk-divider")).to_have_count(1)
    expect(message.locator("figure img")).to_have_attribute("alt", "weekly chart")
    ui.shot("gallery")

    message.get_by_role("button", name="Approve").click()
    approve = recorder.action("kit_primary")
    assert approve["value"] == "p" and approve["block_id"] == "kit_actions" and approve["style"] == "primary"
    clicked = recorder.wait_for(lambda p: p["actions"][0]["action_id"] == "kit_primary")
    assert clicked["container"]["type"] == "message" and clicked["channel"]["id"] == SUPPORT.id
    assert clicked["user"]["id"] == ASSOCIATE.id and clicked["response_url"] and clicked["trigger_id"]
    assert clicked["state"]["values"]["kit_actions"]["kit_date"]["selected_date"] == "2026-12-01"

    message.get_by_role("button", name="Deny").click()
    dialog = ui.page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Deny the offer?")
    expect(dialog.locator("strong")).to_have_text("at once")
    ui.shot("confirm-dialog")
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_have_count(0)
    assert recorder.count("kit_danger") == 0
    message.get_by_role("button", name="Deny").click()
    ui.page.get_by_role("alertdialog").get_by_role("button", name="Yes, deny").click()
    assert recorder.action("kit_danger")["value"] == "x"

    message.get_by_label("Pick a reason").select_option(label="Policy")
    assert recorder.action("kit_select")["selected_option"]["value"] == "policy"
    message.locator("[data-action-id='kit_date']").fill("2026-12-24")
    assert recorder.wait_for(lambda p: p["actions"][0].get("selected_date") == "2026-12-24")
    message.locator("[data-action-id='kit_time']").fill("14:45")
    assert recorder.action("kit_time")["selected_time"] == "14:45"
    message.get_by_label("Hand over to").select_option(label="Maria Garcia")
    assert recorder.action("kit_user")["selected_user"] == MANAGER.id
    message.get_by_label("Post in").select_option(label="#cases")
    assert recorder.action("kit_channel")["selected_channel"] == CASES.id
    message.get_by_label("Called").check()
    message.get_by_label("Texted").check()
    assert [o["value"] for o in recorder.wait_for(
        lambda p: len(p["actions"][0].get("selected_options", [])) == 2)["actions"][0]["selected_options"]] \
        == ["called", "texted"]
    message.get_by_label("Alternative").check()
    assert recorder.action("kit_radio")["selected_option"]["value"] == "alternative"
    message.get_by_role("button", name="More options").click()
    message.get_by_role("menuitem", name="Delete").click()
    assert recorder.action("kit_overflow")["selected_option"]["value"] == "delete"
    message.get_by_role("button", name="Details").click()
    assert recorder.action("kit_accessory")["block_id"] == "kit_fields"

    last = recorder.wait_for(lambda p: p["actions"][0]["action_id"] == "kit_accessory")
    values = last["state"]["values"]
    assert values["kit_actions"]["kit_select"]["selected_option"]["value"] == "policy"
    assert values["kit_actions"]["kit_user"]["selected_user"] == MANAGER.id
    assert values["kit_choices"]["kit_radio"]["selected_option"]["value"] == "alternative"


def open_test_modal(ui: SandboxPage, sandbox: Sandbox) -> Recorder:
    recorder = Recorder()
    install_modal_flow(sandbox, recorder)
    record_kit_actions(sandbox, recorder)
    ui.open(SUPPORT.id)
    bot_client(sandbox).chat_postMessage(channel=SUPPORT.id, text="modal test", blocks=[
        {"type": "actions", "elements": [{"type": "button", "action_id": "kit_open", "text": plain("Open test modal")}]}])
    ui.messages().get_by_role("button", name="Open test modal").click()
    expect(ui.modal).to_contain_text("Test modal")
    return recorder


def test_modal_stack_errors_push_back_update_and_clear(ui: SandboxPage, sandbox: Sandbox) -> None:
    recorder = open_test_modal(ui, sandbox)

    ui.modal.get_by_label("Name").fill("bad")
    ui.modal.get_by_role("button", name="Submit").click()
    expect(ui.field("name")).to_contain_text("No bad names, please.")
    ui.shot("error-from-the-bot")

    ui.modal.get_by_role("button", name="Push a view").click()
    expect(ui.modal).to_contain_text("Step two")
    pushed = recorder.action("kit_push")
    assert pushed["block_id"] == "more"
    ui.shot("pushed-view")
    ui.modal.get_by_role("button", name="Back", exact=True).click()
    expect(ui.modal).to_contain_text("Test modal")
    expect(ui.modal.get_by_label("Name")).to_have_value("bad")  # the view below kept what was typed

    ui.modal.get_by_label("Name").fill("update")
    ui.modal.get_by_role("button", name="Submit").click()
    expect(ui.modal).to_contain_text("Updated: now push on.")
    expect(ui.modal.locator("strong")).to_have_text("now push on")
    expect(ui.field("name")).not_to_contain_text("No bad names")

    ui.modal.get_by_label("Name").fill("push")
    ui.modal.get_by_role("button", name="Submit").click()
    expect(ui.modal).to_contain_text("Step two")
    ui.modal.get_by_label("Reason").fill("done")
    ui.modal.get_by_role("button", name="Finish").click()
    expect(ui.modal).to_have_count(0)
    finished = recorder.wait_for(lambda p: p.get("type") == "view_submission")
    assert finished["view"]["state"]["values"]["name"]["name"]["value"] == "done"


def test_the_x_closes_the_modal_and_tells_the_bot(ui: SandboxPage, sandbox: Sandbox) -> None:
    recorder = open_test_modal(ui, sandbox)
    ui.modal.get_by_role("button", name="Push a view").click()
    expect(ui.modal).to_contain_text("Step two")
    ui.modal.get_by_role("button", name="Close").click()
    expect(ui.modal).to_have_count(0)
    closed = recorder.wait_for(lambda p: p.get("type") == "view_closed")
    assert closed["is_cleared"] is True


def test_the_home_tab_shows_the_published_view_and_its_clicks_reach_the_bot(ui: SandboxPage, sandbox: Sandbox) -> None:
    recorder = record_kit_actions(sandbox)
    ui.open(SUPPORT.id)
    ui.app("home")  # opening the tab has the bot publish its own Home; the kit's replaces it
    expect(ui.page.locator("#main .home")).to_contain_text("Amends · your cases")
    home = bot_client(sandbox).views_publish(user_id=ASSOCIATE.id, view={"type": "home", "blocks": [
        {"type": "header", "text": plain("Kit: open cases")},
        {"type": "section", "text": mrkdwn("*AM-1* · Northwind Traders"),
         "accessory": {"type": "button", "action_id": "kit_home_open", "text": plain("Open"), "value": "1"}},
    ]})["view"]
    expect(ui.page.locator("#main .home")).to_contain_text("Kit: open cases")
    ui.shot("home-tab")
    ui.page.locator("#main .home").get_by_role("button", name="Open", exact=True).click()
    clicked = recorder.wait_for(lambda p: p["actions"][0]["action_id"] == "kit_home_open")
    assert clicked["container"] == {"type": "view", "view_id": home["id"]}
    assert clicked["view"]["type"] == "home"

    ui.act_as(MANAGER.id)
    ui.app("home")
    expect(ui.page.locator("#main .home")).to_contain_text("Amends · your team")  # each person has their own
    expect(ui.page.locator("#main .home")).not_to_contain_text("Kit: open cases")
