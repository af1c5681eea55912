"""Why a promise broke. The value is what people type in filters (`cause:stock-out`) and playbook maps."""

from __future__ import annotations

import re
from enum import StrEnum


class Cause(StrEnum):
    STOCK_OUT = "stock-out"
    SUPPLIER_DELAY = "supplier-delay"
    LOGISTICS = "logistics"
    CAPACITY = "capacity"
    QUALITY = "quality"
    SYSTEM_ERROR = "system-error"
    FORCE_MAJEURE = "force-majeure"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Cause.STOCK_OUT: "Stock-out",
    Cause.SUPPLIER_DELAY: "Supplier delay",
    Cause.LOGISTICS: "Carrier or logistics",
    Cause.CAPACITY: "Capacity or staffing",
    Cause.QUALITY: "Quality or defect",
    Cause.SYSTEM_ERROR: "System error",
    Cause.FORCE_MAJEURE: "Weather or force majeure",
    Cause.OTHER: "Other",
}


class CauseDetail(StrEnum):
    """What exactly happened, when it matters to what a customer message may say (optional at intake).

    "although our system showed them" is true only of phantom stock, so drafts say it only then.
    """

    PHANTOM_STOCK = "phantom-stock"
    FROM_ABROAD = "from-abroad"
    TRAVEL_DISRUPTED = "travel-disrupted"

    @property
    def label(self) -> str:
        return _DETAILS[self][0]

    @property
    def causes(self) -> tuple[Cause, ...]:
        return _DETAILS[self][1]


_DETAILS = {
    CauseDetail.PHANTOM_STOCK: ("Stock-out: our system showed it in stock, but it isn't there", (Cause.STOCK_OUT,)),
    CauseDetail.FROM_ABROAD: ("A part or item coming from abroad is late",
                              (Cause.SUPPLIER_DELAY, Cause.LOGISTICS, Cause.STOCK_OUT)),
    CauseDetail.TRAVEL_DISRUPTED: ("The person who was to come or lead it couldn't travel",
                                   (Cause.FORCE_MAJEURE, Cause.CAPACITY, Cause.OTHER)),
}


class PromiseKind(StrEnum):
    """What was promised: playbooks, alternatives and messages differ (a session is never "delivered")."""

    GOODS = "goods"      # a delivery of goods
    SERVICE = "service"  # a service or appointment: a training, a session, a consultation
    VISIT = "visit"      # a repair or a visit: an engineer, an installer, a technician on site

    @property
    def label(self) -> str:
        return {"goods": "Goods delivery", "service": "Service or appointment", "visit": "Repair or visit"}[self.value]


# Words in the promise that say what kind it is, when intake didn't (checked whole-word, visits first:
# "an engineer to fit the training room's screen" is a visit).
_KIND_WORDS = {
    PromiseKind.VISIT: ("repair", "repairs", "repaired", "fix", "visit", "engineer", "technician", "install",
                        "installation", "installer", "fitting", "maintenance", "call-out", "callout", "on site",
                        "on-site", "service visit", "inspection"),
    PromiseKind.SERVICE: ("training", "session", "course", "class", "lesson", "webinar", "workshop", "seminar",
                          "consultation", "appointment", "meeting", "onboarding", "coaching", "tutoring",
                          "demonstration", "demo call", "booking", "treatment"),
}


_WORD = re.compile(r"[\w-]+")


def infer_kind(cause: str, promise: str) -> PromiseKind:
    """The kind of a promise from its words ("Paid telephone training" is a service), else from the
    cause (capacity follows the appointments playbook: a visit), else goods. The associate can change it."""
    text = " " + " ".join(_WORD.findall(promise.lower())) + " "
    for kind, words in _KIND_WORDS.items():
        if any(f" {word} " in text for word in words):
            return kind
    return PromiseKind.VISIT if cause == Cause.CAPACITY else PromiseKind.GOODS
