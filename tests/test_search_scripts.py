"""Search keeps every script: Russian, Greek and Japanese best practices are found by their own words (an
accent may be left off), and "customs" is not "customer". Through /recover search, signed requests and the
strict fake Slack, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import pytest

from bot.knowledge.text import normalize
from tests import test_knowledge
from tests.support import Harness
from tests.test_knowledge import post, results, wait_indexed

# The knowledge tests' workspace: a #best-practices channel the bot indexes.
config = test_knowledge.config
harness = test_knowledge.harness

RUSSIAN = "Задержка доставки холодильника: предложили клиенту бесплатный монтаж и позвонили заранее."
GREEK = "Καθυστέρηση παράδοσης επίπλων: στείλαμε δωρεάν δείγμα υφάσματος και ενημερώσαμε τον πελάτη."
JAPANESE = "配送の遅延について、お客様に事前に電話して代替品を提案しました。"
ENGLISH = "Parts held at customs for a week: booked a courier broker to clear them the same day."
CAFE = "Café machine repair: the engineer brought a loan machine on the first visit."


def test_normalize_keeps_every_script_and_pins_words_a_stemmer_would_merge() -> None:
    assert normalize("Задержка доставки") == "задержка доставки"
    assert normalize("καθυστέρηση") == normalize("καθυστερηση")  # the accent goes, the word stays
    assert normalize("配送の遅延") == "配送 送の の遅 遅延"  # overlapping pairs: any exact run finds it
    assert normalize("customers") != normalize("customs") and normalize("customer") == normalize("customers")


@pytest.mark.parametrize(("text", "query"), [
    (RUSSIAN, "задержка доставки"),
    (RUSSIAN, "холодильника"),
    (GREEK, "καθυστέρηση"),
    (GREEK, "καθυστερηση παραδοσης"),  # typed without the accents
    (JAPANESE, "配送の遅延"),            # an exact run of its characters
    (JAPANESE, "代替品"),
    (CAFE, "cafe machine"),
])
def test_a_best_practice_is_found_by_its_own_words_in_its_own_script(harness: Harness, text: str,
                                                                      query: str) -> None:
    wait_indexed(harness, post(harness, text))
    wait_indexed(harness, post(harness, "Office chairs out of stock: found 12 at the Leeds warehouse."))
    shown = results(harness, query).replace("*", "")  # matches are shown in bold
    assert "Results 1–1 of 1" in shown and text.split(":")[0].split("、")[0][:12] in shown, shown
    assert "Office chairs" not in shown


def test_customs_and_customer_are_different_words(harness: Harness) -> None:
    wait_indexed(harness, post(harness, ENGLISH))
    wait_indexed(harness, post(harness, "Told the customer on the day; she chose the grey model instead."))
    def found(query: str) -> str:
        return results(harness, query).replace("*", "")

    assert "Parts held at customs" in found("customs") and "Told the customer" not in found("customs")
    assert "Told the customer" in found("customers") and "Parts held at customs" not in found("customer")
