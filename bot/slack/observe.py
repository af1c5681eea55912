"""What every Slack request carries into logs and metrics, bound where it arrives.

`arrived()` wraps one request at the edge (the HTTP endpoint, or a Socket Mode message): a fresh request
id and nothing else bound, undone when the answer is sent, since that thread serves other requests next.
Bolt's global middleware cannot wrap (its `next` only flags that the chain may go on), so
`bind_user` adds the Slack user inside that scope. Work queued after the ack runs in a copy of the
context (surface.py) and keeps all of it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from slack_bolt import BoltContext

from bot import logs, metrics


def new_request_id() -> str:
    return uuid.uuid4().hex[:12]


# When the request being handled arrived (perf_counter), for latencies measured later in its work.
ARRIVED_AT: ContextVar[float | None] = ContextVar("amends_arrived_at", default=None)


@contextmanager
def arrived() -> Iterator[None]:
    """Around one request, from its arrival to its answer: what it binds, and the ack's latency."""
    started = time.perf_counter()
    token = ARRIVED_AT.set(started)
    try:
        with logs.bound(request_id=new_request_id(), slack_user=None, case_ref=None):
            yield
    finally:
        ARRIVED_AT.reset(token)
        metrics.ACK_SECONDS.observe(time.perf_counter() - started)


def since_arrival() -> float | None:
    started = ARRIVED_AT.get()
    return None if started is None else time.perf_counter() - started


def bind_user(context: BoltContext, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's name for it
    logs.bind(slack_user=context.user_id)
    return next()
