"""A budget check for the grid: would ten times the updates change a verdict?

At the grid's `long` budget (2,000 updates) only the LRU learns temporal order at length 100;
the gated cells stay at chance. On the copy task no cell but the NTM learns. The check trains
some cells on those tasks again for 20,000 updates, at one rate of the grid's search (its third
candidate, the one the LRU chose on temporal order), two seeds, and the chapter sets the result
beside the grid's. It is the same job as a grid job with ``updates``, ``eval_every``, ``lrs``
and ``seeds`` changed: the same code trains it.
"""

from __future__ import annotations

import dataclasses

from rnnbook.experiments.comparison.config import (
    CHAPTER,
    PROFILES,
    GridConfig,
    grid_configs,
    run_id,
)
from rnnbook.experiments.jobs import Job

__all__ = ["BUDGET", "CHECKS", "budget_configs", "budget_jobs"]

BUDGET = "budget"

#: Per profile, one entry per task: the task, the cells, the updates (and evaluations) and seeds.
CHECKS: dict[str, tuple[dict, ...]] = {
    "smoke": (dict(task="temporal_order", cells=("gru",), updates=6, eval_every=3, seeds=(0,)),),
    "long": (
        dict(
            task="temporal_order",
            cells=("gru", "lstm", "lstm-b"),
            updates=20_000,
            eval_every=1000,
            seeds=(0, 1),
        ),
        # every cell of the claims' pairs but the LSTM's ablations; the NTM is the dearest
        dict(
            task="copy",
            cells=("tanh", "gru", "lstm", "lstm-b", "lru"),
            updates=20_000,
            eval_every=1000,
            seeds=(0, 1),
        ),
    ),
}


def budget_configs(profile: str) -> list[GridConfig]:
    """The grid's configs of the check's cells with its updates, seeds and one rate: the
    grid's third candidate where it has four or more, else its last."""
    if profile not in CHECKS:
        return []
    lrs = PROFILES[profile]["lrs"]
    lr = lrs[2] if len(lrs) > 3 else lrs[-1]
    return [
        dataclasses.replace(
            c,
            updates=spec["updates"],
            eval_every=spec["eval_every"],
            lrs=(lr,),
            seeds=spec["seeds"],
        )
        for spec in CHECKS[profile]
        for c in grid_configs(profile, tasks=[spec["task"]], cells=list(spec["cells"]))
    ]


def budget_jobs(profile: str) -> list[Job]:
    """One job per cell of the check."""
    return [
        Job(CHAPTER, BUDGET, profile, f"{c.task}-{c.cell}", c, {run_id(c, s): s for s in c.seeds})
        for c in budget_configs(profile)
    ]
