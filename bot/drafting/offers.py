"""Where drafts learn what was offered to the customer: the seam between offers (bot/offers) and drafting.

`offers_for(session, case, language=..., catalog=...)` returns the case's alternatives, incentive, gift,
compensation and the customer's choice as plain values (`OfferFacts`, see context.py), each entry named
as the catalog words it in the draft's language (else as it was worded when offered, in the base language):

* alternatives - the current offer's alternatives as a message to the customer says them, only those
  an approver allowed (a smaller approved amount leaves the dearer ones out); once the customer took
  one, that one comes first (templates say "alternatives[0], as you chose");
* incentive    - the offer's incentive;
* gift         - the goodwill gesture when the customer cancelled;
* choice       - wait, alternative or cancel, once recorded.

An offer still waiting for an approver is not mentioned: nothing is promised to a customer before it
is approved. An offer replaced by a newer one is not mentioned either: only the current offer is drafted.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.cases.models import Case
from bot.drafting.context import Alternative, Choice, OfferFacts
from bot.drafting.templates import BASE_LANGUAGE
from bot.offers import service
from bot.offers.catalog import Catalog


def offers_for(session: Session, case: Case, *, language: str = BASE_LANGUAGE, catalog: Catalog | None = None
               ) -> OfferFacts:
    offer = service.latest_offered(session, case.id)
    chosen = service.customer_choice(session, case.id)
    if offer is None and chosen is None:
        return OfferFacts()
    items = list(offer.offered_alternatives) if offer else []
    if chosen is not None and chosen.item_id is not None:
        items.sort(key=lambda item: item.id != chosen.item_id)
    incentive = offer.incentive if offer else None
    offered = [*items, *([incentive] if incentive else [])]
    worded = {item.id: catalog.words(item.catalog_id, language) if catalog is not None else None for item in offered}
    return OfferFacts(
        alternatives=tuple(Alternative(title=worded[item.id] or item.say) for item in items),
        incentive=(worded[incentive.id] or incentive.say) if incentive else None,
        gift=chosen.gesture if chosen is not None and chosen.choice == Choice.CANCEL else None,
        choice=Choice(chosen.choice) if chosen is not None else None,
        unworded=tuple(item.title for item in offered if language != BASE_LANGUAGE and not worded[item.id]),
    )
