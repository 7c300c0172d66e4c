"""Where the grid's learning-rate searches landed: per task, the cells whose search chose the
largest or the smallest candidate, for which a rate beyond the range might do better; and what
the check one rate above the range found."""

from __future__ import annotations

from collections.abc import Sequence

from rnnbook.experiments.comparison.config import CELL_TITLES, GRID, TASKS
from rnnbook.experiments.comparison.config_lr_above import LR_ABOVE
from rnnbook.experiments.comparison.config_lr_climb import scored_better
from rnnbook.experiments.comparison.report import metric_digits
from rnnbook.experiments.comparison.report_budget import checked
from rnnbook.results import RunRecord
from rnnbook.results.lr_search import at_edges, range_edges
from rnnbook.results.verdicts import strongest

__all__ = ["grid_first_seeds", "lr_above_markdown", "lr_above_sentence", "lr_search_markdown"]


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


def grid_first_seeds(
    records: Sequence[RunRecord], profile: str
) -> dict[tuple[str, str], RunRecord]:
    """The grid's up-to-date runs of its first seed at ``profile``, by (task, cell)."""
    return {
        (r.config["task"], r.config["cell"]): r
        for r in records
        if r.experiment == GRID
        and r.profile == profile
        and not r.stale
        and r.seed == r.config["seeds"][0]
    }


def _above_pairs(records: Sequence[RunRecord]) -> list[tuple[RunRecord, RunRecord]]:
    """(check run, the grid's up-to-date seed-0 run of the same job) at the check's strongest
    recorded profile."""
    checks = checked(records, LR_ABOVE)
    if not checks:
        return []
    grid = grid_first_seeds(records, checks[0].profile)
    return [(c, grid[k]) for c in checks if (k := (c.config["task"], c.config["cell"])) in grid]


def _gains(pairs: Sequence[tuple[RunRecord, RunRecord]], task: str) -> list[str]:
    """``Cell before → after`` (validation) for the pairs of ``task`` where the check did better."""
    d = metric_digits(task)
    return [
        f"{CELL_TITLES[c.config['cell']]} {g.metrics['valid_metric']:.{d}f} → "
        f"{c.metrics['valid_metric']:.{d}f}"
        for c, g in pairs
        if c.config["task"] == task and scored_better(c, g)
    ]


def lr_above_sentence(
    records: Sequence[RunRecord], cells: Sequence[str], tasks: Sequence[str] = tuple(TASKS)
) -> str:
    """One sentence for a claim's evidence: where the check one rate above the range did better
    on validation for ``cells`` on ``tasks`` (empty when it checked none of them)."""
    pairs = [
        (c, g)
        for c, g in _above_pairs(records)
        if c.config["cell"] in cells and c.config["task"] in tasks
    ]
    if not pairs:
        return ""
    rate = pairs[0][0].config["lrs"][0]
    found = "; ".join(
        f"{TASKS[t].title}: {', '.join(gains)}" for t in TASKS if (gains := _gains(pairs, t))
    )
    where = f"profile `{pairs[0][0].profile}`, seed 0, {{ref}}`comparison-lr-search`"
    said = found or "none did"
    return f"Better on validation one rate above the grid's range ({rate:.2g}; {where}): {said}."


def lr_above_markdown(records: Sequence[RunRecord]) -> str:
    """The check above the range (:mod:`~rnnbook.experiments.comparison.config_lr_above`) at its
    strongest recorded profile: per task, the cells whose validation score was better at the
    next rate up than the grid's seed 0 at its largest candidate; empty when nothing is
    recorded."""
    pairs = _above_pairs(records)
    if not pairs:
        return ""
    lines, better = [], 0
    for task in TASKS:
        checked_here = sum(c.config["task"] == task for c, _ in pairs)
        if checked_here:
            gains = _gains(pairs, task)
            better += len(gains)
            said = ", ".join(gains) if gains else "none"
            lines.append(f"- **{TASKS[task].title}**: {len(gains)} of {checked_here} ({said})")
    profile = pairs[0][0].profile
    rate, top = pairs[0][0].config["lrs"][0], max(pairs[0][1].config["lrs"])
    head = (
        f"**Above the range** (profile `{profile}`, seed 0): each job that chose the largest "
        f"candidate ({top:.2g}) trained once more at the next rate up ({rate:.2g}). In "
        f"{better} of {len(pairs)} jobs that rate scored better on validation (below: the "
        "validation score at the largest candidate → at the next rate up, where it did): for "
        "them the grid's range was too low, and their numbers might move with a search that "
        "reaches higher. In the others it scored no better: if the score has a single best "
        f"rate, that rate lies below {rate:.2g}."
    )
    return head + "\n\n" + "\n".join(lines) + "\n"
