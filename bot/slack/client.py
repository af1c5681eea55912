"""The Web API client, with slack_sdk's own retry handlers for rate limits and server errors."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.slack.errors import SlackErrorLog


def make_web_client(token: str | None, base_url: str, *, timeout: int = 10, rate_limit_retries: int = 2,
                    server_error_retries: int = 2) -> WebClient:
    """A WebClient that waits out 429s (honouring Retry-After) and retries 5xx and dropped connections.

    Retries are bounded: an interaction has a person waiting, and reminders have their own retry policy.
    Every error Slack answers is logged (see errors.SlackErrorLog).
    """
    return WebClient(
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
