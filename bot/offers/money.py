"""Amounts people type (in a modal or a data file) as Decimal: never a float, at most two places."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MAX_AMOUNT = Decimal("9999999.99")
CENT = Decimal("0.01")


def parse_amount(value: object, *, allow_zero: bool = True) -> Decimal:
    """`"250"`, `"1,250.50"`, `"£40"`, `Decimal("12.5")` -> Decimal; ValueError says what is wrong, for a person."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("write the amount as text, like 40 or 40.50")
    text = str(value if value is not None else "").strip()
    for symbol in ("£", "$", "€", "¥", "₹"):
        text = text.removeprefix(symbol)
    text = text.replace(",", "").strip()
    if not text:
        raise ValueError("enter an amount, like 40 or 40.50")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"“{str(value)[:30]}” isn't an amount; write it like 40 or 40.50") from None
    if not amount.is_finite() or "e" in text.lower():
        raise ValueError("write the amount in digits, like 40 or 40.50")
    if amount < 0:
        raise ValueError("the amount can't be negative")
    if amount == 0 and not allow_zero:
        raise ValueError("the amount must be more than zero")
    if amount > MAX_AMOUNT:
        raise ValueError(f"that is more than {MAX_AMOUNT:,} - check the amount")
    if amount != amount.quantize(CENT):
        raise ValueError("use at most two decimal places")
    return amount.quantize(CENT)
