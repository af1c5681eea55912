"""Block Kit for the best-practices index: search results, the save modal, re-posts, similar cases."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    CheckboxesElement,
    InputBlock,
    PlainTextInputElement,
    StaticSelectElement,
)

from bot.cases.causes import Cause
from bot.cases.models import Outcome
from bot.knowledge.models import Entry, EntryKind
from bot.knowledge.search import SearchPage, snippet
from bot.settings import AmendsConfig
from bot.slack.blocks import base
from bot.slack.ids import Action, Callback, KnowledgeField
from bot.slack.metadata import BUTTON_VALUE_LIMIT, SaveBestPractice, SearchPageRef
from bot.text import as_mrkdwn, escape_mrkdwn, one_line

TITLE_LIMIT = 150
TAGS_LIMIT = 200
SNIPPET_WIDTH = 240
REPOST_VALUE = "repost"
SEARCH_HELP = ("`/recover search late chairs` finds past fixes and best practices, typos and all. Narrow it "
               "with `cause:stock-out`, `in:#channel`, `from:@person`, `after:2026-01-31`, `before:2026-03-01`, "
               'or a "quoted phrase".')


def _cause_label(cause: str | None) -> str | None:
    if cause in Cause._value2member_map_:
        return Cause(cause).label
    return cause


def _title(entry: Entry) -> str:
    return base.person_text(one_line(entry.title or entry.first_line or "(no text)", TITLE_LIMIT), TITLE_LIMIT)


def _snippet(pieces: list[tuple[str, bool]]) -> str:
    # One line in the results; where the text had line breaks (a resolved case's facts), a dot keeps them apart.
    joined = "".join(f"*{base.person_text(text, SNIPPET_WIDTH)}*" if hit else base.person_text(text, SNIPPET_WIDTH)
                     for text, hit in pieces if text)
    return re.sub(r"\s*\n\s*", " · ", joined.strip())


def _result_text(entry: Entry, matched: frozenset[str]) -> str:
    """The heading and the snippet; no heading when it would only repeat the snippet's first line."""
    pieces = snippet(entry.body, matched, width=SNIPPET_WIDTH)
    found = _snippet(pieces)
    if not entry.title and entry.first_line and entry.first_line in "".join(text for text, _ in pieces):
        return found
    return f"*{_title(entry)}*\n{found}"


def _source(entry: Entry, config: AmendsConfig) -> list[str]:
    parts = []
    if entry.kind == EntryKind.CASE:
        parts.append(f":white_check_mark: {EntryKind.CASE.label}")
        if entry.outcome in Outcome._value2member_map_:
            parts.append(escape_mrkdwn(Outcome(entry.outcome).label))
    elif entry.channel_id:
        parts.append(base.channel_mention(entry.channel_id))
    if entry.author_id:
        parts.append(base.user_mention(entry.author_id))
    parts.append(base.slack_date(entry.posted_at, config.workspace.zone, with_time=False))
    cause = _cause_label(entry.cause)
    if cause:
        parts.append(f"cause: {escape_mrkdwn(cause)}")
    if entry.tags:
        parts.append(f"tags: {base.person_text(entry.tags, TAGS_LIMIT)}")
    if entry.saved_by and entry.saved_by != entry.author_id:
        parts.append(f"saved by {base.user_mention(entry.saved_by)}")
    if entry.permalink:
        parts.append(base.link(entry.permalink, "open"))
    return parts


def search_usage() -> tuple[str, list[dict[str, Any]]]:
    return "How to search", base.message([base.section(SEARCH_HELP)])


def search_results(page: SearchPage, query: str, config: AmendsConfig, *, per_page: int
                   ) -> tuple[str, list[dict[str, Any]]]:
    shown = base.person_text(query, 200) if query else "your filters"
    if not page.hits:
        text = f"Nothing found for “{shown}”."
        return text, base.message([base.section(f"{text} Try fewer or other words, or drop a filter."),
                                   base.context(SEARCH_HELP)])
    first, last = page.offset + 1, page.offset + len(page.hits)
    text = f"Results {first}–{last} of {page.total} for “{shown}”"
    blocks: list[Any] = [base.section(f"*{text}*")]
    if page.corrected:
        fixed = ", ".join(f"*{base.person_text(new, 100)}* for “{base.person_text(old, 100)}”"
                          for old, new in page.corrected.items())
        blocks.append(base.context(f"Also searched {fixed}."))
    for hit in page.hits:
        blocks.append(base.section(_result_text(hit.entry, hit.matched)))
        blocks.append(base.context(" · ".join(_source(hit.entry, config))))
    buttons = []
    if page.offset > 0:
        back = SearchPageRef(query=query, offset=max(0, page.offset - per_page), upto_id=page.upto_id or 0)
        buttons.append(base.button("Previous", Action.KNOWLEDGE_PREVIOUS, value=back.encode(BUTTON_VALUE_LIMIT)))
    if last < page.total:
        more = SearchPageRef(query=query, offset=last, upto_id=page.upto_id or 0)
        buttons.append(base.button("More results", Action.KNOWLEDGE_MORE, value=more.encode(BUTTON_VALUE_LIMIT),
                                   style="primary"))
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    return text, base.message(blocks)


