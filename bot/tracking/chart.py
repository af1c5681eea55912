"""The digest's chart: one PNG with what broke (by cause) and how it ended (by outcome).

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
COLOURS = {"cause": "#4a6fa5", "promise_kept": "#2e8540", "took_alternative": "#4a90d9",
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


def chart_png(figures: Figures, title: str) -> bytes:
    """A two-panel bar chart (causes of the cases opened, outcomes of the cases resolved) as PNG bytes."""
    figure = Figure(figsize=(8, 3.6), dpi=100)
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
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
