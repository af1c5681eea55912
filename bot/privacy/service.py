"""Customer data: find every record about a customer, export it, erase it, and erase it on schedule.

Plain values in, plain values out; the caller owns the transaction. What counts as personal, column by
column, is declared in bot/privacy/personal.py; this module applies it to every table that belongs to a
case (found from the schema's foreign keys, so a new area's table is covered as soon as it exists).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Select, Table, delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.cases import service as cases
from bot.cases.models import Case, CaseEventKind, CaseStatus
from bot.db import Base
from bot.knowledge.cases import index_case
from bot.knowledge.models import Entry, Term
from bot.privacy.personal import COLUMNS, DERIVED_TABLES, ERASED, STRUCTURAL_KEYS, Rule
from bot.privacy.scrub import Scrubber

log = logging.getLogger(__name__)

ERASED_EVENT = CaseEventKind.PERSONAL_DATA_ERASED


# ---------------------------------------------------------------------- the tables about a case


def _link(child: Table, parent: Table) -> tuple[str, str]:
    """(child's column, parent's column) of the foreign key from `child` to `parent`."""
    fk = next(fk for fk in child.foreign_keys if fk.column.table is parent)
    return fk.parent.name, fk.column.name


def case_tables() -> list[tuple[Table, list[Table]]]:
    """Each table with a `case_id`, with the tables hanging off it (offer items off offers), in the order
    rows can be read: the case's own table is left out (it is the root)."""
    import bot.models  # noqa: F401 - every table registered

    tables = [t for t in Base.metadata.sorted_tables if "case_id" in t.c and t.name != "cases"]
    # A derived table's own children (replies to a channel message's entry) are not about the case.
    children = {t.name: [c for c in Base.metadata.sorted_tables if c is not t and "case_id" not in c.c
                         and any(fk.column.table is t for fk in c.foreign_keys)]
                if t.name not in DERIVED_TABLES else [] for t in tables}
    return [(t, children[t.name]) for t in tables]


def text_columns(table: Table) -> list[str]:
    """The columns of `table` that can hold words: what personal.COLUMNS must classify."""
    from sqlalchemy import String, Text

    return [c.name for c in table.c if isinstance(c.type, String | Text | JSON)]


# ---------------------------------------------------------------------- finding a customer


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def find_customer_cases(session: Session, who: str) -> list[Case]:
    """Cases whose customer has this name or contact (case-insensitive; a phone number matches however it
    is spaced). Already erased cases hold nothing to find."""
    wanted = who.strip()
    if not wanted:
        return []
    lowered = wanted.lower()
    found = list(session.scalars(select(Case).where(or_(func.lower(Case.customer_name) == lowered,
                                                        func.lower(Case.customer_contact) == lowered))
                                 .order_by(Case.id)))
    digits = _digits(wanted)
    if len(digits) >= 6:  # a phone number: compare digits only, in Python (formats vary: spaces, dashes, +)
        known = {c.id for c in found}
        for case in session.scalars(select(Case).where(Case.customer_contact.is_not(None)).order_by(Case.id)):
            if case.id not in known and _digits(case.customer_contact or "") == digits:
                found.append(case)
    return found


# ---------------------------------------------------------------------- export


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _rows(session: Session, table: Table, column: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    result = session.execute(select(table).where(table.c[column].in_(list(ids))).order_by(*table.primary_key))
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in result]


def export(session: Session, case_list: Iterable[Case]) -> list[dict[str, Any]]:
    """Every record about these cases, table by table, as JSON-ready values."""
    exported = []
    for case in case_list:
        record: dict[str, Any] = {"case": _rows(session, Case.__table__, "id", [case.id])[0]}
        for table, children in case_tables():
            rows = _rows(session, table, "case_id", [case.id])
            record[table.name] = rows
            for child in children:
                column, parent_column = _link(child, table)
                record[child.name] = _rows(session, child, column, [r[parent_column] for r in rows])
        exported.append(record)
    return exported


# ---------------------------------------------------------------------- erasure


def _erase_json(value: Any, key: str | None = None) -> Any:
    """Strings under structural keys stay; every other string goes, however deep."""
    if isinstance(value, dict):
        return {k: _erase_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_erase_json(v, key) for v in value]
    if isinstance(value, str) and key not in STRUCTURAL_KEYS:
        return ERASED
    return value


def _erased(table: Table, column: str) -> Any:
    col = table.c[column]
    if isinstance(col.type, JSON):
        return [] if column in ("hints",) else {}
    return None if col.nullable else ERASED


