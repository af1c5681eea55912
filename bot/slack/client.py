"""The Web API client, with slack_sdk's own retry handlers for rate limits and server errors."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.slack.blocks.base import shown_as_typed
from bot.slack.errors import CheckedRespond, SlackErrorLog

_MESSAGE_METHODS = {"chat.postMessage", "chat.update", "chat.postEphemeral", "chat.scheduleMessage"}


class AmendsWebClient(WebClient):
    """A WebClient that never hands person text to mrkdwn (see bot/text.py): a message's `text` (its
    notification) gets it escaped, and a message of text alone gets a rich_text block that shows it as
    typed. Every message the bot sends passes here, so no builder can forget it."""

    def api_call(self, api_method: str, *, json: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        if api_method in _MESSAGE_METHODS and json and isinstance(json.get("text"), str):
            json = {**json, **shown_as_typed(json["text"], json.get("blocks"))}
        return super().api_call(api_method, json=json, **kwargs)


def per_request(client: WebClient) -> AmendsWebClient:
    """The client Bolt made for one request (a plain WebClient), as an AmendsWebClient."""
    return AmendsWebClient(token=client.token, base_url=client.base_url, timeout=client.timeout, ssl=client.ssl,
                           proxy=client.proxy, headers=client.headers, logger=client.logger,
                           retry_handlers=client.retry_handlers)


class TypedRespond(CheckedRespond):
    """Bolt's respond() (ephemerals and in-place updates through the response_url), with the same care; a
    CheckedRespond, so a refused post still raises."""

    def __call__(self, text: Any = "", blocks: Any = None, **kwargs: Any) -> Any:
        if isinstance(text, str):
            return super().__call__(**shown_as_typed(text, blocks), **kwargs)
        return super().__call__(text, blocks=blocks, **kwargs)


def make_web_client(token: str | None, base_url: str, *, timeout: int = 10, rate_limit_retries: int = 2,
                    server_error_retries: int = 2) -> WebClient:
    """A WebClient that waits out 429s (honouring Retry-After) and retries 5xx and dropped connections.

    Retries are bounded: an interaction has a person waiting, and reminders have their own retry policy.
    Every error Slack answers is logged (see errors.SlackErrorLog).
    """
    return AmendsWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            SlackErrorLog(),  # first: it sees every answer, then the others decide whether to retry
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            ServerErrorRetryHandler(max_retry_count=server_error_retries),
        ],
    )
