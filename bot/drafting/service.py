"""Draft use cases: compose one for a case, save it, mark it as sent. The caller owns the transaction."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.cases import service as cases
from bot.cases.lifecycle import Lifecycle
from bot.cases.models import Case, Outcome
from bot.drafting.composer import Composed, Drafting, drafting_for, language_name, workspace_language
from bot.drafting.context import Associate, build_context
from bot.drafting.environment import Target
from bot.drafting.facts import facts_for
from bot.drafting.models import Draft
from bot.drafting.offers import offers_for
from bot.drafting.templates import BASE_LANGUAGE, Channel
from bot.drafting.tone import ToneHint
from bot.errors import Conflict, InvalidInput, NotFound
from bot.offers.catalog import catalog_for
from bot.settings import AmendsConfig

MAX_BODY = 3000    # what one Slack text box holds; a customer message is far shorter
MAX_SUBJECT = 250
MANAGER_SUMMARY = "manager_summary"


class AlreadySent(Conflict):
    def __init__(self, draft: Draft) -> None:
        super().__init__(f"This draft was already marked as sent by <@{draft.sent_by}>.")
        # Plain values: the transaction that raised this is rolled back, and the Draft with it.
        self.draft_id = draft.id
        self.sent_by = draft.sent_by
        self.sent_at = draft.sent_at


class DraftReplaced(Conflict):
    def __init__(self, draft: Draft) -> None:
        super().__init__("This draft was replaced by the edited one saved after it; use the buttons on that one.")
        self.draft_id = draft.id


def suggested_template(case: Case) -> str:
    """What the customer needs to hear next, from where the case stands."""
    if not case.is_open:
        return "cancellation" if case.outcome == Outcome.CANCELLED else "delivered"
    return "first_notice" if case.customer_contacted_at is None else "status_update"


_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
_PHONE = re.compile(r"\+?\d[\d\s().\-/]{5,}\d")


def contact_allows(contact: str | None) -> frozenset[Channel] | None:
    """The channels that can reach the customer's contact as typed at intake: an email address, a phone
    number (a call or a text), or both; None when it is neither (anything may do)."""
    allowed: set[Channel] = set()
    if contact and _EMAIL.search(contact):
        allowed.add(Channel.EMAIL)
    if contact and _PHONE.search(_EMAIL.sub(" ", contact)):
        allowed |= {Channel.PHONE, Channel.SMS}
    return frozenset(allowed) or None


def suggested_channel(session: Session, case_id: int) -> Channel:
    """The channel last used with this customer, if their contact allows it; else a call (a call beats an
    email), else what their contact allows (an email address only: an email)."""
    allowed = contact_allows(cases.get_case(session, case_id).customer_contact)
    last = session.scalar(select(Draft.channel).where(Draft.case_id == case_id).order_by(Draft.id.desc()).limit(1))
    tried = ([Channel(last)] if last in {c.value for c in Channel} else []) + [Channel.PHONE, Channel.EMAIL, Channel.SMS]
    return next(c for c in tried if allowed is None or c in allowed)


def compose_for_case(session: Session, drafting: Drafting, case_id: int, *, config: AmendsConfig,
                     associate: Associate, now: datetime, template: str | None = None,
                     channel: Channel | None = None, personal_care: bool = False) -> tuple[Case, Composed]:
    """Render the template (default: the suggested one) for a case, with the offers made so far and what
    the case's log records as done. `personal_care`: the associate offers to look after the next order."""
    case = cases.get_case(session, case_id)
    channel = channel or suggested_channel(session, case_id)
    wanted = case.customer_language or workspace_language(config)
    ref = drafting.choose(template or suggested_template(case), channel, wanted)
    offers = offers_for(session, case, language=ref.language, catalog=catalog_for(config.playbooks))
    context = build_context(case, config=config, associate=associate, offers=offers,
                            facts=facts_for(session, case, ref.language), personal_care=personal_care,
                            language=ref.language,
                            now=now)
    composed = drafting.compose(ref, context)
    notes = []
    if ref.language != wanted:
        notes.append(f"There is no {language_name(wanted)} {ref.channel.label.lower()} “{ref.label}” yet, so "
                     f"this draft is in {language_name(ref.language)}.")
    if offers.unworded:
        notes.append(f"The catalog has no {language_name(ref.language)} words for "
                     f"{', '.join(f'“{title}”' for title in offers.unworded)}, so this draft names "
                     f"{'it' if len(offers.unworded) == 1 else 'them'} in {language_name(BASE_LANGUAGE)}: "
                     "please reword before sending.")
    if notes:
        composed = replace(composed, note=" ".join(notes))
    return case, composed


