"""The one error handler: known errors become a kind message where the person is; unknown ones are
logged with a reference the person also sees, so support can find the log line.

Every error Slack answers is logged here too, with the method, Slack's error and its `response_metadata`
(which names the offending field, e.g. `[ERROR] must be less than 76 characters [json-pointer:...]`):
Web API calls through `SlackErrorLog` (see `bot/slack/client.py`), response_url posts through `Respond`.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from slack_bolt import App
from slack_bolt.context.respond import Respond as BoltRespond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryHandler, RetryState
from slack_sdk.webhook import WebhookResponse

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
    # A response_url may be used five times within 30 minutes.
    "expired_url": "That answer is too old for me to change. Please run the command again.",
    "used_url": "That answer is too old for me to change. Please run the command again.",
}


# A hostile or broken answer must not flood the log: at most this many messages, each cut to this length.
_LOGGED_MESSAGES, _LOGGED_CHARS = 5, 300


class ResponseUrlError(Exception):
    """A post to a response_url that Slack refused (HTTP 4xx/5xx and the error's name, e.g. `invalid_blocks`)."""

    def __init__(self, status: int, error: str, messages: list[str]) -> None:
        super().__init__(f"response_url answered {status} {error}")
        self.status, self.error, self.messages = status, error, messages


def log_slack_error(method: str, status: int | None, error: str, metadata: Any) -> None:
    if isinstance(metadata, dict) and isinstance(metadata.get("messages"), list):
        metadata = {**metadata, "messages": [str(m)[:_LOGGED_CHARS] for m in metadata["messages"][:_LOGGED_MESSAGES]]}
    log.warning("Slack %s failed: %s (HTTP %s) response_metadata=%s", method, error[:_LOGGED_CHARS], status,
                str(metadata)[:_LOGGED_CHARS * _LOGGED_MESSAGES])


class SlackErrorLog(RetryHandler):
    """Logs every error answer the Web API gives, and never asks for a retry.

    A retry handler, because slack_sdk consults its retry handlers on every answer, ok or not, and Bolt copies
    them into the client it builds for each request: no call, in a listener or in the bot's own work, escapes.
    """

    def __init__(self) -> None:
        super().__init__(max_retry_count=0)

    def can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                  error: Exception | None = None) -> bool:
        method = request.url.rsplit("/", 1)[-1]
        if response is None:
            log.warning("Slack %s failed: no answer (%s)", method, type(error).__name__ if error else "unknown")
            return False
        body = response.body if isinstance(response.body, dict) else {}
        if response.status_code >= 400 or body.get("ok") is False:
            log_slack_error(method, response.status_code, str(body.get("error") or "no error named"),
                            body.get("response_metadata"))
        return False


class CheckedRespond(BoltRespond):
    """Bolt's respond, but a refused post raises ResponseUrlError (Bolt returns it and goes on): a message
    Slack didn't show is an error the person must hear about, not a silent no-op."""

    @classmethod
    def checking(cls, respond: Any) -> Any:
        if not isinstance(respond, BoltRespond) or isinstance(respond, cls) or respond.response_url is None:
            return respond
        return cls(response_url=respond.response_url, proxy=respond.proxy, ssl=respond.ssl)

    def __call__(self, *args: Any, **kwargs: Any) -> WebhookResponse:
        answer = super().__call__(*args, **kwargs)
        if answer.status_code != 200:
            error, messages = _webhook_error(answer.body)
            log_slack_error("response_url", answer.status_code, error, {"messages": messages} if messages else None)
            raise ResponseUrlError(answer.status_code, error, messages)
        return answer


def _webhook_error(body: str) -> tuple[str, list[str]]:
    """Slack answers a refused response_url post with the error's name as text; the fake adds JSON details."""
    try:
        data = json.loads(body)
    except ValueError:
        return body.strip()[:_LOGGED_CHARS] or "no error named", []
    if not isinstance(data, dict):
        return "no error named", []
    messages = (data.get("response_metadata") or {}).get("messages") or []
    return str(data.get("error") or "no error named"), [str(m) for m in messages]


def error_ref() -> str:
    return "E-" + secrets.token_hex(3).upper()


def message_for(error: Exception) -> tuple[str, bool]:
    """(what to tell the person, whether it was expected)."""
    if isinstance(error, AmendsError):
        return f":warning: {error.user_message}", True
    if isinstance(error, SlackApiError | ResponseUrlError):
        code = error.error if isinstance(error, ResponseUrlError) else error.response.get("error")
        known = SLACK_ERROR_MESSAGES.get(str(code))
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
                  exc_info=error, extra={"error_ref": ref})
        text = apology(ref)
    user_id = user_of(body)
    if not user_id:
        return
    # Bolt passes a `respond` even when the request carried no response_url; it can't be used then.
    usable_respond = CheckedRespond.checking(respond) if body.get("response_url") else None
    try:
        tell(client, user_id, text, respond=usable_respond)
        return
    except Exception:  # noqa: BLE001 - e.g. the response_url was used up or expired: a DM still reaches them
        if usable_respond is None:
            log.exception("could not tell %s about an error", user_id)
            return
    try:
        tell(client, user_id, text)
    except Exception:  # the person can't be reached; the log lines above are what's left
        log.exception("could not tell %s about an error", user_id)


def install(app: App) -> None:
    """Errors raised before the ack (and in Bolt's middleware) arrive here."""

    @app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient, respond: Respond | None) -> None:
        report(error, body, client, respond)
