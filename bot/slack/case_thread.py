"""Posting a case in the cases channel and talking in its thread.

A new case is posted after its `opened` event is committed (bot/slack/case_followups.py), whatever
opened it; what follows the post (similar cases, the checklist) follows its `posted` event.

The case is already saved when this runs; Slack failing here never loses it. If the bot cannot post
(not a member, channel gone), the associate gets a DM saying exactly how to fix it and a button to
post again.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import logs
from bot.cases import service
from bot.cases.models import Case
from bot.changes import RecordedEvent
from bot.slack.blocks import cases as blocks
from bot.slack.deps import SlackDeps
from bot.slack.notify import dm
from bot.slack.wiring import Wiring

log = logging.getLogger(__name__)

FIXABLE_POST_ERRORS = {"not_in_channel", "channel_not_found", "is_archived"}
CASE_METADATA = "amends_case"  # the case message's metadata names its case, so it can be found again


def load_case(deps: SlackDeps, case_id: int) -> Case:
    with deps.db.transaction() as session:
        case = service.get_case(session, case_id)
    logs.bind(case_ref=case.ref)  # the rest of this request's (or task's) log lines are about this case
    return case


def publish_case(client: WebClient, wiring: Wiring, case_id: int, *, look_first: bool = False) -> Case | None:
    """Post the case message, alert the managers in its thread and confirm to the associate. `look_first`:
    an earlier attempt may have posted it (case_posts), so adopt the message found in the channel.

    Returns the case as posted, or None when posting failed in a way the associate was told how to fix.
    """
    deps = wiring.deps
    case = load_case(deps, case_id)
    if case.has_thread:
        return case
    channel = deps.config.cases.channel
    try:
        posted = _find_case_message(client, channel, case.id) if look_first else None
        posted = posted or client.chat_postMessage(
            channel=channel, text=blocks.case_fallback(case), blocks=case_message_blocks(wiring, case),
            unfurl_links=False, metadata={"event_type": CASE_METADATA, "event_payload": {"case_id": case.id}})
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        if error not in FIXABLE_POST_ERRORS:
            raise
        log.warning("could not post %s in %s: %s", case.ref, channel, error)
        with deps.db.transaction() as session:
            service.record_post_failure(session, case.id, error=error, now=deps.clock.now())
        text, rendered = blocks.post_failed(case, deps.config, error)
        dm(client, case.owner_id, text, blocks=rendered)
        return None

    ts = posted["ts"]
    permalink = _permalink(client, posted["channel"], ts)
    with deps.db.transaction() as session:
        case = service.attach_message(session, case.id, channel_id=posted["channel"], message_ts=ts,
                                      permalink=permalink, now=deps.clock.now())
    if deps.config.managers.configured:
        post_in_thread(client, case, blocks.manager_alert(case, deps.config))
    text, rendered = blocks.posted_confirmation(case, deps.config)
    dm(client, case.owner_id, text, blocks=rendered)
    return case


def post_case(client: WebClient, wiring: Wiring, event: RecordedEvent) -> None:
    """A case follow-up (bot/slack/case_followups.py): a new case is posted, however it was opened."""
    publish_case(client, wiring, event.case_id)


def case_message_blocks(wiring: Wiring, case: Case) -> list[dict[str, Any]]:
    buttons = wiring.case_actions.case_message_buttons(case)
    sections = [text for extra in wiring.deps.case_message_sections for text in extra(case)]
    return blocks.case_message(case, wiring.deps.config, buttons, sections)


def refresh_case_message(client: WebClient, wiring: Wiring, case_id: int) -> None:
    """Re-render the case message in place (status, owner, severity or actions changed)."""
    case = load_case(wiring.deps, case_id)
    if not case.has_thread:
        return
    client.chat_update(channel=case.channel_id, ts=case.message_ts, text=blocks.case_fallback(case),
                       blocks=case_message_blocks(wiring, case))


def refresh_case(client: WebClient, wiring: Wiring, event: RecordedEvent) -> None:
    """A case follow-up: the case message shows the change (resolved, reopened, satisfaction)."""
    refresh_case_message(client, wiring, event.case_id)


def post_in_thread(client: WebClient, case: Case, text: str, *, blocks: list[dict[str, Any]] | None = None,
                   metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """Reply in the case thread. `text` must be escaped where it holds person-written text."""
    if not case.has_thread:
        raise ValueError(f"{case.ref} has no thread yet")
    return client.chat_postMessage(channel=case.channel_id, thread_ts=case.message_ts, text=text, blocks=blocks,
                                   metadata=metadata, unfurl_links=False).data  # type: ignore[return-value]


def _permalink(client: WebClient, channel: str, ts: str) -> str | None:
    try:
        return client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    except SlackApiError as exc:  # a missing link only costs a click; the case is posted
        log.warning("no permalink for %s/%s: %s", channel, ts, exc.response.get("error"))
        return None


def _find_case_message(client: WebClient, channel: str, case_id: int) -> dict[str, str] | None:
    history = client.conversations_history(channel=channel, limit=200, include_all_metadata=True)
    for message in history.get("messages", []):
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") == CASE_METADATA and (metadata.get("event_payload") or {}).get("case_id") == case_id:
            return {"channel": channel, "ts": message["ts"]}
    return None
