"""Browser tests: the sandbox page in Debian's Chromium, driven by Playwright, on the real bot.

Chromium comes from apt (`/usr/bin/chromium`, or AMENDS_CHROMIUM); Playwright never downloads a
browser. Without Chromium these tests are skipped with a reason, unless AMENDS_REQUIRE_BROWSER is set
(CI sets it), in which case they fail. Each test saves screenshots under test-output/browser/<test>/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.clock import Clock
from bot.sandbox.runtime import Sandbox
from bot.sandbox.workspace import sandbox_yaml
from bot.settings import AmendsConfig
from tests.browser.support import SandboxPage

CHROMIUM = Path(os.environ.get("AMENDS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("AMENDS_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (AMENDS_REQUIRE_BROWSER is set)")
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("AMENDS_REQUIRE_BROWSER"):
            raise
        pytest.skip("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def sandbox_config() -> AmendsConfig:
    return AmendsConfig.model_validate(yaml.safe_load(sandbox_yaml()))


@pytest.fixture
def sandbox_clock() -> Clock | None:
    """The sandbox's clock: the real one, unless a test parametrizes `sandbox_clock` with its own."""
    return None


@pytest.fixture
def sandbox(tmp_path: Path, sqlite_template: Path, sandbox_config: AmendsConfig,
            sandbox_clock: Clock | None) -> Iterator[Sandbox]:
    database = tmp_path / "sandbox.db"
    shutil.copy(sqlite_template, database)
    # Slack allows 3 s to ack; a loaded CI machine running Chromium gets more, so a slow start isn't a failure.
    with Sandbox(sandbox_config, database_url=f"sqlite:///{database}", port=0, migrate=False,
                 ack_timeout=10, clock=sandbox_clock) as sandbox:
        sandbox.start(ticker=False)
        yield sandbox


@pytest.fixture
def output(request: pytest.FixtureRequest) -> Path:
    folder = OUTPUT / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def ui(browser: object, sandbox: Sandbox, output: Path, request: pytest.FixtureRequest) -> Iterator[SandboxPage]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    ui = SandboxPage(page, sandbox, output)
    yield ui
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        page.screenshot(path=str(output / "failure.png"))
    context.close()
    assert not errors, f"the page raised JavaScript errors: {errors}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
