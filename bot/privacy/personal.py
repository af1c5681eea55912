"""What is personal data about a customer, column by column, and how erasure treats it.

Every text column of a table that belongs to a case is named here (tests/test_privacy.py fails for one
that is not), so a new column cannot hold customer data unnoticed:

* ERASE - the customer's own data or what they said: replaced by ERASED (NULL where the column allows it;
  an empty list or object for JSON).
* SCRUB - the team's own words, which may name the customer: the name, each of its words and the contact
  are replaced by "the customer"; the rest (the lesson, an action item) stays for the figures and the index.
* JSON_TEXT - structured JSON (the event log, a reminder's payload): strings under keys known to be codes,
  ids, amounts or dates stay; every other string is erased, so a free-text field added later is erased too.
* DERIVED - rebuilt from the case after erasure (the best-practices entry of a resolved case).
* KEEP - ids, codes, enums, Slack ids and timestamps: not about the customer.
"""

from __future__ import annotations

from enum import StrEnum


class Rule(StrEnum):
    ERASE = "erase"
    SCRUB = "scrub"
    JSON_TEXT = "json_text"
    DERIVED = "derived"
    KEEP = "keep"


ERASED = "[erased]"

E, S, J, D, K = Rule.ERASE, Rule.SCRUB, Rule.JSON_TEXT, Rule.DERIVED, Rule.KEEP

COLUMNS: dict[str, dict[str, Rule]] = {
    "cases": {
        "customer_name": E, "customer_contact": E, "customer_timezone": E, "customer_language": E, "order_ref": E,
        "notes": E,
        "promise": S,
        "ref": K, "status": K, "severity": K, "customer_tier": K, "cause": K, "currency": K, "owner_id": K,
        "reporter_id": K, "channel_id": K, "message_ts": K, "permalink": K, "outcome": K, "cause_detail": K,
        "promise_kind": K, "origin": K, "achievable_source": K,
    },
    "case_events": {"data": J, "actor_id": K, "kind": K},
    "drafts": {
        "subject": E, "body": E, "hints": E,
        "template": K, "channel": K, "author_id": K, "posted_channel": K, "posted_ts": K, "sent_by": K,
    },
    "offers": {
        "note": E, "decision_note": E,
        "state": K, "made_by": K, "role": K, "currency": K, "budget_reasons": K, "approval_reasons": K,
        "approvers": K, "decision": K, "decided_by": K, "messages": K, "note_channel": K, "note_ts": K,
    },
    "offer_items": {"title": S, "say": S, "kind": K, "catalog_id": K},
    "offer_outcomes": {"kind": K, "catalog_id": K, "cause": K, "tier": K},
    "customer_choices": {"gesture": S, "note": E, "choice": K, "currency": K, "recorded_by": K},
    "case_playbooks": {"playbook_id": K, "title": K, "definition": K, "path": K, "channel_id": K, "message_ts": K},
    "playbook_steps": {"reason": S, "step_id": K, "track": K, "title": K, "action": K, "status": K, "status_by": K},
    "playbook_checks": {"note": S, "check_id": K, "outcome": K, "recorded_by": K},
    "playbook_notes": {"text": S, "step_id": K, "author_id": K},
    # The HTTP API: which system event opened the case (ids of the order system's, no person in them), and
    # the case events owed to webhooks (their payload is scrubbed like the case's own events).
    "external_refs": {"source": K, "external_id": K, "order_url": K},
    "outbox_events": {"payload": J, "event_id": K, "webhook": K, "kind": K, "state": K, "claim_token": K,
                      "last_error": K},
    "reminders": {
        "payload": J,
        "kind": K, "audience": K, "recipient_id": K, "dedupe_key": K, "state": K, "claim_token": K,
        "channel_id": K, "message_ts": K, "answered_by": K, "answer": K, "closed_reason": K, "last_error": K,
    },
    "case_resolutions": {
        "lesson_cause": S, "lesson_worked": S, "lesson_change": S, "satisfaction_comment": E,
        "resolved_by": K, "outcome": K, "currency": K, "satisfaction_by": K,
    },
    "action_items": {"text": S, "owner_id": K, "created_by": K, "done_by": K},
    "knowledge_entries": {
        "title": D, "body": D, "index_title": D, "index_body": D, "index_facets": D,
        "source_key": K, "kind": K, "channel_id": K, "message_ts": K, "author_id": K, "permalink": K,
        "cause": K, "tags": K, "outcome": K, "saved_by": K, "version": K,
    },
}

# Tables rebuilt from the case after erasure, rather than erased column by column.
DERIVED_TABLES = frozenset({"knowledge_entries"})

# Keys of the event log and reminder payloads whose string values are codes, ids, amounts or dates, never
# words about the customer. Any other string is erased.
STRUCTURAL_KEYS = frozenset({
    # An edit's log (bot.cases.edit.log_data): field names, dates, tiers, severities. The contact and
    # timezone before and after are the customer's, so they go.
    "changed", "previous_new_date", "customer_tier", "previous_customer_tier", "previous_severity",
    "severity", "severity_reasons", "outcome", "previous_outcome", "channel", "channel_id", "message_ts",
    "error", "previous_owner", "new_owner", "playbook", "path", "check", "step", "status", "draft_id",
    "template", "offer_id", "reminder_id", "source_id", "item_id", "choice", "decision", "currency",
    "final_cost", "amount", "approved_amount", "exposure", "budget", "cost", "value", "catalog_id",
    "alternative", "incentive", "kind", "state", "role", "due_on", "at", "promised_at", "new_date",
    "resolution_id", "action_item_id", "satisfaction", "approvers", "reasons", "ts", "id", "outside_working_hours",
    "title", "checks", "steps", "items", "requested", "approved", "offered", "left_out", "achievable_date",
    "achievable_source", "previous_achievable_date",
})
