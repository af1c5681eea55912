"""The customer's language, end to end: asked at intake, Spanish drafts in every channel with Spanish dates
and Spanish tone rules, and a template with no Spanish version falls back to English with a note."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import AmendsConfig
from tests.support import ASSOCIATE, Harness, all_text, configured
from tests.test_draft_slack import body_of, element, open_draft
from tests.test_draft_truth import TV, draft_in
from tests.test_offers import offer
from tests.test_playbooks import Checklist

DRAFT = "draft_message"


@pytest.fixture
def config(tmp_path: Path) -> AmendsConfig:
    team = tmp_path / "team_templates"
    team.mkdir()
    (team / "goodwill_call.phone.j2").write_text("Hello {{ customer.name }}, a quick call about {{ order.ref }}.")
    playbooks = tmp_path / "team_playbooks"
    playbooks.mkdir()
    # A team's own incentive, worded in English only.
    (playbooks / "alternatives.yaml").write_text(
        "incentives:\n  - {id: coffee-voucher, title: A coffee voucher, say: a voucher for a coffee on us, "
        "causes: [any], cost: 4, value: 4, grant: {associate: 10, manager: 20}}\n")
    return configured(drafting={"templates": str(team)}, playbooks={"folders": [str(playbooks)]})


def test_a_spanish_speaking_customer_gets_spanish_drafts_in_every_channel(harness: Harness) -> None:
    intake = harness.open_intake()
    language = next(b for b in intake.view["blocks"] if b.get("block_id") == "customer_language")
    assert [o["text"]["text"] for o in language["element"]["options"]] == ["English", "Spanish"]
    harness.fake.close_view(intake.id)

    case = harness.open_case(**{**TV, "cause_detail": "phantom-stock"}, customer_language="es")
    assert case.customer_language == "es"
    Checklist(harness, case.id).check("other-location", "tried")
    view = open_draft(harness, case)
    phone = body_of(view)
    assert "Le llamo por su pedido SO-55120" in phone
    assert "aunque nuestro sistema los mostraba" in phone  # phantom stock, said in Spanish
    assert "Ya he revisado nuestras otras tiendas y almacenes" in phone  # the check's Spanish words
    assert "Tone check: nothing to flag" in all_text(view.view["blocks"])  # read by the Spanish rules
    email = draft_in(harness, view, "email")
    assert element(email, "draft_subject")[1]["initial_value"] == ("Su pedido SO-55120: un cambio de fecha y "
                                                                  "sus opciones")
    assert body_of(email).startswith("Estimado/a Dana Whitfield:")
    sms = body_of(draft_in(harness, email, "sms"))
    assert sms.startswith("Hola, Dana Whitfield, soy Ada.") and len(sms) <= 320

    # An edit is read by the Spanish tone rules too.
    body_id = element(email := draft_in(harness, harness.modal(DRAFT), "email"), "draft_body")[0]
    harness.driver.click(ASSOCIATE, "draft_check_tone", view=email,
                         typed={body_id: body_of(email) + "\nSe lo garantizo."})
    harness.modal(DRAFT, until=lambda v: "Promete lo que no controlamos" in all_text(v.view["blocks"]))


def test_a_template_without_the_customer_s_language_falls_back_with_a_note(harness: Harness) -> None:
    case = harness.open_case(customer_language="es")
    view = open_draft(harness, case)
    assert "globe_with_meridians" not in all_text(view.view["blocks"])  # the shipped first notice is in Spanish
    harness.driver.click(ASSOCIATE, "draft_template", view=view, selected="goodwill_call")
    view = harness.modal(DRAFT, until=lambda v: "a quick call about" in body_of(v))
    assert ("There is no Spanish phone script “Goodwill call” yet, so this draft is in English."
            in all_text(view.view["blocks"]))


def test_a_spanish_draft_names_the_offer_in_the_catalog_s_spanish_words(harness: Harness) -> None:
    case = harness.open_case(customer_language="es")
    offer(harness, case, ["expedite-on-arrival"], "free-accessory")
    view = open_draft(harness, case)
    body = body_of(view)
    assert "entrega urgente gratuita en cuanto vuelva a haber existencias" in body
    assert "un pack de accesorios gratuito con su pedido" in body
    assert "back in stock" not in body and "accessory pack" not in body
    assert "The catalog has no" not in all_text(view.view["blocks"])

    # The same offer in English, for an English-speaking customer.
    english = harness.open_case()
    offer(harness, english, ["expedite-on-arrival"], "free-accessory")
    assert "free express delivery the moment it is back in stock" in body_of(open_draft(harness, english))


def test_an_entry_with_no_words_in_the_customer_s_language_is_named_in_english_with_a_note(harness: Harness) -> None:
    case = harness.open_case(customer_language="es")
    offer(harness, case, ["expedite-on-arrival"], "coffee-voucher")
    view = open_draft(harness, case)
    assert "entrega urgente gratuita" in body_of(view)
    assert "a voucher for a coffee on us" in body_of(view)
    assert ("The catalog has no Spanish words for “A coffee voucher”, so this draft names it in English: please "
            "reword before sending." in all_text(view.view["blocks"]))


def test_the_workspace_language_is_the_default(harness: Harness) -> None:
    case = harness.open_case()
    assert case.customer_language is None
    assert "I wanted you to hear this from me" in body_of(open_draft(harness, case))
