"""Why a promise broke. The value is what people type in filters (`cause:stock-out`) and playbook maps."""

from __future__ import annotations

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
