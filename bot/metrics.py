"""Prometheus metrics, served at /metrics (HTTP mode: on the bot's port; Socket Mode: on --health-port).

One process serves every request with threads (waitress), so prometheus-client's default registry is
enough: no multi-process mode. Names start with `amends_`; the client adds `process_*` figures too.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import event
from sqlalchemy.engine import Engine

# Slack gives 3 s for an ack; the buckets resolve the fast end and the deadline.
_ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)

ACK_SECONDS = Histogram(
    "amends_slack_ack_seconds", "From a Slack request's arrival to the bot's answer (the ack)", buckets=_ACK_BUCKETS)
COMMAND_TO_MODAL_SECONDS = Histogram(
    "amends_command_to_modal_seconds",
    "From the request that asked for a modal (a slash command, a button) to Slack's answer that it is open",
    buckets=_ACK_BUCKETS)
WORK_QUEUE_DEPTH = Gauge(
    "amends_work_queue_depth", "Work acknowledged and not yet done (opening modals, posting cases): queued or running")
SLACK_CALLS = Counter(
    "amends_slack_api_calls_total",
    "Slack Web API answers, each attempt of a retried call included, by method and outcome: ok, Slack's error "
    "name, 429, http_5xx..., exception (no answer)", ["method", "outcome"])

REMINDERS_DUE = Gauge("amends_reminders_due", "Reminders due and not yet sent when the last sweep started")
REMINDERS = Counter(
    "amends_reminders_total",
    "Reminders by step: claimed by a sweep, then sent, failed (for good), cancelled, retry (put back), "
    "deferred (held for the person's working hours), lost",
    ["outcome"])
REMINDER_LATENESS_SECONDS = Histogram(
    "amends_reminder_lateness_seconds", "How long after it fell due a reminder was posted",
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600))
CASES_POSTED_BY_SWEEP = Counter(
    "amends_cases_posted_by_sweep_total", "Cases saved but never posted (a crash after the ack) that the sweep posted")
DATABASE_ERRORS = Counter("amends_database_errors_total", "Errors the database driver raised, by kind", ["kind"])

# The HTTP API (/api/v1) and outbound events add their counters here, next to these, e.g.
#   API_REQUESTS = Counter("amends_api_requests_total", "...", ["method", "status"])
#   OUTBOUND_EVENTS = Counter("amends_outbound_events_total", "...", ["outcome"])


def watch_database(engine: Engine) -> None:
    """Count every error the driver raises on this engine (connection refused, lock timeouts, ...)."""

    def count(context: Any) -> None:
        DATABASE_ERRORS.labels(type(context.original_exception).__name__).inc()

    event.listen(engine, "handle_error", count)


def exposition() -> tuple[bytes, str]:
    """The text format Prometheus scrapes, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
