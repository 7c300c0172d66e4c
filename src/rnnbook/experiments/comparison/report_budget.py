"""The budget check's table: the gated cells on temporal order at the grid's updates and at ten
times as many (:mod:`rnnbook.experiments.comparison.config_budget`)."""

from __future__ import annotations

from collections.abc import Sequence

from rnnbook.experiments.comparison.config import CELL_TITLES, GRID, PROFILES, TASKS
from rnnbook.experiments.comparison.config_budget import BUDGET
from rnnbook.experiments.comparison.report import grid_table
from rnnbook.results import RunRecord
from rnnbook.results.tables import core_hours, provenance
from rnnbook.results.verdicts import samples_by

__all__ = ["budget_markdown", "budget_sentence", "checked"]


def checked(records: Sequence[RunRecord], experiment: str = BUDGET) -> list[RunRecord]:
    """The records of one of the grid's checks (``experiment``) of its strongest profile
    recorded, smoke left out (none: empty)."""
    checks = [r for r in records if r.experiment == experiment and r.profile != "smoke"]
    if not checks:
        return []
    profile = max((r.profile for r in checks), key=list(PROFILES).index)
    return [r for r in checks if r.profile == profile]


def budget_sentence(records: Sequence[RunRecord], cells: Sequence[str]) -> str:
    """One sentence for a claim's evidence: what the budget check found for ``cells`` (empty
    when it has none of them recorded)."""
    checks = [r for r in checked(records) if r.config["cell"] in cells]
    if not checks:
        return ""
    task, updates = checks[0].config["task"], checks[0].config["updates"]
    digits = 1 if TASKS[task].metric.endswith("(%)") else 2
    s = samples_by(checks, lambda r: r.config["cell"], lambda r: r.metrics.get("test_metric"))
    found = ", ".join(f"{CELL_TITLES[c]} {s[c].text(digits)}" for c in CELL_TITLES if c in s)
    where = f"profile `{checks[0].profile}`, {{ref}}`comparison-budget-check`"
    return f"Budget check at {updates:,} updates on {TASKS[task].title} ({where}): {found}."


def budget_markdown(records: Sequence[RunRecord]) -> str:
    """The check beside the grid, per cell: test metric (mean ± SD over seeds) at the grid's
    budget (best of its rates) and at the check's; empty without check records."""
    checks = checked(records)
    if not checks:
        return ""
    profile, task = checks[0].profile, checks[0].config["task"]
    grid = [
        r
        for r in records
        if r.experiment == GRID and r.profile == profile and r.config["task"] == task
    ]

    def cells(runs):
        return samples_by(runs, lambda r: r.config["cell"], lambda r: r.metrics.get("test_metric"))

    ours, base = cells(checks), cells(grid)
    first = checks[0].config
    (lr,) = first["lrs"]
    grid_updates = grid[0].config["updates"] if grid else None
    head = (
        f"| cell | grid: {grid_updates or 0:,} updates, best of its rates | "
        f"{first['updates']:,} updates, rate {lr:.2g} |"
    )
    lines = [head, "|---|---|---|"]
    metric = TASKS[task].metric
    digits = 1 if metric.endswith("(%)") else 2
    shown = [c for c in CELL_TITLES if c in ours or (c == "lru" and c in base)]
    for cell in shown:  # in the grid table's order, the LRU for reference
        before = base[cell].text(digits) if cell in base else "–"
        after = ours[cell].text(digits) if cell in ours else "–"
        lines.append(f"| {CELL_TITLES[cell]} | {before} | {after} |")
    origin = provenance(grid_table(checks).rows)[:-1]
    note = f"{origin}; {core_hours(checks):.1f} core-hours in all."
    return (
        "\n".join(lines)
        + f"\n\nTest {metric} on {TASKS[task].title}, mean ± SD over seeds. {note}\n"
    )
