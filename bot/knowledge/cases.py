"""Resolved cases in the index, and "similar past cases" for any case.

`index_case` is a plain function, safe to call again at any time in the caller's transaction: it
rebuilds the case's entry from what the areas hold about the case now, told in words (the checks tried
and how each went, the customer's choice, the lesson, the final cost as people read money). The event log
is not read: its bookkeeping words ("channel email", "draft id") would make a case match queries that
have nothing to do with it. It runs from the on_resolved hook; call it again after adding to a resolved
case (the satisfaction) and the entry follows.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cases.causes import Cause
from bot.cases.lifecycle import CaseReopened, CaseResolved, ResolutionChanged
from bot.cases.models import Case, Outcome
from bot.knowledge.backends import Filters
from bot.knowledge.index import case_key, entry_terms, forget, insert_ignore, locked_entry, reindex
from bot.knowledge.models import Entry, EntryKind
from bot.knowledge.query import ParsedQuery
from bot.knowledge.search import SearchEngine
from bot.knowledge.text import STOPWORDS, normalize
from bot.money import format_amount
from bot.offers import service as offers
from bot.offers.models import OfferItem
from bot.playbooks import service as playbooks
from bot.playbooks.models import CheckOutcome
from bot.privacy.scrub import Scrubber
from bot.text import one_line
from bot.tracking import service as tracking

SIMILAR_WORDS = 8


def case_text(session: Session, case: Case, now: datetime) -> tuple[str, str]:
    """(title, body) of a resolved case's entry. The body's first line is the promise; the next ones are
    what Similar past cases shows first: what worked, what was tried, what the customer chose. Everyone can
    search it, so it tells the lesson, never who the customer was: no name, contact or order."""
    scrub = Scrubber.of(case)
    cause = Cause(case.cause).label if case.cause in Cause._value2member_map_ else case.cause
    title = f"{case.ref} · {cause}: {one_line(case.promise, 100)}"
    resolution = tracking.live_resolution(session, case.id)
    lines = [f"Promise: {case.promise}"]
    if resolution is not None and resolution.lesson_worked:
        lines.append(f"What worked: {resolution.lesson_worked}")
    tried = _tried(session, case, now)
    if tried:
        lines.append(f"Tried: {tried}")
    chose = _chose(session, case)
    if chose:
        lines.append(f"Customer chose: {chose}")
    if resolution is not None:
        lines.append(f"Final cost: {format_amount(resolution.final_cost, resolution.currency)}")
        lines.append(f"What caused it: {resolution.lesson_cause}")
        if resolution.lesson_change:
            lines.append(f"What should change: {resolution.lesson_change}")
        if resolution.satisfaction:
            said = f" ({resolution.satisfaction_comment})" if resolution.satisfaction_comment else ""
            lines.append(f"Customer satisfaction: {resolution.satisfaction}/5{said}")
    if case.notes:
        lines.append(f"Notes: {case.notes}")
    return scrub.text(title), scrub.text("\n".join(lines))


def _tried(session: Session, case: Case, now: datetime) -> str:
    """Each check recorded on the case's checklist and how it went, with its note, e.g. "Stock at another
    location: tried, no luck (called the Leeds store)"."""
    checklist = playbooks.checklist(session, case.id, now=now)
    step = checklist.checks_step if checklist else None
    checks = [c for c in step.checks if c.outcome in CheckOutcome.recordable()] if step else []
    return "; ".join(f"{c.title}: {c.outcome.label.lower()}" + (f" ({c.note})" if c.note else "")
                     for c in checks if c.outcome)


def _chose(session: Session, case: Case) -> str | None:
    """How it ended for the customer, with what they took or were given."""
    if case.outcome not in Outcome._value2member_map_:
        return None
    outcome = Outcome(case.outcome)
    choice = offers.customer_choice(session, case.id)
    if outcome is Outcome.TOOK_ALTERNATIVE and choice is not None and choice.item_id is not None:
        item = session.get(OfferItem, choice.item_id)
        if item is not None:
            return f"{outcome.label}: {item.title}"
    if outcome is Outcome.CANCELLED and choice is not None and choice.gesture:
        return f"{outcome.label}, with a goodwill gesture: {choice.gesture}"
    return outcome.label


def index_case(session: Session, case: Case, now: datetime) -> Entry:
    """Index (or re-index) a resolved case."""
    key = case_key(case.id)
    posted_at = case.resolved_at or now
    created = insert_ignore(session, Entry, {
        "source_key": key, "kind": EntryKind.CASE, "case_id": case.id, "body": "", "index_title": "",
        "index_body": "", "version": "", "posted_at": posted_at, "updated_at": now,
    }, "source_key")
    entry = locked_entry(session, key)
    assert entry is not None
    before = set() if created else entry_terms(entry)
    entry.title, entry.body = case_text(session, case, now)
    entry.channel_id, entry.message_ts, entry.permalink = case.channel_id, case.message_ts, case.permalink
    entry.author_id, entry.cause, entry.outcome = case.owner_id, case.cause, case.outcome
    entry.posted_at, entry.updated_at = posted_at, now
    reindex(session, entry, before=before)
    return entry


def withdraw_case(session: Session, case: Case, now: datetime) -> None:
    """A reopened case is no longer a past fix; it comes back when resolved again."""
    entry = locked_entry(session, case_key(case.id))
    if entry is not None:
        forget(session, entry)


# ---------------------------------------------------------------------- lifecycle reactions (bot/bootstrap.py)


def on_resolved(session: Session, event: CaseResolved) -> None:
    """A resolved case is a past fix the search finds."""
    index_case(session, event.case, event.now)


def on_reopened(session: Session, event: CaseReopened) -> None:
    withdraw_case(session, event.case, event.now)


def on_resolution_changed(session: Session, event: ResolutionChanged) -> None:
    """What the entry says follows the record (e.g. the customer's satisfaction), while the case is resolved."""
    if not event.case.is_open:
        index_case(session, event.case, event.now)


def similar_cases(session: Session, engine: SearchEngine, case: Case, *, limit: int = 3) -> list[Entry]:
    """The resolved cases closest to `case`, found by the search engine itself: the query is the case's
    cause, promise and notes - their SIMILAR_WORDS rarest words the index holds (the words most cases
    share say little) - among resolved-case entries only, never the case's own entry. The rerank then
    puts first the cases holding the most of those words, the newest on a tie. With no such word, the
    newest resolved cases with the same cause."""
    cause = Cause(case.cause).label if case.cause in Cause._value2member_map_ else case.cause
    text = normalize(" ".join(filter(None, [case.promise, case.notes])))
    words = [w for w in dict.fromkeys(text.split()) if w not in STOPWORDS and len(w) > 2 and w.isalpha()]
    own = session.scalar(select(Entry).where(Entry.case_id == case.id))
    own_words = entry_terms(own) if own else set()
    # How many other entries hold each word: a resolved case's own entry holds them all.
    counts = {w: n - (w in own_words) for w, n in engine.speller.counts(session, words).items()}
    rarest = sorted((w for w in words if counts.get(w, 0) > 0), key=lambda w: counts[w])[:SIMILAR_WORDS]
    chosen = tuple(w for w in words if w in rarest) + tuple(normalize(cause or "").split())
    filters = Filters(kind=EntryKind.CASE, exclude_ids=(own.id,) if own else ())
    if not rarest:
        filters = replace(filters, cause=case.cause)
        chosen = ()
    page = engine.search(session, ParsedQuery(words=chosen), filters, limit=limit)
    return [hit.entry for hit in page.hits]
