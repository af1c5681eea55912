"""The Web API client, with slack_sdk's own retry handlers for rate limits and server errors."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler

from bot import metrics
from bot.slack.blocks.base import shown_as_typed
from bot.slack.errors import CheckedRespond, SlackErrorLog
from bot.slack.keep_alive import KeepAlive
from bot.slack.observe import since_arrival

_MESSAGE_METHODS = {"chat.postMessage", "chat.update", "chat.postEphemeral", "chat.scheduleMessage"}


class AmendsWebClient(WebClient):
    """A WebClient that never hands person text to mrkdwn (see bot/text.py): a message's `text` (its
    notification) gets it escaped, and a message of text alone gets a rich_text block that shows it as
    typed. Every message the bot sends passes here, so no builder can forget it."""

    def api_call(self, api_method: str, *, json: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        if api_method in _MESSAGE_METHODS and json and isinstance(json.get("text"), str):
            json = {**json, **shown_as_typed(json["text"], json.get("blocks"))}
        return super().api_call(api_method, json=json, **kwargs)


class KeepAliveWebClient(KeepAlive, AmendsWebClient):
    """An AmendsWebClient that keeps its connection to Slack open between calls (bot/slack/keep_alive.py):
    for the long-lived threads that make many calls, like the reminder posters."""


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
                    server_error_retries: int = 2, connection_retries: int = 1, keep_alive: bool = False) -> WebClient:
    """A WebClient that waits out 429s (honouring Retry-After) and retries 5xx and dropped connections.

    Retries are bounded: an interaction has a person waiting, and reminders have their own retry policy
    (they pass 0 for rate limits and server errors). Every error Slack answers is logged (see
    errors.SlackErrorLog) and every answer counted in the metrics (_Meter).
    """
    return (KeepAliveWebClient if keep_alive else AmendsWebClient)(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            SlackErrorLog(),  # first, with _Meter: they see every answer, then the others decide whether to retry
            _Meter(),
            ConnectionErrorRetryHandler(max_retry_count=connection_retries),
            RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            ServerErrorRetryHandler(max_retry_count=server_error_retries),
        ],
    )


class _Meter(RetryHandler):
    """Counts every answer of every attempt by method and outcome, and times modals from the request that
    asked for them. A retry handler because slack_sdk shows each attempt's answer to them, and Bolt hands
    listeners a fresh WebClient per request that keeps only the handlers. It never retries itself."""

    def __init__(self) -> None:
        super().__init__(max_retry_count=1_000_000)  # asked at every attempt, however many the others make

    def _can_retry(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> bool:
        method = request.url.rsplit("/", 1)[-1].split("?", 1)[0]
        if response is None:
            outcome = "exception"
        elif response.status_code == 429:
            outcome = "429"
        elif response.status_code != 200:
            outcome = f"http_{response.status_code}"
        elif (response.body or {}).get("ok"):
            outcome = "ok"
        else:
            outcome = str((response.body or {}).get("error") or "not_ok")
        metrics.SLACK_CALLS.labels(method, outcome).inc()
        if method == "views.open" and outcome == "ok":
            waited = since_arrival()
            if waited is not None:
                metrics.COMMAND_TO_MODAL_SECONDS.observe(waited)
        return False
