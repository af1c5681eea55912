"""Block Kit for drafts: the draft modal (channel, template, editable text, tone hints) and the copyable
draft posted in the case thread, with "Mark as sent"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    CheckboxesElement,
    InputBlock,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
)

from bot.cases.causes import PromiseKind
from bot.cases.models import Case
from bot.drafting.service import MAX_BODY, MAX_SUBJECT, contact_allows
from bot.drafting.templates import Channel, TemplateRef
from bot.drafting.tone import ToneHint
from bot.settings import AmendsConfig
from bot.slack.blocks import base
from bot.slack.blocks.cases import achievable_text
from bot.slack.ids import Action, Callback, DraftField
from bot.slack.metadata import BUTTON_VALUE_LIMIT, Metadata
from bot.text import escape_mrkdwn, one_line, truncate

TITLE = "Draft message"
BODY_LABELS = {Channel.PHONE: "Phone script", Channel.EMAIL: "Email", Channel.SMS: "SMS or chat message"}
SENT_LABELS = {Channel.PHONE: "Mark as called"}  # what "sent" means on the phone
CHANNEL_ICONS = {Channel.PHONE: ":telephone_receiver:", Channel.EMAIL: ":email:", Channel.SMS: ":speech_balloon:"}
FENCE = "```"


class DraftModalMeta(Metadata):
    """What the draft modal shows, riding in its private_metadata."""

    case_id: int
    template: str
    channel: Channel
    revision: int = 0       # which generation of input block ids is on screen (see DraftField)
    fingerprint: str = ""   # of the text as rendered, to tell whether the associate changed it
    edited: bool = False    # reopened from a draft the associate had already changed
    personal: bool = False  # the associate offers to look after the customer's next order personally
    language: str = "en"    # the draft's language, whose tone rules read the edits
    replaces: int | None = None  # reopened from this saved draft (Edit): saving replaces it


class DraftRef(Metadata):
    draft_id: int


@dataclass(frozen=True)
class DraftScreen:
    """Everything the modal shows; built by the listeners from a composed draft or the typed text."""

    case: Case
    channels: Sequence[Channel]
    templates: Sequence[TemplateRef]
    meta: DraftModalMeta
    subject: str | None
    body: str
    hints: Sequence[ToneHint]
    problem: str | None = None  # why the template could not be drafted, said to the associate
    note: str | None = None     # e.g. the customer's language has no such template yet
    offer_line: str | None = None  # which offer the draft speaks of (mrkdwn, escaped), when there is one


# ---------------------------------------------------------------------- the modal


def draft_modal(screen: DraftScreen, config: AmendsConfig) -> dict[str, Any]:
    meta = screen.meta
    current = meta.channel
    blocks: list[Any] = [base.section(_case_summary(screen.case, config))]
    if screen.offer_line:
        blocks.append(base.context(screen.offer_line))
    pick: list[Any] = [
        RadioButtonsElement(action_id=Action.DRAFT_CHANNEL, options=[_channel_option(c) for c in screen.channels],
                            initial_option=_channel_option(current)),
    ]
    options = [base.option(t.label, t.name) for t in screen.templates[:100]]
    chosen = next((o for o in options if o.value == meta.template), None)
    if options:
        pick.append(StaticSelectElement(action_id=Action.DRAFT_TEMPLATE, placeholder=base.plain("Template"),
                                        options=options, initial_option=chosen))
    # What was promised decides the wording ("the session", never "your delivery"); correctable here.
    kinds = [base.option(k.label, k.value) for k in PromiseKind]
    pick.append(StaticSelectElement(action_id=Action.DRAFT_KIND, placeholder=base.plain("What was promised"),
                                    options=kinds,
                                    initial_option=next((o for o in kinds if o.value == screen.case.promise_kind),
                                                        kinds[0])))
    # A promise only the associate can make, so the draft makes it only when they choose to.
    if config.drafting.personal_care:  # a team may switch this promise off
        personal = base.option("I'll look after their next order personally", "personal")
        pick.append(CheckboxesElement(action_id=Action.DRAFT_PERSONAL, options=[personal],
                                      initial_options=[personal] if meta.personal else None))
    blocks.append(ActionsBlock(block_id="draft_pick", elements=pick))
    if screen.problem:
        blocks.append(base.section(f":warning: {screen.problem}"))
    if screen.note:
        blocks.append(base.context(f":globe_with_meridians: {escape_mrkdwn(screen.note)}"))
    mismatch = _contact_mismatch(screen.case, current)
    if mismatch:
        blocks.append(base.context(mismatch))
    if current is Channel.EMAIL:
        blocks.append(_text_input(DraftField.SUBJECT.at(meta.revision), "Subject", screen.subject or "",
                                  max_length=MAX_SUBJECT, multiline=False))
    body, cut = fit(screen.body, MAX_BODY)
    blocks.append(_text_input(
        DraftField.BODY.at(meta.revision), BODY_LABELS.get(current, "Message"), body, max_length=MAX_BODY,
        multiline=True, hint="Edit freely. Saving posts it in the case thread for you to copy; "
                             "nothing is sent to the customer."))
    if cut:
        blocks.append(base.context(f":scissors: The template wrote more than {MAX_BODY:,} characters, "
                                   "so the end was cut. Please check how it finishes."))
    blocks += hint_blocks(screen.hints)
    blocks.append(ActionsBlock(block_id="draft_check", elements=[
        base.button("Check tone again", Action.DRAFT_CHECK_TONE)]))
    return base.modal(title=TITLE, blocks=blocks, callback_id=Callback.DRAFT_MESSAGE, submit="Save draft",
                      private_metadata=meta.encode())


def hint_blocks(hints: Sequence[ToneHint]) -> list[Any]:
    """Tone hints, worded as advice; they never stop anyone saving."""
    if not hints:
        return [base.context(":white_check_mark: Tone check: nothing to flag.")]
    count = f"{len(hints)} hint{'s' if len(hints) != 1 else ''}"
    blocks: list[Any] = [base.context(f":bulb: Tone check: {count}. Only suggestions; save whenever you're happy.")]
    blocks += [base.section(hint_text(hint)) for hint in hints[:20]]
    return blocks


def hint_text(hint: ToneHint) -> str:
    quoted = ", ".join(f"“{base.person_text(e, 80)}”" for e in hint.excerpts)
    return f"*{escape_mrkdwn(hint.label)}*{f' ({quoted})' if quoted else ''}: {escape_mrkdwn(hint.advice)}"


def saved_modal(case: Case, hints: Sequence[ToneHint], *, has_thread: bool) -> dict[str, Any]:
    where = "in the case thread" if has_thread else "in your DMs with me (the case has no thread yet)"
    blocks: list[Any] = [base.section(
        f":white_check_mark: Saved on *{case.ref}*. I'm posting it {where}, ready to copy. Press "
        "*Mark as sent* there once the customer has it, so reminders and reports know.")]
    if hints:
        blocks.append(base.context(":bulb: Tone hints on the text you saved, for next time or a last edit:"))
        blocks += [base.section(hint_text(h)) for h in hints[:20]]
    return base.modal(title="Draft saved", blocks=blocks, close="Done")


def field_errors(fields: dict[str, str], revision: int) -> dict[str, str]:
    """response_action errors keyed by the modal's block ids."""
    block = {"subject": DraftField.SUBJECT, "body": DraftField.BODY}
    return {block.get(name, DraftField.BODY).at(revision): message for name, message in fields.items()}


