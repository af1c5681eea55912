"""Odd or hostile case fields neither break a draft, nor run as template code, nor ping anyone in Slack."""

from __future__ import annotations

import pytest

from bot.drafting.composer import Drafting
from bot.drafting.context import Alternative, Associate, OfferFacts
from bot.drafting.environment import Target
from bot.drafting.samples import Sample, sample_case
from bot.drafting.templates import Channel
from bot.settings import AmendsConfig

HOSTILE = {
    "mention": "<!here> Northwind & <@U0MANAGER1> <#C0CASES01>",
    "jinja": "{{ 7*7 }} {% import os %}{{ config }}{{ ''.__class__.__mro__ }}",
    "rtl": "שלום עולם · شركة الأمل",
    "long": "Northwind " * 300,
    "quotes": "O'Brien \"&\" Sons <b>bold</b>",
}


@pytest.fixture(scope="module")
def drafting() -> Drafting:
    return Drafting.load(AmendsConfig.model_validate({"cases": {"channel": "C0CASES01"}}))


def hostile_sample(value: str) -> Sample:
    case = sample_case(customer_name=value, order_ref=value[:200], promise=value, notes=value,
                       customer_contact=value)
    offers = OfferFacts(alternatives=[Alternative(value, description=value)], incentive=value, gift=value)
    return Sample("hostile", case, offers, associate=Associate("U0ASSOC01", value, phone=value))


@pytest.mark.parametrize("kind", HOSTILE)
def test_every_template_renders_hostile_fields_as_plain_data(drafting: Drafting, kind: str) -> None:
    value = HOSTILE[kind]
    config = AmendsConfig.model_validate({"cases": {"channel": "C0CASES01"}})
    context = hostile_sample(value).context(config)
    for ref in drafting.library.refs():
        plain = drafting.compose(ref, context, Target.PLAIN).rendered.text
        slack = drafting.compose(ref, context, Target.SLACK).rendered.text
        assert "49" not in plain and "49" not in slack, "person text must never run as a template"
        assert "AmendsConfig" not in plain and "<class" not in plain
        assert len(plain) < 6000, "long fields are shortened, not repeated in full"
        if kind in {"jinja", "rtl"}:
            assert value.split()[0] in plain  # shown as typed in the text the associate copies
        if kind == "quotes":
            assert "O'Brien \"&\" Sons <b>bold</b>" in plain  # no HTML escaping in copied text
            assert "O'Brien \"&amp;\" Sons &lt;b&gt;bold&lt;/b&gt;" in slack  # exactly &, <, > in Slack
        if kind == "mention":
            assert "<!here> Northwind & <@U0MANAGER1>" in plain
            # In Slack the only live mention left is the one the template put there on purpose.
            assert "<!here>" not in slack and "<#C0CASES01>" not in slack
            assert "&lt;!here&gt; Northwind &amp; &lt;@U0MANAGER1&gt;" in slack
            assert slack.count("<@") == (1 if ref.channel is Channel.SLACK else 0)


def test_macros_output_is_not_escaped_twice_in_slack(tmp_path) -> None:
    (tmp_path / "_sig.j2").write_text("{% macro sig() %}{{ associate.name }} <{{ associate.phone }}>{% endmacro %}")
    (tmp_path / "note.slack.j2").write_text(
        '{% import "_sig.j2" as s with context %}{{ s.sig() }} | {{ s.sig() ~ " it\'s" }} | {{ "<x>" }}')
    config = AmendsConfig.model_validate({"cases": {"channel": "C0CASES01"}, "drafting": {"templates": tmp_path}})
    drafting = Drafting.load(config)
    context = hostile_sample("O'Brien & <!here>").context(config)
    text = drafting.compose(drafting.library.find("note", Channel.SLACK), context, Target.SLACK).rendered.body
    # The template's own text (the angle brackets around the phone) is the author's, so it is kept.
    one = "O'Brien &amp; &lt;!here&gt; <O'Brien &amp; &lt;!here&gt;>"
    assert text == f"{one} | {one} it's | &lt;x&gt;"
