"""The tone check: a table of what must and must not be flagged, and rules a team adds as data."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.drafting.templates import Channel
from bot.drafting.tone import ToneRules, load_rules
from bot.errors import ConfigError
from bot.paths import SHIPPED_TEMPLATES

RULES = load_rules([SHIPPED_TEMPLATES], case_prefix="AM")

# A sentence that satisfies the rules about structure (a choice, a date), so each row tests one thing.
GOOD = ("Your order will now arrive on Friday 27 November. I've already checked our other stores. You can wait, "
        "take the graphite chair instead, or cancel: your choice. I'm sorry we let you down. Thank you.")


def rules_hit(text: str, channel: Channel = Channel.EMAIL, template: str | None = "first_notice") -> set[str]:
    return {hint.rule for hint in RULES.check(text, channel=channel, template=template)}


FLAGGED = [
    # promising what we don't control
    ("It is guaranteed to arrive Friday.", "overpromise"),
    ("We GUARANTEE delivery.", "overpromise"),
    ("It will definitely be delivered by Friday.", "overpromise"),
    ("It will definitely\nbe there on time.", "overpromise"),
    ("Your chairs will arrive without fail.", "overpromise"),
    ("I promise it won't happen again.", "overpromise"),
    ("It will certainly by Friday be with you.", "overpromise"),
    # admitting more than the facts
    ("We take full responsibility for any inconvenience.", "liability"),
    ("It is entirely our fault.", "liability"),
    ("We accept liability for the delay.", "liability"),
    ("We will compensate you for any losses.", "liability"),
    # blaming the customer
    ("As you forgot to confirm the address, it was late.", "blames-customer"),
    ("This was partly your mistake.", "blames-customer"),
    ("You should have ordered earlier.", "blames-customer"),
    ("You didn’t tell us the site was closed.", "blames-customer"),
    # blaming a third party by name
    ("It's late because of the courier.", "blames-others"),
    ("It is delayed due to DHL.", "blames-others"),
    ("Royal Mail lost your parcel.", "blames-others"),
    ("Our supplier failed to deliver on time.", "blames-others"),
    ("The warehouse messed up the order.", "blames-others"),
    ("Honestly, it's not our fault.", "blames-others"),
    ("FedEx's fault, I'm afraid.", "blames-others"),
    # jargon and internal codes
    ("Your SKU is on backorder; the ETA is Friday.", "jargon"),
    ("See case AM-42 for details.", "jargon"),
    ("It's a stock-out at the fulfilment centre.", "jargon"),
    ("As per our policy, please be advised.", "jargon"),
]


@pytest.mark.parametrize(("sentence", "rule"), FLAGGED)
def test_phrases_that_are_flagged(sentence: str, rule: str) -> None:
    assert rule in rules_hit(f"{GOOD} {sentence}")


NOT_FLAGGED = [
    "We guard your order carefully.",                          # "guard" is not "guarantee"
    "I'll definitely call you on Thursday to confirm.",        # our own next step is ours to promise
    "We care, and we will make it right.",
    "I'm responsible for your order from now on.",             # not "full responsibility for any"
    "The delivery we were expecting from our supplier has been held up.",  # what happened, plainly
    "Your tracking number with DHL is 1234.",                   # naming the carrier without blame
    "The courier will bring it on Friday.",
    "The beta version is ready.",                              # "eta" inside a word
    "Thank you for your order SO-18342.",                      # the customer's own reference is fine
    "You can reach me on my direct line.",
    "Dear Mr O'Brien & family,",
]


@pytest.mark.parametrize("sentence", NOT_FLAGGED)
def test_phrases_that_are_not_flagged(sentence: str) -> None:
    assert rules_hit(f"{GOOD} {sentence}") == set()


def test_a_good_message_has_no_hints() -> None:
    assert rules_hit(GOOD) == set()


@pytest.mark.parametrize(("done", "flagged"), [
    ("", True),
    ("I've asked our supplier for an express shipment.", False),
    ("We have checked every store.", False),
    ("I’ve told my manager.", False),
    ("I tried two ways to keep it.", False),
    ("I've cancelled nothing.", True),
])
def test_a_first_notice_that_says_nothing_was_done_is_flagged(done: str, flagged: bool) -> None:
    text = ("Your order will now arrive on Friday 27 November. " + done + " You can wait or cancel: your choice. "
            "I'm sorry we let you down. Thank you.")
    assert ("nothing-done" in rules_hit(text)) is flagged
    assert "nothing-done" not in rules_hit(text, template="status_update")


@pytest.mark.parametrize(("text", "flagged"), [
    ("I'm so sorry. Your order will arrive on Friday 27 November; you can wait or cancel, your choice.", True),
    ("Apologies for the delay! You can choose: wait until 27 November or cancel.", True),
    ("You can wait until 27 November or cancel: your choice. I'm sorry, will you forgive us?", False),
    ("Sorry, there's no choice we can give yet; I'll call you tomorrow.", True),  # an apology and no solution
])
def test_an_apology_before_the_solution_is_flagged(text: str, flagged: bool) -> None:
    assert ("apology-first" in rules_hit(text)) is flagged


@pytest.mark.parametrize(("text", "flagged"), [
    ("Your order is late. Sorry. Thank you, I'll call you tomorrow.", True),
    ("Your order is late. Would you prefer to wait or cancel? I'll call you tomorrow.", False),
    ("It will arrive on Friday; if you'd rather, take the blue one instead.", False),
])
def test_a_first_notice_without_a_choice_is_flagged(text: str, flagged: bool) -> None:
    assert ("no-choice" in rules_hit(text)) is flagged
    assert "no-choice" not in rules_hit(text, template="delivered")  # a delivery note offers no choice


@pytest.mark.parametrize(("text", "flagged"), [
    ("Your order is late. You can wait or cancel: your choice.", True),
    ("Your order is late; it will now arrive on 27 Nov.", False),
    ("Your order is late; it will now arrive Fri 27 Nov.", False),
    ("Your order is late; it will now arrive on 27/11.", False),
    ("Your order is late; it will arrive within two days.", False),
    ("Your order is late. I'll call you back as soon as I know more.", False),
    ("Your order is late. It may take a while.", True),  # "may" is not the month
    ("Your order is late; new date May 4th.", False),
    ("Your order is late; it arrives by 3pm.", False),
])
def test_a_notice_without_a_date_or_next_step_is_flagged(text: str, flagged: bool) -> None:
    assert ("no-date" in rules_hit(text)) is flagged


def test_length_depends_on_the_channel() -> None:
    sms = GOOD + " " + "x" * (321 - len(GOOD) - 1)
    assert len(sms) == 321
    hint = next(h for h in RULES.check(sms, channel=Channel.SMS, template="first_notice") if h.rule == "length")
    assert hint.excerpts == ("321 characters; aim for 320 or fewer",)
    assert "length" not in rules_hit(sms[:320], Channel.SMS)
    assert "length" not in rules_hit(sms, Channel.EMAIL)


def test_hints_quote_the_words_that_raised_them_and_say_what_to_do() -> None:
    hints = RULES.check(f"{GOOD} It is Guaranteed, guaranteed, 100% and for   sure.", channel=Channel.PHONE)
    hint = next(h for h in hints if h.rule == "overpromise")
    assert hint.excerpts == ("Guaranteed", "100%", "for sure")
    assert hint.label == "Promises what we don't control" and hint.advice


def test_internal_notes_and_slack_notes_are_not_checked() -> None:
    assert RULES.check("We GUARANTEE it. AM-12.", channel=Channel.SLACK) == []


def test_the_case_prefix_of_the_team_is_what_counts_as_internal() -> None:
    rules = load_rules([SHIPPED_TEMPLATES], case_prefix="RX")
    text = f"{GOOD} Re RX-7 and AM-7."
    hint = next(h for h in rules.check(text, channel=Channel.EMAIL) if h.rule == "jargon")
    assert hint.excerpts == ("RX-7",)


# ---------------------------------------------------------------------- rules as data


def write_rules(folder: Path, text: str) -> Path:
    (folder / "tone_rules.yaml").write_text(text, encoding="utf-8")
    return folder


def test_a_team_adds_replaces_and_disables_rules(tmp_path: Path) -> None:
    write_rules(tmp_path, """
