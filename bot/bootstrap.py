"""What a case's life sets off, declared once for every entry point (Slack, the CLI, an order system's
API, tests): each lifecycle event and the business reactions it runs, in order, inside the transaction
that made the change (bot/cases/lifecycle.py).

What Slack does after such a change is committed (post the case, refresh its message, notes in the
thread) is declared the same way in bot/slack/case_followups.py.
"""

from __future__ import annotations

from functools import partial

from bot.cases.lifecycle import (
    CaseEdited,
    CaseOpened,
    CaseReopened,
    CaseResolved,
    CustomerContacted,
    Lifecycle,
    ResolutionChanged,
    SatisfactionRecorded,
)
from bot.knowledge import cases as knowledge
from bot.offers import learning
from bot.offers import service as offers
from bot.playbooks import service as playbooks
from bot.playbooks.loader import Library, load_library
from bot.reminders import kinds as reminders
from bot.settings import AmendsConfig
from bot.tracking import service as tracking


def lifecycle(config: AmendsConfig, *, library: Library | None = None) -> Lifecycle:
    """The case lifecycle for `config`; `library` is the playbook library (loaded from config if not given)."""
    library = library if library is not None else load_library(config.playbooks)
    policy = reminders.Policy(config.reminders, config.workspace.zone)
    return Lifecycle(
        reactions={
            CaseOpened: [
                partial(reminders.on_opened, policy=policy),  # status updates, the deadline watch
                partial(playbooks.attach, library=library),  # the checklist its cause selects
            ],
            CaseEdited: [
                partial(reminders.on_edited, policy=policy),  # a new severity's update cadence
            ],
            CustomerContacted: [
                reminders.on_customer_contacted,  # calls off the deadline watch
                playbooks.tick_contact_step,
            ],
            SatisfactionRecorded: [
                playbooks.tick_satisfaction_step,  # the step asking for it is done, by the person resolving
            ],
            CaseResolved: [
                partial(reminders.on_resolved, policy=policy),  # stops reminders, schedules the follow-up
                knowledge.on_resolved,  # a past fix /recover search and "Similar past cases" find
                playbooks.close_with_case,  # the closing step is done
                learning.on_case_changed,  # what each alternative did, for the offers' ranking and the report
            ],
            ResolutionChanged: [
                knowledge.on_resolution_changed,
                learning.on_case_changed,  # the satisfaction that followed
            ],
            CaseReopened: [
                partial(reminders.on_reopened, policy=policy),  # reminders again, no follow-up
                knowledge.on_reopened,  # not a past fix any more
                tracking.on_reopened,  # the resolution stays as history
                playbooks.reopen_with_case,  # the closing step is open again
                learning.on_case_changed,  # not an outcome any more
            ],
        },
        # Why a case can't be resolved yet: any reason blocks it.
        resolve_guards=[
            playbooks.resolve_blockers,  # a required step still open (the satisfaction one: the form asks)
            offers.resolve_blockers,  # an offer waiting for an approver
        ],
    )