# ---------------------------------------------------------------------- saving a message


def save_modal(meta: SaveBestPractice, *, preview: str, repost_to: str | None, repost_default: bool
               ) -> dict[str, Any]:
    title = PlainTextInputElement(action_id=KnowledgeField.TITLE, max_length=TITLE_LIMIT,
                                  initial_value=one_line(preview, TITLE_LIMIT) or None,
                                  placeholder=base.plain("What worked, in a few words"))
    cause = StaticSelectElement(action_id=KnowledgeField.CAUSE, placeholder=base.plain("Why the promise broke"),
                                options=[base.option(c.label, c.value) for c in Cause])
    tags = PlainTextInputElement(action_id=KnowledgeField.TAGS, max_length=TAGS_LIMIT,
                                 placeholder=base.plain("e.g. loaner, key account, chairs"))
    blocks: list[Any] = [
        base.context(f"*Message:* {base.person_text(preview, 600) if preview else '(no text)'}"),
        InputBlock(block_id=KnowledgeField.TITLE, label=base.plain("Title"), element=title),
        InputBlock(block_id=KnowledgeField.CAUSE, label=base.plain("Cause"), element=cause, optional=True),
        InputBlock(block_id=KnowledgeField.TAGS, label=base.plain("Tags"), element=tags, optional=True,
                   hint=base.plain("Separate tags with commas.")),
    ]
    if repost_to:
        option = base.option("Share it in the best-practices channel", REPOST_VALUE)
        repost = CheckboxesElement(action_id=KnowledgeField.REPOST, options=[option],
                                   initial_options=[option] if repost_default else None)
        blocks.append(InputBlock(block_id=KnowledgeField.REPOST, label=base.plain("Share"), element=repost,
                                 optional=True))
    return base.modal(title="Save as best practice", blocks=blocks, callback_id=Callback.KNOWLEDGE_SAVE,
                      submit="Save", private_metadata=meta.encode())


def repost(entry: Entry, markup: str, saved_by: str) -> tuple[str, list[dict[str, Any]]]:
    """`markup` is the original message in Slack's markup with every mention already neutralised (sharing a
    fix should not ping anyone it names); `saved_by` is the user id of whoever saved it, shown as a mention
    like every other person the bot names."""
    title = _title(entry)
    source = base.link(entry.permalink, "the original message") if entry.permalink else "a message"
    where = f" in {base.channel_mention(entry.channel_id)}" if entry.channel_id else ""
    details = [f"Saved by {base.user_mention(saved_by)} from {source}{where}"]
    cause = _cause_label(entry.cause)
    if cause:
        details.append(f"cause: {escape_mrkdwn(cause)}")
    if entry.tags:
        details.append(f"tags: {base.person_text(entry.tags, TAGS_LIMIT)}")
    text = f"Best practice: {title}"
    blocks = [base.section(f":bulb: *{title}*"), base.section(markup or "(no text)"), base.context(" · ".join(details))]
    return text, base.message(blocks)


def saved_confirmation(entry: Entry, reposted_in: str | None) -> tuple[str, list[dict[str, Any]]]:
    text = f":white_check_mark: Saved “{_title(entry)}” as a best practice; `/recover search` will find it."
    if reposted_in:
        text += f" Shared in {base.channel_mention(reposted_in)}."
    # Sent through a response_url by hand (WebhookClient), so the fallback is made mrkdwn here.
    return as_mrkdwn(text), base.message([base.section(text)])


# ---------------------------------------------------------------------- similar past cases


def similar_cases(entries: Sequence[Entry], config: AmendsConfig, *, case_ref: str | None = None
                  ) -> tuple[str, list[dict[str, Any]]]:
    """The closest resolved cases and what worked for them (`case_ref`: the case they are like, when the
    message isn't in its thread)."""
    if not entries:
        text = (f"No resolved case like {escape_mrkdwn(case_ref or 'this one')} yet. "
                "`/recover search` looks through best practices too.")
        return text, base.message([base.section(f":mag: {text}")])
    like = f" to {escape_mrkdwn(case_ref)}" if case_ref else ""
    text = f"Similar past cases{like} and what worked"
    blocks: list[Any] = [base.section(f":mag: *{text}*")]
    for entry in entries:
        title = _title(entry)
        heading = base.link(entry.permalink, title) if entry.permalink else title
        lines = [line for line in entry.body.splitlines()[1:] if line.strip()][:3]
        detail = "\n".join(base.person_text(line, 300) for line in lines)
        blocks.append(base.section(f"*{heading}*\n{detail}"))
        blocks.append(base.context(" · ".join(_case_context(entry, config))))
    return text, base.message(blocks)


def _case_context(entry: Entry, config: AmendsConfig) -> list[str]:
    parts = [f"resolved {base.slack_date(entry.posted_at, config.workspace.zone, with_time=False)}"]
    cause = _cause_label(entry.cause)
    if cause:
        parts.append(f"cause: {escape_mrkdwn(cause)}")
    return parts
