"""Tables for a case's playbook and its progress.

A case gets a copy of its playbook when it opens (`definition`), so editing a YAML file never shifts
the steps under a case already in progress. Each step and each check has a row, changed only through
bot.playbooks.service. `revision` counts changes to the checklist: every change bumps it, and each
step and check remembers the revision that last changed it (`changed_rev`), which is how a click on an
outdated copy of the checklist is told apart from a fresh one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, UTCDateTime


class StepStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    SKIPPED = "skipped"  # by anyone, with a reason; only optional steps
    WAIVED = "waived"    # by a manager, with a reason; how a required step stops blocking resolution


class Track(StrEnum):
    """Which path a step belongs to. Common steps (up to the keep-the-promise step) are on both."""

    COMMON = "common"
    RECOVERY = "recovery"
    PROMISE_KEPT = "promise_kept"


class CasePath(StrEnum):
    RECOVERY = "recovery"          # the promise will break: alternatives, the customer's choice, ...
    PROMISE_KEPT = "promise_kept"  # a check worked: confirm the delivery and close


class CheckOutcome(StrEnum):
    TRIED = "tried"                # tried, no luck
    NOT_POSSIBLE = "not_possible"  # couldn't be tried, or doesn't apply
    WORKED = "worked"              # the promise can be kept this way
    NOT_TRIED = "not_tried"        # left unrecorded when the step was marked done (set by Amends, not picked)

    @property
    def label(self) -> str:
        return {"tried": "Tried, no luck", "not_possible": "Not possible", "worked": "Worked",
                "not_tried": "Not tried"}[self.value]

    @classmethod
    def recordable(cls) -> list[CheckOutcome]:
        """What a person records for a check."""
        return [cls.TRIED, cls.NOT_POSSIBLE, cls.WORKED]


class PlaybookEvent(StrEnum):
    """Kinds of case events this area writes to the case's event log."""

    ATTACHED = "playbook_attached"
    CHECKLIST_POSTED = "checklist_posted"
    STEP_DONE = "step_done"
    STEP_SKIPPED = "step_skipped"
    STEP_WAIVED = "step_waived"
    STEP_REOPENED = "step_reopened"
    CHECK_RECORDED = "check_recorded"
    CHECK_NOTED = "check_noted"
    PATH_CHANGED = "path_changed"
    NOTE_ADDED = "step_note"
    ESCALATED = "escalated"
    ESCALATION_FAILED = "escalation_failed"


class CasePlaybook(Base):
    __tablename__ = "case_playbooks"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    playbook_id: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)  # the playbook as it was when the case opened
    path: Mapped[str] = mapped_column(String(20), default=CasePath.RECOVERY)
    # Where the checklist message is (the case thread or the owner's DM), once posted.
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Bumped by the service on every change (not by SQLAlchemy, so that a change at the same instant
    # still counts); an UPDATE from a stale copy fails instead of overwriting.
    revision: Mapped[int] = mapped_column(Integer, default=1)

    steps: Mapped[list[StepProgress]] = relationship(
        order_by="StepProgress.position", cascade="all, delete-orphan", passive_deletes=True)
    checks: Mapped[list[CheckProgress]] = relationship(
        order_by="CheckProgress.position", cascade="all, delete-orphan", passive_deletes=True)
    notes: Mapped[list[StepNote]] = relationship(
        order_by="StepNote.id", cascade="all, delete-orphan", passive_deletes=True)

    __mapper_args__ = {"version_id_col": revision, "version_id_generator": False}


class StepProgress(Base):
    __tablename__ = "playbook_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_playbooks.case_id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    track: Mapped[str] = mapped_column(String(20))
    # Copied from the definition so other areas (reminders) can list steps without parsing it.
    title: Mapped[str] = mapped_column(Text)
    action: Mapped[str | None] = mapped_column(String(40))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=StepStatus.OPEN)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who set the current status, and when (done, skipped, waived, or reopened); None: Amends itself,
    # e.g. the closing step completed by resolving the case.
    status_by: Mapped[str | None] = mapped_column(String(32))
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)  # why it was skipped or waived
    changed_rev: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("case_id", "step_id"),
        Index("ix_playbook_steps_status_due", "status", "due_at"),
        # A page of cases' current steps (App Home): without it the planner walks every open step.
        Index("ix_playbook_steps_case_status", "case_id", "status", "position"),
    )


class CheckProgress(Base):
    __tablename__ = "playbook_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_playbooks.case_id", ondelete="CASCADE"))
    check_id: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(20))  # None: not checked yet
    note: Mapped[str | None] = mapped_column(Text)  # what was done, briefly: which store, which engineer
    recorded_by: Mapped[str | None] = mapped_column(String(32))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changed_rev: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("case_id", "check_id"),)


class StepNote(Base):
    __tablename__ = "playbook_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_playbooks.case_id", ondelete="CASCADE"), index=True)
    step_id: Mapped[str] = mapped_column(String(40))
    author_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)
