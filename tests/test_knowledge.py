"""The best-practices index end to end: Slack events in through signed requests, results out through
`/recover search`, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.knowledge.models import Entry, Reply, SeenEvent
from bot.knowledge.text import normalize
from bot.sandbox.fake_slack import Ephemeral, Message
from bot.settings import AmendsConfig
from tests.support import ASSOCIATE, COLLEAGUE, MANAGER, SUPPORT_CHANNEL, Harness, all_text, configured, slack_shows

BEST = "C0BESTPRAC"
PRIVATE_BEST = "G0BESTPRIV"


@pytest.fixture
def config() -> AmendsConfig:
    return configured(knowledge={"channels": [BEST, PRIVATE_BEST]})


@pytest.fixture
def harness(harness: Harness) -> Harness:
    everyone = [ASSOCIATE, COLLEAGUE, MANAGER]
    harness.fake.add_channel(BEST, "best-practices", members=everyone)
    harness.fake.add_channel(PRIVATE_BEST, "key-accounts-fixes", members=everyone, is_private=True)
    return harness


# ---------------------------------------------------------------------- helpers


def post(harness: Harness, text: str, *, user: str = COLLEAGUE, channel: str = BEST,
         thread_ts: str | None = None) -> Message:
    message = harness.fake.post_as_user(user, channel, text, thread_ts=thread_ts)
    assert harness.driver.message_posted(message).status == 200
    return message


def entries(harness: Harness) -> list[Entry]:
    with harness.amends.db.transaction() as session:
        return list(session.scalars(select(Entry).order_by(Entry.id)))


def entry_for(harness: Harness, message: Message) -> Entry | None:
    with harness.amends.db.transaction() as session:
        return session.scalar(select(Entry).where(Entry.source_key == f"slack:{message.channel}:{message.ts}"))


def wait_indexed(harness: Harness, message: Message, contains: str = "") -> Entry:
    """The message's entry, once it holds `contains` (in its own text or its thread's)."""
    words = normalize(contains)
    return harness.fake.wait_for(lambda: (e := entry_for(harness, message)) and words in e.index_body and e)


def search(harness: Harness, query: str, *, user: str = ASSOCIATE) -> Ephemeral:
    before = len(harness.fake.ephemerals(user))
    assert harness.command(f"search {query}", user=user).status == 200
    return harness.fake.wait_for(lambda: harness.fake.ephemerals(user)[before:] and harness.fake.ephemerals(user)[-1])


def results(harness: Harness, query: str, **kwargs: Any) -> str:
    reply = search(harness, query, **kwargs)
    return all_text(reply.blocks, reply.text)


# ---------------------------------------------------------------------- channel messages


def test_a_message_in_the_channel_is_found_despite_typos_and_word_order(harness: Harness) -> None:
    message = post(harness, "Office chairs out of stock: Ben found 12 at the Leeds warehouse and sent them "
                            "by express courier the same day.")
    post(harness, "Printer toner late: lent the customer a demo unit until the delivery arrived.")
    entry = wait_indexed(harness, message)

    shown = results(harness, "leeds chiars")
    assert "Office *chairs* out of stock" in shown          # once: the snippet, no heading repeating it
    assert "*Leeds*" in shown and "*chairs*" in shown      # the match is highlighted in the snippet
    assert f"<@{COLLEAGUE}>" in shown and f"<#{BEST}>" in shown
    assert entry.permalink and entry.permalink in shown
    assert "Printer toner" not in shown
    assert "*chairs* for “chiars”" in shown                # says what it searched instead


def test_a_query_and_results_show_formatting_characters_as_typed(harness: Harness) -> None:
    """A `*` in the query no longer breaks the header's bold, and `_x_` in a message stays as typed."""
    message = post(harness, "Printer *toner* late: lent a _demo_ unit, see `ticket-12`.")
    wait_indexed(harness, message)
    reply = search(harness, "*toner* late")
    shown = slack_shows(reply.blocks)
    assert "Results 1–1 of 1 for “*toner* late”" in shown
    assert "Printer *toner* late: lent a _demo_ unit, see `ticket-12`." in shown
    assert "\ue000" not in reply.text and "*toner* late" in reply.text


def test_synonyms_find_a_fix_worded_differently(harness: Harness) -> None:
    message = post(harness, "Stock-out on standing desks: we lent the customer a demo unit for a week.")
    wait_indexed(harness, message)
    assert "standing desks" in results(harness, "loaner")
    assert "standing desks" in results(harness, "backorder")


