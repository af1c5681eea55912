"""The sweep that posts cases saved but never posted (see bot/cases/posting.py).

Before posting, it looks in the cases channel for the case's own message (its id rides in the message
metadata): a process killed after Slack took the post but before it was recorded had posted it, and
the sweep only finishes what followed (recording it, the managers' alert, the owner's confirmation).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot import metrics
from bot.cases import posting
from bot.slack.case_thread import publish_case
from bot.slack.wiring import Wiring

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)       # longer than a post with all its retries can take
LOOK_BACK = timedelta(hours=1)     # enough for a restart, which takes minutes; older cases are left as they are
BATCH = 20


def register(wiring: Wiring) -> None:
    deps = wiring.deps
    after = deps.config.cases.post_missing_after
    wiring.surface.uses_scopes("channels:history", "groups:history")  # looking for its own message first
    if deps.ticker is None:
        return
    every = min(max(after / 2, timedelta(seconds=1)), timedelta(seconds=30))
    deps.ticker.every(every, "case_posts")(lambda now: sweep(wiring, now))


def sweep(wiring: Wiring, now: datetime) -> int:
    """Post what is due; returns how many cases this replica posted."""
    deps = wiring.deps
    with deps.db.transaction() as session:
        ids = posting.unposted(session, saved_before=now - deps.config.cases.post_missing_after,
                               saved_after=now - LOOK_BACK, limit=BATCH)
    posted = 0
    for case_id in ids:
        with deps.db.transaction() as session:
            if not posting.claim_post(session, case_id, now=now, lease=LEASE):
                continue
        log.warning("case %s was saved but never posted (the bot stopped after saving it); posting it now", case_id)
        if publish_case(wiring.surface.app.client, wiring, case_id, look_first=True) is not None:
            posted += 1
            metrics.CASES_POSTED_BY_SWEEP.inc()
    return posted
