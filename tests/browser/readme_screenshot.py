"""Make the README's screenshot of the sandbox: `python -m tests.browser.readme_screenshot [docs/sandbox.png]`.

Starts a sandbox with the demo, opens it as the manager in #cases with the first case's thread open at
its offer and phone script, and saves the page. Needs Debian's chromium (and, for colour emoji, fonts-noto-color-emoji).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml
from playwright.sync_api import expect, sync_playwright

from bot.sandbox.demo import seed_demo
from bot.sandbox.runtime import Sandbox
from bot.sandbox.workspace import CASES, MANAGER, sandbox_yaml
from bot.settings import AmendsConfig
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS


def main(target: Path) -> None:
    config = AmendsConfig.model_validate(yaml.safe_load(sandbox_yaml()))
    with tempfile.TemporaryDirectory() as folder, \
            Sandbox(config, database_url=f"sqlite:///{folder}/amends.db", port=0, log_level="WARNING") as sandbox:
        sandbox.start(ticker=False)
        seed_demo(sandbox)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 760}, device_scale_factor=1)
            page.goto(f"{sandbox.url}/?as={MANAGER.id}#{CASES.id}")
            case = page.locator("#main .msg").filter(has_text="Northwind Traders")
            case.get_by_role("button", name="4 replies").click()  # alert, checklist, offer, phone script
            offer = page.locator("#thread .msg").filter(has_text="a choice on AM-1")
            expect(offer).to_be_visible()
            case.scroll_into_view_if_needed()
            offer.evaluate("node => node.scrollIntoView({block: 'start'})")
            page.mouse.move(0, 0)
            page.screenshot(path=str(target))
            browser.close()
    print(f"saved {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/sandbox.png"))
