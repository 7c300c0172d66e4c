"""An initialisation check for the grid: do the gated cells fail the long-range tasks because
their memory starts short?

At the grid's `long` budget the GRU and the LSTM stay at chance on temporal order at length 100,
and ten times the updates do not change it (:mod:`rnnbook.experiments.comparison.config_budget`).
The check trains them again on the grid's jobs of the long-range tasks with one change: the
chrono initialisation of their gate biases (:mod:`rnnbook.cells.chrono`), with the task's
longest training sequence as the longest time scale
(:func:`~rnnbook.experiments.comparison.data.longest_steps`). The width, the data, the updates,
the learning-rate search and the seeds are the grid's, and the same code trains them.
"""

from __future__ import annotations

import dataclasses

from rnnbook.experiments.comparison.config import (
    CHAPTER,
    TASKS,
    GridConfig,
    grid_configs,
    run_id,
)
from rnnbook.experiments.jobs import Job

__all__ = ["CHRONO", "CHRONO_CELLS", "CHRONO_TASKS", "chrono_configs", "chrono_jobs"]

CHRONO = "chrono"

#: The cells of the check -> the grid's cell it initialises differently.
CHRONO_CELLS: dict[str, str] = {"lstm-chrono": "lstm", "gru-chrono": "gru"}

#: Per profile: the tasks of the check, the grid's long-range tasks.
CHRONO_TASKS: dict[str, tuple[str, ...]] = {
    "smoke": ("temporal_order",),
    "long": tuple(t for t, info in TASKS.items() if info.long_range),
}


def chrono_configs(profile: str) -> list[GridConfig]:
    """The grid's configs of the LSTM and the GRU on the check's tasks, each as its chrono cell."""
    tasks = CHRONO_TASKS.get(profile)
    if tasks is None:
        return []
    base = {cell: name for name, cell in CHRONO_CELLS.items()}
    return [
        dataclasses.replace(c, cell=base[c.cell])
        for c in grid_configs(profile, tasks=list(tasks), cells=list(base))
    ]


def chrono_jobs(profile: str) -> list[Job]:
    """One job per (task, chrono cell), keyed like the grid's."""
    return [
        Job(CHAPTER, CHRONO, profile, f"{c.task}-{c.cell}", c, {run_id(c, s): s for s in c.seeds})
        for c in chrono_configs(profile)
    ]
