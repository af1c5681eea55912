"""Shipped message templates: they render for every kind of case and follow the recovery structure."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.drafting.composer import Drafting
from bot.drafting.context import Alternative, OfferFacts, customer_zone
from bot.drafting.environment import Target
from bot.drafting.samples import ADA, FULL_OFFERS, NOW, Sample, sample_case, samples
from bot.drafting.templates import CUSTOMER_CHANNELS, Channel, TemplateLibrary, TemplateProblem
from bot.drafting.values import When
from bot.money import Amount
from bot.paths import SHIPPED_TEMPLATES
from bot.settings import AmendsConfig

SHIPPED = TemplateLibrary([SHIPPED_TEMPLATES])
SAMPLES = samples()


@pytest.fixture(scope="module")
def team_config() -> AmendsConfig:
    return AmendsConfig.model_validate({
        "workspace": {"timezone": "Europe/London", "currency": "GBP"},
        "cases": {"channel": "C0CASES01"},
        "drafting": {"company": "Acme Office Supplies", "team_contact": "0800 123 4567"},
    })


@pytest.fixture(scope="module")
def drafting(team_config: AmendsConfig) -> Drafting:
    return Drafting.load(team_config)


def render(drafting: Drafting, name: str, channel: Channel, sample: Sample, config: AmendsConfig,
           target: Target = Target.PLAIN) -> str:
    ref = drafting.library.find(name, channel)
    assert ref is not None, f"{name}.{channel} is not shipped"
    return drafting.compose(ref, sample.context(config), target).rendered.text


def test_the_issue_s_templates_are_all_shipped() -> None:
    keys = {ref.key for ref in SHIPPED.all_refs()}
    for name in ("first_notice", "status_update", "delivered", "cancellation"):
        assert {f"{name}.{c}" for c in CUSTOMER_CHANNELS} <= keys
        assert {f"{name}.{c}.es" for c in CUSTOMER_CHANNELS} <= keys  # every customer template in Spanish
    assert SHIPPED.languages() == ["en", "es"] and "manager_summary.slack.es" not in keys  # internal: English
    assert "manager_summary.slack" in keys
    assert SHIPPED.problems == []


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.label for s in SAMPLES])
@pytest.mark.parametrize("ref", SHIPPED.all_refs(), ids=[r.key for r in SHIPPED.all_refs()])
def test_every_template_renders_for_every_sample_case(drafting: Drafting, team_config: AmendsConfig, ref,
                                                      sample: Sample) -> None:
    for target in Target:
        composed = drafting.compose(ref, sample.context(team_config, language=ref.language), target)
        text = composed.rendered.text
        assert text.strip()
        assert "None" not in text and "  " not in text.replace("\n  ", "\n")
        if ref.channel is Channel.EMAIL:
            assert composed.rendered.subject and "Subject:" not in composed.rendered.body
        if ref.channel.customer_facing:
            assert sample.case.customer_name in text
            assert "fabric batch" not in text, "internal notes must never reach the customer"


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.label for s in SAMPLES])
def test_shipped_customer_notices_earn_no_tone_hints(drafting: Drafting, team_config: AmendsConfig,
                                                     sample: Sample) -> None:
    """...except "say what has been done" on a first notice when the case's log records nothing done:
    the draft then claims nothing, and the hint asks the associate to record or say what they did."""
    nothing_done = not sample.facts.done and sample.facts.manager_alerted_at is None
    for ref in drafting.library.all_refs():  # every language, each with its own tone rules
        if ref.channel.customer_facing:
            composed = drafting.compose(ref, sample.context(team_config, language=ref.language))
            expected = ["nothing-done"] if nothing_done and ref.name == "first_notice" else []
            assert [h.rule for h in composed.hints] == expected, (ref.key, composed.rendered.text)


# Each element of the recovery structure, as the shipped wording says it.
HEADS_UP = r"hear (?:this|why) from me|heads-up|before you have to ask"
WHAT_HAPPENED = (r"held up|not (?:to )?be in stock|out of stock|running late|in transit|short of people|enough people|"
                 r"quality check|our (?:own )?system|outside anyone's control|severe weather|went wrong|"
                 r"on track|no firm date")
DONE = r"I've (?:already|also|told)|I tried \d"
CHOICE = r"choice is yours|your choice"
APOLOGY = r"\bsorry\b"
THANKS = r"\bthank(?:s\b|\s+you\b)"


def positions(text: str, *patterns: str) -> list[int]:
    found = []
    for pattern in patterns:
        match = re.search(pattern, text, re.IGNORECASE)
        assert match, f"no {pattern!r} in:\n{text}"
        found.append(match.start())
    return found


def advantage(sample: Sample) -> str:
    offers = sample.offers
    if offers.gift:
        return re.escape(offers.gift)
    if offers.compensation:
        return re.escape(str(Amount(offers.compensation, "GBP")))
    if sample.personal_care:
        return r"look after your next order personally"
    return CHOICE  # nothing to give: the message promises nothing it can't back


@pytest.mark.parametrize("channel", CUSTOMER_CHANNELS)
@pytest.mark.parametrize("sample", SAMPLES[:4], ids=[s.label for s in SAMPLES[:4]])
def test_first_notice_follows_the_recovery_structure_in_order(drafting: Drafting, team_config: AmendsConfig,
                                                              channel: Channel, sample: Sample) -> None:
    text = render(drafting, "first_notice", channel, sample, team_config)
    gift = advantage(sample) if channel is not Channel.SMS or sample.offers.gift else r"your choice"
    recorded = bool(sample.facts.done or sample.facts.manager_alerted_at)
    parts = [HEADS_UP, WHAT_HAPPENED, DONE, CHOICE, gift, APOLOGY, THANKS]
    if not recorded:  # nothing in the case's log: the message claims nothing was done
        assert not re.search(DONE, text), text
        parts.remove(DONE)
    order = positions(text, *parts)
    if channel is Channel.SMS and not sample.offers.gift:  # an SMS has room for the gift only
        order.pop(parts.index(gift))
    assert order == sorted(order), text
    # The choice is the customer's: wait, the alternative, or cancel.
    assert re.search(r"\bwait\b", text, re.I) and re.search(r"\bcancel\b", text, re.I)
    for alt in sample.offers.alternatives[: 1 if channel is Channel.SMS else None]:
        assert alt.title in text
    if sample.case.new_date is not None:
        new_date = When.of(sample.case.new_date, customer_zone(sample.case, team_config), now=NOW)
        assert (new_date.short if channel is Channel.SMS else str(new_date)) in text
    if channel is not Channel.SMS:
        assert "Ada" in text or "Ben" in text


@pytest.mark.parametrize("channel", CUSTOMER_CHANNELS)
def test_first_notice_names_the_associate_and_a_direct_line(drafting: Drafting, team_config: AmendsConfig,
                                                            channel: Channel) -> None:
    text = render(drafting, "first_notice", channel, SAMPLES[0], team_config)
    assert "Ada" in text and ADA.phone in text
    bare = replace(SAMPLES[1])  # the associate has no phone or email in Slack: the team's line is used
    assert "0800 123 4567" in render(drafting, "first_notice", channel, bare, team_config)


@pytest.mark.parametrize("channel", CUSTOMER_CHANNELS)
def test_status_update_keeps_the_structure(drafting: Drafting, team_config: AmendsConfig,
                                           channel: Channel) -> None:
    for sample in SAMPLES[:2]:
        text = render(drafting, "status_update", channel, sample, team_config)
        order = positions(text, HEADS_UP, WHAT_HAPPENED, CHOICE, APOLOGY, THANKS)
        assert order == sorted(order), text
        assert not re.search(DONE, text), "nothing was recorded since the customer was told"
    # What was recorded after the first contact is what an update says was done since.
    contacted = replace(SAMPLES[0], case=sample_case(customer_contacted_at=NOW - timedelta(hours=90)))
    text = render(drafting, "status_update", channel, contacted, team_config)
    order = positions(text, HEADS_UP, WHAT_HAPPENED, r"I've also checked our other stores", CHOICE, APOLOGY, THANKS)
    assert order == sorted(order), text


@pytest.mark.parametrize("channel", CUSTOMER_CHANNELS)
def test_delivered_brings_the_gift_and_asks_if_they_are_satisfied(drafting: Drafting, team_config: AmendsConfig,
                                                                  channel: Channel) -> None:
    text = render(drafting, "delivered", channel, SAMPLES[0], team_config)
    order = positions(text, r"has been delivered", re.escape(FULL_OFFERS.gift), r"Is everything as you expected\?",
                      THANKS)
    assert order == sorted(order), text


DELIVERY_WORDS = re.compile(r"\b(?:deliver\w*|arriv\w*|ship\w*|parcel|courier|in transit|in stock|out of stock|"
                            r"loan(?:er)? unit|express|your order|next order|the order)\b", re.IGNORECASE)
GOODS_WORDS = re.compile(r"\b(?:deliver\w*|arriv\w*|in transit|loan(?:er)? unit|your order|the order)\b",
                         re.IGNORECASE)


@pytest.mark.parametrize("kind", ["service", "visit"])
def test_a_service_or_a_visit_is_never_worded_as_a_delivery(drafting: Drafting, team_config: AmendsConfig,
                                                             kind: str) -> None:
    """Every template, every channel, for the training and the repair samples and for every cause."""
    base = next(s for s in SAMPLES if s.case.promise_kind == kind)
    words = DELIVERY_WORDS if kind == "service" else GOODS_WORDS  # a part may come by courier
    for cause in ["stock-out", "supplier-delay", "logistics", "capacity", "quality", "system-error",
                  "force-majeure", "other"]:
        case = sample_case(**{f: getattr(base.case, f) for f in ("promise", "order_ref", "cause_detail",
                                                                 "promise_kind")}, cause=cause)
        for sample in (replace(base, case=case), replace(base, case=case, offers=OfferFacts())):
            for ref in drafting.library.refs():
                if ref.channel.customer_facing:
                    text = drafting.compose(ref, sample.context(team_config)).rendered.text
                    assert not words.search(text), (ref.key, cause, words.search(text)[0], text)


def test_the_training_and_the_repair_are_told_in_their_own_words(drafting: Drafting,
                                                                 team_config: AmendsConfig) -> None:
    training, repair = (next(s for s in SAMPLES if s.case.promise_kind == k) for k in ("service", "visit"))
    text = render(drafting, "first_notice", Channel.PHONE, training, team_config)
    assert "It's about your booking TR-310, paid telephone training for your support team." in text
    assert ("it can't go ahead on Tuesday 24 November at 2 pm as we promised.\n\nWhat happened is that the person "
            "who was to lead it couldn't travel, because of events outside anyone's control.") in text
    assert "You can keep your booking and move it to a new date: we can hold it on Friday 27 November" in text
    text = render(drafting, "first_notice", Channel.EMAIL, repair, team_config)
    assert text.startswith("Your repair visit SR-7702: a change of date, and your options")
    assert "the part needed for the repair is coming from abroad and has been held up" in text
    assert "Our engineer can come on Friday 27 November" in text


@pytest.mark.parametrize("channel", CUSTOMER_CHANNELS)
def test_cancellation_lets_them_go_as_a_friend(drafting: Drafting, team_config: AmendsConfig,
                                               channel: Channel) -> None:
    cancelled = SAMPLES[-1]
    text = render(drafting, "cancellation", channel, cancelled, team_config)
    order = positions(text, r"cancelled", r"full refund", r"try us again", re.escape(cancelled.offers.gift),
                      APOLOGY, THANKS)
    assert order == sorted(order), text
    assert "£100" in text  # the compensation, in the workspace currency


def test_dates_are_in_the_customer_s_timezone_and_money_in_the_workspace_currency(drafting: Drafting) -> None:
    config = AmendsConfig.model_validate({"workspace": {"timezone": "Europe/Paris", "currency": "EUR"},
                                         "cases": {"channel": "C0CASES01"}})
    # Promised for 14:00 UTC: 9 am in New York, where this customer is, whatever the team's zone.
    sample = Sample("new york", sample_case(customer_timezone="America/New_York"), FULL_OFFERS)
    text = render(drafting, "first_notice", Channel.EMAIL, sample, config)
    assert "Tuesday 24 November at 9 am" in text
    assert "€2,650" in text and "€240" in text
    paris = render(drafting, "first_notice", Channel.EMAIL, replace(sample, case=sample_case()), config)
    assert "Tuesday 24 November at 3 pm" in paris


def test_values_read_naturally() -> None:
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    assert str(When.of(NOW, london, now=NOW)) == "Monday 23 November at 9 am"
    assert When.of(NOW + timedelta(minutes=30), london, now=NOW).time == "9:30 am"
    assert When.of(NOW + timedelta(hours=3), london, now=NOW).time == "noon"
    assert When.of(NOW + timedelta(days=40), london, now=NOW).short == "Sat 2 Jan 2027"
    assert str(Amount(Decimal("2400.00"), "GBP")) == "£2,400"
    assert str(Amount(Decimal("12.50"), "USD")) == "$12.50"
    assert str(Amount(Decimal("1000"), "SEK")) == "SEK1,000"
    assert str(Amount(Decimal("1234.5"), "EUR", "de_DE")) == "1.234,50\xa0€"


def test_manager_summary_is_slack_mrkdwn_with_the_owner_mentioned(drafting: Drafting,
                                                                  team_config: AmendsConfig) -> None:
    sample = Sample("summary", sample_case(permalink="https://x.slack.com/archives/C1/p1"), FULL_OFFERS)
    text = render(drafting, "manager_summary", Channel.SLACK, sample, team_config, Target.SLACK)
    assert f"<@{ADA.user_id}>" in text and "<https://x.slack.com/archives/C1/p1|AM-42>" in text
    assert "the same chair in graphite" in text and "£240 back" in text
    assert "fabric batch" in text  # notes are for the team


# ---------------------------------------------------------------------- teams' own templates


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_team_folder_adds_and_overrides_templates_and_shared_pieces(tmp_path: Path,
                                                                      team_config: AmendsConfig) -> None:
    write(tmp_path, "first_notice.sms.j2", "Team SMS for {{ customer.name }}")
    write(tmp_path, "apology_visit.phone.j2", "We'd like to visit you, {{ customer.name }}.")
    write(tmp_path, "_recovery.j2", (SHIPPED_TEMPLATES / "_recovery.j2").read_text().replace(
        "our supplier for your order has been held up", "our partner is late with your order"))
    config = team_config.model_copy(update={"drafting": team_config.drafting.model_copy(
        update={"templates": tmp_path})})
    drafting = Drafting.load(config)
    context = SAMPLES[0].context(config)

    sms = drafting.library.find("first_notice", Channel.SMS)
    assert sms.path.parent == tmp_path
    assert drafting.compose(sms, context).rendered.body == "Team SMS for Northwind Traders"
    visit = drafting.library.find("apology_visit", Channel.PHONE)
    assert visit.label == "Apology visit" and visit in drafting.library.refs(Channel.PHONE)
    email = drafting.compose(drafting.library.find("first_notice", Channel.EMAIL), context).rendered.body
    assert "our partner is late with your order" in email
    assert drafting.library.find("first_notice", Channel.EMAIL).path.parent == SHIPPED_TEMPLATES


# ---------------------------------------------------------------------- what goes wrong in a template


def library_with(tmp_path: Path, text: str, name: str = "broken.sms.j2") -> tuple[TemplateLibrary, object]:
    write(tmp_path, name, text)
    library = TemplateLibrary([SHIPPED_TEMPLATES, tmp_path])
    return library, library.find(name.split(".")[0], Channel(name.split(".")[1]))


@pytest.mark.parametrize(("text", "line", "detail"), [
    ("Hi\n{{ customer.nmae }}", 2, "customer has no attribute 'nmae'"),
    ("Hi\n\n{% if order.new_date %}\nno end", 4, "endif"),
    ("{{ order.new_date }}", 1, "empty value"),
    ("Hi {{ nobody }}", 1, "'nobody' is undefined"),
    ("{{ customer.__class__.__mro__ }}", 1, "unsafe"),
    ("{{ customer.name|safe }}", 1, "safe"),
    ("{% for a in range(300) %}{% for b in range(300) %}x{% endfor %}{% endfor %}", 1, "range()"),
    ("{% for a in range(90) %}{% for b in range(90) %}{{ customer.name }}{% endfor %}{% endfor %}", 1,
     "longer than 20000"),
    ("{{ 'x' * 10000000 }}", 1, "too long"),
    ("{{ 10 ** 100000 }}", 1, "too large"),
    ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", 1, "calls itself"),
])
def test_template_errors_name_the_file_and_line(tmp_path: Path, team_config: AmendsConfig, text: str,
                                                line: int, detail: str) -> None:
    library, ref = library_with(tmp_path, text)
    with pytest.raises(TemplateProblem) as problem:
        library.render(ref, SAMPLES[1].context(team_config).as_mapping())
    assert problem.value.where == f"{tmp_path / 'broken.sms.j2'}:{line}"
    assert detail in problem.value.detail
    assert "amends check" in problem.value.user_message  # what the associate is told


def test_an_email_needs_a_subject_line(tmp_path: Path, team_config: AmendsConfig) -> None:
    library, ref = library_with(tmp_path, "Dear {{ customer.name }}", "nosubject.email.j2")
    with pytest.raises(TemplateProblem, match="Subject"):
        library.render(ref, SAMPLES[0].context(team_config).as_mapping())


def test_badly_named_files_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "First Notice.j2", "x")
    write(tmp_path, "notice.fax.j2", "x")
    library = TemplateLibrary([SHIPPED_TEMPLATES, tmp_path])
    assert len(library.problems) == 2 and all("<name>.<channel>.j2" in p for p in library.problems)


def test_alternatives_with_odd_values_still_read(drafting: Drafting, team_config: AmendsConfig) -> None:
    offers = OfferFacts(alternatives=[Alternative("a loaner unit", price=Decimal("0"))] * 8)
    text = render(drafting, "first_notice", Channel.EMAIL, Sample("many", sample_case(), offers), team_config)
    assert text.count("a loaner unit") == 5  # at most five alternatives are offered at once


# ---------------------------------------------------------------------- wording defects (issue #22)


SENTENCE = re.compile(r"(?<=[.!?:])\s+")


@pytest.mark.parametrize("channel", CUSTOMER_CHANNELS)
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.label for s in SAMPLES])
def test_no_sentence_gives_the_promised_date_twice_or_the_price_terms_twice(
        drafting: Drafting, team_config: AmendsConfig, channel: Channel, sample: Sample) -> None:
    promised = When.of(sample.case.promised_at, customer_zone(sample.case, team_config), now=NOW)
    for name in ("first_notice", "status_update"):
        text = render(drafting, name, channel, sample, team_config)
        for sentence in SENTENCE.split(text):
            assert sentence.count(promised.date) + sentence.count(promised.short) <= 1, sentence
        assert "at the same price" not in text  # an alternative's own words say its price terms


@pytest.mark.parametrize(("typed", "said"), [
    ("A 65-inch TV", "a 65-inch TV"), ("Paid telephone training", "paid telephone training"),
    ("Samsung 65-inch TV", "Samsung 65-inch TV"), ("HP fuser unit", "HP fuser unit"), ("12 chairs", "12 chairs"),
])
def test_the_promise_reads_as_part_of_the_sentence(drafting: Drafting, team_config: AmendsConfig, typed: str,
                                                   said: str) -> None:
    sample = Sample("capital", sample_case(promise=typed), FULL_OFFERS)
    assert f"your order SO-18342, {said}." in render(drafting, "first_notice", Channel.PHONE, sample, team_config)


def with_drafting(config: AmendsConfig, **settings: object) -> AmendsConfig:
    return config.model_copy(update={"drafting": config.drafting.model_copy(update=settings)})


@pytest.mark.parametrize(("settings", "phone", "email", "sms"), [
    ({}, "I'm sorry we let you down on this. Will you forgive us?",
     "I'm sorry we let you down on this, and I hope you'll forgive us.", "Sorry, will you forgive us? Thanks!"),
    ({"ask_forgiveness": False}, "I'm sorry we let you down on this.\n", "I'm sorry we let you down on this.\n",
     "Sorry. Thanks!"),
    ({"tone": "formal"}, "Please accept our apologies for letting you down on this.",
     "Please accept our apologies for letting you down on this.", "Our apologies. Thank you."),
])
def test_the_closing_lines_follow_the_channel_and_the_team_s_settings(
        drafting: Drafting, team_config: AmendsConfig, settings: dict[str, object], phone: str, email: str,
        sms: str) -> None:
    config = with_drafting(team_config, **settings)
    for channel, expected in ((Channel.PHONE, phone), (Channel.EMAIL, email), (Channel.SMS, sms)):
        text = render(drafting, "first_notice", channel, SAMPLES[0], config)
        assert expected in text, (channel, text)
        assert ("forgive" in text) is bool(settings.get("ask_forgiveness", True)
                                           and settings.get("tone") != "formal")


def test_the_next_order_promise_can_be_switched_off_by_the_team(drafting: Drafting,
                                                                team_config: AmendsConfig) -> None:
    chosen = replace(SAMPLES[0], personal_care=True)
    assert "look after your next order personally" in render(drafting, "first_notice", Channel.EMAIL, chosen,
                                                             team_config)
    off = with_drafting(team_config, personal_care=False)
    assert "look after" not in render(drafting, "first_notice", Channel.EMAIL, chosen, off)


LONG = Sample("long names", sample_case(customer_name="Northwind Traders International Holdings",
                                        order_ref="SO-2026-0018342-LEEDS"),
              OfferFacts(alternatives=(Alternative("the same ergonomic chair in graphite with the lumbar kit"),),
                         gift="free delivery on your next three orders", compensation=Decimal("240.00")),
              facts=samples()[0].facts)


@pytest.mark.parametrize("name", ["first_notice", "status_update"])
def test_an_sms_keeps_the_gift_and_fits_or_is_split_in_two_marked_parts(drafting: Drafting,
                                                                       team_config: AmendsConfig, name: str) -> None:
    from bot.drafting import sms

    for sample in (SAMPLES[0], LONG):
        composed = drafting.compose(drafting.library.find(name, Channel.SMS), sample.context(team_config))
        text = composed.rendered.body
        assert sample.offers.gift.lower() in text.lower()
        texts = sms.parts(text)
        assert all(len(part) <= 320 for part in texts), texts
        assert len(texts) == 1 or (texts[0].startswith("(1/2) ") and texts[1].startswith("(2/2) "))
        assert "length" not in [h.rule for h in composed.hints]
    long = drafting.compose(drafting.library.find("first_notice", Channel.SMS), LONG.context(team_config))
    assert len(sms.parts(long.rendered.body)) == 2  # this one needed two texts


def test_an_sms_too_long_even_for_two_texts_is_left_whole_and_flagged(drafting: Drafting) -> None:
    from bot.drafting import sms

    text = "One sentence that goes on " + "and on " * 100 + "without a stop."
    assert sms.fit(text) == text
    assert [h.rule for h in drafting.check(text, channel=Channel.SMS, template="first_notice")].count("length") == 1


# ---------------------------------------------------------------------- the customer's language


ENGLISH = re.compile(r"\b(?:the|your|you|order|we|and|with|thank|sorry|delivery|will)\b", re.IGNORECASE)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.label for s in SAMPLES])
def test_spanish_drafts_are_wholly_spanish_with_spanish_dates(drafting: Drafting, team_config: AmendsConfig,
                                                              sample: Sample) -> None:
    for ref in drafting.library.all_refs():
        if ref.language == "es":
            text = drafting.compose(ref, sample.context(team_config, language="es")).rendered.text
            words = {w.lower() for w in ENGLISH.findall(text.replace(sample.case.customer_name, ""))}
            assert not words, (ref.key, words, text)
    first = render_es(drafting, Channel.PHONE, SAMPLES[0], team_config)
    assert "no llegará el martes 24 de noviembre a las 14:00 como le prometimos" in first
    assert "le llegará el viernes 27 de noviembre a las 14:00" in first
    assert "Ya he revisado nuestras otras tiendas y pedido a nuestro proveedor un envío urgente" in first


def render_es(drafting: Drafting, channel: Channel, sample: Sample, config: AmendsConfig) -> str:
    ref = drafting.library.in_language(drafting.library.find("first_notice", channel), "es")
    return drafting.compose(ref, sample.context(config, language="es")).rendered.text


def test_spanish_tone_rules_read_spanish(drafting: Drafting) -> None:
    text = "Le garantizo que llegará el viernes. Lo siento. Usted decide: esperar o cancelar. Ya he avisado a mi responsable."
    rules = {h.rule for h in drafting.check(text, channel=Channel.EMAIL, template="first_notice", language="es")}
    assert rules == {"overpromise", "apology-first"}
    assert "overpromise" not in {h.rule for h in drafting.check(text, channel=Channel.EMAIL,
                                                                 template="first_notice")}  # English rules
