"""Where drafts learn what was offered to the customer: the seam between offers (issue #4) and drafting.

`offers_for(session, case)` returns the case's alternatives, incentive, gift, compensation and the
customer's choice as plain values (`OfferFacts`, see context.py). Until the offers area exists it
returns nothing and templates read well without offers. The offers area fills this in by querying its own
tables here (domain code may import domain code); nothing else in drafting changes.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.cases.models import Case
from bot.drafting.context import OfferFacts


def offers_for(session: Session, case: Case) -> OfferFacts:
    return OfferFacts()
