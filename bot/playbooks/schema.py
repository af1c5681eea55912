"""What a playbook file may say. See README "Playbooks" for the format, with an example.

A playbook is an ordered list of steps. The step that lists `checks` is the keep-the-promise step: each
check (another location, incoming stock, a loaner...) is recorded as tried, not possible or worked. If
one worked, the case follows the playbook's `promise_kept` steps instead of the steps after it.

The limits below keep every checklist within what Slack shows in one message (50 blocks, 3000
characters a section); tests/test_playbook_blocks.py renders a playbook at every limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints, field_serializer

MAX_STEPS = 15       # on either path: the steps a case can follow, start to finish
MAX_CHECKS = 10
MAX_ITEMS = 8
TITLE_LENGTH = 80
WHY_LENGTH = 200
ITEM_LENGTH = 150
CHECK_SAY_LENGTH = 100
CHECK_TITLE_LENGTH = 75
SUMMARY_LENGTH = 200
MAX_OFFSET = timedelta(days=90)

ID_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class StepAction(StrEnum):
    """What a step's button does; each is a case action (bot/slack/case_actions.py) of the same name."""

    OFFER_ALTERNATIVES = "offer_alternatives"
    DRAFT_MESSAGE = "draft_message"
    ESCALATE = "escalate"
    SCHEDULE_UPDATES = "schedule_updates"
    RECORD_CHOICE = "record_choice"
    # Answered by the resolve form's satisfaction score: the step doesn't stop the form opening, the form
    # requires the score while it is open, and resolving with a score ticks it (by the person resolving).
    RECORD_SATISFACTION = "record_satisfaction"
    CLOSE = "close"


class Anchor(StrEnum):
    OPENED = "opened"      # when the case was opened
    PROMISED = "promised"  # the date and time the customer was promised


_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_DURATION_PART = re.compile(r"(\d{1,4})\s*([dhm])")
_OFFSET = re.compile(r"^\s*(?:(?P<duration>(?:\d{1,4}\s*[dhm]\s*)+)\s+(?P<side>after|before)\s+)?"
                     r"(?P<anchor>opened|promised)\s*$")


@dataclass(frozen=True)
class DueOffset:
    anchor: Anchor
    delta: timedelta  # negative: before the anchor

    def due_at(self, *, opened_at: datetime, promised_at: datetime) -> datetime:
        """When the step falls due; never before the case was opened (an overdue promise is due now)."""
        base = opened_at if self.anchor is Anchor.OPENED else promised_at
        return max(base + self.delta, opened_at)


def parse_offset(text: str) -> DueOffset:
    """'2h after opened', '1d 4h before promised', 'promised' (at the promised time)."""
    bad = ValueError(f"{text!r} is not a due offset; write it like '2h after opened', '1d before promised' "
                     "or 'promised'")
    match = _OFFSET.match(text)
    if not match:
        raise bad
    delta = timedelta()
    for amount, unit in _DURATION_PART.findall(match.group("duration") or ""):
        delta += timedelta(**{_UNITS[unit]: int(amount)})
    if delta > MAX_OFFSET:
        raise ValueError(f"{text!r} is more than 90 days away; keep due offsets within 90d")
    anchor = Anchor(match.group("anchor"))
    if match.group("side") == "before":
        if anchor is Anchor.OPENED:
            raise ValueError(f"{text!r}: a step can't fall due before the case was opened")
        delta = -delta
    return DueOffset(anchor, delta)


def _offset(value: str) -> str:
    parse_offset(value)
    return " ".join(value.split())


def _step_id(value: str) -> str:
    if not ID_RE.match(value):
        raise ValueError(f"{value!r} is not an id; use lowercase letters, digits and hyphens (at most 40), "
                         "starting with a letter, like keep-promise")
    return value


def _action(value: Any) -> Any:
    known = [a.value for a in StepAction]
    if value not in known:
        raise ValueError(f"unknown action {value!r}; actions are: {', '.join(known)}")
    return value


