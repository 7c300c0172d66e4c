"""The initialisation check's table: the LSTM and the GRU on the grid's long-range tasks with the
grid's initialisation and with chrono's (:mod:`rnnbook.experiments.comparison.config_chrono`)."""

from __future__ import annotations

from collections.abc import Sequence

from rnnbook.experiments.comparison.config import CELL_TITLES, GRID, TASKS
from rnnbook.experiments.comparison.config_chrono import CHRONO, CHRONO_CELLS
from rnnbook.experiments.comparison.report import grid_table, metric_digits
from rnnbook.experiments.comparison.report_budget import by_task_and_cell, checked, found_by_task
from rnnbook.results import RunRecord
from rnnbook.results.tables import core_hours, provenance

__all__ = ["chrono_markdown", "chrono_sentence"]


def chrono_sentence(records: Sequence[RunRecord], cells: Sequence[str]) -> str:
    """One sentence for a claim's evidence: what the check found for the chrono versions of
    ``cells`` (empty when it has none of them recorded)."""
    mine = [r for r in checked(records, CHRONO) if CHRONO_CELLS[r.config["cell"]] in cells]
    if not mine:
        return ""
    found = found_by_task(mine, list(CHRONO_CELLS))
    where = f"profile `{mine[0].profile}`, {{ref}}`comparison-chrono`"
    return f"With the chrono initialisation, the grid's budget and search ({where}): {found}."


def chrono_markdown(records: Sequence[RunRecord]) -> str:
    """Per task and cell: the grid's result beside the chrono one (test metric, mean ± SD over
    seeds, each at the best of the grid's rates), the LRU for reference; empty without check
    records."""
    checks = checked(records, CHRONO)
    if not checks:
        return ""
    profile = checks[0].profile
    grid = [r for r in records if r.experiment == GRID and r.profile == profile]
    base, found = by_task_and_cell(grid), by_task_and_cell(checks)
    lines = ["| task | cell | grid's initialisation | chrono |", "|---|---|---|---|"]
    for task, ours in found.items():
        theirs, d = base.get(task, {}), metric_digits(task)
        for name, cell in CHRONO_CELLS.items():
            before = theirs[cell].text(d) if cell in theirs else "–"
            after = ours[name].text(d) if name in ours else "–"
            lines.append(f"| {TASKS[task].title} | {CELL_TITLES[cell]} | {before} | {after} |")
        if "lru" in theirs:
            lines.append(f"| {TASKS[task].title} | LRU | {theirs['lru'].text(d)} | – |")
    metrics = "; ".join(f"{TASKS[t].title}: {TASKS[t].metric}" for t in found)
    origin = provenance(grid_table(checks).rows)[:-1]
    note = f"{origin}; {core_hours(checks):.1f} core-hours in all."
    return "\n".join(lines) + f"\n\nTest metric ({metrics}), mean ± SD over seeds. {note}\n"
