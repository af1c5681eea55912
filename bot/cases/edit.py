"""What may change on a case after its intake, and the rules that input must meet (the intake's own rules:
bot/cases/intake.py). Applying an edit is bot.cases.service.edit_case, the one way a case's new date,
contact, timezone or tier change, from a person in Slack or an order system's API.

A form shows the case as it was when it opened; only the fields the person changed from what they saw
are applied, so two people editing different fields at once never undo each other's change, and a new
date prefilled from last week is not refused as "already passed" when nobody touched it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from bot.cases.intake import MAX_TEXT, blank_is_none, checked_date, field_errors, known_tier, timezone_name
from bot.cases.models import Case
from bot.errors import InvalidInput
from bot.settings import AmendsConfig

# Editable fields, in the order the form shows them and errors are listed.
EDITABLE = ("new_date", "customer_contact", "customer_timezone", "customer_tier")


class CaseEdit(BaseModel):
    """The changed fields only (`model_fields_set`); a field set to None is cleared."""

    model_config = ConfigDict(frozen=True)

    new_date: datetime | None = None
    customer_contact: str | None = None
    customer_timezone: str | None = None
    customer_tier: str | None = None

    @field_validator("customer_contact", mode="before")
    @classmethod
    def _contact(cls, value: object) -> object:
        value = blank_is_none(value.replace("\x00", "") if isinstance(value, str) else value)
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise ValueError(f"Please keep this under {MAX_TEXT} characters.")
        return value

    @field_validator("customer_tier", mode="before")
    @classmethod
    def _blank_tier(cls, value: object) -> object:
        return blank_is_none(value)

    @field_validator("customer_timezone", mode="before")
    @classmethod
    def _timezone(cls, value: object) -> object:
        return timezone_name(value)

    @field_validator("new_date")
    @classmethod
    def _date(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return checked_date(value, info)

    @field_validator("customer_tier")
    @classmethod
    def _tier(cls, value: str | None, info: ValidationInfo) -> str | None:
        return known_tier(value, info)

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EDITABLE if name in self.model_fields_set}


def form_values(case: Case, config: AmendsConfig) -> dict[str, Any]:
    """What an edit form shows: the case's values, except a tier the team no longer has (no list offers
    it, so the form shows none, and leaving it so keeps it)."""
    values = {name: getattr(case, name) for name in EDITABLE}
    if config.tier(case.customer_tier) is None:
        values["customer_tier"] = None
    return values


def fingerprint(value: object) -> str:
    """A short, stable trace of a field's value as a form shows and returns it (dates to the minute, the
    picker's precision), so a form can tell what was changed without carrying the values themselves."""
    if isinstance(value, datetime):
        text = f"t{int(value.timestamp()) // 60}"
    else:
        text = "" if value is None or (isinstance(value, str) and not value.strip()) else f"s{value}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def fingerprints(values: Mapping[str, object]) -> dict[str, str]:
    """What a form shows (form_values), as fingerprints: they ride in its metadata."""
    return {name: fingerprint(values.get(name)) for name in EDITABLE}


def log_data(changes: Mapping[str, tuple[Any, Any]]) -> dict[str, Any]:
    """An edit in the event log: the fields changed, each `name` -> after and `previous_name` -> before."""
    logged: dict[str, Any] = {"changed": list(changes)}
    for name, (before, after) in changes.items():
        logged[name], logged[f"previous_{name}"] = _json(after), _json(before)
    return logged


def logged_changes(data: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """log_data read back: field -> (before, after), dates as datetimes."""
    def value(name: str, raw: Any) -> Any:
        return datetime.fromisoformat(raw) if name == "new_date" and isinstance(raw, str) else raw
    return {name: (value(name, data.get(f"previous_{name}")), value(name, data.get(name)))
            for name in data.get("changed") or []}


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def parse_edit(raw: Mapping[str, object], *, shown: Mapping[str, str], config: AmendsConfig,
               now: datetime) -> CaseEdit:
    """The fields changed from what the form `shown`, validated; every problem reported at once."""
    changed = {name: raw.get(name) for name in EDITABLE if fingerprint(raw.get(name)) != shown.get(name)}
    try:
        return CaseEdit.model_validate(changed, context={"config": config, "now": now})
    except ValidationError as exc:
        fields: dict[str, str] = {}
        field_errors(exc, fields, first=EDITABLE[0])
        raise InvalidInput("Some fields need another look.",
                           {name: fields[name] for name in EDITABLE if name in fields}) from None
