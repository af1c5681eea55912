"""`amends report`: the figures of a period as a terminal table, CSV (one row per case) or JSON."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.money import DEFAULT_LOCALE, format_amount
from bot.offers.learning import EntryFigures
from bot.reminders.config import parse_duration
from bot.text import one_line
from bot.tracking.figures import CaseRow, Figures, cause_label, outcome_label

FORMATS = ("table", "csv", "json")
CSV_COLUMNS = [f.name for f in dataclasses.fields(CaseRow)]
BAR_WIDTH = 24
UTC_ZONE = ZoneInfo("UTC")


def parse_when(value: str, option: str, zone: ZoneInfo = UTC_ZONE) -> datetime:
    """A date (midnight) or date and time, in `zone` unless it says otherwise."""
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{option} {value!r}: give a date like 2026-11-01 or a time like 2026-11-01T09:00") \
            from None
    return (when if when.tzinfo else when.replace(tzinfo=zone)).astimezone(UTC_ZONE)


def parse_since(value: str, end: datetime, zone: ZoneInfo = UTC_ZONE) -> datetime:
    """'30d', '4w', '12h' back from `end`, or a date like 2026-11-01. ValueError otherwise."""
    try:
        return end - parse_duration(value)
    except ValueError:
        pass
    try:
        return parse_when(value, "--since", zone)
    except ValueError:
        raise ValueError(f"--since {value!r}: give a duration like 30d, 4w or 12h, or a date like 2026-11-01") \
            from None


def render(figures: Figures, fmt: str, zone: ZoneInfo) -> str:
    if fmt == "csv":
        return render_csv(figures)
    if fmt == "json":
        return render_json(figures)
    return render_table(figures, zone)


# ---------------------------------------------------------------------- values as plain text


def money(amount: Decimal | None, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """Money as people read it, written the same way everywhere Amends shows it (£1,250.50); - for none."""
    return "-" if amount is None else format_amount(amount, currency, locale)


def hours(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} d"


def budget_line(figures: Figures) -> str:
    if figures.budget is None:
        return "no offer made or choice recorded"
    left = figures.budget_left
    assert left is not None
    state = f"{money(left, figures.currency)} left" if left >= 0 else f"{money(-left, figures.currency)} over"
    return (f"{money(figures.spent, figures.currency)} of {money(figures.budget, figures.currency)} budget "
            f"({state}; {figures.offer_cases} case{'s' if figures.offer_cases != 1 else ''})")


def satisfaction_line(figures: Figures) -> str:
    if figures.satisfaction_average is None:
        return "no scores recorded"
    spread = " · ".join(f"{score}: {count}" for score, count in sorted(figures.satisfaction_scores.items(),
                                                                         reverse=True))
    return f"{figures.satisfaction_average:.1f} / 5 from {figures.satisfaction_count} ({spread})"


def alternative_cells(entry: EntryFigures, currency: str) -> tuple[str, str, str, str]:
    """(offered, taken, satisfaction, cost per taken) as the report and the digest write them."""
    rate = f"{entry.taken} of {entry.offered}"
    satisfaction = f"{entry.satisfaction_average:.1f}" if entry.satisfaction_average is not None else "-"
    cost = money(entry.cost_per_taken, currency) if entry.cost_per_taken is not None else "-"
    return str(entry.offered), rate, satisfaction, cost


def not_taken_line(figures: Figures) -> str | None:
    found = figures.alternatives
    if found is None or not found.not_taken:
        return None
    return "; ".join(title for _, title in found.not_taken)


def contact_line(figures: Figures) -> str:
    if figures.median_hours_to_contact is None:
        return f"no customer told yet ({figures.opened} opened)"
    return f"median {hours(figures.median_hours_to_contact)} ({figures.contacted} of {figures.opened} told)"


# ---------------------------------------------------------------------- table


def _bar(count: int, most: int) -> str:
    return "█" * max(1, round(BAR_WIDTH * count / most)) if count and most else ""


def _counts(title: str, counts: dict[str, int], labels: Any, width: int) -> list[str]:
    if not counts:
        return [title, "  (none)"]
    most = max(counts.values())
    return [title] + [f"  {labels(k):<{width}}  {v:>4}  {_bar(v, most)}" for k, v in counts.items()]


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    return [line(headers), "  ".join("-" * w for w in widths)] + [line(r).rstrip() for r in rows]


def render_table(figures: Figures, zone: ZoneInfo) -> str:
    start, end = figures.start.astimezone(zone), figures.end.astimezone(zone)
    out = [f"Amends report · {start:%a %d %b %Y %H:%M} – {end:%a %d %b %Y %H:%M} ({zone.key})", ""]
    summary = [
        ("Cases opened", str(figures.opened)),
        ("Cases resolved", str(figures.resolved)),
        ("Detection → customer told", contact_line(figures)),
        ("Compensation spent", budget_line(figures)),
        ("Final costs (resolved)", money(figures.final_costs, figures.currency)),
        ("Customer satisfaction", satisfaction_line(figures)),
        ("Action items", f"{figures.open_action_items} open, {figures.overdue_action_items} overdue"),
    ]
    width = max(len(label) for label, _ in summary)
    out += [f"{label:<{width}}  {value}" for label, value in summary] + [""]
    width = max([len(cause_label(k)) for k in figures.by_cause] + [len(outcome_label(k)) for k in figures.outcomes]
                + [10])
    out += _counts("Opened, by cause", figures.by_cause, cause_label, width) + [""]
    out += _counts("Resolved, by outcome", figures.outcomes, outcome_label, width) + [""]
    out += _alternatives_table(figures) + [""]
    out.append("Best lessons")
    if not figures.best_lessons:
        out.append("  (none yet)")
    for n, lesson in enumerate(figures.best_lessons, 1):
        score = f" · satisfaction {lesson.satisfaction}/5" if lesson.satisfaction else ""
        out.append(f"  {n}. {lesson.ref} · {cause_label(lesson.cause)} · {outcome_label(lesson.outcome)}{score} · "
                   f"cost {money(lesson.final_cost, lesson.currency)}")
        out.append(f"     What caused it: {one_line(lesson.what_caused_it, 100)}")
        if lesson.what_worked:
            out.append(f"     What worked: {one_line(lesson.what_worked, 100)}")
        if lesson.what_should_change:
            out.append(f"     What should change: {one_line(lesson.what_should_change, 100)}")
    out += ["", f"Cases ({len(figures.cases)})"]
    if figures.cases:
        headers = ["case", "opened", "cause", "severity", "customer", "status", "outcome", "told after",
                   f"cost ({figures.currency})", "satisf.", "items open"]
        rows = [[c.ref, f"{c.opened_at.astimezone(zone):%Y-%m-%d}", cause_label(c.cause), c.severity,
                 one_line(c.customer, 24), c.status, outcome_label(c.outcome) if c.outcome else "-",
                 hours(c.hours_to_contact), f"{c.final_cost:,.2f}" if c.final_cost is not None else "-",
                 f"{c.satisfaction}/5" if c.satisfaction else "-", f"{c.action_items_open}/{c.action_items}"]
                for c in figures.cases]
        out += _table(headers, rows, right={7, 8, 9, 10})
    return "\n".join(out) + "\n"


def _alternatives_table(figures: Figures) -> list[str]:
    out = ["Alternatives and incentives (cases resolved in the period)"]
    found = figures.alternatives
    if found is None or not found.entries:
        out.append("  (none offered)")
    else:
        rows = [[e.title[:48], e.kind, *alternative_cells(e, figures.currency)] for e in found.entries]
        out += ["  " + line for line in _table(["entry", "kind", "offered", "taken", "satisf.", "cost per taken"],
                                               rows, right={2, 3, 4, 5})]
    flagged = not_taken_line(figures)
    if flagged:
        out.append(f"  Nobody took in 90 days, review: {flagged}")
    return out


# ---------------------------------------------------------------------- csv and json


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def render_csv(figures: Figures) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in figures.cases:  # getattr, not dataclasses.astuple: that deep-copies every value (10x slower)
        writer.writerow(["" if v is None else _plain(v) for v in (getattr(row, name) for name in CSV_COLUMNS)])
    return buffer.getvalue()


def _fields(obj: Any, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A dataclass's fields as JSON values (dataclasses.asdict deep-copies everything: 10x slower)."""
    return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.name not in skip}


def as_dict(figures: Figures) -> dict[str, Any]:
    plain = _fields
    data = _fields(figures, frozenset({"best_lessons", "cases", "alternatives"}))
    data["by_cause"], data["outcomes"] = dict(figures.by_cause), dict(figures.outcomes)
    data["budget_left"] = _plain(figures.budget_left)
    data["best_lessons"] = [plain(lesson) for lesson in figures.best_lessons]
    data["cases"] = [plain(row) for row in figures.cases]
    data["satisfaction_scores"] = {str(k): v for k, v in figures.satisfaction_scores.items()}
    found = figures.alternatives
    data["alternatives"] = [plain(e) for e in found.entries] if found else []
    data["not_taken_in_90_days"] = [{"kind": kind, "title": title} for kind, title in found.not_taken] if found else []
    return data


def render_json(figures: Figures) -> str:
    return json.dumps(as_dict(figures), indent=2, ensure_ascii=False) + "\n"
