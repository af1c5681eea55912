"""Block Kit for action items (the DM to their owner, the reminder on the due day, done) and the weekly digest."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, SectionBlock

from bot.cases.models import Case
from bot.slack.blocks import base
from bot.slack.ids import Action
from bot.slack.metadata import BUTTON_VALUE_LIMIT, Metadata
from bot.slack.reminder_kinds import Rendered
from bot.text import escape_mrkdwn, one_line
from bot.tracking import report
from bot.tracking.figures import Figures, Lesson, cause_label, outcome_label
from bot.tracking.models import ActionItem
from bot.tracking.service import MAX_ITEM_TEXT


class ActionItemRef(Metadata):
    item_id: int


def _item(item: ActionItem) -> str:
    return base.person_text(one_line(item.text, MAX_ITEM_TEXT), 600)


def _case(case: Case) -> str:
    ref = base.link(case.permalink, case.ref or "") if case.permalink else case.ref
    return f"{ref} ({base.person_text(one_line(case.customer_name, 60), 200)})"


def _due(item: ActionItem) -> str:
    return f"{item.due_on:%a %d %b %Y}"


def _done_button(item: ActionItem) -> ActionsBlock:
    return ActionsBlock(elements=[base.button("Mark done", Action.ACTION_ITEM_DONE, style="primary",
                                              value=ActionItemRef(item_id=item.id).encode(BUTTON_VALUE_LIMIT))])


def home_item(item: ActionItem, case: Case, now: datetime) -> SectionBlock:
    """An action item on the App Home (one block), with *Mark done*: when it is due, or how late it is."""
    late = (now - item.overdue_at).days + 1 if item.overdue_at <= now else 0
    due = f":alarm_clock: due {_due(item)} ({late} day{'' if late == 1 else 's'} late)" if late else \
        f":spiral_calendar_pad: due {_due(item)}"
    # The item and the customer as typed, in plain_text fields: the section keeps its button.
    return base.plain_fields(
        f"{due} · owner {base.user_mention(item.owner_id)} · from {case.ref}",
        [one_line(item.text, MAX_ITEM_TEXT), one_line(case.customer_name, 60)],
        accessory=base.button("Mark done", Action.ACTION_ITEM_DONE,
                              value=ActionItemRef(item_id=item.id).encode(BUTTON_VALUE_LIMIT)))


def assigned(item: ActionItem, case: Case, actor_id: str) -> tuple[str, list[dict[str, Any]]]:
    """The DM to an action item's owner when the case is resolved."""
    text = (f":memo: {base.user_mention(actor_id)} gave you an action item from {case.ref}: {_item(item)} "
            f"(due {_due(item)}).")
    blocks = [
        base.section(f":memo: {base.user_mention(actor_id)} gave you an action item from {_case(case)}:\n"
                     f"*{_item(item)}*\nDue {_due(item)}."),
        _done_button(item),
        base.context("It came out of the lesson of a broken promise, so the next one doesn't break the same way. "
                     "I'll remind you on the day."),
    ]
    return text, base.message(blocks)


def due_reminder(item: ActionItem, case: Case) -> Rendered:
    text = f":alarm_clock: Action item due {_due(item)}: {_item(item)} (from {case.ref})."
    blocks = [
        base.section(f":alarm_clock: *Action item due {_due(item)}*\n{_item(item)}\nFrom the lesson of {_case(case)}."),
        _done_button(item),
    ]
    return Rendered(text, base.message(blocks))


def done(item: ActionItem, case: Case) -> tuple[str, list[dict[str, Any]]]:
    assert item.done_by is not None
    text = f":white_check_mark: Done: {_item(item)} (from {case.ref}), marked by {base.user_mention(item.done_by)}."
    return text, base.message([base.section(text)])


# ---------------------------------------------------------------------- the weekly digest


def period(figures: Figures, zone: ZoneInfo) -> str:
    start = figures.start.astimezone(zone)
    last = (figures.end - timedelta(seconds=1)).astimezone(zone)
    return f"{start:%a %d %b} – {last:%a %d %b %Y}"