def manager_summary(session: Session, case_id: int, *, config: AmendsConfig, now: datetime,
                    associate: Associate | None = None) -> str:
    """The manager escalation summary for a case, as Slack mrkdwn (person text escaped, mentions live).

    `associate` defaults to the case owner (mentioned by Slack id; no profile lookup needed).
    """
    drafting = drafting_for(config)
    case = cases.get_case(session, case_id)
    ref = drafting.library.find(MANAGER_SUMMARY, Channel.SLACK)
    if ref is None:
        raise NotFound("There is no manager summary template (manager_summary.slack.j2).")
    associate = associate or Associate(case.owner_id, "")
    context = build_context(case, config=config, associate=associate, offers=offers_for(session, case),
                            facts=facts_for(session, case), now=now)
    return drafting.compose(ref, context, Target.SLACK).rendered.body


def save_draft(session: Session, case_id: int, *, template: str, channel: Channel, subject: str | None,
               body: str, edited: bool, hints: Sequence[ToneHint], author_id: str, now: datetime,
               replaces: int | None = None) -> Draft:
    """Keep the draft the associate settled on (edits and all), with the tone hints on that text. Saved from
    an edit of draft `replaces` (not sent yet), it replaces that one: only the newest can be marked sent."""
    fields: dict[str, str] = {}
    subject = (subject or "").strip() or None
    if not body.strip():
        fields["body"] = "Write the message before saving (or pick a template to start from)."
    elif len(body) > MAX_BODY:
        fields["body"] = f"Please keep the message under {MAX_BODY} characters."
    if channel is Channel.EMAIL and subject is None:
        fields["subject"] = "An email needs a subject."
    elif subject is not None and len(subject) > MAX_SUBJECT:
        fields["subject"] = f"Please keep the subject under {MAX_SUBJECT} characters."
    if fields:
        raise InvalidInput("The draft needs another look.", fields)
    case = cases.get_case(session, case_id)
    draft = Draft(case_id=case.id, template=template, channel=channel.value,
                  subject=subject if channel is Channel.EMAIL else None, body=body.replace("\x00", ""),
                  edited=edited, hints=[asdict(h) for h in hints], author_id=author_id, created_at=now)
    session.add(draft)
    session.flush()
    # One statement, so a "Mark as sent" on the old copy at the same moment either wins or finds it replaced.
    replaced = replaces is not None and session.execute(
        update(Draft).where(Draft.id == replaces, Draft.case_id == case.id, Draft.sent_at.is_(None),
                            Draft.replaced_by.is_(None))
        .values(replaced_by=draft.id).execution_options(synchronize_session=False)
    ).rowcount == 1
    also = {"replaces": replaces} if replaced else {}
    cases.record_event(session, case, "draft_saved", author_id, now, draft_id=draft.id, template=template,
                       channel=channel.value, edited=edited, hints=[h.rule for h in hints], **also)
    return draft


def record_posted(session: Session, draft_id: int, *, channel_id: str, ts: str) -> Draft:
    draft = get_draft(session, draft_id)
    draft.posted_channel, draft.posted_ts = channel_id, ts
    return draft


def mark_sent(session: Session, draft_id: int, *, actor_id: str, now: datetime, lifecycle: Lifecycle) -> Draft:
    """The customer has the message: record it on the draft and the case (once, however many clicks)."""
    claimed = session.execute(
        update(Draft).where(Draft.id == draft_id, Draft.sent_at.is_(None), Draft.replaced_by.is_(None))
        .values(sent_at=now, sent_by=actor_id).execution_options(synchronize_session=False)
    ).rowcount
    draft = session.get(Draft, draft_id, populate_existing=True)
    if draft is None:
        raise NotFound("I can't find that draft any more; it may have been removed with its case.")
    if not claimed:
        raise DraftReplaced(draft) if draft.replaced_by is not None and draft.sent_at is None else AlreadySent(draft)
    cases.get_case(session, draft.case_id, for_update=True)  # queue behind anyone else changing the case
    cases.record_customer_contacted(session, draft.case_id, actor_id=actor_id, now=now, channel=draft.channel,
                                   lifecycle=lifecycle)
    return draft


def stored_hints(draft: Draft) -> list[ToneHint]:
    """The tone hints saved with a draft."""
    return [ToneHint(h["rule"], h["label"], h["advice"], tuple(h.get("excerpts", ()))) for h in draft.hints or []]


def get_draft(session: Session, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound("I can't find that draft any more; it may have been removed with its case.")
    return draft


def drafts_for(session: Session, case_id: int) -> Sequence[Draft]:
    return session.scalars(select(Draft).where(Draft.case_id == case_id).order_by(Draft.id)).all()
