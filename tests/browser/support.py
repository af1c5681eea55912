"""Helpers for browser tests: what a person does on the sandbox page, in a few words."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, expect

from bot.sandbox.runtime import Sandbox
from bot.sandbox.workspace import ASSOCIATE, CASES, SUPPORT

expect.set_options(timeout=10_000)


class SandboxPage:
    def __init__(self, page: Page, sandbox: Sandbox, output: Path) -> None:
        self.page = page
        self.sandbox = sandbox
        self.output = output
        self._shots = 0

    # ------------------------------------------------------------------ moving around

    def open(self, where: str = SUPPORT.id, *, as_: str = ASSOCIATE.id) -> SandboxPage:
        self.page.goto(f"{self.sandbox.url}/?as={as_}#{where}")
        expect(self.page.locator(f"body[data-acting-as='{as_}']")).to_have_count(1)
        return self

    def act_as(self, user_id: str) -> None:
        self.page.locator("#acting-as").select_option(user_id)
        expect(self.page.locator(f"body[data-acting-as='{user_id}']")).to_have_count(1)

    def channel(self, channel_id: str) -> None:
        self.page.locator(f"#sidebar a[data-channel='{channel_id}']").click()
        expect(self.page.locator(f"#sidebar a[data-channel='{channel_id}']")).to_have_attribute("aria-current", "page")

    def app(self, tab: str = "home") -> None:
        self.page.locator("#sidebar a[data-app]").click()
        self.page.locator("#main .tabs").get_by_role("link", name=tab.capitalize()).click()

    def shot(self, name: str) -> Path:
        self._shots += 1
        path = self.output / f"{self._shots:02d}-{name}.png"
        self.page.screenshot(path=str(path))
        return path

    # ------------------------------------------------------------------ the composer

    def send(self, text: str, *, in_thread: bool = False) -> None:
        box = self.page.locator("#thread .composer-input" if in_thread else "#main .composer-input")
        box.fill(text)
        box.press("Enter")

    # ------------------------------------------------------------------ what is on screen

    @property
    def modal(self) -> Locator:
        return self.page.get_by_role("dialog")

    def messages(self, text: str | None = None) -> Locator:
        found = self.page.locator("#main .msg")
        return found.filter(has_text=text) if text else found

    def thread_messages(self, text: str | None = None) -> Locator:
        found = self.page.locator("#thread .msg")
        return found.filter(has_text=text) if text else found

    def field(self, block_id: str) -> Locator:
        # A re-rendered input may carry a `.<revision>` suffix (the intake's new date after a cause is picked).
        return self.modal.locator(f".bk-input[data-block-id='{block_id}'], .bk-input[data-block-id^='{block_id}.']")

    # ------------------------------------------------------------------ cases

    def fill_intake(self, **values: Any) -> None:
        """Fill the intake modal like an associate would (defaults: a realistic late delivery)."""
        zone = ZoneInfo("Europe/London")
        now = datetime.now(zone)
        fields: dict[str, Any] = {
            "customer_name": "Northwind Traders", "order_ref": "SO-18342",
            "promise": "12 office chairs delivered to the Leeds site", "promised_at": now + timedelta(days=1),
            "cause": "Supplier delay", "order_value": "2400.00", "customer_tier": "Preferred",
        }
        fields.update(values)
        dialog = self.modal
        labels = {"customer_name": "Customer name", "customer_contact": "Customer contact",
                  "order_ref": "Order or reference", "promise": "What was promised", "notes": "Notes",
                  "order_value": "Order value (GBP)"}
        for name, label in labels.items():
            if fields.get(name) is not None:
                dialog.get_by_label(label).fill(str(fields[name]))
        for name, label in {"promised_at": "Promised for", "new_date": "New realistic date"}.items():
            when = fields.get(name)
            if when is not None:
                dialog.get_by_label(f"{label} (date)").fill(when.strftime("%Y-%m-%d"))
                dialog.get_by_label(f"{label} (time)").fill(when.strftime("%H:%M"))
        if fields.get("cause"):
            dialog.get_by_label("Cause").select_option(label=fields["cause"])
            # The pick re-renders the form with the achievable date (a new id for the new date's input): wait
            # for it, as a person would see it, before going on.
            expect(dialog.locator(".bk-input[data-block-id^='new_date.']")).to_have_count(1)
        if fields.get("customer_tier"):
            dialog.get_by_label("Customer tier").select_option(label=fields["customer_tier"])

    def open_case(self, **values: Any) -> Locator:
        """/recover in #support, fill and save the modal, close it; returns the case message in #cases."""
        self.channel(SUPPORT.id)
        self.send("/recover")
        expect(self.modal).to_contain_text("A promise is at risk")
        self.fill_intake(**values)
        self.modal.get_by_role("button", name="Save case").click()
        expect(self.modal).to_contain_text("Saved as")
        self.modal.get_by_role("button", name="Done").click()
        expect(self.modal).to_have_count(0)
        self.channel(CASES.id)
        name = values.get("customer_name", "Northwind Traders")
        message = self.messages(name).last
        expect(message).to_be_visible()
        return message
