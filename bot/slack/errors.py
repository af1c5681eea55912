"""The one error handler: known errors become a kind message where the person is; unknown ones are
logged with a reference the person also sees, so support can find the log line."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import AmendsError
from bot.slack.notify import Respond, tell, user_of

log = logging.getLogger("bot.slack")

# Slack errors with a cause the person can understand or fix.
SLACK_ERROR_MESSAGES = {
    "expired_trigger_id": "Slack gave me too little time to open that form. Please try again.",
    "exchanged_trigger_id": "That form was already opened once. Please try again from the start.",
    "invalid_trigger_id": "Slack didn't let me open that form. Please try again.",
    "ratelimited": "Slack is asking me to slow down. Please try again in a minute.",
    "not_in_channel": "I'm not a member of that channel. Invite me with `/invite @Amends` and try again.",
    "channel_not_found": "I can't see that channel. If it's private, invite me with `/invite @Amends`.",
}


def error_ref() -> str:
    return "E-" + secrets.token_hex(3).upper()


def message_for(error: Exception) -> tuple[str, bool]:
    """(what to tell the person, whether it was expected)."""
    if isinstance(error, AmendsError):
        return f":warning: {error.user_message}", True
    if isinstance(error, SlackApiError):
        known = SLACK_ERROR_MESSAGES.get(str(error.response.get("error")))
        if known:
            return f":warning: {known}", True
    return "", False


def apology(ref: str) -> str:
    """What a person is told of an unexpected error, with the reference logged next to it."""
    return (f":x: Sorry, something went wrong on my side. Nothing you had saved was lost. If it keeps "
            f"happening, give your Amends admin this reference: `{ref}`.")


def report(error: Exception, body: dict[str, Any], client: WebClient, respond: Respond | None) -> None:
    """Tell the person behind `body` what went wrong, and log unexpected errors with a reference."""
    text, expected = message_for(error)
    if expected:
        log.info("told user about %s: %s", type(error).__name__, error)
    else:
        ref = error_ref()
        log.error("unexpected error %s while handling %s", ref, body.get("type") or body.get("command"),
                  exc_info=error)
        text = apology(ref)
    user_id = user_of(body)
    if not user_id:
        return
    # Bolt passes a `respond` even when the request carried no response_url; it can't be used then.
    usable_respond = respond if body.get("response_url") else None
    try:
        tell(client, user_id, text, respond=usable_respond)
    except Exception:  # the person can't be reached; the log line above is what's left
        log.exception("could not tell %s about an error", user_id)


def install(app: App) -> None:
    """Errors raised before the ack (and in Bolt's middleware) arrive here."""

    @app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient, respond: Respond | None) -> None:
        report(error, body, client, respond)
