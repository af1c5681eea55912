"""One money module for the whole bot: amounts parsed as people type them in the workspace locale and shown
as they read them (Babel). "12,50" is twelve and a half where the comma is the decimal mark, never 1250."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.money import Amount, parse, valid_locale

# locale, currency, typed -> amount (or the start of the message the person gets)
TABLE = [
    ("en_GB", "GBP", "12.50", "12.50"),
    ("en_GB", "GBP", "1,250.50", "1250.50"),
    ("en_GB", "GBP", "£40", "40.00"),
    ("en_GB", "GBP", "120 GBP", "120.00"),
    ("en_GB", "GBP", "12,50", "“12,50” isn't an amount as written here (decimals after “.”)"),
    ("en_GB", "GBP", "40 €", "Amounts here are in GBP; “€” is another currency."),
    ("en_GB", "GBP", "40 EUR", "Amounts here are in GBP; “EUR” is another currency."),
    ("de_DE", "EUR", "12,50", "12.50"),
    ("de_DE", "EUR", "40 €", "40.00"),
    ("de_DE", "EUR", "1.234,50 €", "1234.50"),
    ("de_DE", "EUR", "€ 1.234,50", "1234.50"),
    ("de_DE", "EUR", "120 EUR", "120.00"),
    ("de_DE", "EUR", "1234.50", "“1234.50” isn't an amount as written here (decimals after “,”)"),
    ("de_DE", "EUR", "120 GBP", "Amounts here are in EUR; “GBP” is another currency."),
    ("fr_FR", "EUR", "12,50", "12.50"),
    ("fr_FR", "EUR", "40 €", "40.00"),
    ("fr_FR", "EUR", "1 234,50 €", "1234.50"),
    ("fr_FR", "EUR", "1\u202f234,50\u00a0€", "1234.50"),
    ("en_US", "USD", "$1,234.50", "1234.50"),
    ("en_US", "USD", "12.5", "12.50"),
    ("en_US", "USD", "120 USD", "120.00"),
    ("en_US", "USD", "12,50", "“12,50” isn't an amount as written here"),
    ("en_US", "USD", "-5", "The amount can't be negative."),
    ("en_US", "USD", "12.345", "Use at most two decimal places."),
    ("en_US", "USD", "1e5", "Write the amount in digits"),
    ("en_US", "USD", "forty", "“forty” isn't an amount; write it like $1,250.50."),
]


@pytest.mark.parametrize(("locale", "currency", "typed", "expected"), TABLE,
                         ids=[f"{row[0]}:{row[2]}" for row in TABLE])
def test_amounts_are_read_as_the_locale_writes_them(locale: str, currency: str, typed: str, expected: str) -> None:
    if expected[0].isdigit():
        assert parse(typed, locale=locale, currency=currency) == Decimal(expected)
    else:
        with pytest.raises(ValueError) as error:
            parse(typed, locale=locale, currency=currency)
        assert str(error.value).startswith(expected), str(error.value)


@pytest.mark.parametrize(("locale", "currency", "value", "shown"), [
    ("en_GB", "GBP", "2400.00", "£2,400"), ("en_GB", "GBP", "12.50", "£12.50"),
    ("de_DE", "EUR", "1234.50", "1.234,50\u00a0€"), ("de_DE", "EUR", "240", "240\u00a0€"),
    ("fr_FR", "EUR", "1234.50", "1\u202f234,50\u00a0€"), ("en_US", "USD", "12.5", "$12.50"),
    ("es_ES", "EUR", "2650", "2.650\u00a0€"),
])
def test_amounts_are_shown_as_the_locale_writes_them(locale: str, currency: str, value: str, shown: str) -> None:
    amount = Amount(Decimal(value), currency, locale)
    assert str(amount) == shown
    assert parse(str(amount), locale=locale, currency=currency) == Decimal(value)  # what we show reads back


def test_data_files_use_plain_figures_and_a_float_is_refused() -> None:
    assert parse("12.50", currency=None) == Decimal("12.50") and parse("£40", currency=None) == Decimal("40.00")
    with pytest.raises(ValueError, match="as text"):
        parse(12.5, currency="GBP")


def test_locales_are_checked() -> None:
    assert valid_locale("de-DE") == "de_DE"
    with pytest.raises(ValueError, match="not a locale"):
        valid_locale("klingon_XX")
