"""The grid's search widened upward (:mod:`~rnnbook.experiments.comparison.config_lr_climb`), read
from the records: each climb's steps, the grid with the cells the widened search moved, and the
section that reports them."""

from __future__ import annotations

from collections.abc import Sequence

from rnnbook.experiments.comparison.config import CELL_TITLES, GRID, TASKS
from rnnbook.experiments.comparison.config_lr_above import LR_ABOVE
from rnnbook.experiments.comparison.config_lr_climb import LR_CLIMB, LR_WIDENED, walk
from rnnbook.experiments.comparison.report import metric_digits
from rnnbook.experiments.comparison.report_budget import by_task_and_cell, checked
from rnnbook.experiments.comparison.report_search import grid_first_seeds
from rnnbook.results import RunRecord

__all__ = ["climbs_recorded", "widened_grid", "widened_markdown"]

Cell = tuple[str, str]  # (task, cell)


def _up_to_date(records: Sequence[RunRecord], experiment: str, profile: str) -> list[RunRecord]:
    return [
        r for r in records if r.experiment == experiment and r.profile == profile and not r.stale
    ]


def climbs_recorded(
    records: Sequence[RunRecord],
) -> dict[Cell, tuple[tuple[RunRecord, ...], int | None]]:
    """Per grid job at the top of its range, at the strongest profile of the check above the
    range: the first seed's steps (the grid's run at its largest rate, then one per slice up, in
    order of rate) and the index of the best once a step scored no better (``None`` while the
    climb goes on), as :func:`~rnnbook.experiments.comparison.config_lr_climb.walk` reads them."""
    above = checked(records, LR_ABOVE)
    if not above:
        return {}
    profile = above[0].profile
    grid = grid_first_seeds(records, profile)
    higher: dict[Cell, list[RunRecord]] = {}
    for r in [*above, *_up_to_date(records, LR_CLIMB, profile)]:
        higher.setdefault((r.config["task"], r.config["cell"]), []).append(r)
    return {
        cell: walk(grid[cell], sorted(ups, key=lambda r: r.config["lrs"][0]))
        for cell, ups in higher.items()
        if cell in grid
    }


def _widened_runs(records: Sequence[RunRecord], profile: str) -> dict[Cell, list[RunRecord]]:
    """The cells ``lr_widened`` trained at ``profile``: every seed of the grid's, finished."""
    out: dict[Cell, list[RunRecord]] = {}
    for r in _up_to_date(records, LR_WIDENED, profile):
        out.setdefault((r.config["task"], r.config["cell"]), []).append(r)
    return {
        k: v
        for k, v in out.items()
        if len(v) == len(v[0].config["seeds"]) and all(r.status == "ok" for r in v)
    }


def widened_grid(records: Sequence[RunRecord], profile: str) -> tuple[list[RunRecord], list[Cell]]:
    """The grid's runs of ``profile``, each cell the widened search moved replaced by its runs
    at the best rate found; and those cells."""
    moved = _widened_runs(records, profile)
    grid = [
        r
        for r in records
        if r.experiment == GRID
        and r.profile == profile
        and (r.config["task"], r.config["cell"]) not in moved
    ]
    return grid + [r for runs in moved.values() for r in runs], list(moved)


def _step_text(run: RunRecord, digits: int) -> str:
    value = run.metrics.get("valid_metric")
    shown = "diverged" if run.status != "ok" or value is None else f"{value:.{digits}f}"
    return f"{shown} at {run.metrics.get('lr', run.config['lrs'][0]):.2g}"


def widened_markdown(records: Sequence[RunRecord]) -> str:
    """Per task, each climb: seed 0's validation score at every rate tried, where it stopped,
    and for a cell whose best rate is above the grid's, the test metric over the grid's seeds at
    the grid's rate and at the best rate; empty when no climb is recorded."""
    climbs = climbs_recorded(records)
    if not climbs:
        return ""
    profile = next(iter(climbs.values()))[0][1].profile
    grid_runs = [r for r in records if r.experiment == GRID and r.profile == profile]
    before = by_task_and_cell([r for r in grid_runs if r.status == "ok" and not r.stale])
    moved = _widened_runs(records, profile)
    after = by_task_and_cell([r for runs in moved.values() for r in runs])
    lines, going, above = [], 0, 0
    for task in TASKS:
        mine = {c: v for (t, c), v in climbs.items() if t == task}
        if not mine:
            continue
        d, parts = metric_digits(task), []
        for cell, (steps, best) in mine.items():
            text = f"{CELL_TITLES[cell]} " + " → ".join(_step_text(s, d) for s in steps)
            if best is None:
                going += 1
                text += " (climbing)"
            elif best > 0:
                above += 1
                text += f" (best {steps[best].config['lrs'][0]:.2g}"
                if (task, cell) in moved and cell in before.get(task, {}):
                    text += f"; test {before[task][cell].text(d)} → {after[task][cell].text(d)}"
                text += ")"
            parts.append(text)
        lines.append(f"- **{TASKS[task].title}**: " + "; ".join(parts))
    head = (
        f"**The search widened upward** (profile `{profile}`, seed 0): each job at the top of "
        "its range climbed one slice of the log range at a time while each step scored better "
        "on validation than the one below (validation score at each rate below). Of "
        f"{len(climbs)} climbs, {above} stopped above the grid's rate, "
        f"{len(climbs) - above - going} at it, and {going} are still climbing. Where the best "
        "rate is above the grid's, every seed is trained again at it (test metric, the grid's "
        "rate → the best rate)."
    )
    return head + "\n\n" + "\n".join(lines) + "\n"
