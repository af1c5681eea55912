"""`amends index status`: what the index holds, and how search reads it on this database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.knowledge.backends import full_text_for
from bot.knowledge.models import Entry, ImportRun, Reply, Term


def index_status(session: Session) -> list[str]:
    kinds = dict(session.execute(select(Entry.kind, func.count()).group_by(Entry.kind)).all())
    replies = session.scalar(select(func.count()).select_from(Reply)) or 0
    terms = session.scalar(select(func.count()).select_from(Term)
                           .where(Term.entries > 0, Term.term.not_like("~%"))) or 0
    lines = [f"entries: {sum(kinds.values())} ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items())) or 'none'}),"
             f" thread replies: {replies}, vocabulary: {terms} words"]
    lines.append(full_text_for(session)[1])
    for run in session.scalars(select(ImportRun).order_by(ImportRun.channel_id)):
        state = "complete" if run.finished else "interrupted; run the import again to resume"
        lines.append(f"import {run.channel_id}: {run.messages} messages in {run.pages} pages, {state}")
    return lines
