"""A learning-rate check for the grid: was the best rate above the range it searched?

At `long`, 56 of the grid's 86 searched jobs chose the largest of their four candidates
(0.0088), so a rate beyond the range might have done better for them. The check trains each
such job once more at the next rate up, where the search would have drawn had its log range gone
on one slice further (:func:`~rnnbook.experiments.comparison.config.next_lr_above`: 0.0088 times
3.76, 0.033). It trains seed 0 only, with everything else the grid's, so the run is comparable
with the grid's seed 0 at 0.0088, which is the same run as that candidate's in the search. That
is one run per job instead of the grid's seven, about 0.6 core-hours for the 56. The jobs follow
the grid's records: a job whose search is not recorded, or not up to date, has none yet.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rnnbook.experiments.comparison.config import (
    CHAPTER,
    grid_jobs,
    next_lr_above,
)
from rnnbook.experiments.jobs import Job, cached_records
from rnnbook.profiles import check_profile
from rnnbook.results import RunRecord

__all__ = ["LR_ABOVE", "LR_ABOVE_PROFILES", "above_job", "edge_jobs", "lr_above_jobs"]

LR_ABOVE = "lr_above"

#: The profiles that run the check.
LR_ABOVE_PROFILES = ("smoke", "long")


def edge_jobs(profile: str, root: Path | None = None) -> list[tuple[Job, RunRecord]]:
    """The grid jobs of ``profile`` recorded up to date whose first seed chose the largest of
    several candidates, each with that seed's record; none in a profile without the check."""
    if check_profile(profile) not in LR_ABOVE_PROFILES:
        return []
    out = []
    for job in grid_jobs(profile):
        recorded = cached_records(job, root)  # every seed's, up to date, or None
        if not recorded or len(set(job.config.lrs)) < 2:
            continue
        first = recorded[0]  # the first seed's: the runs follow the seeds
        if first.status == "ok" and first.metrics.get("lr") == max(job.config.lrs):
            out.append((job, first))
    return out


def above_job(job: Job, slices: int = 1, experiment: str = LR_ABOVE) -> Job:
    """Grid job ``job`` with its first seed only, at the rate ``slices`` slices of the log range
    above its candidates (:func:`~rnnbook.experiments.comparison.config.next_lr_above`), as a job
    of ``experiment``; keyed as the grid's job, with ``-up<slices>`` from two slices on."""
    c = job.config
    config = dataclasses.replace(c, lrs=(next_lr_above(c.lrs, slices),), seeds=c.seeds[:1])
    key = job.key if slices == 1 else f"{job.key}-up{slices}"
    return Job(
        CHAPTER, experiment, job.profile, key, config, {f"{key}-s{s}": s for s in c.seeds[:1]}
    )


def lr_above_jobs(profile: str, root: Path | None = None) -> list[Job]:
    """One job per grid job of ``profile`` at the top of its range (:func:`edge_jobs`): the same
    job at the next rate up, seed 0 only (:func:`above_job`)."""
    return [above_job(job) for job, _ in edge_jobs(profile, root)]
