"""What /healthz and /readyz answer.

Alive: the process answers HTTP at all (a load balancer or Kubernetes restarts it when not).
Ready: it should be sent Slack's requests: the database answers, its schema is the one this code
expects, Slack accepted the bot token at start (`auth.test`, done by Bolt when the app is built), and
it is not shutting down. A replica whose schema a newer replica already moved past stays ready (its
migrations keep the previous version working), so a rolling upgrade never leaves no replica ready.
"""

from __future__ import annotations

import threading
from functools import cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.db import Database, alembic_config
from bot.logs import redact


@cache
def _revisions() -> tuple[str | None, frozenset[str]]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return script.get_current_head(), frozenset(rev.revision for rev in script.walk_revisions())


class Health:
    def __init__(self, db: Database, *, slack_verified: bool) -> None:
        self.db = db
        self.slack_verified = slack_verified
        self._stopping = threading.Event()

    def stopping(self) -> None:
        """From now on not ready: load balancers take this replica out while it finishes its work."""
        self._stopping.set()

    @property
    def is_stopping(self) -> bool:
        return self._stopping.is_set()

    def problems(self) -> list[str]:
        """Why this replica is not ready; empty when it is."""
        found = []
        if self._stopping.is_set():
            found.append("shutting down")
        if not self.slack_verified:
            found.append("Slack auth.test did not pass at start")
        head, known = _revisions()
        try:
            with self.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                current = MigrationContext.configure(conn).get_current_revision()
        except Exception as exc:  # noqa: BLE001 - any failure to reach it is the answer
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            found.append(redact(f"database unreachable: {reason[0] if reason else type(exc).__name__}"))
            return found
        if current != head and (current is None or current in known):
            found.append(f"database schema at {current or 'nothing'}, this code needs {head} (amends db upgrade)")
        return found
