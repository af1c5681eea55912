"""The `api:` section of amends.yaml: who owns a case an order system opens without naming anyone, and the
webhooks that receive case events (see README "Connecting your order system")."""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.reminders.config import Duration

# What a team's receivers can subscribe to; each is a case event written in the same transaction.
EVENT_KINDS = ("case.opened", "case.customer_told", "case.choice_recorded", "case.offer_decided",
               "case.resolved", "case.reopened", "case.date_changed", "case.delivered", "case.cancelled_upstream")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookConfig(_Strict):
    url: str
    # The environment variable holding the signing secret (secrets stay out of amends.yaml).
    secret_env: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")
    events: tuple[str, ...] = ()  # empty: every kind

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value) or len(value) > 200:
            raise ValueError(f"{value!r} is not an http(s) URL of at most 200 characters")
        return value

    @field_validator("events")
    @classmethod
    def _events(cls, events: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [e for e in events if e not in EVENT_KINDS]
        if unknown:
            raise ValueError(f"unknown event {unknown[0]!r}; choose from {', '.join(EVENT_KINDS)}")
        return events

    def wants(self, kind: str) -> bool:
        return not self.events or kind in self.events


class ApiConfig(_Strict):
    # Owns a case whose event names no owner, or one not found in Slack (a user ID like U0123ABCD).
    triage_owner: str | None = Field(default=None, pattern=r"^[UW][A-Z0-9]{2,}$")
    webhooks: tuple[WebhookConfig, ...] = ()
    send_every: Duration = timedelta(seconds=5)   # how often the outbox is swept
    send_timeout: Duration = timedelta(seconds=10)
    max_attempts: int = Field(default=12, ge=1, le=100)  # backoff 30 s doubling, capped at 1 h: ~7 h in all
    claim_lease: Duration = timedelta(minutes=2)  # a send claimed longer ago than this was interrupted

    @field_validator("webhooks")
    @classmethod
    def _unique(cls, hooks: tuple[WebhookConfig, ...]) -> tuple[WebhookConfig, ...]:
        urls = [h.url for h in hooks]
        if len(set(urls)) != len(urls):
            raise ValueError("a webhook url is listed twice")
        return hooks