def _new_values(table: Table, row: dict[str, Any], scrub: Scrubber) -> dict[str, Any]:
    rules = COLUMNS.get(table.name, {})
    values: dict[str, Any] = {}
    for column in text_columns(table):
        rule = rules.get(column)
        if rule is None:  # tests/test_privacy.py keeps this from happening; erase rather than keep unknown text
            rule = Rule.ERASE
        old = row[column]
        if rule is Rule.ERASE and old not in (None, ERASED, [], {}):
            values[column] = _erased(table, column)
        elif rule is Rule.SCRUB and old is not None:
            new = scrub(old)
            if new != old:
                values[column] = new
        elif rule is Rule.JSON_TEXT and old:
            new = _erase_json(old)
            if new != old:
                values[column] = new
    return values


def _erase_rows(session: Session, table: Table, column: str, ids: Sequence[int], scrub: Scrubber) -> tuple[int, list[Any]]:
    """Erase `table`'s rows whose `column` is in `ids`; returns (rows changed, primary keys of all rows)."""
    if not ids:
        return 0, []
    key = list(table.primary_key)
    changed, keys = 0, []
    for row in session.execute(select(table).where(table.c[column].in_(list(ids)))).mappings():
        keys.append(row[key[0].name])
        values = _new_values(table, dict(row), scrub)
        if values:
            session.execute(update(table).where(*(k == row[k.name] for k in key)).values(**values))
            changed += 1
    return changed, keys


@dataclass(frozen=True)
class Erasure:
    case_id: int
    ref: str
    records: dict[str, int]  # table -> rows changed

    @property
    def total(self) -> int:
        return sum(self.records.values())


def erase_case(session: Session, case: Case, *, now: datetime, actor_id: str | None, reason: str) -> Erasure:
    """Erase the personal data of one case everywhere, keep what the figures need, and log it (counts only).
    Safe to run again: an erased case has nothing left to erase."""
    scrub = Scrubber.of(case)
    records: dict[str, int] = {}
    for table, children in case_tables():
        if table.name == Entry.__tablename__:
            continue  # derived: rebuilt from the erased case below
        changed, keys = _erase_rows(session, table, "case_id", [case.id], scrub)
        records[table.name] = changed
        for child in children:
            records[child.name] = _erase_rows(session, child, _link(child, table)[0], keys, scrub)[0]
    case_row = session.execute(select(Case.__table__).where(Case.id == case.id)).mappings().one()
    values = _new_values(Case.__table__, dict(case_row), scrub)
    if values:
        session.execute(update(Case).where(Case.id == case.id).values(**values)
                        .execution_options(synchronize_session=False))
    records["cases"] = 1 if values else 0
    session.execute(update(Case).where(Case.id == case.id)
                    .values(personal_data_erased_at=now, updated_at=now, version=Case.version + 1))
    session.expire(case)
    if case.status == CaseStatus.RESOLVED and session.scalar(select(Entry.id).where(Entry.case_id == case.id)):
        index_case(session, case, now)
        records[Entry.__tablename__] = 1
    # Words nobody's entry holds any more (the customer's name among them) leave the vocabulary too.
    session.execute(delete(Term).where(Term.entries <= 0))
    cases.record_event(session, case, ERASED_EVENT, actor_id, now, reason=reason,
                       records=sum(records.values()))
    erasure = Erasure(case.id, case.ref or str(case.id), {t: n for t, n in records.items() if n})
    log.info("erased the customer's personal data of %s (%s): %d records", erasure.ref, reason, erasure.total)
    return erasure


# ---------------------------------------------------------------------- retention


def _past_retention(now: datetime, retain_for: timedelta) -> Select[tuple[Case]]:
    """Resolved cases whose personal data is past the retention period and still there, oldest first."""
    return (select(Case).where(Case.status == CaseStatus.RESOLVED, Case.resolved_at <= now - retain_for,
                               Case.personal_data_erased_at.is_(None))
            .order_by(Case.resolved_at, Case.id))


def past_retention(session: Session, *, now: datetime, retain_for: timedelta) -> list[Case]:
    return list(session.scalars(_past_retention(now, retain_for)))


def claim_past_retention(session: Session, *, now: datetime, retain_for: timedelta, limit: int) -> list[Case]:
    """Like past_retention, locked for this transaction: replicas running it at once skip each other's
    cases (PostgreSQL: SKIP LOCKED; SQLite has one writer at a time), so each case is erased once."""
    return list(session.scalars(_past_retention(now, retain_for).limit(limit).with_for_update(skip_locked=True)))

