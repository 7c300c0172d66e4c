"""Where the grid's learning-rate searches landed: per task, the cells whose search chose the
largest or the smallest candidate, for which a rate beyond the range might do better; and what
the check one rate above the range found."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rnnbook.experiments.comparison.config import CELL_TITLES, GRID, TASKS
from rnnbook.experiments.comparison.config_lr_above import LR_ABOVE
from rnnbook.experiments.comparison.report import metric_digits
from rnnbook.experiments.comparison.report_budget import checked
from rnnbook.results import RunRecord
from rnnbook.results.lr_search import at_edges, range_edges
from rnnbook.results.verdicts import strongest

__all__ = ["lr_above_markdown", "lr_search_markdown"]


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


def _better(check: RunRecord, grid: RunRecord) -> bool:
    """Whether the check's run scored better on validation than the grid's seed 0 (a check run
    that did not finish, or scored no number, did not)."""
    a, b = check.metrics.get("valid_metric"), grid.metrics.get("valid_metric")
    if check.status != "ok" or a is None or b is None or not math.isfinite(a):
        return False
    return a > b if TASKS[check.config["task"]].higher_is_better else a < b


def lr_above_markdown(records: Sequence[RunRecord]) -> str:
    """The check above the range (:mod:`~rnnbook.experiments.comparison.config_lr_above`) at its
    strongest recorded profile: per task, the cells whose validation score was better at the
    next rate up than the grid's seed 0 at its largest candidate; empty when nothing is
    recorded."""
    checks = checked(records, LR_ABOVE)
    if not checks:
        return ""
    profile = checks[0].profile
    grid = {
        (r.config["task"], r.config["cell"]): r
        for r in records
        if r.experiment == GRID
        and r.profile == profile
        and not r.stale
        and r.seed == r.config["seeds"][0]
    }
    pairs = [(c, grid[k]) for c in checks if (k := (c.config["task"], c.config["cell"])) in grid]
    if not pairs:
        return ""
    won = [(c, g) for c, g in pairs if _better(c, g)]
    lines = []
    for task in TASKS:
        mine = [c for c, _ in pairs if c.config["task"] == task]
        if mine:
            digits = metric_digits(task)
            cells = [
                f"{CELL_TITLES[c.config['cell']]} {g.metrics['valid_metric']:.{digits}f} → "
                f"{c.metrics['valid_metric']:.{digits}f}"
                for c, g in won
                if c.config["task"] == task
            ]
            said = ", ".join(cells) if cells else "none"
            lines.append(f"- **{TASKS[task].title}**: {len(cells)} of {len(mine)} ({said})")
    rate, top = pairs[0][0].config["lrs"][0], max(pairs[0][1].config["lrs"])
    head = (
        f"**Above the range** (profile `{profile}`, seed 0): each job that chose the largest "
        f"candidate ({top:.2g}) trained once more at the next rate up ({rate:.2g}). In "
        f"{len(won)} of {len(pairs)} jobs that rate scored better on validation (below: the "
        "validation score at the largest candidate → at the next rate up, where it did): for "
        "them the "
        "grid's range was too low, and their numbers might move with a search that reaches "
        "higher. In the others it scored no better: if the score has a single best rate, that "
        f"rate lies below {rate:.2g}."
    )
    return head + "\n\n" + "\n".join(lines) + "\n"
