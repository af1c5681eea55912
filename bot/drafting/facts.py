"""Where drafts learn what was done: the seam between the case's log (playbook checks, escalations) and
drafting. A message says only what is recorded here: "I've checked our other stores" because someone
recorded that check as tried, "I've told my manager" because the managers were alerted.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.cases.models import Case
from bot.drafting.context import DoneFact, RecordedFacts
from bot.drafting.templates import BASE_LANGUAGE
from bot.playbooks import service as playbooks
from bot.playbooks.models import CheckOutcome

# "Not possible" means it could not be tried: nothing to tell the customer about.
DONE_OUTCOMES = {CheckOutcome.TRIED, CheckOutcome.WORKED}


def facts_for(session: Session, case: Case, language: str = BASE_LANGUAGE) -> RecordedFacts:
    """What the log records as done, worded in `language` (a check with no words in it is not said)."""
    done = []
    for check in playbooks.recorded_checks(session, case.id):
        said = check.say.get(language) if isinstance(check.say, dict) else \
            (check.say if language == BASE_LANGUAGE else None)
        if said and check.outcome in DONE_OUTCOMES:
            done.append(DoneFact(said, check.recorded_at, worked=check.outcome is CheckOutcome.WORKED))
    return RecordedFacts(done=tuple(done), manager_alerted_at=playbooks.escalated_at(session, case.id))
