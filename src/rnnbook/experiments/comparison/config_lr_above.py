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
    run_id,
)
from rnnbook.experiments.jobs import Job, cached_records
from rnnbook.profiles import check_profile

__all__ = ["LR_ABOVE", "LR_ABOVE_PROFILES", "lr_above_jobs"]

LR_ABOVE = "lr_above"

#: The profiles that run the check.
LR_ABOVE_PROFILES = ("smoke", "long")


def lr_above_jobs(profile: str, root: Path | None = None) -> list[Job]:
    """One job per grid job of ``profile`` recorded up to date whose first seed chose the largest of
    several candidates: the same job at the next rate up
    (:func:`~rnnbook.experiments.comparison.config.next_lr_above`), seed 0 only."""
    if check_profile(profile) not in LR_ABOVE_PROFILES:
        return []
    out = []
    for job in grid_jobs(profile):
        c = job.config
        recorded = cached_records(job, root)  # every seed's, up to date, or None
        if not recorded or len(set(c.lrs)) < 2:
            continue
        first = recorded[0]  # the first seed's: the runs follow the seeds
        if first.status != "ok" or first.metrics.get("lr") != max(c.lrs):
            continue
        config = dataclasses.replace(c, lrs=(next_lr_above(c.lrs),), seeds=(c.seeds[0],))
        runs = {run_id(config, s): s for s in config.seeds}
        out.append(Job(CHAPTER, LR_ABOVE, profile, job.key, config, runs))
    return out
