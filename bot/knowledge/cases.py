"""Resolved cases in the index, and "similar past cases" for any case.

`index_case` is a plain function, safe to call again at any time in the caller's transaction: it
rebuilds the case's entry from the case row and its event log (what was tried, what the customer chose,
and anything later areas record there, e.g. the final cost and the lesson). It runs from the
on_resolved hook; call it again after adding to a resolved case and the entry follows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cases.causes import Cause
from bot.cases.lifecycle import CaseReopened, CaseResolved, ResolutionChanged
from bot.cases.models import Case, CaseEvent, Outcome
from bot.knowledge.backends import Filters
from bot.knowledge.index import case_key, entry_terms, forget, insert_ignore, locked_entry, reindex
from bot.knowledge.models import Entry, EntryKind
from bot.knowledge.query import ParsedQuery
from bot.knowledge.search import SearchEngine
from bot.knowledge.text import STOPWORDS, normalize
from bot.privacy.scrub import Scrubber
from bot.text import one_line

# Lifecycle events that say nothing about what was tried (playbook bookkeeping included).
_QUIET_EVENTS = {"opened", "posted", "post_failed", "resolved", "reopened", "playbook_attached", "checklist_posted"}
# How the case ended (bot/tracking): shown as lines of their own, the latest of each kind.
_RESOLUTION = "resolution_recorded"
_SATISFACTION = "satisfaction_recorded"
_RESOLUTION_LINES = (("what_caused_it", "What caused it"), ("what_worked", "What worked"),
                     ("what_should_change", "What should change"))
SIMILAR_WORDS = 8


def _describe(event: CaseEvent) -> str:
    what = event.kind.replace("_", " ")
    details = [f"{key.replace('_', ' ')} {value}" for key, value in sorted((event.data or {}).items())
               if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value).strip()]
    return f"{what} ({', '.join(details)})" if details else what


def case_text(case: Case, events: Iterable[CaseEvent]) -> tuple[str, str]:
    """(title, body) of a resolved case's entry: the first body line is the promise, then what worked.
    Everyone can search it, so it tells the lesson, never who the customer was: no name, contact or order."""
    scrub = Scrubber.of(case)
    cause = Cause(case.cause).label if case.cause in Cause._value2member_map_ else case.cause
    title = f"{case.ref} · {cause}: {one_line(case.promise, 100)}"
    lines = [f"Promise: {case.promise}"]
    if case.outcome:
        label = Outcome(case.outcome).label if case.outcome in Outcome._value2member_map_ else case.outcome
        lines.append(f"Customer chose: {label}")
    events = list(events)
    tried = [_describe(e) for e in events if e.kind not in _QUIET_EVENTS | {_RESOLUTION, _SATISFACTION}]
    if tried:
        lines.append("What was tried: " + "; ".join(dict.fromkeys(tried)))
    lines += _resolution_lines(events)
    if case.notes:
        lines.append(f"Notes: {case.notes}")
    return scrub.text(title), scrub.text("\n".join(lines))


def _resolution_lines(events: list[CaseEvent]) -> list[str]:
    """The final cost, the lesson and the customer's satisfaction, from the latest resolution."""
    resolutions = [i for i, e in enumerate(events) if e.kind == _RESOLUTION]
    if not resolutions:
        return []
    last = resolutions[-1]
    data = events[last].data or {}
    lines = [f"Final cost: {data['final_cost']} {data.get('currency', '')}".rstrip()] if "final_cost" in data else []
    lines += [f"{label}: {data[key]}" for key, label in _RESOLUTION_LINES if data.get(key)]
    satisfaction = [e.data or {} for e in events[last:] if e.kind in (_RESOLUTION, _SATISFACTION)
                    and (e.data or {}).get("satisfaction")]
    if satisfaction:
        said = satisfaction[-1]
        comment = f" ({said['satisfaction_comment']})" if said.get("satisfaction_comment") else ""
        lines.append(f"Customer satisfaction: {said['satisfaction']}/5{comment}")
    return lines


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
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
    entry.title, entry.body = case_text(case, events)
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
