"""People talking in the sandbox: messages, mentions, threads, edits, deletions and the app's DM."""

from __future__ import annotations

from playwright.sync_api import expect

from bot.sandbox.runtime import Sandbox
from bot.sandbox.workspace import ASSOCIATE, BEST_PRACTICES, MANAGER
from tests.browser.support import SandboxPage


def test_messages_threads_edits_and_deletions(ui: SandboxPage, sandbox: Sandbox) -> None:
    ui.open(BEST_PRACTICES.id, as_=MANAGER.id)
    ui.send("@ada when a carrier loses the slot, book our own van (see #cases)")
    tip = ui.messages("book our own van")
    expect(tip.locator(".mk-mention")).to_have_text("@Ada Lovelace")
    expect(tip.locator(".mk-channel")).to_have_text("#cases")
    stored = sandbox.fake.messages(BEST_PRACTICES.id)[-1]
    assert stored.user == MANAGER.id and stored.text.startswith(f"<@{ASSOCIATE.id}> when a carrier")

    ui.act_as(ASSOCIATE.id)
    ui.channel(BEST_PRACTICES.id)
    expect(tip.locator(".mk-mention")).to_have_class("mk-mention mk-me")  # Ada sees she was mentioned
    tip.hover()
    tip.get_by_role("button", name="Reply in thread").click()
    ui.send("It cost less than the credit we would have given.", in_thread=True)
    expect(ui.thread_messages("cost less than the credit")).to_be_visible()
    expect(tip.get_by_role("button", name="1 reply")).to_be_visible()
    ui.shot("thread")

    reply = ui.thread_messages("cost less than the credit")
    reply.hover()
    reply.get_by_role("button", name="More actions").click()
    reply.get_by_role("menuitem", name="Edit message").click()
    editor = ui.page.get_by_role("textbox", name="Edit message")
    editor.fill("It cost far less than the credit we would have given.")
    editor.press("Enter")
    edited = ui.thread_messages("far less")
    expect(edited).to_contain_text("(edited)")

    edited.hover()
    edited.get_by_role("button", name="More actions").click()
    edited.get_by_role("menuitem", name="Delete message").click()
    ui.page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(ui.thread_messages("far less")).to_have_count(0)
    assert len(sandbox.fake.thread(BEST_PRACTICES.id, stored.ts)) == 0


def test_the_apps_messages_tab_is_the_dm_with_the_bot(ui: SandboxPage) -> None:
    ui.open(as_=ASSOCIATE.id)
    ui.app("messages")
    ui.send("/recover help")
    help_text = ui.page.locator("#main .msg-ephemeral")
    expect(help_text).to_contain_text("/recover")
    expect(help_text).to_contain_text("list")
    ui.page.locator("#main .tabs").get_by_role("link", name="About").click()
    expect(ui.page.locator("#main .about")).to_contain_text("/recover search <words>")
    expect(ui.page.locator("#main .about")).to_contain_text("find past fixes and best practices")
    ui.shot("about")