def test_an_edit_is_reindexed_and_a_deletion_disappears(harness: Harness) -> None:
    message = post(harness, "Carrier lost the parcel: rebooked with a courier.")
    wait_indexed(harness, message)
    before, after = harness.fake.edit_as_user(BEST, message.ts, "Carrier lost the parcel: we sent a replacement "
                                                                "by overnight van and waived the fee.")
    assert harness.driver.message_changed(before, after).status == 200
    wait_indexed(harness, message, "overnight van")
    assert "overnight *van* and waived the *fee*" in results(harness, "van fee")
    assert "Nothing found" in results(harness, "rebooked")

    deleted = harness.fake.delete_as_user(BEST, message.ts)
    assert harness.driver.message_deleted(deleted).status == 200
    harness.fake.wait_for(lambda: entry_for(harness, message) is None)
    assert "Nothing found" in results(harness, "overnight van")


def test_a_slack_retry_is_indexed_once_and_a_late_retry_never_undoes_a_deletion(harness: Harness) -> None:
    message = harness.fake.post_as_user(COLLEAGUE, BEST, "Swapped delivery slots with a customer who wanted "
                                                        "to push out their date.")
    for retry in (None, 1, 2):
        assert harness.driver.message_posted(message, event_id="Ev0RETRY01", retry_num=retry).status == 200
    harness.settle()
    assert len(entries(harness)) == 1
    with harness.amends.db.transaction() as session:
        assert session.scalars(select(SeenEvent.event_id)).all() == ["Ev0RETRY01"]

    deleted = harness.fake.delete_as_user(BEST, message.ts)
    harness.driver.message_deleted(deleted)
    harness.settle()
    assert entries(harness) == []
    # Slack delivers the original post again after the deletion (its first delivery had failed).
    harness.driver.message_posted(message, event_id="Ev0LATE001")
    harness.settle()
    assert entries(harness) == []


def test_thread_replies_are_searched_as_part_of_their_parent(harness: Harness) -> None:
    parent = post(harness, "Key account furious about the missed install appointment.")
    wait_indexed(harness, parent)
    reply = post(harness, "What worked: the field engineer brought a loaner projector the same afternoon.",
                 thread_ts=parent.ts, user=MANAGER)
    wait_indexed(harness, parent, "loaner projector")

    shown = results(harness, "projector install")
    assert "missed *install* appointment" in shown
    with harness.amends.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Reply)) == 1

    deleted = harness.fake.delete_as_user(BEST, reply.ts)
    harness.driver.message_deleted(deleted)
    harness.fake.wait_for(lambda: "projector" not in (entry_for(harness, parent) or Entry(body="x")).index_body)
    assert "Nothing found" in results(harness, "projector")


def test_a_reply_to_a_message_from_before_the_bot_was_listening_indexes_the_parent(harness: Harness) -> None:
    old = harness.fake.post_as_user(ASSOCIATE, PRIVATE_BEST, "Damaged sofa delivered to a key account.")
    post(harness, "Fixed: we bought one at retail from a competitor and absorbed the cost.", channel=PRIVATE_BEST,
         thread_ts=old.ts)
    entry = wait_indexed(harness, old, "Damaged sofa")
    assert "competitor" in entry.index_body
    assert "Damaged sofa" in results(harness, "competitor retail")


def test_bot_messages_joins_and_other_channels_are_not_indexed(harness: Harness) -> None:
    harness.amends.client.chat_postMessage(channel=BEST, text="I am a bot announcing chairs")
    bot_message = harness.fake.messages(BEST)[-1]
    harness.driver.message_posted(bot_message)
    join = harness.fake.post_as_user(ASSOCIATE, BEST, f"<@{ASSOCIATE}> has joined the channel")
    join.subtype = "channel_join"
    harness.driver.message_posted(join)
    post(harness, "Chairs chat in support, not a best practice", channel=SUPPORT_CHANNEL)
    harness.settle()
    assert entries(harness) == []


def test_mentions_and_links_are_indexed_as_words_and_shown_escaped(harness: Harness) -> None:
    message = post(harness, f"<!channel> <@{ASSOCIATE}> shipped from <https://stock.example/leeds|Leeds stock> "
                            "&lt;fast&gt; &amp; cheap")
    entry = wait_indexed(harness, message)
    assert entry.body == "@channel @ada shipped from Leeds stock <fast> & cheap"
    shown = results(harness, "leeds cheap")
    assert "&lt;fast&gt; &amp;" in shown and "<!channel>" not in shown


# ---------------------------------------------------------------------- searching


