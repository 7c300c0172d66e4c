"""Where the grid's learning-rate searches landed: per task, the cells whose search chose the
largest or the smallest candidate, for which a rate beyond the range might do better."""

from __future__ import annotations

from collections.abc import Sequence

from rnnbook.experiments.comparison.config import CELL_TITLES, GRID, TASKS
from rnnbook.results import RunRecord
from rnnbook.results.lr_search import at_edges, range_edges
from rnnbook.results.verdicts import strongest

__all__ = ["lr_search_markdown"]


def _chosen_by_task(runs: Sequence[RunRecord]) -> dict[str, tuple[tuple[float, ...], dict]]:
    """Per task in the grid's order: its candidates and each cell's chosen rate (one per job:
    the seeds of a job share it), from the runs that record both."""
    out: dict[str, tuple[tuple[float, ...], dict]] = {}
    for task in TASKS:
        mine = [
            r for r in runs if r.config["task"] == task and "lr" in r.metrics and "lrs" in r.config
        ]
        if mine:
            chosen = {CELL_TITLES[r.config["cell"]]: r.metrics["lr"] for r in mine}
            out[task] = (tuple(mine[0].config["lrs"]), chosen)
    return out


def lr_search_markdown(records: Sequence[RunRecord]) -> str:
    """The strongest recorded profile of the grid: per task, which cells chose an edge of the
    learning-rate candidates (:func:`~rnnbook.results.lr_search.range_edges`), and how many jobs
    did in all; empty when nothing is recorded or no job searched."""
    profile, runs = strongest([r for r in records if r.experiment == GRID])
    by_task = {t: v for t, v in _chosen_by_task(runs).items() if len(set(v[0])) > 1}
    if not by_task:
        return ""
    jobs = sum(len(chosen) for _, chosen in by_task.values())
    edges = [at_edges(chosen, lrs) for lrs, chosen in by_task.values()]
    high, low = (sum(len(e[side]) for e in edges) for side in ("largest", "smallest"))
    lines = [f"- **{TASKS[t].title}**: {range_edges(c, lrs)}" for t, (lrs, c) in by_task.items()]
    return (
        f"Of the {jobs} jobs of `{profile}` that searched, {high} chose the largest candidate and "
        f"{low} the smallest. Such a cell might do better at a rate beyond the range, so its "
        "number and rank hold for the range searched only.\n\n" + "\n".join(lines) + "\n"
    )
