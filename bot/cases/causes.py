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
