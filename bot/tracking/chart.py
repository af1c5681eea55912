"""The digest's chart: one PNG with what broke (by cause), how it ended (by outcome) and, when any were
offered, how the alternatives did (offered against taken).

matplotlib with the Agg backend (no display, thread-safe per figure with the object API: pyplot's global
state is never used, so a sweep thread can draw while others work).
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from bot.tracking.figures import Figures, cause_label, outcome_label  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CHART_ALTERNATIVES = 6  # entries in the alternatives panel, most offered first
COLOURS = {"offered": "#c5d3e8", "taken": "#2e8540", "cause": "#4a6fa5", "promise_kept": "#2e8540", "took_alternative": "#4a90d9",
           "customer_waited": "#f0ad4e", "cancelled": "#d9534f"}


def _bars(axes, labels: list[str], counts: list[int], colours: list[str], title: str) -> None:  # noqa: ANN001
    axes.set_title(title, fontsize=11, loc="left")
    if not counts:
        axes.text(0.5, 0.5, "none", ha="center", va="center", transform=axes.transAxes, color="#777777")
        axes.set_axis_off()
        return
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, counts, color=colours)
    axes.set_yticks(positions, labels=labels, fontsize=9)
    axes.set_xlim(0, max(counts) * 1.25)
    for y, count in zip(positions, counts, strict=True):
        axes.text(count, y, f" {count}", va="center", fontsize=9)
    axes.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)


def _offered_taken(axes, figures: Figures) -> None:  # noqa: ANN001
    """Each alternative's offers, with the part customers took drawn over it."""
    entries = (figures.alternatives.entries if figures.alternatives else [])[:CHART_ALTERNATIVES]
    axes.set_title("Alternatives: taken / offered", fontsize=11, loc="left")
    positions = list(range(len(entries)))[::-1]
    axes.barh(positions, [e.offered for e in entries], color=COLOURS["offered"], label="offered")
    axes.barh(positions, [e.taken for e in entries], color=COLOURS["taken"], label="taken")
    axes.set_yticks(positions, labels=[e.title[:28] for e in entries], fontsize=8)
    axes.set_xlim(0, max(e.offered for e in entries) * 1.3)
    for y, entry in zip(positions, entries, strict=True):
        axes.text(entry.offered, y, f" {entry.taken}/{entry.offered}", va="center", fontsize=8)
    axes.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)


def chart_alt_text(figures: Figures) -> str:
    text = f"Bar charts: {figures.opened} cases opened by cause, {figures.resolved} resolved by outcome"
    entries = figures.alternatives.entries if figures.alternatives else []
    if entries:
        text += "; alternatives taken of offered: " + ", ".join(
            f"{e.title} {e.taken}/{e.offered}" for e in entries[:CHART_ALTERNATIVES])
    return text[:1000]


def chart_png(figures: Figures, title: str) -> bytes:
    """A bar chart (causes of the cases opened, outcomes of the cases resolved, and the alternatives taken of
    those offered when any were) as PNG bytes."""
    with_alternatives = bool(figures.alternatives and figures.alternatives.entries)
    figure = Figure(figsize=(12 if with_alternatives else 8, 3.6), dpi=100)
    FigureCanvasAgg(figure)
    panels = figure.subplots(1, 3 if with_alternatives else 2)
    left, right = panels[0], panels[1]
    if with_alternatives:
        _offered_taken(panels[2], figures)
    causes = list(figures.by_cause.items())[:8]
    _bars(left, [cause_label(c) for c, _ in causes], [n for _, n in causes], [COLOURS["cause"]] * len(causes),
          f"Opened, by cause ({figures.opened})")
    outcomes = list(figures.outcomes.items())
    _bars(right, [outcome_label(o) for o, _ in outcomes], [n for _, n in outcomes],
          [COLOURS.get(o, COLOURS["cause"]) for o, _ in outcomes], f"Resolved, by outcome ({figures.resolved})")
    figure.suptitle(title, fontsize=12, x=0.02, ha="left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
