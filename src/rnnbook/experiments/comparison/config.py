"""Every cell on every task, chapter ``comparison``: the tasks, the cells, one budget per task, and
the jobs of each profile.

The five papers each compare their own cells on their own tasks with their own budget. Here every
cell of the book meets every task of the book under one rule per task: the same parameter count
(within 10%: :func:`rnnbook.models.comparison.width_for_budget`), the same number of updates and
batch size, the same learning-rate search (log-uniform candidates, Adam, gradient norm clipped at
1, chosen on validation), the same seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnbook.cells.mut import TITLES
from rnnbook.experiments.jobs import Job
from rnnbook.models.comparison import CELLS
from rnnbook.profiles import check_profile

__all__ = [
    "CELL_TITLES",
    "ONLY_ON",
    "CHAPTER",
    "GRID",
    "GridConfig",
    "PROFILES",
    "TASKS",
    "TaskInfo",
    "TaskSize",
    "VERSION",
    "grid_configs",
    "grid_jobs",
    "next_lr_above",
    "run_id",
]

CHAPTER = "comparison"
GRID = "grid"
#: Bumped whenever a change to this code changes results: records of older versions become stale.
VERSION = 1


@dataclass(frozen=True)
class TaskInfo:
    """How a task is scored and where it comes from."""

    title: str
    paper: str
    metric: str
    higher_is_better: bool
    long_range: bool = False  # a dependency across (nearly) the whole sequence


TASKS: dict[str, TaskInfo] = {
    "temporal_order": TaskInfo("temporal order", "pascanu2013", "accuracy (%)", True, True),
    "addition": TaskInfo("addition", "pascanu2013", "error rate (%)", False, True),
    "jsb": TaskInfo("JSB Chorales", "chung2014", "NLL per frame", False),
    "arithmetic": TaskInfo("arithmetic", "jozefowicz2015", "answer accuracy (%)", True),
    "xml": TaskInfo("XML", "jozefowicz2015", "accuracy (%)", True),
    "copy": TaskInfo("copy", "lipton2015", "wrong bits per sequence", False, True),
    "listops": TaskInfo("ListOps", "orvieto2023", "accuracy (%)", True, True),
    "psmnist": TaskInfo("permuted MNIST", "orvieto2023", "accuracy (%)", True, True),
}

#: How each cell is written: Jozefowicz et al.'s names, and the LRU.
CELL_TITLES = {
    **TITLES,
    "lru": "LRU",
    "ntm": "NTM",
    "lstm-chrono": "LSTM, chrono",  # the initialisation check's cells (config_chrono)
    "gru-chrono": "GRU, chrono",
}
#: Cells that take part in one task only.
ONLY_ON = {"ntm": "copy"}


@dataclass(frozen=True)
class TaskSize:
    """The data of one task; what each number means depends on the task.

    - ``length``: the nominal sequence length (temporal order, addition), the chunk length
      (arithmetic, XML), the longest training sequence (copy), the longest piece in frames (JSB,
      0 for whole pieces), the pooling factor's sequence (psMNIST: 784 / pool^2 steps);
    - ``train``: training characters (arithmetic, XML), expressions (ListOps), images (psMNIST),
      pieces (JSB, 0 for all); the synthetic tasks draw fresh sequences for every update;
    - ``valid`` / ``test``: sequences (characters for arithmetic and XML);
    - ``test_lengths``: the copy task's test lengths; ``digits``: arithmetic's largest number.
    """

    length: int
    train: int = 0
    valid: int = 500
    test: int = 1000
    test_lengths: tuple[int, ...] = ()
    digits: int = 8
    min_length: int = 0  # ListOps: shortest expression


@dataclass(frozen=True)
class GridConfig:
    """One job: one cell on one task; ``lrs`` candidates with the first seed, then ``seeds`` at
    the best of them. ``budget`` is the parameter count every cell is sized to."""

    task: str
    cell: str
    size: TaskSize
    budget: int
    updates: int
    eval_every: int
    batch_size: int
    lrs: tuple[float, ...]
    seeds: tuple[int, ...]
    lru_layers: int = 2
    version: int = VERSION


_LR_RANGE = (-9.2, -3.9)  # ln of 1e-4 and 2e-2, the range Adam is used in on such networks


def _lrs(n: int) -> tuple[float, ...]:
    """``n`` learning rates, log-uniform and stratified: one drawn in each of ``n`` equal slices
    of the log range (a plain draw of four can miss a whole decade), the same for every cell."""
    low, high = _LR_RANGE
    u = np.random.default_rng(2026).uniform(size=n)
    return tuple(float(np.exp(low + (k + u[k]) * (high - low) / n)) for k in range(n))


def next_lr_above(lrs: tuple[float, ...], slices: int = 1) -> float:
    """The rate ``slices`` slices of the log range above the largest of ``lrs`` (the range cut
    into ``len(lrs)`` slices, as the grid's candidates are drawn): where the search would have
    drawn next (``slices = 1``) had the range gone on."""
    if slices < 1:
        raise ValueError(f"slices must be at least 1, not {slices}")
    low, high = _LR_RANGE
    return float(max(lrs) * np.exp(slices * (high - low) / len(lrs)))


_SMOKE_SIZES = {
    "temporal_order": TaskSize(10, valid=16, test=16),
    "addition": TaskSize(10, valid=16, test=16),
    "jsb": TaskSize(12, train=4, valid=2, test=2),
    "arithmetic": TaskSize(20, train=800, valid=200, test=200, digits=2),
    "xml": TaskSize(20, train=800, valid=200, test=200),
    "copy": TaskSize(3, valid=8, test=8, test_lengths=(6,)),
    "listops": TaskSize(30, train=24, valid=8, test=8, min_length=10),
    "psmnist": TaskSize(7, train=32, valid=16, test=16),
}

_CPU_SIZES = {
    "temporal_order": TaskSize(30),
    "addition": TaskSize(30),
    "jsb": TaskSize(100, valid=0, test=0),
    "arithmetic": TaskSize(50, train=200_000, valid=10_000, test=10_000, digits=3),
    "xml": TaskSize(50, train=200_000, valid=10_000, test=10_000),
    "copy": TaskSize(10, valid=200, test=200, test_lengths=(20, 40)),
    "listops": TaskSize(160, train=4000, valid=500, test=500, min_length=40),
    "psmnist": TaskSize(14, train=0, valid=0, test=0),
}

_LONG_SIZES = {
    "temporal_order": TaskSize(100, valid=1000, test=2000),
    "addition": TaskSize(100, valid=1000, test=2000),
    "jsb": TaskSize(0, valid=0, test=0),
    "arithmetic": TaskSize(100, train=1_000_000, valid=50_000, test=50_000, digits=8),
    "xml": TaskSize(100, train=1_000_000, valid=50_000, test=50_000),
    "copy": TaskSize(20, valid=500, test=500, test_lengths=(40, 80)),
    "listops": TaskSize(160, train=20_000, valid=1000, test=1000, min_length=40),
    "psmnist": TaskSize(28, train=0, valid=0, test=0),
}

#: Per profile: the tasks' data, the parameter budget, the updates and the search.
PROFILES: dict[str, dict] = {
    "smoke": dict(
        sizes=_SMOKE_SIZES,
        cells=("tanh", "gru", "lru", "ntm"),
        budget=300,
        updates=4,
        eval_every=2,
        batch_size=4,
        lrs=_lrs(2),
        seeds=(0,),
    ),
    # minutes per cell on one core: short sequences, 3,000 parameters, 300 updates
    "cpu": dict(
        sizes=_CPU_SIZES,
        cells=CELLS,
        budget=3000,
        updates=300,
        eval_every=100,
        batch_size=32,
        lrs=_lrs(4),
        seeds=(0, 1),
    ),
    # the papers' task sizes that fit a CPU: 20,000 parameters (Chung et al.'s size), 3 seeds,
    # every cell; the LSTM's three ablations (for "the forget gate matters most") on every task
    # but permuted MNIST, the dearest. Estimated from 20-update probes while three other jobs
    # trained: 3-12 minutes of one core per job, 25 on permuted MNIST (784 steps at about 1.7 s
    # per update of the stacked members): about 10 core-hours for the eight cells of the
    # comparison, 2.5 for the ablations
    "long": dict(
        sizes=_LONG_SIZES,
        cells=CELLS,
        left_out={"psmnist": ("lstm-f", "lstm-i", "lstm-o")},
        budget=20_000,
        updates=2000,
        task_updates={"jsb": 1000, "psmnist": 400},
        eval_every=250,
        batch_size=32,
        lrs=_lrs(4),
        seeds=(0, 1, 2),
    ),
}


def grid_configs(profile: str, tasks=None, cells=None) -> list[GridConfig]:
    """Every (task, cell) of ``profile``; ``tasks`` / ``cells`` choose some."""
    spec = PROFILES.get(check_profile(profile))
    if spec is None:
        return []
    for name, known, what in ((tasks, TASKS, "task"), (cells, CELLS, "cell")):
        for x in name or ():
            if x not in known:
                raise ValueError(f"unknown {what} {x!r}: choose one of {', '.join(known)}")
    shared = {k: spec[k] for k in ("budget", "eval_every", "batch_size", "lrs", "seeds")}
    out = []
    for t in tasks or TASKS:
        updates = spec.get("task_updates", {}).get(t, spec["updates"])
        every = min(spec["eval_every"], updates)
        for c in cells or spec["cells"]:
            if ONLY_ON.get(c, t) != t or c in spec.get("left_out", {}).get(t, ()):
                continue
            size = spec["sizes"][t]
            out.append(GridConfig(t, c, size, **{**shared, "eval_every": every}, updates=updates))
    return out


def run_id(config: GridConfig, seed: int) -> str:
    """``"<task>-<cell>-s<seed>"``."""
    return f"{config.task}-{config.cell}-s{seed}"


def grid_jobs(profile: str) -> list[Job]:
    """One job per (task, cell): the learning-rate search and the seeds of its best candidate."""
    return [
        Job(CHAPTER, GRID, profile, f"{c.task}-{c.cell}", c, {run_id(c, s): s for s in c.seeds})
        for c in grid_configs(profile)
    ]
