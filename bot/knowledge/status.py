"""`amends index status`: what the index holds, and how typo correction runs on this database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.knowledge.models import Entry, ImportRun, Reply, Term
from bot.knowledge.vocabulary import trigram_status


def index_status(session: Session) -> list[str]:
    kinds = dict(session.execute(select(Entry.kind, func.count()).group_by(Entry.kind)).all())
    replies = session.scalar(select(func.count()).select_from(Reply)) or 0
    terms = session.scalar(select(func.count()).select_from(Term).where(Term.entries > 0)) or 0
    lines = [f"entries: {sum(kinds.values())} ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items())) or 'none'}),"
             f" thread replies: {replies}, vocabulary: {terms} words"]
    if session.get_bind().dialect.name == "postgresql":
        lines.append(trigram_status(session)[1])
    else:
        lines.append("typo correction uses the in-process vocabulary (SQLite)")
    for run in session.scalars(select(ImportRun).order_by(ImportRun.channel_id)):
        state = "complete" if run.finished else "interrupted; run the import again to resume"
        lines.append(f"import {run.channel_id}: {run.messages} messages in {run.pages} pages, {state}")
    return lines