rules:
  - id: competitor
    label: Names a competitor
    advice: Talk about what we do.
    find: {phrases: [Contoso]}
  - id: jargon
    label: Our own jargon
    advice: Say it plainly.
    find: {phrases: [synergy]}
disable: [overpromise]
""")
    rules = load_rules([SHIPPED_TEMPLATES, tmp_path])
    hit = {h.rule: h for h in rules.check(f"{GOOD} Contoso's synergy is guaranteed. ETA Friday.",
                                         channel=Channel.EMAIL)}
    assert set(hit) == {"competitor", "jargon"}
    assert hit["jargon"].label == "Our own jargon" and hit["jargon"].excerpts == ("synergy",)
    ids = [r.id for r in rules.rules]
    assert ids.index("jargon") < ids.index("length") < ids.index("competitor")  # replaced in place


def test_rule_problems_are_reported_with_file_and_line(tmp_path: Path) -> None:
    path = write_rules(tmp_path, """rules:
  - id: one
    label: One
    advice: x
    find: {patterns: ["(unclosed"]}
  - id: two
    label: Two
    advice: x
    kind: length
  - id: Bad Id
    label: x
    advice: x
    find: {phrases: [a]}
disable: [ghost]
""") / "tone_rules.yaml"
    with pytest.raises(ConfigError) as error:
        load_rules([tmp_path])
    problems = error.value.problems
    assert any(p.startswith(f"{path}:5: rules.0.find.patterns") and "regular expression" in p for p in problems)
    assert any(p.startswith(f"{path}:6: rules.1") and "max_chars" in p for p in problems)
    assert any(p.startswith(f"{path}:10: rules.2.id") for p in problems)


def test_disabling_an_unknown_rule_and_duplicate_ids_are_problems(tmp_path: Path) -> None:
    path = write_rules(tmp_path, """rules:
  - {id: one, label: One, advice: x, find: {phrases: [a]}}
  - {id: one, label: One, advice: x, find: {phrases: [b]}}
disable: [ghost]
""") / "tone_rules.yaml"
    with pytest.raises(ConfigError) as error:
        load_rules([tmp_path])
    assert error.value.problems == [f"{path}:3: rules.1.id: rule id 'one' is used twice",
                                    f"{path}:4: disable.0: there is no rule 'ghost' to disable"]


def test_rules_limited_to_channels_and_templates(tmp_path: Path) -> None:
    write_rules(tmp_path, """rules:
  - {id: sms-only, label: x, advice: x, channels: [sms], templates: [delivered], find: {phrases: [hello]}}
""")
    rules = ToneRules(load_rules([tmp_path]).rules)
    assert rules.check("hello", channel=Channel.SMS, template="delivered")
    assert not rules.check("hello", channel=Channel.EMAIL, template="delivered")
    assert not rules.check("hello", channel=Channel.SMS, template="first_notice")
