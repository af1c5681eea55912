"""`amends index import CHANNEL`: index a channel's history, page by page, resumable and safe to repeat.

conversations.history answers newest first. Each page is read with `latest` set to the oldest message
done so far (not a cursor, which may expire), indexed in one transaction together with the checkpoint,
so an import stopped at any point (Ctrl-C, a crash, a lost connection) resumes at the first page not
saved. A finished import remembers the newest message it saw; running it again reads only what came
after (`--full` reads everything again). Indexing is idempotent (see bot/knowledge/index.py), so pages
read twice, or live events arriving meanwhile, never duplicate or resurrect anything.

Rate limits: a 429 is waited out for its Retry-After, shown on the progress line, and the call repeated.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock, SystemClock
from bot.db import Database
from bot.errors import ConfigError
from bot.knowledge.index import SourceMessage, index_history, slack_time
from bot.knowledge.models import ImportRun
from bot.settings import AmendsConfig, Settings
from bot.slack.client import make_web_client
from bot.slack.knowledge_source import Directory, is_person_message

PAGE = 200
MAX_RATE_LIMIT_WAITS = 50


@dataclass
class Progress:
    """The progress line: messages, pages, and how far back in the channel's life the import has got."""

    channel: str
    out: TextIO = sys.stderr
    start: float | None = None      # newest message's time
    end: float | None = None        # the channel's creation time
    messages: int = 0
    pages: int = 0
    width: int = 30

    def page(self, messages: int, oldest: str | None) -> None:
        self.messages += messages
        self.pages += 1
        share = 0.0
        if oldest and self.start and self.end and self.start > self.end:
            share = min(1.0, max(0.0, (self.start - float(oldest)) / (self.start - self.end)))
        bar = "█" * int(share * self.width)
        back = f", back to {slack_time(oldest):%Y-%m-%d}" if oldest else ""
        self._line(f"{self.channel} ▕{bar:<{self.width}}▏ {share:4.0%}  {self.messages} messages, {self.pages} pages"
                   f"{back}")

    def note(self, text: str) -> None:
        self._line(f"{self.channel}: {text}")

    def done(self, text: str) -> None:
        self._line(text, final=True)

    def _line(self, text: str, *, final: bool = False) -> None:
        if self.out.isatty():
            self.out.write("\r\033[K" + text + ("\n" if final else ""))
        else:
            self.out.write(text + "\n")
        self.out.flush()


