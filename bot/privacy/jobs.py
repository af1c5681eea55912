"""Customer-data work with its own transactions: what `amends privacy ...` and the retention ticker run.

Each case is erased in a transaction of its own, so a long erasure never holds locks for long, and a
failure leaves every case either untouched or wholly erased.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.db import Database
from bot.privacy import service
from bot.privacy.config import PrivacyConfig
from bot.privacy.service import Erasure

log = logging.getLogger(__name__)

RETENTION_BATCH = 50  # cases a replica claims per transaction


def export_customer(db: Database, who: str, *, now: datetime) -> dict[str, Any]:
    with db.reading() as session:
        found = service.find_customer_cases(session, who)
        records = service.export(session, found)
    log.info("privacy export: %d cases, %d records", len(records), _count(records))
    return {"exported_at": now.isoformat(), "customer": who, "cases": records}


def erase_customer(db: Database, who: str, *, now: datetime, actor: str) -> list[Erasure]:
    with db.reading() as session:
        ids = [case.id for case in service.find_customer_cases(session, who)]
    done = []
    for case_id in ids:
        with db.transaction() as session:
            case = service.cases.get_case(session, case_id, for_update=True)
            done.append(service.erase_case(session, case, now=now, actor_id=None, reason=f"request ({actor})"))
    log.info("privacy erase by %s: %d cases, %d records", actor, len(done), sum(e.total for e in done))
    return done


def cases_past_retention(db: Database, *, now: datetime, retain_for: timedelta) -> list[tuple[str, datetime]]:
    with db.reading() as session:
        return [(c.ref or str(c.id), c.resolved_at) for c in service.past_retention(session, now=now,
                                                                                   retain_for=retain_for)
                if c.resolved_at is not None]


def retention_sweep(db: Database, config: PrivacyConfig, now: datetime,
                    on_erased: Callable[[Erasure], None] = lambda _e: None) -> int:
    """Erase every case past the retention period, a batch at a time. Returns how many."""
    if config.retain_customer_data_for is None:
        return 0
    erased = 0
    while True:
        with db.transaction() as session:
            batch = service.claim_past_retention(session, now=now, retain_for=config.retain_customer_data_for,
                                                 limit=RETENTION_BATCH)
            done = [service.erase_case(session, case, now=now, actor_id=None, reason="retention period")
                    for case in batch]
        for erasure in done:
            on_erased(erasure)
        erased += len(done)
        if len(batch) < RETENTION_BATCH:
            return erased


def _count(records: list[dict[str, Any]]) -> int:
    return sum(len(v) if isinstance(v, list) else 1 for record in records for v in record.values())
