"""Cases saved but never posted: which they are, and who posts each (once, across replicas).

The intake form is acknowledged once the case is saved, and the case message is posted right after.
A process killed in between (a crash, a SIGKILL, a node lost) leaves a case nobody in the channel sees.
A sweep finds such cases a while after they were saved and claims each before posting it: the claim
bumps the case's version in the statement that checks it (optimistic locking, on either database), so
of two replicas only one wins, and it is recorded as a `post_claimed` event whose age is the lease: a
claimer that died too is succeeded after `lease`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.cases.models import Case, CaseEvent, CaseEventKind
from bot.cases.service import record_event


def unposted(session: Session, *, saved_before: datetime, saved_after: datetime, limit: int) -> Sequence[int]:
    """Cases with no message yet, saved in that window, that nobody was told about."""
    # A post that failed in a way the owner was told how to fix: they have a button to post it again.
    told = select(CaseEvent.case_id).where(CaseEvent.kind == CaseEventKind.POST_FAILED)
    return session.scalars(select(Case.id)
                           .where(Case.message_ts.is_(None), Case.created_at < saved_before,
                                  Case.created_at >= saved_after, Case.id.not_in(told))
                           .order_by(Case.id).limit(limit)).all()


def claim_post(session: Session, case_id: int, *, now: datetime, lease: timedelta) -> bool:
    """Take the job of posting the case. False when it has its message, or another claim is younger than
    `lease`, or another replica claimed it at the same moment."""
    case = session.get(Case, case_id)
    if case is None or case.message_ts is not None:
        return False
    last = session.scalar(select(func.max(CaseEvent.at))
                          .where(CaseEvent.case_id == case_id, CaseEvent.kind == CaseEventKind.POST_CLAIMED))
    if last is not None and now - last < lease:
        return False
    won = session.execute(update(Case)
                          .where(Case.id == case_id, Case.version == case.version, Case.message_ts.is_(None))
                          .values(version=case.version + 1)
                          .execution_options(synchronize_session=False)).rowcount
    if not won:
        return False
    session.expire(case)
    record_event(session, case, CaseEventKind.POST_CLAIMED, None, now)
    return True