def _text_input(block_id: str, label: str, value: str, *, max_length: int, multiline: bool,
                hint: str | None = None) -> InputBlock:
    element = PlainTextInputElement(action_id="text", multiline=multiline, max_length=max_length,
                                    initial_value=value or None)
    return InputBlock(block_id=block_id, label=base.plain(label), element=element,
                      hint=base.plain(hint) if hint else None)


def _contact_mismatch(case: Case, channel: Channel) -> str | None:
    """A warning when the picked channel can't reach the customer's contact as recorded at intake."""
    allowed = contact_allows(case.customer_contact)
    if allowed is None or channel in allowed:
        return None
    kind = "an email address" if allowed == {Channel.EMAIL} else "a phone number"
    instead = " or ".join(BODY_LABELS[c] for c in (Channel.PHONE, Channel.SMS, Channel.EMAIL) if c in allowed)
    return (f":warning: {base.person_text(one_line(case.customer_name, 80), 300)}'s contact is {kind} "
            f"({base.person_text(one_line(case.customer_contact or '', 100), 300)}): "
            f"{'an' if channel is Channel.EMAIL else 'a'} {BODY_LABELS[channel].lower()} can't reach it. "
            f"Pick {instead}, or check the contact.")


def _channel_option(channel: Channel) -> Any:
    return base.option(BODY_LABELS.get(channel, channel.label), channel.value)


def _case_summary(case: Case, config: AmendsConfig) -> str:
    zone = config.workspace.zone
    new = f" · new date {base.slack_date(case.new_date, zone)}" if case.new_date else " · no new date yet"
    achievable = achievable_text(case, config)
    new += f" · achievable {achievable}" if achievable else ""
    where = f"\nDates in the message are in the customer's time ({case.customer_timezone})." \
        if case.customer_timezone and case.customer_timezone != config.workspace.timezone else ""
    return (f"*{case.ref}* · {base.person_text(one_line(case.customer_name, 80), 300)} — "
            f"{base.person_text(one_line(case.promise, 100), 300)}\n"
            f"Promised {base.slack_date(case.promised_at, zone)}{new}{where}")