def _one_line(limit: int):  # noqa: ANN202 - returns a validator
    def check(value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("must not be empty")
        if len(value) > limit:
            raise ValueError(f"is {len(value)} characters; keep it to {limit} so it fits the checklist")
        return value
    return AfterValidator(check)


def _at_most(limit: int, what: str):  # noqa: ANN202 - returns a validator
    def check(value: tuple[Any, ...]) -> tuple[Any, ...]:
        if len(value) > limit:
            raise ValueError(f"has {len(value)} {what}; a checklist shows at most {limit}")
        return value
    return AfterValidator(check)


def _not_empty(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    if not steps:
        raise ValueError("a playbook needs at least one step")
    return steps


Id = Annotated[str, AfterValidator(_step_id)]
Title = Annotated[str, _one_line(TITLE_LENGTH)]
Offset = Annotated[str, AfterValidator(_offset)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Check(_Strict):
    """One way to still keep the promise (another location, incoming stock, a loaner...)."""

    id: Id
    title: Annotated[str, _one_line(CHECK_TITLE_LENGTH)]
    # How a message to the customer says this was done once it was tried ("checked our other stores"), in
    # the base language, or by language ({en: checked our other stores, es: he revisado otras tiendas});
    # a check without it (in the draft's language) is never mentioned to the customer.
    # Kept as (language, words) pairs, so the frozen model stays hashable; written out as a mapping.
    say: Annotated[
        Annotated[str, _one_line(CHECK_SAY_LENGTH)]
        | tuple[tuple[Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")],
                      Annotated[str, _one_line(CHECK_SAY_LENGTH)]], ...]
        | None,
        BeforeValidator(lambda v: tuple(v.items()) if isinstance(v, dict) else v),
    ] = None

    @field_serializer("say")
    def _say_as_mapping(self, say: str | tuple[tuple[str, str], ...] | None) -> str | dict[str, str] | None:
        return dict(say) if isinstance(say, tuple) else say


class Step(_Strict):
    id: Id
    title: Title
    why: Annotated[str, _one_line(WHY_LENGTH)]  # one line of guidance: why this step matters
    items: Annotated[tuple[Annotated[str, _one_line(ITEM_LENGTH)], ...], _at_most(MAX_ITEMS, "items")] = ()
    checks: Annotated[tuple[Check, ...], _at_most(MAX_CHECKS, "checks")] = ()
    action: Annotated[StepAction | None, BeforeValidator(lambda v: v if v is None else _action(v))] = None
    required: bool = False
    due: Offset | None = None

    @property
    def due_offset(self) -> DueOffset | None:
        return parse_offset(self.due) if self.due else None


class Playbook(_Strict):
    title: Title
    summary: Annotated[str, _one_line(SUMMARY_LENGTH)] | None = None
    steps: Annotated[tuple[Step, ...], AfterValidator(_not_empty)]
    promise_kept: tuple[Step, ...] = ()  # replaces the steps after the keep-the-promise step when a check worked

    @property
    def checks_step(self) -> Step | None:
        return next((s for s in self.steps if s.checks), None)

    def common_steps(self) -> tuple[Step, ...]:
        """Steps on both paths: up to and including the keep-the-promise step."""
        checks_step = self.checks_step
        if checks_step is None:
            return self.steps
        return self.steps[: self.steps.index(checks_step) + 1]

    def recovery_steps(self) -> tuple[Step, ...]:
        return self.steps[len(self.common_steps()):]

    def all_steps(self) -> tuple[Step, ...]:
        return self.steps + self.promise_kept

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.all_steps() if s.id == step_id), None)


def structure_problems(data: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """Rules across steps, checked on the raw file so they are reported even when a field is invalid."""
    if not isinstance(data, dict):
        return []
    problems: list[tuple[tuple[str | int, ...], str]] = []
    seen: dict[str, str] = {}
    lists = [(key, data.get(key)) for key in ("steps", "promise_kept")]
    steps_with_checks: list[tuple[str | int, ...]] = []
    satisfaction_at: dict[str, str] = {}
    for key, steps in lists:
        if not isinstance(steps, list):
            continue
        for index, step in enumerate(steps):
            if not isinstance(step, dict):
                continue
            step_id = step.get("id")
            if isinstance(step_id, str):
                if step_id in seen:
                    problems.append(((key, index, "id"), f"duplicate step id {step_id!r} (first at {seen[step_id]})"))
                else:
                    seen[step_id] = f"{key}.{index}"
            checks = step.get("checks")
            if step.get("action") == StepAction.RECORD_SATISFACTION:
                if isinstance(checks, list) and checks:
                    problems.append(((key, index, "action"), "the keep-the-promise step can't be the one that "
                                                             "records satisfaction; give it a step of its own"))
                elif key in satisfaction_at:
                    problems.append(((key, index, "action"), "only one step may record satisfaction (first at "
                                                             f"{satisfaction_at[key]}): the resolve form asks once"))
                else:
                    satisfaction_at[key] = f"{key}.{index}"
            if isinstance(checks, list) and checks:
                if key == "promise_kept":
                    problems.append(((key, index, "checks"), "checks belong in `steps`, not `promise_kept`"))
                else:
                    steps_with_checks.append((key, index, "checks"))
                check_ids: set[str] = set()
                for c_index, check in enumerate(checks):
                    check_id = check.get("id") if isinstance(check, dict) else None
                    if isinstance(check_id, str):
                        if check_id in check_ids:
                            problems.append(((key, index, "checks", c_index, "id"),
                                             f"duplicate check id {check_id!r}"))
                        check_ids.add(check_id)
    for loc in steps_with_checks[1:]:
        problems.append((loc, "only one step may list checks (the keep-the-promise step)"))
    problems += _path_problems(data, bool(steps_with_checks))
    return problems


def _path_problems(data: dict[str, Any], has_checks: bool) -> list[tuple[tuple[str | int, ...], str]]:
    steps = data.get("steps") if isinstance(data.get("steps"), list) else []
    kept = data.get("promise_kept") if isinstance(data.get("promise_kept"), list) else []
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if kept and not has_checks:
        problems.append((("promise_kept",), "needs a step with `checks` in `steps`: a check that worked is "
                                            "what leads to these steps"))
    if len(steps) > MAX_STEPS:
        problems.append((("steps",), f"has {len(steps)} steps; a checklist shows at most {MAX_STEPS}"))
    if kept:
        common = next((i + 1 for i, s in enumerate(steps) if isinstance(s, dict) and s.get("checks")), 0)
        if common + len(kept) > MAX_STEPS:
            problems.append((("promise_kept",), f"the promise-kept path has {common + len(kept)} steps; a "
                                                f"checklist shows at most {MAX_STEPS}"))
    return problems