def _counts(counts: dict[str, int], label: Any) -> str:
    return "\n".join(f"• {label(key)}: *{count}*" for key, count in counts.items()) or "• none"


def _lesson(lesson: Lesson) -> str:
    ref = base.link(lesson.permalink, lesson.ref) if lesson.permalink else lesson.ref
    facts = [f"*{ref}*", cause_label(lesson.cause), outcome_label(lesson.outcome)]
    if lesson.satisfaction:
        facts.append(f"{lesson.satisfaction}/5")
    facts.append(f"cost {report.money(lesson.final_cost, lesson.currency)}")
    lines = [" · ".join(facts), f"_What caused it:_ {base.person_text(one_line(lesson.what_caused_it, 200), 400)}"]
    if lesson.what_worked:
        lines.append(f"_What worked:_ {base.person_text(one_line(lesson.what_worked, 200), 400)}")
    if lesson.what_should_change:
        lines.append(f"_What should change:_ {base.person_text(one_line(lesson.what_should_change, 200), 400)}")
    return "\n".join(lines)


DIGEST_ALTERNATIVES = 8  # entries listed in the digest; the report lists them all


def _alternatives(figures: Figures) -> str:
    """How each alternative and incentive did over the week's resolved cases, and what nobody takes."""
    found = figures.alternatives
    lines = ["*Alternatives and incentives*"]
    if found is None or not found.entries:
        lines.append("None offered on the cases resolved this week.")
    for entry in (found.entries if found else [])[:DIGEST_ALTERNATIVES]:
        offered, taken, satisfaction, cost = report.alternative_cells(entry, figures.currency)
        lines.append(f"• {escape_mrkdwn(entry.title)}: offered {offered}, taken {taken}"
                     + (f", satisfaction {satisfaction}" if satisfaction != "-" else "")
                     + (f", {cost} per taken" if cost != "-" else ""))
    if found and len(found.entries) > DIGEST_ALTERNATIVES:
        lines.append(f"…and {len(found.entries) - DIGEST_ALTERNATIVES} more in `amends report`.")
    flagged = report.not_taken_line(figures)
    if flagged:
        lines.append(f":mag: *Nobody took in 90 days, worth a review:* {escape_mrkdwn(flagged)}")
    return "\n".join(lines)


def digest_fallback(figures: Figures, zone: ZoneInfo) -> str:
    return (f":bar_chart: Weekly digest, {period(figures, zone)}: {figures.opened} case(s) opened, "
            f"{figures.resolved} resolved, {report.money(figures.spent, figures.currency)} compensation spent.")


def digest(figures: Figures, zone: ZoneInfo) -> Rendered:
    """The weekly digest to a manager: the week's figures and best lessons (the chart follows as a file)."""
    blocks: list[Any] = [
        base.header(f"Weekly digest · {period(figures, zone)}"),
        base.fields_section([
            ("Cases opened", str(figures.opened)),
            ("Cases resolved", str(figures.resolved)),
            ("Detection → customer told", report.contact_line(figures)),
            ("Compensation spent", report.budget_line(figures)),
            ("Final costs (resolved)", report.money(figures.final_costs, figures.currency)),
            ("Customer satisfaction", report.satisfaction_line(figures)),
            ("Action items", f"{figures.open_action_items} open, {figures.overdue_action_items} overdue"),
        ]),
        base.fields_section([("Opened, by cause", _counts(figures.by_cause, cause_label)),
                             ("Resolved, by outcome", _counts(figures.outcomes, outcome_label))]),
        base.section(_alternatives(figures)),
        base.divider(),
        base.section("*Best lessons of the week*" if figures.best_lessons else
                     "*Best lessons of the week*\nNo case was resolved this week."),
    ]
    blocks += [base.section(_lesson(lesson)) for lesson in figures.best_lessons]
    chart = "The chart follows. " if figures.opened or figures.resolved else ""
    blocks.append(base.context(f"{chart}Every case of the week: `amends report --since 7d --format csv`."))
    return Rendered(digest_fallback(figures, zone), base.message(blocks))
