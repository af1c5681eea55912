"""Money for the whole bot: amounts parsed as people type them and shown as people read them, in the
workspace's locale (amends.yaml `workspace.locale`), with Babel's CLDR data. Always Decimal, never float.

    parse("12,50", locale="de_DE", currency="EUR")   -> Decimal("12.50")
    parse("12,50", locale="en_GB", currency="GBP")   -> ValueError: ... did you mean 12.50? (never 1250)
    parse("1.234,50 €", locale="de_DE", currency="EUR") -> Decimal("1234.50")
    parse("120 GBP", locale="en_GB", currency="GBP") -> Decimal("120.00")
    Amount(Decimal("2400"), "GBP", "en_GB")  prints "£2,400";  Amount(Decimal("12.5"), "EUR", "de_DE") "12,50 €"

The currency symbol or code may be typed before or after the number; another currency's is refused (the
amount would be wrong by the exchange rate). Whole amounts print without decimals, like people write them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    NumberFormatError,
    format_currency,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    list_currencies,
    parse_decimal,
)

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
DEFAULT_LOCALE = "en"
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_CURRENCY_MARK = re.compile(r"^[^\d\s.,'\u00a0\u202f-]+|[^\d\s.,'\u00a0\u202f-]+$")
# Symbols people type for currencies other than the workspace's; seen, they mean a different currency.
_FOREIGN_SYMBOLS = ("£", "$", "€", "¥", "₹", "₩", "₽", "zł", "kr", "Fr", "R$")


def valid_locale(name: str) -> str:
    """`name` as Babel knows it ("de-DE" and "de_DE" both give "de_DE"); ValueError when unknown."""
    try:
        return str(Locale.parse(name.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"{name!r} is not a locale like en_GB, de_DE, fr_FR or en_US") from None


@functools.lru_cache(maxsize=64)
def _marks(currency: str, locale: str) -> frozenset[str]:
    """How the workspace currency may be written: its code and its symbols (local and narrow)."""
    marks = {currency.upper(), get_currency_symbol(currency, locale)}
    try:
        marks.add(get_currency_symbol(currency, locale).replace(currency[:2], ""))  # "US$" -> "$"
        marks.add(Locale.parse(locale).currency_symbols.get(currency, currency))
        marks.add(get_currency_symbol(currency, "en"))
    except (UnknownLocaleError, ValueError):
        pass
    return frozenset(m for m in marks if m)


def parse(value: object, *, locale: str = DEFAULT_LOCALE, currency: str | None, allow_zero: bool = True,
          maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """An amount as typed, in `locale`; ValueError says what is wrong, kindly, for a person.

    `currency=None` reads a figure from a data file (playbooks/alternatives.yaml): plain "12.50", any
    common currency symbol allowed, whatever the workspace's locale."""
    if isinstance(value, Decimal):
        value = format(value, "f")
    if currency is None:
        locale = "en"
    example = format_amount(Decimal("1250.50"), currency, locale) if currency else "40 or 40.50"
    if isinstance(value, bool | float):
        raise ValueError(f"Write the amount as text, like {example}.")
    text = _SPACES.sub(" ", str(value if value is not None else "")).strip()
    if not text:
        raise ValueError(f"Enter an amount, like {example}.")
    text = _strip_currency(text, value, currency, locale, example)
    if "e" in text.lower():
        raise ValueError(f"Write the amount in digits, like {example}.")
    # Babel wants the locale's own grouping space (fr_FR: a narrow no-break space); people type a space.
    group = get_group_symbol(locale)
    number = text.replace(" ", group) if group.isspace() else text.replace(" ", "")
    try:
        amount = parse_decimal(number, locale=locale, strict=True)
    except NumberFormatError as exc:
        hint = f" Did you mean {exc.suggestions[-1]}?" if getattr(exc, "suggestions", None) else ""
        raise ValueError(f"“{str(value)[:30]}” isn't an amount as written here (decimals after "
                         f"“{get_decimal_symbol(locale)}”), like {example}.{hint}") from None
    if not amount.is_finite():
        raise ValueError(f"Write the amount in digits, like {example}.")
    if amount < 0:
        raise ValueError("The amount can't be negative.")
    if amount == 0 and not allow_zero:
        raise ValueError("The amount must be more than zero.")
    if amount > maximum:
        most = format_amount(maximum, currency, locale) if currency else f"{maximum:,}"
        raise ValueError(f"That is more than {most}; check the amount.")
    if amount != amount.quantize(CENT):
        raise ValueError("Use at most two decimal places.")
    return amount.quantize(CENT)


def _strip_currency(text: str, value: object, currency: str | None, locale: str, example: str) -> str:
    marks = _marks(currency.upper(), locale) if currency else frozenset(_FOREIGN_SYMBOLS)
    for match in _CURRENCY_MARK.finditer(text):
        mark = match.group(0).strip()
        if mark in marks or mark.upper() in marks:
            continue
        if mark.upper() in list_currencies() or mark in _FOREIGN_SYMBOLS:
            raise ValueError(f"Amounts here are in {currency}; “{mark}” is another currency. "
                             f"Enter the amount in {currency}.")
        raise ValueError(f"“{str(value)[:30]}” isn't an amount; write it like {example}.")
    stripped = _CURRENCY_MARK.sub("", text).strip()
    if currency and any(symbol in stripped for symbol in _FOREIGN_SYMBOLS):
        raise ValueError(f"Amounts here are in {currency}. Enter the amount in {currency}.")
    return stripped


@functools.lru_cache(maxsize=16)
def _whole_pattern(locale: str) -> str:
    """The locale's currency pattern without decimals ("¤#,##0.00" -> "¤#,##0")."""
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    return re.sub(r"0[.]0+", "0", pattern.split(";")[0])


def format_amount(value: Decimal, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """£2,400, £12.50, 1.234,50 €: whole amounts without decimals."""
    if value == value.to_integral_value():
        return format_currency(value, currency, locale=locale, format=_whole_pattern(locale), currency_digits=False)
    return format_currency(value, currency, locale=locale)


@dataclass(frozen=True)
class Amount:
    """Money in the workspace currency, printed for the workspace locale (`{{ compensation }}` -> "£240")."""

    value: Decimal
    currency: str
    locale: str = DEFAULT_LOCALE

    def __str__(self) -> str:
        return format_amount(self.value, self.currency, self.locale)
