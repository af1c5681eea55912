"""The "Save as best practice" message shortcut, end to end."""

from __future__ import annotations

from sqlalchemy import select

from bot.knowledge.models import Entry
from bot.sandbox.fake_slack import Message
from tests import test_knowledge as shared
from tests.support import ASSOCIATE, COLLEAGUE, SUPPORT_CHANNEL, Harness, all_text

# The knowledge tests' workspace: best-practices channels configured and created.
config = shared.config
harness = shared.harness
entries, results = shared.entries, shared.results
BEST = shared.BEST


ORIGINAL = ("<!channel> <!subteam^S0OPS|@ops> <!here> heads up <@U0ASSOC01>: when chairs are short, ask the "
            "Leeds depot for their demo stock &amp; ship it next day.")


def open_save(harness: Harness, message: Message, user: str = ASSOCIATE):  # noqa: ANN201 - a ViewRecord
    assert harness.driver.message_shortcut(user, "knowledge_save", message).status == 200
    return harness.fake.wait_for(lambda: harness.fake.open_view(user))


def test_saving_a_message_indexes_it_and_reposts_it_without_pinging_anyone(harness: Harness) -> None:
    message = harness.fake.post_as_user(COLLEAGUE, SUPPORT_CHANNEL, ORIGINAL)
    view = open_save(harness, message)
    title = next(b for b in view.view["blocks"] if b.get("block_id") == "knowledge_title")
    assert title["element"]["initial_value"].startswith("@channel @ops @here heads up @ada")

    reply = harness.driver.submit(view.id, {"knowledge_title": "Borrow demo stock from the Leeds depot",
                                            "knowledge_cause": "stock-out", "knowledge_tags": "chairs, depot"})
    assert reply.status == 200
    posted = harness.fake.wait_for(lambda: [m for m in harness.fake.messages(BEST) if m.bot_id])[-1]
    shown = all_text(posted.blocks, posted.text)
    original = all_text(posted.blocks[:-1], posted.text)  # all but the "Saved by" line
    for ping in ("<!channel>", "<!here>", "<!subteam^", "<@U0ASSOC01>"):
        assert ping not in original
    assert "@channel @ops @here heads up @ada" in shown
    # Who saved it is an @mention, as everywhere else (it was a bare "ada"), and the only mention in it.
    assert all_text(posted.blocks[-1:]).strip().startswith(f"Saved by <@{ASSOCIATE}> from ")
    assert "&amp; ship it next day" in shown
    assert "Borrow demo stock from the Leeds depot" in shown
    assert harness.fake.permalink(SUPPORT_CHANNEL, message.ts) in shown

    confirmation = harness.fake.wait_for(lambda: harness.fake.ephemerals(ASSOCIATE))[-1]
    assert "Saved “Borrow demo stock from the Leeds depot”" in confirmation.text

    found = results(harness, "cause:stock-out depot")
    assert "Borrow demo stock from the Leeds depot" in found and "tags: chairs, depot" in found
    assert f"saved by <@{ASSOCIATE}>" in found


def test_saving_without_reposting_and_an_edit_of_the_original_follows(harness: Harness) -> None:
    message = harness.fake.post_as_user(COLLEAGUE, SUPPORT_CHANNEL, "Apologise after the fix is on the table.")
    view = open_save(harness, message)
    harness.driver.submit(view.id, {"knowledge_title": "When to apologise", "knowledge_repost": []})
    harness.fake.wait_for(lambda: harness.fake.ephemerals(ASSOCIATE))
    assert not harness.fake.messages(BEST)

    before, after = harness.fake.edit_as_user(SUPPORT_CHANNEL, message.ts, "Apologise once the solution is "
                                                                           "on the table, never before.")
    harness.driver.message_changed(before, after)
    harness.fake.wait_for(lambda: "never before" in entries(harness)[0].body)
    with harness.amends.db.transaction() as session:
        entry = session.scalar(select(Entry))
        assert entry.title == "When to apologise" and entry.saved_by == ASSOCIATE

    deleted = harness.fake.delete_as_user(SUPPORT_CHANNEL, message.ts)
    harness.driver.message_deleted(deleted)
    harness.fake.wait_for(lambda: not entries(harness))


def test_a_title_is_required(harness: Harness) -> None:
    message = harness.fake.post_as_user(COLLEAGUE, SUPPORT_CHANNEL, " ")
    view = open_save(harness, message)
    reply = harness.driver.submit(view.id, {"knowledge_title": None})
    assert reply.json()["errors"] == {"knowledge_title": "Give it a short title."}
    harness.settle()
    assert entries(harness) == []
