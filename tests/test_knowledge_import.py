"""`amends index import CHANNEL`: reads history page by page, waits out rate limits, resumes after an
interruption and is safe to run twice."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from bot.knowledge.models import ImportRun, Reply
from bot.slack.client import make_web_client
from bot.slack.knowledge_import import HistoryImport, Progress, run_import
from tests import test_knowledge as shared
from tests.conftest import make_settings
from tests.support import ASSOCIATE, COLLEAGUE, Harness

config = shared.config
harness = shared.harness
entries, results, BEST = shared.entries, shared.results, shared.BEST


class StopAfter(Progress):
    """Ctrl-C after `pages` pages."""

    def __init__(self, pages: int) -> None:
        super().__init__("#best-practices", io.StringIO())
        self.stop_after = pages

    def page(self, messages: int, oldest: str | None) -> None:
        super().page(messages, oldest)
        if self.pages >= self.stop_after:
            raise KeyboardInterrupt


def seed_history(harness: Harness, count: int) -> list[str]:
    fake = harness.fake
    texts = [f"Fix {n}: rerouted the pallet via the {['Leeds', 'York', 'Hull'][n % 3]} depot" for n in range(count)]
    posted = [fake.post_as_user(COLLEAGUE if n % 2 else ASSOCIATE, BEST, text) for n, text in enumerate(texts)]
    fake.post_as_user(ASSOCIATE, BEST, "Thread reply: the customer took a loaner", thread_ts=posted[3].ts)
    fake.post_as_user(COLLEAGUE, BEST, "Thread reply: and a voucher", thread_ts=posted[3].ts)
    harness.amends.client.chat_postMessage(channel=BEST, text="a bot message, never indexed")
    return texts


def run(harness: Harness, progress: Progress, sleeps: list[float] | None = None) -> ImportRun:
    # As the CLI makes it: rate limits are waited out by the import itself, which shows them.
    client = make_web_client(harness.fake.bot_token, harness.fake.api_url, rate_limit_retries=0)
    importer = HistoryImport(client, harness.amends.db, BEST, progress, clock=harness.clock,
                             sleep=(sleeps if sleeps is not None else []).append, page_size=5)
    return importer.run()


def history_calls(harness: Harness) -> list[dict]:
    return [c.args for c in harness.fake.calls("conversations.history") if c.ok]


def test_an_interrupted_import_resumes_where_it_stopped_and_waits_out_rate_limits(harness: Harness) -> None:
    texts = seed_history(harness, 23)
    with pytest.raises(KeyboardInterrupt):
        run(harness, StopAfter(pages=2))
    assert len(entries(harness)) == 9  # two pages of five, less the bot's message
    with harness.amends.db.transaction() as session:
        stopped_at = session.get(ImportRun, BEST).resume_before
    assert stopped_at is not None

    done_before = len(history_calls(harness))
    harness.fake.rate_limit_next("conversations.history", retry_after=7)
    sleeps: list[float] = []
    finished = run(harness, Progress("#best-practices", io.StringIO()), sleeps)
    assert sleeps == [7]
    assert history_calls(harness)[done_before]["latest"] == stopped_at   # no page read twice
    assert finished.finished and finished.messages == 23 + 2
    assert sorted(e.body for e in entries(harness)) == sorted(texts)
    with harness.amends.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Reply)) == 2
    assert "Fix 3" in results(harness, "loaner voucher")


def test_running_the_import_again_reads_only_what_is_new(harness: Harness, db_url: str) -> None:
    seed_history(harness, 6)
    settings = make_settings(db_url, harness.fake)
    out = io.StringIO()
    assert run_import(settings, harness.amends.config, harness.amends.db, "#best-practices", out=out,
                      sleep=lambda s: None, page_size=5) == 0
    assert "done" in out.getvalue() and "8 messages indexed in 2 pages" in out.getvalue()
    assert len(entries(harness)) == 6

    calls = len(history_calls(harness))
    assert run_import(settings, harness.amends.config, harness.amends.db, BEST, out=io.StringIO()) == 0
    assert len(history_calls(harness)) == calls + 1 and len(entries(harness)) == 6

    harness.fake.post_as_user(ASSOCIATE, BEST, "A new fix: split the order across two vans")
    assert run_import(settings, harness.amends.config, harness.amends.db, BEST, out=io.StringIO()) == 0
    assert len(entries(harness)) == 7 and "two *vans*" in results(harness, "split order vans")


def test_an_import_the_bot_cannot_read_says_how_to_fix_it(harness: Harness, db_url: str) -> None:
    harness.fake.add_channel("C0NOTMEMBR", "elsewhere", members=[ASSOCIATE], bot_member=False)
    out = io.StringIO()
    code = run_import(make_settings(db_url, harness.fake), harness.amends.config, harness.amends.db, "C0NOTMEMBR",
                      out=out)
    assert code == 1 and "invite @Amends" in out.getvalue()