class HistoryImport:
    def __init__(self, client: WebClient, db: Database, channel_id: str, progress: Progress, *,
                 clock: Clock | None = None, sleep: Callable[[float], None] = time.sleep, page_size: int = PAGE
                 ) -> None:
        self.client = client
        self.db = db
        self.channel_id = channel_id
        self.progress = progress
        self.clock = clock or SystemClock()
        self.sleep = sleep
        self.page_size = page_size
        self.directory = Directory(client)

    def call(self, method: str, **args: Any) -> Any:
        for _ in range(MAX_RATE_LIMIT_WAITS):
            try:
                return getattr(self.client, method)(**args)
            except SlackApiError as exc:
                if exc.response.status_code != 429:
                    raise
                wait = int(exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after") or 1)
                self.progress.note(f"Slack asks to slow down; waiting {wait}s")
                self.sleep(wait)
        raise RuntimeError(f"{method} stayed rate limited after {MAX_RATE_LIMIT_WAITS} waits")

    def run(self, *, full: bool = False) -> ImportRun:
        now = self.clock.now()
        with self.db.transaction() as session:
            run = session.get(ImportRun, self.channel_id, with_for_update=True)
            if run is None:
                run = ImportRun(channel_id=self.channel_id, finished=False, messages=0, pages=0, started_at=now,
                                updated_at=now)
                session.add(run)
            if full:
                run.resume_before = run.complete_through = run.newest_seen = None
                run.finished, run.messages, run.pages = False, 0, 0
            elif run.finished:  # a new run after a complete one: only what came since
                run.finished, run.resume_before = False, None
            resume_before, floor = run.resume_before, run.complete_through
        info = self.call("conversations_info", channel=self.channel_id)["channel"]
        self.progress.end = float(info.get("created") or 0) or None
        while True:
            page = self.call("conversations_history", channel=self.channel_id, limit=self.page_size,
                             latest=resume_before, oldest=floor, inclusive=False)
            found = page.get("messages") or []
            if found and self.progress.start is None:
                self.progress.start = float(found[0]["ts"]) if resume_before is None else float(resume_before)
            sources = self._with_replies(found)
            with self.db.transaction() as session:
                run = session.get(ImportRun, self.channel_id, with_for_update=True)
                assert run is not None
                indexed = index_history(session, sources, now=self.clock.now())
                if found:
                    oldest, newest = min(m["ts"] for m in found), max(m["ts"] for m in found)
                    run.resume_before = resume_before = oldest
                    if run.newest_seen is None or float(newest) > float(run.newest_seen):
                        run.newest_seen = newest
                run.messages += indexed
                run.pages += 1
                run.updated_at = self.clock.now()
                finished = not found or not page.get("has_more")
                if finished:
                    run.finished, run.resume_before = True, None
                    run.complete_through = run.newest_seen
            self.progress.page(indexed, resume_before)
            if finished:
                return run

    def _with_replies(self, found: list[dict[str, Any]]) -> list[SourceMessage]:
        """Each person's message of the page, oldest first, each followed by its thread's replies."""
        sources: list[SourceMessage] = []
        for message in sorted(found, key=lambda m: float(m["ts"])):
            if not is_person_message(message) or (message.get("thread_ts") not in (None, message["ts"])):
                continue
            sources.append(self.directory.source(self.channel_id, message))
            if message.get("reply_count"):
                sources += self._replies(message["ts"])
        return sources

    def _replies(self, ts: str) -> list[SourceMessage]:
        replies: list[SourceMessage] = []
        cursor = None
        while True:
            page = self.call("conversations_replies", channel=self.channel_id, ts=ts, limit=self.page_size,
                             cursor=cursor)
            replies += [self.directory.source(self.channel_id, m) for m in page.get("messages") or []
                        if m.get("ts") != ts and is_person_message(m)]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return replies


def resolve_channel(client: WebClient, channel: str) -> str:
    name = channel.lstrip("#")
    if name[:1] in "CG" and name.isalnum() and name.isupper():
        return name
    for page in client.conversations_list(limit=200, types="public_channel,private_channel"):
        for found in page["channels"]:
            if found["name"] == name:
                return str(found["id"])
    raise ConfigError([f"no channel named #{name} that Amends can see; use its ID, or invite @Amends first"])


def run_import(settings: Settings, config: AmendsConfig, db: Database, channel: str, *, full: bool = False,
               out: TextIO = sys.stderr, sleep: Callable[[float], None] = time.sleep, page_size: int = PAGE) -> int:
    """The CLI command: 0 when the import completed, 130 when interrupted (run it again to resume)."""
    if settings.slack_bot_token is None:
        raise ConfigError(["SLACK_BOT_TOKEN: needed to read the channel history"])
    client = make_web_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url,
                             rate_limit_retries=0)
    channel_id = resolve_channel(client, channel)
    progress = Progress(channel, out)
    try:
        run = HistoryImport(client, db, channel_id, progress, sleep=sleep, page_size=page_size).run(full=full)
    except KeyboardInterrupt:
        progress.done(f"{channel}: interrupted; run the same command again to resume where it stopped")
        return 130
    except SlackApiError as exc:
        error = exc.response.get("error")
        hint = " (invite @Amends to the channel first)" if error in {"not_in_channel", "channel_not_found"} else ""
        progress.done(f"{channel}: Slack said {error}{hint}; run the same command again to resume")
        return 1
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    notice = "" if channel_id in config.knowledge.channels else (
        "; note: it is not in knowledge.channels, so new messages there will not be indexed")
    progress.done(f"{channel}: done at {when}, {run.messages} messages indexed in {run.pages} pages{notice}")
    return 0
