"""What an associate reports when a promise is at risk, and the rules that input must meet."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from bot import money
from bot.cases.causes import Cause, CauseDetail, PromiseKind
from bot.cases.timezones import resolve_timezone
from bot.errors import InvalidInput
from bot.settings import AmendsConfig

MAX_TEXT = 3000  # Slack's plain_text_input maximum; longer text never reaches us
MAX_ORDER_VALUE = Decimal("9999999999.99")


class CaseIntake(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=False)

    customer_name: str
    customer_contact: str | None = None
    customer_timezone: str | None = None  # an IANA name; typed as a city or a zone (see timezones.py)
    customer_language: str | None = None  # a language code ("es"); None: the workspace's
    order_ref: str
    promise: str
    promised_at: datetime
    cause: Cause
    cause_detail: CauseDetail | None = None
    promise_kind: PromiseKind | None = None  # None: inferred from the promise and the cause
    new_date: datetime | None = None
    origin: str | None = None  # where it comes from: one of lead_times.yaml's origins (a country, a supplier)
    order_value: Decimal | None = None
    customer_tier: str | None = None
    notes: str | None = None

    @field_validator("customer_name", "customer_contact", "order_ref", "promise", "notes", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # No keyboard types NUL and PostgreSQL cannot store it; everything else is kept exactly as typed.
        return value.replace("\x00", "") if isinstance(value, str) else value

    @field_validator("customer_name", "order_ref", "promise")
    @classmethod
    def _required_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Please fill this in.")
        if len(value) > MAX_TEXT:
            raise ValueError(f"Please keep this under {MAX_TEXT} characters.")
        return value

    @field_validator("customer_contact", "notes", "customer_tier", "origin", mode="before")
    @classmethod
    def _optional_text(cls, value: object) -> object:
        return blank_is_none(value)

    @field_validator("cause_detail", "promise_kind", mode="before")
    @classmethod
    def _no_detail(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("customer_language", mode="before")
    @classmethod
    def _language(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        language = str(value).strip().lower()
        if not re.fullmatch(r"[a-z]{2,3}", language):
            raise ValueError("Please pick a language from the list.")
        return language

    @field_validator("customer_timezone", mode="before")
    @classmethod
    def _timezone(cls, value: object) -> object:
        return timezone_name(value)

    @field_validator("promised_at", "new_date")
    @classmethod
    def _aware(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return checked_date(value, info)

    @field_validator("cause_detail")
    @classmethod
    def _detail_goes_with_cause(cls, value: CauseDetail | None, info: ValidationInfo) -> CauseDetail | None:
        cause = info.data.get("cause")  # validated before it (declared first)
        if value is not None and cause is not None and cause not in value.causes:
            raise ValueError(f"“{value.label}” doesn't go with the cause “{cause.label}”; pick another detail, "
                             "or none.")
        return value

    @field_validator("origin")
    @classmethod
    def _short_origin(cls, value: str | None) -> str | None:
        if value is not None and len(value.strip()) > 40:
            raise ValueError("Please keep this under 40 characters: a country or a supplier.")
        return value.strip() if value else value

    @field_validator("customer_tier")
    @classmethod
    def _known_tier(cls, value: str | None, info: ValidationInfo) -> str | None:
        return known_tier(value, info)

    @field_validator("order_value", mode="before")
    @classmethod
    def _money(cls, value: object) -> object:
        # parse_intake reads what was typed in the workspace's locale; here only plain figures come in.
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return money.parse(value if isinstance(value, Decimal | float) else str(value), currency=None,
                           maximum=MAX_ORDER_VALUE)


FIELD_ORDER = list(CaseIntake.model_fields)


# ---------------------------------------------------------------------- rules shared with Edit case (bot/cases/edit.py)


def blank_is_none(value: object) -> object:
    """An optional text left empty is none (the intake's and Edit case's optional fields)."""
    return None if isinstance(value, str) and not value.strip() else value


def timezone_name(value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return resolve_timezone(str(value))


def checked_date(value: datetime | None, info: ValidationInfo) -> datetime | None:
    """An aware date; the new date not already past (`now` comes in the validation context)."""
    if value is not None and value.tzinfo is None:
        raise ValueError("Please pick a date and time.")
    now = (info.context or {}).get("now")
    # A small grace period: the picker has minute precision and people pick "now".
    if info.field_name == "new_date" and value is not None and now and value < now - timedelta(minutes=5):
        raise ValueError("This date has already passed; pick when it can realistically happen.")
    return value


def known_tier(value: str | None, info: ValidationInfo) -> str | None:
    config: AmendsConfig | None = (info.context or {}).get("config")
    if value is not None and config is not None and config.tier(value) is None:
        raise ValueError("Please pick a tier from the list.")
    return value


def field_errors(exc: ValidationError, fields: dict[str, str], *, first: str) -> None:
    """pydantic's errors as a message per field, for a person (`first`: where a form-wide one goes)."""
    for item in exc.errors(include_url=False):
        name = str(item["loc"][0]) if item["loc"] else first
        if name in fields:
            continue
        if item["type"] == "missing" or (item["type"] in {"datetime_type", "datetime_parsing"}):
            fields[name] = "Please fill this in." if item["type"] == "missing" else "Please pick a date."
        elif item["type"] == "enum":
            fields[name] = "Please pick a cause from the list." if name == "cause" else \
                "Please pick one from the list."
        else:
            fields[name] = str(item["msg"]).removeprefix("Value error, ")


def parse_intake(raw: dict[str, object], *, config: AmendsConfig, now: datetime) -> CaseIntake:
    """Validate form input; every problem is reported at once, keyed by field name.

    Every rule is a field validator (the workspace's tiers and the time come in the validation context),
    so pydantic checks each field whatever the others hold: one submit names every problem."""
    fields: dict[str, str] = {}
    intake: CaseIntake | None = None
    typed = raw.get("order_value")
    if isinstance(typed, str) and typed.strip():
        try:
            raw = {**raw, "order_value": money.parse(typed, locale=config.workspace.locale,
                                                     currency=config.workspace.currency, maximum=MAX_ORDER_VALUE)}
        except ValueError as exc:
            fields["order_value"] = str(exc)
            raw = {**raw, "order_value": None}
    try:
        intake = CaseIntake.model_validate(raw, context={"config": config, "now": now})
    except ValidationError as exc:
        field_errors(exc, fields, first="customer_name")
    if fields:
        ordered = {name: fields[name] for name in FIELD_ORDER if name in fields}
        raise InvalidInput("Some fields need another look.", ordered)
    assert intake is not None
    return intake
