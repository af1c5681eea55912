"""What the API accepts and answers, as pydantic models: the same models validate requests, shape
responses and generate the OpenAPI document (bot/api/openapi.py), so the three cannot drift apart."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from bot.cases.causes import Cause, PromiseKind

Text = Annotated[str, StringConstraints(min_length=1, max_length=3000)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Amount = Annotated[str, StringConstraints(pattern=r"^\d{1,10}(\.\d{1,2})?$")]


class _In(BaseModel):
    # Unknown fields are refused: a typo ("promised_by") must not silently drop a date.
    model_config = ConfigDict(extra="forbid")


class Customer(_In):
    name: Text
    contact: Short | None = Field(default=None, description="phone or email the team reaches them at")
    language: Annotated[str, StringConstraints(pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})?$")] | None = Field(
        default=None, description="BCP 47 tag, e.g. fr or en-GB")
    timezone: Short | None = Field(default=None, description="IANA name or a city, e.g. Europe/Paris")
    tier: Short | None = Field(default=None, description="one of the team's customer_tiers ids")


class Order(_In):
    reference: Short
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)] | None = None
    value: Amount | None = Field(default=None, description="in the workspace currency, as text: \"2400.00\"")


class Promise(_In):
    what: Text = Field(description="what was promised, e.g. 12 office chairs delivered to the Leeds site")
    due: AwareDatetime = Field(description="when it was promised for (RFC 3339 with an offset)")
    kind: PromiseKind | None = Field(default=None, description="goods, service or visit; else inferred from "
                                                               "what was promised and the cause")


class PromiseAtRisk(_In):
    """A system learned that a promise will break, before the customer knows."""

    external_id: Annotated[str, StringConstraints(pattern=r"^[^/\s]{1,200}$")] = Field(
        description="your id for this event (no spaces or /: it is part of the case's URL); a retry with the "
                    "same id returns the same case")
    customer: Customer
    order: Order
    promise: Promise
    cause: Cause
    new_date: AwareDatetime | None = Field(default=None, description="the achievable new date, if known")
    owner: Annotated[str, StringConstraints(pattern=r"^([UW][A-Z0-9]{2,31}|[^@\s]{1,64}@[^@\s]{1,190})$")] | None = Field(
        default=None, description="Slack user id (U0123ABCD) or email of who owns the case; else the team's "
                                  "api.triage_owner")
    notes: Text | None = None


class PromiseUpdate(_In):
    """What changed upstream. Send one change per request."""

    new_date: AwareDatetime | None = Field(default=None, description="the ETA moved: the case's achievable date and "
                                                                     "new date become it (plus the team's eta_buffer)")
    delivered: Literal[True] | None = Field(default=None, description="the order reached the customer")
    cancelled: Literal[True] | None = Field(default=None, description="the order was cancelled upstream")
    note: Text | None = Field(default=None, description="said in the case thread with the change")

    @model_validator(mode="after")
    def _one_change(self) -> PromiseUpdate:
        given = [name for name in ("new_date", "delivered", "cancelled") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("send exactly one of new_date, delivered or cancelled")
        return self


class CaseOut(BaseModel):
    id: int
    ref: str
    status: Literal["open", "resolved"]
    severity: str
    outcome: str | None
    customer_name: str
    order_reference: str
    promise: str
    promised_at: datetime
    new_date: datetime | None
    achievable_date: datetime | None = Field(default=None, description="what the team can really keep, buffer "
                                                                       "included")
    achievable_source: str | None = Field(default=None, description="where the achievable date comes from")
    cause: str
    owner: str
    customer_told_at: datetime | None
    slack_url: str | None = Field(description="the case thread in Slack, once posted")
    source: str | None = Field(description="the system that opened it, if one did")
    external_id: str | None
    created_at: datetime
    updated_at: datetime


class CaseList(BaseModel):
    cases: list[CaseOut]
    next_cursor: int | None = Field(description="pass as ?after= for the next page; null on the last")


class FieldError(BaseModel):
    field: str = Field(description="dotted path of the field, e.g. promise.due")
    message: str


class Error(BaseModel):
    error: str = Field(description="what went wrong, for a person reading the logs")
    fields: list[FieldError] = Field(default_factory=list)
