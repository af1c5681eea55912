"""What the App Home is made of: sections that business areas contribute, in order, within a block budget.

Each section is a function of a `HomeContext` (the person, whether they are a manager, the page they are
on, an open database session) that returns its blocks, or none to be left out. It declares at most how
many blocks it ever returns; the registry refuses a section whose budget would take a Home past Slack's
100 blocks, so paging (`blocks.home.paged_list`) and these budgets together guarantee every Home fits,
however many cases there are.

    @wiring.home.add("approvals", order=5, max_blocks=home_blocks.list_blocks(4, per_row=2),
                     managers=True, associates=True)
    def approvals(ctx: HomeContext) -> list[Block]:
        total = offers.count_pending_approvals(ctx.session, ctx.user_id)
        page = home.paged(total, ctx.offset, 4, lambda start: offers.pending_approvals(
            ctx.session, ctx.user_id, offset=start, limit=4))
        return home_blocks.paged_list(ctx.section, "Approvals waiting for you", page, render_row)

The Home is published when the person opens it and refreshed when the data behind it changes (see
bot/slack/home.py): a section needs nothing more to stay fresh, as long as its area's changes are noted
(recording a case event does it; otherwise `bot.changes.note`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot.settings import AmendsConfig

if TYPE_CHECKING:
    from bot.slack.case_actions import CaseActions

VIEW_BLOCKS = 100
CHROME_BLOCKS = 3  # the Home's own header, summary and actions


@dataclass(frozen=True)
class HomeContext:
    session: Session
    user_id: str
    manager: bool
    now: datetime
    config: AmendsConfig
    case_actions: CaseActions
    section: str    # the section being rendered
    offset: int     # where its list starts (its page), as the person left it


Render = Callable[[HomeContext], list[Block]]


@dataclass(frozen=True)
class HomeSection:
    name: str
    order: int
    max_blocks: int
    managers: bool    # shown on a manager's Home
    associates: bool  # shown on everyone else's
    render: Render


class HomeSections:
    def __init__(self) -> None:
        self._sections: dict[str, HomeSection] = {}

    def add(self, name: str, *, order: int, max_blocks: int, managers: bool, associates: bool
            ) -> Callable[[Render], Render]:
        def register(render: Render) -> Render:
            if name in self._sections:
                raise ValueError(f"home section {name!r} is registered twice")
            section = HomeSection(name, order, max_blocks, managers, associates, render)
            for manager in (True, False):
                shown = [s for s in [*self._sections.values(), section] if self._shows(s, manager)]
                budget = CHROME_BLOCKS + sum(s.max_blocks for s in shown)
                if budget > VIEW_BLOCKS:
                    who = "a manager's" if manager else "an associate's"
                    raise ValueError(f"home section {name!r} would take {who} Home to {budget} blocks; Slack "
                                     f"allows {VIEW_BLOCKS} (sections: {', '.join(s.name for s in shown)})")
            self._sections[name] = section
            return render
        return register

    def __contains__(self, name: str) -> bool:
        return name in self._sections

    @staticmethod
    def _shows(section: HomeSection, manager: bool) -> bool:
        return section.managers if manager else section.associates

    def for_person(self, manager: bool) -> list[HomeSection]:
        return sorted((s for s in self._sections.values() if self._shows(s, manager)),
                      key=lambda s: (s.order, s.name))
