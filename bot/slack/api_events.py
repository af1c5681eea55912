"""Slack-side follow-ups of the case events the HTTP API records (bot.api.service.ApiEvent), declared in
bot/slack/case_followups.py's table and run after commit like every other case follow-up. The case an
order system opens is posted by the `opened` follow-up, as any case is; these add the owner's DM and say
in the thread what changed upstream."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.changes import RecordedEvent
from bot.slack.blocks import api as blocks
from bot.slack.case_thread import load_case, post_in_thread
from bot.slack.notify import dm
from bot.slack.wiring import Wiring

log = logging.getLogger(__name__)


def dm_owner_at_risk(client: WebClient, wiring: Wiring, event: RecordedEvent) -> None:
    """After the case is posted (the `opened` follow-up runs first): tell the owner before the customer knows."""
    case = load_case(wiring.deps, event.case_id)
    if not case.has_thread:
        return  # posting failed and the owner was told how to fix it; this DM would point at no thread
    dm(client, case.owner_id, blocks.at_risk_dm(case, wiring.deps.config, event.data.get("source", "")))


def say_date_changed(client: WebClient, wiring: Wiring, event: RecordedEvent) -> None:
    case = load_case(wiring.deps, event.case_id)
    if case.has_thread:
        post_in_thread(client, case, blocks.date_changed(case, wiring.deps.config, event.data.get("source", ""),
                                                         event.data.get("note")))


def say_delivered(client: WebClient, wiring: Wiring, event: RecordedEvent) -> None:
    case = load_case(wiring.deps, event.case_id)
    if case.has_thread:
        check_at = event.data.get("satisfaction_check_at")
        post_in_thread(client, case, blocks.delivered(case, wiring.deps.config, event.data.get("source", ""),
                                                      list(event.data.get("steps") or []),
                                                      datetime.fromisoformat(check_at) if check_at else None,
                                                      event.data.get("note")))


def say_cancelled(client: WebClient, wiring: Wiring, event: RecordedEvent) -> None:
    case = load_case(wiring.deps, event.case_id)
    if case.has_thread:
        post_in_thread(client, case, blocks.cancelled_upstream(case, event.data.get("source", ""),
                                                               event.data.get("note")))


def user_by_email(client: WebClient) -> Callable[[str], str | None]:
    """The API's owner lookup: the Slack user with this email (users.lookupByEmail), or None."""

    def find(email: str) -> str | None:
        try:
            return client.users_lookupByEmail(email=email)["user"]["id"]
        except SlackApiError as exc:
            if exc.response.get("error") != "users_not_found":
                log.warning("users.lookupByEmail failed: %s", exc.response.get("error"))
            return None

    return find
