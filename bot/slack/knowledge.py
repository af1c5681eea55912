"""Listeners for the best-practices index: channel messages in, `/recover search` out, the "Save as best
practice" shortcut, resolved cases, and "Similar past cases" (in each new case's thread, and a button on
every case message)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.cases.service import get_case
from bot.changes import RecordedEvent
from bot.errors import NotFound
from bot.knowledge import index
from bot.knowledge.backends import Filters
from bot.knowledge.cases import similar_cases
from bot.knowledge.index import Curation, SourceMessage
from bot.knowledge.query import parse_query
from bot.slack import forms
from bot.slack.blocks import knowledge as blocks
from bot.slack.case_actions import CaseActionCall
from bot.slack.case_thread import post_in_thread
from bot.slack.commands import Invocation
from bot.slack.errors import CheckedRespond, ResponseUrlError
from bot.slack.ids import Action, Callback, KnowledgeField
from bot.slack.knowledge_source import Directory, is_person_message, neutralise
from bot.slack.metadata import SaveBestPractice, SearchPageRef
from bot.slack.notify import Respond, tell
from bot.slack.wiring import Wiring

log = logging.getLogger(__name__)

PER_PAGE = 5
PURGE_EVERY = timedelta(hours=6)


class Knowledge:
    """What the listeners share: the search engine (made on first use) and the Slack directory."""

    def __init__(self, wiring: Wiring) -> None:
        self.deps = wiring.deps
        self.engine = wiring.deps.search
        self._directory: Directory | None = None
        self._lock = threading.Lock()

    def directory(self, client: WebClient) -> Directory:
        with self._lock:
            if self._directory is None:
                self._directory = Directory(client)
            return self._directory

    @property
    def channels(self) -> tuple[str, ...]:
        return self.deps.config.knowledge.channels

    # ------------------------------------------------------------------ searching

    def search(self, client: WebClient, user_id: str, query: str, *, offset: int = 0,
               upto_id: int | None = None) -> tuple[str, list[dict[str, Any]]]:
        parsed = parse_query(query, zone=self.deps.config.workspace.zone)
        if not parsed.has_text and not parsed.has_filters:
            return blocks.search_usage()
        directory = self.directory(client)
        filters = Filters(cause=parsed.cause, channel_ids=directory.channel_ids(parsed.channels),
                          author_ids=directory.user_ids(parsed.people), after=parsed.after, before=parsed.before,
                          upto_id=upto_id)
        engine = self.engine()
        with self.deps.db.reading() as session:
            page = engine.search(session, parsed, filters, offset=offset, limit=PER_PAGE)
            return blocks.search_results(page, query, self.deps.config, per_page=PER_PAGE)

    def on_search(self, call: Invocation) -> None:
        text, rendered = self.search(call.client, call.user_id, call.args)
        call.respond(text=text, blocks=rendered, response_type="ephemeral", replace_original=False)

    def on_more(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        """More results / Previous: the page the button's value names, in place of the one shown."""
        ref = SearchPageRef.decode(body["actions"][0].get("value"))
        text, rendered = self.search(client, body["user"]["id"], ref.query, offset=ref.offset, upto_id=ref.upto_id)
        respond(text=text, blocks=rendered, response_type="ephemeral", replace_original=True)

    # ------------------------------------------------------------------ channel messages

    def on_message(self, body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        subtype = event.get("subtype")
        channel = event.get("channel")
        if not channel:
            return
        if subtype == "message_deleted":
            self._deleted(body, channel, str(event.get("deleted_ts") or ""))
        elif subtype == "message_changed":
            message = event.get("message") or {}
            if is_person_message(message):
                self._posted(body, channel, message, client, edit=True)
        elif is_person_message(event) and channel in self.channels:
            self._posted(body, channel, event, client, edit=False)

    def _claim(self, session: Any, body: dict[str, Any]) -> bool:
        event_id = body.get("event_id")
        return index.claim_event(session, str(event_id), self.deps.clock.now()) if event_id else True

    def _deleted(self, body: dict[str, Any], channel: str, ts: str) -> None:
        if not ts:
            return
        with self.deps.db.transaction() as session:
            if self._claim(session, body):
                index.remove_message(session, channel, ts, now=self.deps.clock.now())

    def _posted(self, body: dict[str, Any], channel: str, message: dict[str, Any], client: WebClient, *,
                edit: bool) -> None:
        directory = self.directory(client)
        source = directory.source(channel, message)
        watched = channel in self.channels
        with self.deps.db.transaction() as session:
            # A message saved with the shortcut has its own entry, wherever it is (a reply too).
            own_entry = index.has_entry(session, source.key)
            if edit and not watched and not own_entry and not index.has_reply(session, source.key):
                return  # an edit elsewhere of something never indexed
            parent_key = source.parent_key or ""
            missing = source.is_reply and watched and not index.has_entry(session, parent_key) \
                and not index.tombstoned(session, parent_key)
        parent = self._fetch_parent(client, directory, channel, source.thread_ts or "") if missing else None
        with self.deps.db.transaction() as session:
            if not self._claim(session, body):
                return
            now = self.deps.clock.now()
            if parent is not None:
                index.index_message(session, parent, now=now)
            if source.is_reply:
                index.index_reply(session, source, now=now)
            if not source.is_reply or own_entry:
                index.index_message(session, replace(source, thread_ts=None), now=now)

    def _fetch_parent(self, client: WebClient, directory: Directory, channel: str, ts: str) -> SourceMessage | None:
        """A reply to a message indexed before the channel was watched (or missed): index the parent too."""
        try:
            found = client.conversations_replies(channel=channel, ts=ts, limit=1)["messages"]
        except SlackApiError as exc:
            log.warning("no parent %s/%s for a reply: %s", channel, ts, exc.response.get("error"))
            return None
        parent = next((m for m in found if m.get("ts") == ts), None)
        return directory.source(channel, parent) if parent and is_person_message(parent) else None

    # ------------------------------------------------------------------ saving a message

    def open_save(self, body: dict[str, Any], client: WebClient) -> None:
        channel = body["channel"]["id"]
        message = body["message"]
        preview = self.directory(client).source(channel, message).text
        repost_to = self.deps.config.knowledge.repost_channel
        meta = SaveBestPractice(channel_id=channel, ts=message["ts"], response_url=body.get("response_url"))
        view = blocks.save_modal(meta, preview=preview, repost_to=repost_to if repost_to != channel else None,
                                 repost_default=self.deps.config.knowledge.repost)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def submit_save(self, ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        SaveBestPractice.decode(view.get("private_metadata"))
        title = (forms.read_values(view).get(KnowledgeField.TITLE) or "").strip()
        if not title:
            ack(response_action="errors", errors={KnowledgeField.TITLE: "Give it a short title."})
            return
        ack()
        context["knowledge_save"] = True

    def after_save(self, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if context.get("knowledge_save"):
            self.save(body, view, client)

    def save(self, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        meta = SaveBestPractice.decode(view.get("private_metadata"))
        values = forms.read_values(view)
        user_id = body["user"]["id"]
        message = self._read_message(client, meta.channel_id, meta.ts)
        directory = self.directory(client)
        source = replace(directory.source(meta.channel_id, message), thread_ts=None)
        tags = tuple(t.strip() for t in (values.get(KnowledgeField.TAGS) or "").split(",") if t.strip())
        curation = Curation(title=(values.get(KnowledgeField.TITLE) or "").strip() or None,
                            cause=values.get(KnowledgeField.CAUSE), tags=tags, saved_by=user_id)
        with self.deps.db.transaction() as session:
            entry = index.index_message(session, source, now=self.deps.clock.now(), curation=curation)
        if entry is None:
            raise NotFound("That message was deleted, so I didn't save it.")
        repost_to = self.deps.config.knowledge.repost_channel
        reposted = None
        if repost_to and repost_to != meta.channel_id and KnowledgeField.REPOST in values and \
                values[KnowledgeField.REPOST]:
            markup = neutralise(message.get("text") or "", directory.name_of)
            text, rendered = blocks.repost(entry, markup, user_id)
            client.chat_postMessage(channel=repost_to, text=text, blocks=rendered, unfurl_links=False)
            reposted = repost_to
        self._confirm(client, user_id, meta, blocks.saved_confirmation(entry, reposted))

    def _read_message(self, client: WebClient, channel: str, ts: str) -> dict[str, Any]:
        """The message as it is now (it may have been edited since the shortcut), thread replies included."""
        found = client.conversations_replies(channel=channel, ts=ts, limit=1, inclusive=True)["messages"]
        message = next((m for m in found if m.get("ts") == ts), None)
        if message is None:
            raise NotFound("I can't find that message any more; it may have been deleted.")
        return message

    def _confirm(self, client: WebClient, user_id: str, meta: SaveBestPractice,
                 message: tuple[str, list[dict[str, Any]]]) -> None:
        text, rendered = message
        if meta.response_url:
            try:
                CheckedRespond(response_url=meta.response_url)(text=text, blocks=rendered, response_type="ephemeral",
                                                                replace_original=False)
                return
            except ResponseUrlError:  # used up or expired (logged): a DM still reaches them
                pass
        tell(client, user_id, text, blocks=rendered)

    # ------------------------------------------------------------------ cases

    def show_similar(self, call: CaseActionCall) -> None:
        """The case message's "Similar past cases" button: the closest resolved cases, to whoever asked."""
        engine = self.engine()
        with self.deps.db.transaction() as session:
            case = get_case(session, call.case_id)
            found = similar_cases(session, engine, case)
            text, rendered = blocks.similar_cases(found, self.deps.config, case_ref=case.ref)
        tell(call.client, call.user_id, text, blocks=rendered, respond=call.respond)

    def purge(self, now: Any) -> None:
        with self.deps.db.transaction() as session:
            index.purge(session, now)


def register(wiring: Wiring) -> None:
    surface, deps = wiring.surface, wiring.deps
    knowledge = Knowledge(wiring)
    surface.uses_scopes("channels:read", "groups:read", "users:read")
    wiring.recover.subcommand("search", "search <words> [cause:… in:#… from:@… after:… before:…]",
                              "find past fixes and best practices")(knowledge.on_search)
    surface.action(Action.KNOWLEDGE_MORE)(knowledge.on_more)
    surface.action(Action.KNOWLEDGE_PREVIOUS)(knowledge.on_more)
    surface.event("message.channels", matchers=[channel_type("channel")])(knowledge.on_message)
    surface.event("message.groups", matchers=[channel_type("group")])(knowledge.on_message)
    surface.message_shortcut(Callback.KNOWLEDGE_SAVE.value, name="Save as best practice",
                             description="Add this message to the best practices /recover search finds"
                             )(knowledge.open_save)
    surface.view_submission(Callback.KNOWLEDGE_SAVE, then=knowledge.after_save)(knowledge.submit_save)
    wiring.case_actions.add("similar_cases", label="Similar past cases", on_case_message=True,
                            order=60)(knowledge.show_similar)
    if deps.ticker is not None:
        deps.ticker.every(PURGE_EVERY, "knowledge-purge")(knowledge.purge)


def channel_type(kind: str) -> Callable[[dict[str, Any]], bool]:
    """A Bolt matcher: message events from channels of this type only (public "channel", private "group")."""
    def matches(event: dict[str, Any]) -> bool:
        return event.get("channel_type") == kind
    return matches


def post_similar_cases(client: WebClient, wiring: Wiring, event: RecordedEvent) -> None:
    """A case follow-up (bot/slack/case_followups.py): once a case is posted, the closest resolved cases go
    in its thread (nothing when none)."""
    engine = wiring.deps.search()
    with wiring.deps.db.transaction() as session:
        case = get_case(session, event.case_id)
        found = similar_cases(session, engine, case)
        if not found:
            return
        text, rendered = blocks.similar_cases(found, wiring.deps.config)
    post_in_thread(client, case, text, blocks=rendered)
