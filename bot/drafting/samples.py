"""Sample cases every template must render for: `amends check` and the tests use them.

Between them they cover what a template has to cope with: a new date or none, alternatives with and
without an incentive, a gift, compensation, the customer's choice, an overdue promise, an associate
without phone or email, a customer in another timezone, and a log with checks tried, the manager alerted,
or nothing recorded at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.cases.models import Case, CaseStatus, Outcome
from bot.drafting.context import (
    Alternative,
    Associate,
    Choice,
    DoneFact,
    DraftContext,
    OfferFacts,
    RecordedFacts,
    build_context,
)
from bot.settings import AmendsConfig

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

ADA = Associate("U0SAMPLE01", "Ada Lovelace", phone="+44 20 7946 0123", email="ada@example.com")
NO_CONTACT = Associate("U0SAMPLE02", "Ben Okri")


@dataclass(frozen=True)
class Sample:
    label: str
    case: Case
    offers: OfferFacts
    associate: Associate = ADA
    facts: RecordedFacts = RecordedFacts()
    personal_care: bool = False

    def context(self, config: AmendsConfig, *, now: datetime = NOW, language: str = "en") -> DraftContext:
        """The sample as a case in `language` would be drafted: its typed words in that language too (in a
        real case the playbooks' and the team's own words are)."""
        words = SAMPLE_WORDS.get(language, {})

        def say(text: str | None) -> str | None:
            return words.get(text, text) if text else text

        case, offers, facts = self.case, self.offers, self.facts
        if words:
            case = sample_case(**{c.key: getattr(case, c.key) for c in Case.__table__.columns
                                  if c.key not in {"promise"}}, promise=say(case.promise))
            offers = replace(offers, alternatives=tuple(replace(a, title=say(a.title) or a.title,
                                                                description=say(a.description))
                                                        for a in offers.alternatives),
                             incentive=say(offers.incentive), gift=say(offers.gift))
            facts = replace(facts, done=tuple(replace(f, say=say(f.say) or f.say) for f in facts.done))
        return build_context(case, config=config, associate=self.associate, offers=offers, facts=facts,
                             personal_care=self.personal_care, language=language, now=now)


def sample_case(**overrides: object) -> Case:
    """A case as intake saves it (not persisted): 12 chairs for Northwind, due tomorrow, supplier late."""
    fields: dict[str, object] = dict(
        id=42, ref="AM-42", status=CaseStatus.OPEN, severity="high",
        customer_name="Northwind Traders", customer_contact="+44 113 496 0000", customer_tier="preferred",
        order_ref="SO-18342", promise="12 office chairs for the Leeds site",
        promised_at=NOW + timedelta(days=1, hours=5), new_date=NOW + timedelta(days=4, hours=5),
        cause="supplier-delay", order_value=Decimal("2400.00"), currency="GBP",
        notes="Supplier says the fabric batch failed inspection.", owner_id=ADA.user_id, reporter_id=ADA.user_id,
        created_at=NOW, updated_at=NOW, version=1,
    )
    fields.update(overrides)
    return Case(**fields)


GRAPHITE = Alternative("the same chair in graphite", available_at=NOW + timedelta(days=1, hours=5))
PRO = Alternative("the Pro model", description="with adjustable arms", price=Decimal("2650.00"))
FULL_OFFERS = OfferFacts(alternatives=(GRAPHITE, PRO), incentive="a free set of castors",
                         gift="free delivery on your next order", compensation=Decimal("240.00"))


OTHER_STORES = DoneFact("checked our other stores", NOW - timedelta(hours=2))
EXPRESS = DoneFact("asked our supplier for an express shipment", NOW - timedelta(hours=1))
CHECKED = RecordedFacts(done=(OTHER_STORES, EXPRESS), manager_alerted_at=NOW - timedelta(minutes=30))


# The samples' own words in the languages templates are shipped in, so `amends check` shows a whole
# message in that language.
SAMPLE_WORDS = {"es": {
    "12 office chairs for the Leeds site": "12 sillas de oficina para la sede de Leeds",
    "Paid telephone training for your support team": "formación telefónica de pago para su equipo de soporte",
    "Repair of the copier in the print room": "reparación de la fotocopiadora de la sala de impresión",
    "the same chair in graphite": "la misma silla en grafito", "the Pro model": "el modelo Pro",
    "with adjustable arms": "con brazos regulables", "a free set of castors": "un juego de ruedas gratis",
    "free delivery on your next order": "el envío gratis en su próximo pedido",
    "10% off your next order": "un 10 % de descuento en su próximo pedido",
    "checked our other stores": "revisado nuestras otras tiendas",
    "asked our supplier for an express shipment": "pedido a nuestro proveedor un envío urgente",
    "asked our other trainers whether one of them could lead it":
        "preguntado a nuestros otros formadores si alguno podía impartirla",
    "asked for the part to be sent by express courier": "pedido que la pieza se envíe por mensajería urgente",
    "a new session at a time you choose": "una nueva sesión a la hora que usted elija",
    "a recording of the full session, with a live call for your questions":
        "la grabación de la sesión completa, con una llamada en directo para sus preguntas",
    "a credit on your next session with us": "un crédito para su próxima sesión con nosotros",
    "a loan machine, free of charge, until yours is repaired":
        "una máquina de préstamo, sin coste, hasta que la suya esté reparada",
    "a free call-out on this repair": "el desplazamiento gratis en esta reparación",
}}


def samples() -> list[Sample]:
    """The second sample has nothing recorded: its first notice earns the "say what has been done" hint."""
    return [
        Sample("new date, alternatives, gift and compensation", sample_case(), FULL_OFFERS, facts=CHECKED),
        Sample("no new date, no offers and nothing recorded yet",
               sample_case(new_date=None, order_value=None, cause="stock-out"), OfferFacts(), associate=NO_CONTACT),
        Sample("one alternative, no gift, customer in New York",
               sample_case(cause="logistics", customer_timezone="America/New_York"),
               OfferFacts(alternatives=(GRAPHITE,), incentive="a free set of castors"),
               facts=RecordedFacts(done=(OTHER_STORES,))),
        Sample("overdue, compensation only, manager alerted",
               sample_case(promised_at=NOW - timedelta(days=1), cause="capacity",
                           customer_contacted_at=NOW - timedelta(hours=20)),
               OfferFacts(compensation=Decimal("50.00")), facts=RecordedFacts(manager_alerted_at=NOW),
               personal_care=True),
        Sample("customer chose the alternative", sample_case(customer_contacted_at=NOW - timedelta(hours=3)),
               OfferFacts(alternatives=(GRAPHITE,), gift="free delivery on your next order",
                          choice=Choice.ALTERNATIVE), facts=CHECKED),
        Sample("a paid telephone training, the trainer's flight delayed (a service)",
               sample_case(promise="Paid telephone training for your support team", order_ref="TR-310",
                           cause="force-majeure", cause_detail="travel-disrupted", promise_kind="service",
                           order_value=Decimal("900.00")),
               OfferFacts(alternatives=(Alternative("a new session at a time you choose"),
                                        Alternative("a recording of the full session, with a live call for "
                                                    "your questions")),
                          incentive="a credit on your next session with us"),
               facts=RecordedFacts(done=(DoneFact("asked our other trainers whether one of them could lead it",
                                                  NOW - timedelta(hours=1)),),
                                   manager_alerted_at=NOW - timedelta(minutes=40))),
        Sample("a copier repair waiting for a part from abroad (a visit)",
               sample_case(promise="Repair of the copier in the print room", order_ref="SR-7702",
                           cause="supplier-delay", cause_detail="from-abroad", promise_kind="visit"),
               OfferFacts(alternatives=(Alternative("a loan machine, free of charge, until yours is repaired"),),
                          gift="a free call-out on this repair"),
               facts=RecordedFacts(done=(DoneFact("asked for the part to be sent by express courier",
                                                  NOW - timedelta(hours=1)),))),
        Sample("customer cancelled", sample_case(status=CaseStatus.RESOLVED, outcome=Outcome.CANCELLED,
                                                 cause="quality", customer_contacted_at=NOW),
               OfferFacts(gift="10% off your next order", compensation=Decimal("100.00"), choice=Choice.CANCEL)),
    ]
