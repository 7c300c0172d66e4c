"""The grid's search with its range widened upward until the best rate lies inside it:
experiments ``lr_climb`` and ``lr_widened``.

At `long`, 56 of the grid's searched jobs chose their largest candidate, and in 27 of them the
check one rate above the range (:mod:`~rnnbook.experiments.comparison.config_lr_above`) scored
better on validation. For each job at the top of its range the search goes on upward, one slice
of the log range at a time (:func:`~rnnbook.experiments.comparison.config.next_lr_above` with
``slices`` 1, 2, ...), with the first seed and everything else the grid's, for as long as each
step up scores better on validation than the step before. The first step is the check above the
range itself; the further steps are ``lr_climb``'s jobs. Where a step scores no better (or
diverges), the best rate is the one below it, inside the range so widened. Where that rate is
above the grid's, ``lr_widened`` trains every seed of the grid's job at it, as the grid trains its
seeds at the rate its search chose. The other jobs keep the grid's rate: one step above it scored
no better.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Iterator
from pathlib import Path

from rnnbook.experiments.comparison.config import CHAPTER, TASKS, run_id
from rnnbook.experiments.comparison.config_lr_above import LR_ABOVE, above_job, edge_jobs
from rnnbook.experiments.jobs import Job, cached_records
from rnnbook.results import RunRecord

__all__ = [
    "LR_CLIMB",
    "LR_WIDENED",
    "Climb",
    "climbs",
    "lr_climb_jobs",
    "lr_widened_jobs",
    "scored_better",
    "walk",
]

LR_CLIMB = "lr_climb"
LR_WIDENED = "lr_widened"


def scored_better(run: RunRecord, than: RunRecord) -> bool:
    """Whether ``run`` scored better on validation than ``than`` (a run that did not finish, or
    scored no number, did not)."""
    a, b = run.metrics.get("valid_metric"), than.metrics.get("valid_metric")
    if run.status != "ok" or a is None or b is None or not math.isfinite(a):
        return False
    return a > b if TASKS[run.config["task"]].higher_is_better else a < b


@dataclasses.dataclass(frozen=True)
class Climb:
    """One grid job's search continued upward: ``steps`` are the first seed's runs, the grid's
    at its largest candidate first, then one per slice up as far as recorded; ``best`` indexes the
    best of them once a step up scored no better (``None`` while the climb goes on)."""

    grid: Job
    steps: tuple[RunRecord, ...]
    best: int | None

    @property
    def rate(self) -> float | None:
        """The best rate found, once the climb has stopped."""
        return None if self.best is None else self.steps[self.best].metrics["lr"]

    def step_job(self, slices: int) -> Job:
        """The job of the first seed ``slices`` slices above the grid's range."""
        return _step_job(self.grid, slices)


def _step_job(grid: Job, slices: int) -> Job:
    """Grid job ``grid``'s first seed ``slices`` slices above its range: the check above the
    range for 1, ``lr_climb``'s job for more."""
    return above_job(grid, slices, LR_ABOVE if slices == 1 else LR_CLIMB)


def walk(first: RunRecord, ups: Iterable[RunRecord]) -> tuple[tuple[RunRecord, ...], int | None]:
    """A climb's steps from ``first`` through ``ups`` (one per slice up, in order), read only as
    far as the climb goes, and the index of the best once a step scored no better than the one
    below (``None`` while the climb goes on)."""
    steps = [first]
    for up in ups:
        steps.append(up)
        if not scored_better(up, steps[-2]):
            return tuple(steps), len(steps) - 2
    return tuple(steps), None


def _recorded_steps(grid: Job, root: Path | None) -> Iterator[RunRecord]:
    """The first seed's recorded, up-to-date runs one slice after another above ``grid``'s
    range, up to the first slice not recorded."""
    slices = 1
    while (found := cached_records(_step_job(grid, slices), root)) is not None:
        yield found[0]
        slices += 1


def _climb(grid: Job, first: RunRecord, root: Path | None) -> Climb:
    return Climb(grid, *walk(first, _recorded_steps(grid, root)))


def climbs(profile: str, root: Path | None = None) -> list[Climb]:
    """Every grid job of ``profile`` at the top of its range, its climb as far as recorded."""
    return [_climb(job, first, root) for job, first in edge_jobs(profile, root)]


def lr_climb_jobs(profile: str, root: Path | None = None) -> list[Job]:
    """Every step of every climb past the check above the range: those recorded (they stay
    defined, so that their records stay up to date) and the next one of a climb still going
    on."""
    out = []
    for climb in climbs(profile, root):
        going = climb.best is None and len(climb.steps) >= 2
        out += [climb.step_job(k) for k in range(2, len(climb.steps) + going)]
    return out


def lr_widened_jobs(profile: str, root: Path | None = None) -> list[Job]:
    """Every seed of a grid job at the best rate of its stopped climb, where that rate is above
    the grid's."""
    out = []
    for climb in climbs(profile, root):
        if not climb.best:  # still climbing, or the grid's own rate was the best
            continue
        config = dataclasses.replace(climb.grid.config, lrs=(climb.rate,))
        runs = {run_id(config, s): s for s in config.seeds}
        out.append(Job(CHAPTER, LR_WIDENED, profile, climb.grid.key, config, runs))
    return out
