"""What every Slack request carries into logs and metrics, bound where it arrives.

`arrived()` wraps one request at the edge (the HTTP endpoint, or a Socket Mode message): a fresh request
id and nothing else bound, undone when the answer is sent, since that thread serves other requests next.
Bolt's global middleware cannot wrap (its `next` only flags that the chain may go on), so
`bind_user` adds the Slack user inside that scope. Work queued after the ack runs in a copy of the
context (surface.py) and keeps all of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import BoltContext

from bot import logs


def new_request_id() -> str:
    return uuid.uuid4().hex[:12]


@contextmanager
def arrived() -> Iterator[None]:
    with logs.bound(request_id=new_request_id(), slack_user=None, case_ref=None):
        yield


def bind_user(context: BoltContext, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's name for it
    logs.bind(slack_user=context.user_id)
    return next()
