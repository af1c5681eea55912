"""Sending the outbox to the team's webhooks, driven by the ticker: claim what is due, POST each event
signed like inbound requests (X-Amends-Signature over `v1:<timestamp>:<body>`, with X-Amends-Event-Id),
settle. A 2xx is delivered; anything else (a 5xx, a timeout, a refused connection) is retried with
backoff (30 s, 1 min, 2 min ... capped at 1 h) up to `max_attempts`, then marked failed and logged."""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from bot.api import outbox
from bot.api.config import ApiConfig
from bot.api.keys import sign
from bot.clock import Clock
from bot.db import Database
from bot.errors import ConfigError

CONCURRENCY = 4
USER_AGENT = "Amends-Webhook/1"

log = logging.getLogger(__name__)


def webhook_secrets(config: ApiConfig, environ: dict[str, str] | None = None) -> dict[str, str]:
    """Each webhook's signing secret from the environment variable it names; a missing one stops the start."""
    environ = dict(os.environ) if environ is None else environ
    missing = [f"api.webhooks[{i}].secret_env: the environment variable {hook.secret_env} is not set (it holds "
               f"the secret {hook.url} checks signatures with)"
               for i, hook in enumerate(config.webhooks) if not environ.get(hook.secret_env)]
    if missing:
        raise ConfigError(missing)
    return {hook.url: environ[hook.secret_env] for hook in config.webhooks}


class OutboxSender:
    """Claims due outbox rows and sends them, CONCURRENCY at a time; one per process, driven by the ticker."""

    def __init__(self, db: Database, config: ApiConfig, clock: Clock, secrets: dict[str, str]) -> None:
        self.db, self.config, self.clock, self.secrets = db, config, clock, secrets
        self.pool = ThreadPoolExecutor(CONCURRENCY, thread_name_prefix="amends-webhooks")

    def sweep(self, now: datetime | None = None) -> Counter[str]:
        """Send everything due; returns how the claimed rows ended (sent, pending, failed, lost)."""
        token = uuid.uuid4().hex
        batch = CONCURRENCY * 4
        outcomes: Counter[str] = Counter()
        while True:
            with self.db.transaction() as session:
                ids = outbox.claim_due(session, now=now or self.clock.now(), limit=batch,
                                       lease=self.config.claim_lease, token=token)
                rows = [(r.id, r.webhook, r.event_id, r.payload) for r in outbox.claimed(session, ids, token)]
            if not rows:
                return outcomes
            outcomes.update(self.pool.map(lambda row: self._deliver(token, *row), rows))
            if len(ids) < batch:
                return outcomes

    def _deliver(self, token: str, row_id: int, url: str, event_id: str, payload: dict[str, object]) -> str:
        """Post one event and settle it at once, so a kill can repeat only the posts in flight."""
        error = self._post(url, event_id, payload)
        with self.db.transaction() as session:
            state = outbox.settle(session, row_id, token=token, now=self.clock.now(), error=error,
                                  max_attempts=self.config.max_attempts)
        if state == "failed":
            log.error("webhook %s: gave up on event %s: %s", url, event_id, error)
        return state

    def _post(self, url: str, event_id: str, payload: dict[str, object]) -> str | None:
        """None when the receiver took it (2xx), else why not."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        timestamp = int(time.time())
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": USER_AGENT, "X-Amends-Event-Id": event_id,
            "X-Amends-Timestamp": str(timestamp), "X-Amends-Signature": sign(self.secrets[url], timestamp, body)})
        try:
            with urllib.request.urlopen(request, timeout=self.config.send_timeout.total_seconds()) as response:
                response.read(1024)
                return None
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:  # refused, reset, timed out, bad URL
            return f"{type(exc).__name__}: {exc}"[:300]

    def close(self) -> None:
        self.pool.shutdown(wait=True)
