"""Block builders refuse what Slack would refuse, before it reaches Slack."""

from __future__ import annotations

import pytest
from slack_sdk.models.blocks import ActionsBlock, CheckboxesElement

from bot.slack.blocks import base
from bot.text import escape_fit, escape_mrkdwn


def test_messages_are_capped_at_50_blocks() -> None:
    base.message([base.divider()] * 50)
    with pytest.raises(base.BlockLimitError, match="51 blocks"):
        base.message([base.divider()] * 51)


def test_views_are_capped_at_100_blocks() -> None:
    base.home([base.divider()] * 100)
    with pytest.raises(base.BlockLimitError):
        base.home([base.divider()] * 101)


def test_checkboxes_are_capped_at_10_options() -> None:
    options = [base.option(str(i), str(i)) for i in range(11)]
    with pytest.raises(base.BlockLimitError, match="11 options"):
        base.message([ActionsBlock(elements=[CheckboxesElement(action_id="c", options=options)])])


def test_escaping_is_for_mrkdwn_not_html() -> None:
    assert escape_mrkdwn("O'Brien & Sons <!here>") == "O'Brien &amp; Sons &lt;!here&gt;"


def test_fitting_never_splits_an_entity() -> None:
    fitted = escape_fit("a&b" * 100, 12)
    assert len(fitted) <= 12 and fitted.endswith("…")
    assert "&am…" not in fitted and fitted.count("&amp;") == fitted.count("&")
