"""Orvieto et al. (2023): the paper-vs-ours tables of the three experiments."""

from __future__ import annotations

from collections.abc import Sequence

from rnnbook.cells.lru import LADDER
from rnnbook.experiments.orvieto2023.config import (
    CHAPTER,
    LADDER_EXPERIMENT,
    LADDER_RUNGS,
    PAPER_LADDER,
    PAPER_SPEED,
    PAPER_SPEEDUP,
    PAPER_TABLE3,
    RESOLUTION_EXPERIMENT,
    SPEED_EXPERIMENT,
    STANDS_IN_FOR,
    TASK_TITLES,
    TASKS,
    TASKS_EXPERIMENT,
)
from rnnbook.experiments.orvieto2023.config_jobs import RESOLUTION_SIDE
from rnnbook.results import RunRecord, Table, TableRow, paper_vs_ours

__all__ = ["ladder_table", "resolution_table", "speed_table", "table", "tasks_table"]


def _task_label(task: str) -> str:
    return f"{TASK_TITLES[task]} (for {STANDS_IN_FOR[task]})"


def tasks_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Table 3: the LRU's test accuracy (%) on each substitute beside the paper's on the task it
    stands in for."""
    records = [r for r in records if r.experiment == TASKS_EXPERIMENT]
    paper = {(_task_label(t), "lru", "test"): PAPER_TABLE3["LRU"][STANDS_IN_FOR[t]] for t in TASKS}
    rows = paper_vs_ours(
        records,
        paper,
        metric="accuracy",
        splits=("test",),
        dataset_of=lambda r: _task_label(r.config["data"]["task"]),
        model_of=lambda r: r.config["rung"],
        chapter=CHAPTER,
        experiment=TASKS_EXPERIMENT,
    )
    order = {_task_label(t): k for k, t in enumerate(TASKS)}
    rows.sort(key=lambda r: (order.get(r.dataset, 99), r.profile))
    return Table(rows, title, digits=1)


def _resolution_label(side: int) -> str:
    return f"Pathfinder (generated, {side} x {side}) (for Pathfinder)"


def _side(record: RunRecord) -> int:
    return record.config["data"]["pathfinder"]["size"]


def resolution_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Table 3's Pathfinder row at the LRA's resolution (32 x 32): the LRU's test accuracy (%)
    beside the paper's on Pathfinder."""
    records = [r for r in records if r.experiment == RESOLUTION_EXPERIMENT]
    sides = {s for p, s in RESOLUTION_SIDE.items() if p != "smoke"} | {_side(r) for r in records}
    paper = PAPER_TABLE3["LRU"]["Pathfinder"]
    rows = paper_vs_ours(
        records,
        {(_resolution_label(s), "lru", "test"): paper for s in sides},
        metric="accuracy",
        splits=("test",),
        dataset_of=lambda r: _resolution_label(_side(r)),
        model_of=lambda r: r.config["rung"],
        chapter=CHAPTER,
        experiment=RESOLUTION_EXPERIMENT,
    )
    return Table(rows, title, digits=1)


def ladder_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Tables 1-3: test accuracy (%) of every rung on each ladder task, beside the paper's."""
    records = [r for r in records if r.experiment == LADDER_EXPERIMENT]
    tasks = sorted({r.config["data"]["task"] for r in records}) or ["psmnist", "listops"]
    paper = {}
    for t in tasks:
        for rung in LADDER_RUNGS:
            value = PAPER_LADDER[rung].get(STANDS_IN_FOR.get(t, ""))
            if value is not None:
                paper[(_task_label(t), rung, "test")] = value
    rows = paper_vs_ours(
        records,
        paper,
        metric="accuracy",
        splits=("test",),
        dataset_of=lambda r: _task_label(r.config["data"]["task"]),
        model_of=lambda r: r.config["rung"],
        chapter=CHAPTER,
        experiment=LADDER_EXPERIMENT,
    )
    rank = {r: k for k, r in enumerate(LADDER)}
    rows.sort(key=lambda r: (r.dataset, rank.get(r.model, 99), r.profile))
    return Table(rows, title, digits=1)


def _speed_label(length: int) -> str:
    for task, n in PAPER_SPEED:
        if n == length:
            return f"length {length} ({task})"
    return f"length {length}"


def speed_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Table 4: training steps per second on our device (no paper value: the paper's are an
    A100's), and the LRU's speed-up over the tanh RNN measured in the same run (rows
    ``... / tanh``), beside the paper's speed-ups, the only numbers that compare across devices."""
    records = [r for r in records if r.experiment == SPEED_EXPERIMENT]
    # steps per second on an A100 and on our device do not compare: only the ratios carry a
    # paper value (the A100 rates stay in PAPER_SPEED and in the chapter's text)
    paper: dict[tuple[str, str, str], float] = {}
    rows = paper_vs_ours(
        records,
        paper,
        metric="steps_per_s",
        splits=("train",),
        dataset_of=lambda r: _speed_label(int(r.metrics["length"])),
        model_of=lambda r: r.extra["model"],
        chapter=CHAPTER,
        experiment=SPEED_EXPERIMENT,
    )
    ratios = {
        (_speed_label(n), "lru-parallel / tanh", "train"): v for (_, n), v in PAPER_SPEEDUP.items()
    }
    ratio_rows = paper_vs_ours(
        [r for r in records if "train_speedup_vs_tanh" in r.metrics and r.extra["model"] != "tanh"],
        ratios,
        metric="speedup_vs_tanh",
        splits=("train",),
        dataset_of=lambda r: _speed_label(int(r.metrics["length"])),
        model_of=lambda r: f"{r.extra['model']} / tanh",
        chapter=CHAPTER,
        experiment=SPEED_EXPERIMENT,
    )
    rows = rows + ratio_rows
    rows.sort(key=lambda r: (_length_of(r.dataset), r.model, r.profile))
    return Table(rows, title, digits=2)


def _length_of(label: str) -> int:
    try:
        return int(label.split()[1])
    except (IndexError, ValueError):
        return 0


def table(records: Sequence[RunRecord], title: str = "") -> Table:
    """All rows of the chapter: tasks, ladder and speed."""
    rows: list[TableRow] = []
    for fn in (tasks_table, ladder_table, speed_table):
        rows += fn(records).rows
    return Table(rows, title, digits=1)
