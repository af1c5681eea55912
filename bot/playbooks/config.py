"""The `playbooks:` section of amends.yaml: where playbooks come from, which cause picks which one,
and where each case's checklist is shown."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from bot.cases.causes import Cause, PromiseKind

PLAYBOOK_ID_PATTERN = r"^[a-z][a-z0-9-]{0,39}$"

# Shipped defaults; a team's `by_cause` is merged over these, and causes not listed use `fallback`.
DEFAULT_BY_CAUSE: dict[str, str] = {
    Cause.STOCK_OUT: "out-of-stock",
    Cause.SUPPLIER_DELAY: "late-delivery",
    Cause.LOGISTICS: "late-delivery",
    Cause.FORCE_MAJEURE: "late-delivery",
    Cause.CAPACITY: "missed-appointment",
    Cause.QUALITY: "wrong-item",
}


# A service or a visit follows its kind's playbook whatever the cause (a missed training is not a late
# delivery, even when a storm caused both); goods follow the cause. A team's `by_kind` merges over these.
DEFAULT_BY_KIND: dict[str, str] = {
    PromiseKind.SERVICE: "missed-service",
    PromiseKind.VISIT: "field-visit",
}


class ChecklistPlace(StrEnum):
    THREAD = "thread"  # a reply in the case thread, where the team and the managers see it
    DM = "dm"          # the case owner's DM with Amends


class PlaybooksConfig(BaseModel):
    # Frozen and built from tuples, like the rest of AmendsConfig, so the config stays hashable.
    model_config = ConfigDict(extra="forbid", frozen=True)

    folders: tuple[Path, ...] = ()  # the team's own playbooks, added to (and overriding) the shipped ones
    by_cause: tuple[tuple[str, str], ...] = tuple(sorted(DEFAULT_BY_CAUSE.items()))
    by_kind: tuple[tuple[str, str], ...] = tuple(sorted(DEFAULT_BY_KIND.items()))
    fallback: str = "general"
    checklist: ChecklistPlace = ChecklistPlace.THREAD

    @field_validator("by_cause", mode="before")
    @classmethod
    def _merge_over_defaults(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            if isinstance(value, tuple):  # already validated (model_copy, tests)
                return value
            raise ValueError("must be a mapping of cause to playbook, like `stock-out: out-of-stock`")
        known = {c.value for c in Cause}
        merged = dict(DEFAULT_BY_CAUSE)
        for cause, playbook in value.items():
            if cause not in known:
                raise ValueError(f"unknown cause {cause!r}; causes are: {', '.join(sorted(known))}")
            if not isinstance(playbook, str) or not playbook:
                raise ValueError(f"{cause}: name a playbook (its file name without .yaml), like late-delivery")
            merged[cause] = playbook
        return tuple(sorted(merged.items()))

    @field_validator("by_kind", mode="before")
    @classmethod
    def _merge_kinds(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            if isinstance(value, tuple):
                return value
            raise ValueError("must be a mapping of promise kind to playbook, like `service: missed-service`")
        known = {k.value for k in PromiseKind if k is not PromiseKind.GOODS}
        merged = dict(DEFAULT_BY_KIND)
        for kind, playbook in value.items():
            if kind not in known:
                raise ValueError(f"unknown promise kind {kind!r}; kinds with their own playbook: "
                                 f"{', '.join(sorted(known))} (goods follow by_cause)")
            if not isinstance(playbook, str) or not playbook:
                raise ValueError(f"{kind}: name a playbook (its file name without .yaml), like missed-service")
            merged[kind] = playbook
        return tuple(sorted(merged.items()))

    def playbook_for(self, cause: str, kind: str = PromiseKind.GOODS) -> str:
        """The playbook id a case with this cause and promise kind follows."""
        by_kind = dict(self.by_kind).get(kind)
        return by_kind or dict(self.by_cause).get(cause, self.fallback)

    def resolved_against(self, base: Path) -> PlaybooksConfig:
        """Relative folders are relative to the folder holding amends.yaml."""
        folders = tuple(folder if folder.is_absolute() else base / folder for folder in self.folders)
        return self.model_copy(update={"folders": folders})
