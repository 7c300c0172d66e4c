"""The budget check's table: cells on the grid's tasks at the grid's updates and at ten times as
many (:mod:`rnnbook.experiments.comparison.config_budget`); the grouping both checks share."""

from __future__ import annotations

from collections.abc import Sequence

from rnnbook.experiments.comparison.config import CELL_TITLES, GRID, PROFILES, TASKS
from rnnbook.experiments.comparison.config_budget import BUDGET
from rnnbook.experiments.comparison.report import grid_table, metric_digits
from rnnbook.results import RunRecord
from rnnbook.results.tables import core_hours, provenance
from rnnbook.results.verdicts import Sample, samples_by

__all__ = ["budget_markdown", "budget_sentence", "by_task_and_cell", "checked", "found_by_task"]


def checked(records: Sequence[RunRecord], experiment: str = BUDGET) -> list[RunRecord]:
    """The records of one of the grid's checks (``experiment``) of its strongest profile
    recorded, smoke left out (none: empty)."""
    checks = [r for r in records if r.experiment == experiment and r.profile != "smoke"]
    if not checks:
        return []
    profile = max((r.profile for r in checks), key=list(PROFILES).index)
    return [r for r in checks if r.profile == profile]


def by_task_and_cell(runs: Sequence[RunRecord]) -> dict[str, dict[str, Sample]]:
    """Test metric samples (over seeds) by task, in the grid's order, then by cell."""
    tasks = [t for t in TASKS if any(r.config["task"] == t for r in runs)]
    return {
        t: samples_by(
            [r for r in runs if r.config["task"] == t],
            lambda r: r.config["cell"],
            lambda r: r.metrics.get("test_metric"),
        )
        for t in tasks
    }


def found_by_task(runs: Sequence[RunRecord], cells: Sequence[str], heading=None) -> str:
    """``task: Cell mean ± SD, ...; ...`` for ``runs``, the cells in the order of ``cells``;
    ``heading(task)`` names each task (default: its title)."""
    return "; ".join(
        f"{heading(t) if heading else TASKS[t].title}: "
        + ", ".join(f"{CELL_TITLES[c]} {s[c].text(metric_digits(t))}" for c in cells if c in s)
        for t, s in by_task_and_cell(runs).items()
    )


def _updates(runs: Sequence[RunRecord], task: str) -> int:
    return next(r.config["updates"] for r in runs if r.config["task"] == task)


def budget_sentence(records: Sequence[RunRecord], cells: Sequence[str]) -> str:
    """One sentence for a claim's evidence: what the budget check found for ``cells`` on each
    of its tasks (empty when it has none of them recorded)."""
    checks = [r for r in checked(records) if r.config["cell"] in cells]
    if not checks:
        return ""
    found = found_by_task(
        checks, list(CELL_TITLES), lambda t: f"{TASKS[t].title} at {_updates(checks, t):,} updates"
    )
    where = f"profile `{checks[0].profile}`, {{ref}}`comparison-budget-check`"
    return f"Budget check ({where}): {found}."


def budget_markdown(records: Sequence[RunRecord]) -> str:
    """Per task and cell, the check beside the grid: test metric (mean ± SD over seeds) at the
    grid's budget (best of its rates) and at the check's; the LRU of the grid for reference
    where the check leaves it out; empty without check records."""
    checks = checked(records)
    if not checks:
        return ""
    profile = checks[0].profile
    grid = [r for r in records if r.experiment == GRID and r.profile == profile]
    base, found = by_task_and_cell(grid), by_task_and_cell(checks)
    lines = [
        "| task | cell | the grid's updates, best of its rates | the check's updates, one rate |",
        "|---|---|---|---|",
    ]
    budgets = []
    for task, ours in found.items():
        theirs, d, title = base.get(task, {}), metric_digits(task), TASKS[task].title
        for cell in [c for c in CELL_TITLES if c in ours or (c == "lru" and c in theirs)]:
            before = theirs[cell].text(d) if cell in theirs else "–"
            after = ours[cell].text(d) if cell in ours else "–"
            lines.append(f"| {title} | {CELL_TITLES[cell]} | {before} | {after} |")
        (lr,) = next(r.config["lrs"] for r in checks if r.config["task"] == task)
        grid_updates = f"{_updates(grid, task):,}" if theirs else "–"
        budgets.append(
            f"{title}: {TASKS[task].metric}, {grid_updates} and "
            f"{_updates(checks, task):,} updates (rate {lr:.2g})"
        )
    origin = provenance(grid_table(checks).rows)[:-1]
    note = f"{origin}; {core_hours(checks):.1f} core-hours in all."
    return (
        "\n".join(lines) + f"\n\nTest metric, mean ± SD over seeds ({'; '.join(budgets)}). {note}\n"
    )
