"""Orvieto et al. (2023): the Linear Recurrent Unit, its ablation ladder, and its speed.

Chapter ``orvieto2023`` of the book: ``config`` (paper numbers, configurations, jobs), ``data``
(tasks and batches), ``train`` and ``train_speed`` (a training job, the speed probe), ``report``
and ``report_figures`` (tables, findings, figures), and here its three experiments, declared.
"""

from __future__ import annotations

from rnnbook.experiments.orvieto2023 import (
    config,
    config_jobs,
    data,
    report,
    report_claims,
    report_figures,
    report_tables,
    train,
    train_speed,
)
from rnnbook.experiments.orvieto2023.config import *  # noqa: F403 - the chapter's names, one namespace
from rnnbook.experiments.orvieto2023.config import (
    CHAPTER,
    LADDER_EXPERIMENT,
    RESOLUTION_EXPERIMENT,
    SPEED_EXPERIMENT,
    TASKS_EXPERIMENT,
)
from rnnbook.experiments.orvieto2023.config_jobs import *  # noqa: F403
from rnnbook.experiments.orvieto2023.config_jobs import (
    ladder_jobs,
    resolution_jobs,
    speed_jobs,
    task_jobs,
)
from rnnbook.experiments.orvieto2023.data import *  # noqa: F403
from rnnbook.experiments.orvieto2023.report import *  # noqa: F403
from rnnbook.experiments.orvieto2023.report_figures import *  # noqa: F403
from rnnbook.experiments.orvieto2023.report_tables import *  # noqa: F403
from rnnbook.experiments.orvieto2023.report_tables import (
    ladder_table,
    resolution_table,
    speed_table,
    tasks_table,
)
from rnnbook.experiments.orvieto2023.train import *  # noqa: F403
from rnnbook.experiments.orvieto2023.train import train_job
from rnnbook.experiments.orvieto2023.train_speed import *  # noqa: F403
from rnnbook.experiments.orvieto2023.train_speed import speed_records
from rnnbook.experiments.runner import Experiment, placeholders_all, recorded_all

__all__ = [
    "chapter_claims",
    "chapter_results",
    *config.__all__,
    *config_jobs.__all__,
    *data.__all__,
    *train.__all__,
    *train_speed.__all__,
    *report.__all__,
    *report_tables.__all__,
    *report_figures.__all__,
    "EXPERIMENTS",
    "LADDER_RUN",
    "RESOLUTION_RUN",
    "SPEED_RUN",
    "TASKS_RUN",
]

TASKS_RUN = Experiment(
    CHAPTER,
    TASKS_EXPERIMENT,
    "Table 3: the deep LRU on substitutes of the LRA tasks (test accuracy, %)",
    jobs=task_jobs,
    train=train_job,
    table=tasks_table,
)
#: The ladder runs after the tasks: its LRU rung reuses their records when its config is the same.
LADDER_RUN = Experiment(
    CHAPTER,
    LADDER_EXPERIMENT,
    "Tables 1-3: from a tanh RNN to the LRU, one change at a time (test accuracy, %)",
    jobs=ladder_jobs,
    train=train_job,
    table=ladder_table,
    after=(TASKS_EXPERIMENT,),
)
#: The speed probe runs alone, after the training jobs, in one process.
SPEED_RUN = Experiment(
    CHAPTER,
    SPEED_EXPERIMENT,
    "Table 4: training steps per second, tanh RNN vs LRU (sequential loop, parallel scan)",
    jobs=speed_jobs,
    train=speed_records,
    table=speed_table,
    after=(TASKS_EXPERIMENT, LADDER_EXPERIMENT, RESOLUTION_EXPERIMENT),
    workers=1,
)
#: Pathfinder at the LRA's 32 x 32 beside Table 3's smaller images (``long``; one job per seed).
RESOLUTION_RUN = Experiment(
    CHAPTER,
    RESOLUTION_EXPERIMENT,
    "Table 3's Pathfinder at the LRA's resolution, 32 x 32 (test accuracy, %)",
    jobs=resolution_jobs,
    train=train_job,
    table=resolution_table,
)
EXPERIMENTS = [TASKS_RUN, LADDER_RUN, RESOLUTION_RUN, SPEED_RUN]


def chapter_claims() -> list:
    """The paper's claims with their verdicts, from every recorded run of the chapter."""
    return report_claims.claims(recorded_all(EXPERIMENTS))


def chapter_results() -> str:
    """The chapter page's generated results section (Markdown), from every recorded run."""
    return report_claims.results_page(recorded_all(EXPERIMENTS), placeholders_all(EXPERIMENTS))