def fit(text: str, limit: int) -> tuple[str, bool]:
    return (text, False) if len(text) <= limit else (truncate(text, limit), True)


# ---------------------------------------------------------------------- the copyable draft in the thread


@dataclass(frozen=True)
class PostedDraft:
    """A saved draft as the thread shows it."""

    draft_id: int
    channel: Channel
    template_label: str
    subject: str | None
    body: str
    edited: bool
    author_id: str
    hints: Sequence[ToneHint]
    sent_by: str | None = None
    sent_at: datetime | None = None
    replaced: bool = False  # an edited draft was saved after it: its buttons are retired


def draft_message(draft: PostedDraft, case: Case, config: AmendsConfig) -> tuple[str, list[dict[str, Any]]]:
    kind = BODY_LABELS.get(draft.channel, draft.channel.label)
    customer = base.person_text(one_line(case.customer_name, 80), 300)
    edited = " (edited)" if draft.edited else ""
    text = f"{kind} for {escape_mrkdwn(one_line(case.customer_name, 80))} ({case.ref}), ready to copy"
    blocks: list[Any] = [base.section(
        f"{CHANNEL_ICONS.get(draft.channel, ':memo:')} *{kind}* for {customer} · {escape_mrkdwn(draft.template_label)}"
        f" · by {base.user_mention(draft.author_id)}{edited}")]
    if draft.subject:
        blocks.append(base.section(f"*Subject:* {base.person_text(draft.subject, 500)}"))
    blocks += [base.section(chunk) for chunk in code_blocks(draft.body)]
    if draft.hints:
        shown = "; ".join(escape_mrkdwn(h.label) for h in draft.hints)
        blocks.append(base.context(f":bulb: Tone hints: {shown}"))
    if draft.replaced:
        blocks.append(base.context(":arrow_heading_down: Replaced by the edited draft saved after it; use that "
                                   "one."))
    elif draft.sent_at is not None:
        blocks.append(base.context(f":white_check_mark: {'Called' if draft.channel is Channel.PHONE else 'Sent'} "
                                   f"by {base.user_mention(draft.sent_by or draft.author_id)} · "
                                   f"{base.slack_date(draft.sent_at, config.workspace.zone)}"))
    else:
        value = DraftRef(draft_id=draft.draft_id).encode(BUTTON_VALUE_LIMIT)
        blocks.append(ActionsBlock(block_id="draft_actions", elements=[
            base.button(SENT_LABELS.get(draft.channel, "Mark as sent"), Action.DRAFT_MARK_SENT, value=value,
                        style="primary"),
            base.button("Edit", Action.DRAFT_EDIT, value=value),
        ]))
        how = "Say it on the call" if draft.channel is Channel.PHONE else "Copy it into your message"
        blocks.append(base.context(f"{how}, then press *{SENT_LABELS.get(draft.channel, 'Mark as sent')}* so "
                                   "reminders and reports know the customer has heard from us."))
    return text, base.message(blocks)


def erased_draft_message(draft: PostedDraft) -> tuple[str, list[dict[str, Any]]]:
    """A posted draft once the customer's personal data is erased: what it was, not what it said."""
    kind = BODY_LABELS.get(draft.channel, draft.channel.label)
    text = f"{kind} · {draft.template_label}: erased with the customer's personal data"
    return text, base.message([base.context(f":lock: {escape_mrkdwn(text)}.")])


def code_blocks(text: str, limit: int = base.SECTION_TEXT_LIMIT) -> list[str]:
    """`text` escaped and fenced as code (copied exactly as written), split at line ends to fit sections."""
    # A fence inside the text would end the code block early; a zero-width space keeps it literal.
    escaped = escape_mrkdwn(text.replace(FENCE, "``\u200b`")) or " "
    room = limit - 2 * len(FENCE) - 2
    chunks: list[str] = []
    current = ""
    for line in escaped.split("\n"):
        while len(line) > room:  # a single line longer than a section: cut it, away from an entity
            cut = _safe_cut(line, room)
            chunks, current = _flush(chunks, current), ""
            chunks.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > room:
            chunks, current = _flush(chunks, current), line
        else:
            current = candidate
    chunks = _flush(chunks, current)
    return [f"{FENCE}\n{chunk}\n{FENCE}" for chunk in chunks]


def _flush(chunks: list[str], current: str) -> list[str]:
    return chunks + [current] if current else chunks


def _safe_cut(line: str, room: int) -> int:
    amp = line.rfind("&", max(0, room - 4), room)
    return amp if amp > 0 else room