def test_filters_narrow_results_and_paging_shows_more(harness: Harness) -> None:
    for n in range(7):
        post(harness, f"Chairs fix number {n}: called the customer first.", user=ASSOCIATE if n % 2 else COLLEAGUE)
    private = post(harness, "Chairs fix in the private channel.", channel=PRIVATE_BEST)
    wait_indexed(harness, private)
    harness.fake.wait_for(lambda: len(entries(harness)) == 8)

    first = search(harness, "chairs")
    assert "Results 1–5 of 8" in first.text
    harness.driver.click(ASSOCIATE, "knowledge_more", ephemeral=first)
    second = harness.fake.wait_for(lambda: "Results 6–8 of 8" in harness.fake.ephemerals(ASSOCIATE)[-1].text
                                   and harness.fake.ephemerals(ASSOCIATE)[-1])
    assert len([b for b in second.blocks if b["type"] == "context"]) == 3

    assert "of 3 " in results(harness, f"chairs from:<@{ASSOCIATE}|ada> in:#best-practices")
    assert "private channel" in results(harness, f"chairs in:<#{PRIVATE_BEST}|key-accounts-fixes>")
    assert "Results 1–5 of 5" in results(harness, "chairs from:@ben")
    assert "Nothing found" in results(harness, "chairs before:2000-01-01")
    assert "Results 1–5 of 8" in results(harness, "chairs after:2000-01-01")


def test_filters_resolve_names_on_a_machine_booted_minutes_ago(harness: Harness,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The name caches start empty: a monotonic clock reading less than their time-to-live (a fresh CI
    machine) must not pass for "loaded just now"."""
    import bot.slack.knowledge_source as source

    monkeypatch.setattr(source.time, "monotonic", lambda: 5.0)
    directory = source.Directory(harness.amends.client)
    assert directory.channel_ids((source.Ref(name="best-practices"),)) == (BEST,)
    assert directory.user_ids((source.Ref(name="ada"),)) == (ASSOCIATE,)


def test_twelve_results_page_forward_and_back_in_place(harness: Harness) -> None:
    # The middle page has both Previous and More results; Slack refuses a block whose buttons share an
    # action_id, which once left "More results" doing nothing past the first page.
    for n in range(12):
        post(harness, f"Sofa fix number {n}: offered a loaner.")
    harness.fake.wait_for(lambda: len(entries(harness)) == 12)
    first = search(harness, "sofa")
    assert "Results 1–5 of 12" in first.text

    def turn(button: str, page: Ephemeral, expect: str) -> Ephemeral:
        harness.driver.click(ASSOCIATE, button, ephemeral=page)
        shown = harness.fake.wait_for(lambda: [e for e in harness.fake.ephemerals(ASSOCIATE)
                                               if e.ts == first.ts and expect in e.text])
        assert len(harness.fake.ephemerals(ASSOCIATE)) == 1  # replaced in place, not stacked up
        return shown[0]

    def buttons(page: Ephemeral) -> list[str]:
        return [e["text"]["text"] for b in page.blocks if b["type"] == "actions" for e in b["elements"]]

    second = turn("knowledge_more", first, "Results 6–10 of 12")
    assert buttons(second) == ["Previous", "More results"]
    third = turn("knowledge_more", second, "Results 11–12 of 12")
    assert buttons(third) == ["Previous"]
    assert len([b for b in third.blocks if b["type"] == "context"]) == 2
    back = turn("knowledge_previous", third, "Results 6–10 of 12")
    turn("knowledge_previous", back, "Results 1–5 of 12")


def test_a_bad_filter_gets_a_kind_answer(harness: Harness) -> None:
    assert "write it like `before:2026-05-01`" in results(harness, "chairs before:tuesday")
    assert "I don't know the cause" in results(harness, "cause:gremlins chairs")
    assert "can't find anyone called @nobody" in results(harness, "from:@nobody chairs")
    assert "cause:stock-out" in results(harness, "")


def test_an_oversized_or_hostile_query_gets_a_kind_answer_and_is_shown_escaped(harness: Harness) -> None:
    message = post(harness, "Leeds chairs came from the Bradford store")
    wait_indexed(harness, message)
    assert "please keep it under 500" in results(harness, "chairs " * 100)
    shown = results(harness, "<!channel> leeds chairs <@U0NOBODY>")
    assert "Leeds" in shown and "<!channel>" not in shown and "<@U0NOBODY>" not in shown


def test_a_result_shows_an_untitled_message_once_and_a_saved_title_above_it(harness: Harness) -> None:
    # Found in the sandbox: an untitled message was shown twice, its first line in bold above its snippet.
    message = post(harness, "Carrier lost the slot? Book our own van for key accounts.")
    wait_indexed(harness, message)
    reply = search(harness, "van")
    [result] = [b for b in reply.blocks if b["type"] == "rich_text" and "Book our own" in all_text([b])]
    assert all_text([result]).strip() == "Carrier lost the slot? Book our own *van* for key accounts."
    assert all_text(reply.blocks).count("Carrier lost the slot?") == 1

    with harness.amends.db.transaction() as session:
        session.scalar(select(Entry).where(Entry.source_key.endswith(message.ts))).title = "Our own van"
    [titled] = [b for b in search(harness, "van").blocks if b["type"] == "rich_text" and "Our own van" in all_text([b])]
    assert all_text([titled]).strip() == "*Our own van*\nCarrier lost the slot? Book our own *van* for key accounts."
