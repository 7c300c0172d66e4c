"""Every cell on every task, under one budget: the chapter after the five papers.

Chapter ``comparison``: ``config`` (tasks, cells, budgets, jobs), ``data`` (every task as batches
of one shape), ``train`` (one job), ``report`` (the table of cells by tasks, ranks, figures) and
``report_claims`` (the five papers' claims on each other's tasks); ``config_budget`` and
``report_budget``: a check of the grid at ten times its updates; ``config_chrono`` and
``report_chrono``: a check of the gated cells with the chrono initialisation;
``config_lr_above`` and ``report_search``: where the learning-rate searches landed, and a check
one rate above the range.
"""

from __future__ import annotations

from rnnbook.experiments.comparison import (
    config,
    config_budget,
    config_chrono,
    config_lr_above,
    report,
    report_budget,
    report_chrono,
    report_claims,
    train,
)
from rnnbook.experiments.comparison.config import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.config import CHAPTER, GRID, grid_jobs
from rnnbook.experiments.comparison.config_budget import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.config_budget import BUDGET, budget_jobs
from rnnbook.experiments.comparison.config_chrono import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.config_chrono import CHRONO, chrono_jobs
from rnnbook.experiments.comparison.config_lr_above import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.config_lr_above import LR_ABOVE, lr_above_jobs
from rnnbook.experiments.comparison.report import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.report import grid_table
from rnnbook.experiments.comparison.report_budget import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.report_chrono import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.report_claims import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.train import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.train import train_job
from rnnbook.experiments.runner import Experiment, recorded_all

__all__ = [
    *config.__all__,
    *train.__all__,
    *report.__all__,
    *report_claims.__all__,
    *config_budget.__all__,
    *report_budget.__all__,
    *config_chrono.__all__,
    *report_chrono.__all__,
    *config_lr_above.__all__,
    "BUDGET_EXPERIMENT",
    "CHRONO_EXPERIMENT",
    "EXPERIMENTS",
    "GRID_EXPERIMENT",
    "LR_ABOVE_EXPERIMENT",
    "chapter_claims",
    "chapter_results",
]


GRID_EXPERIMENT = Experiment(
    CHAPTER,
    GRID,
    "Every cell on every task: one parameter budget, one number of updates, one search per task",
    jobs=grid_jobs,
    train=train_job,
    table=grid_table,
)

#: The grid's temporal order again at ten times the updates (``long``): the same train function.
BUDGET_EXPERIMENT = Experiment(
    CHAPTER,
    BUDGET,
    "Budget check: the gated cells on temporal order at ten times the grid's updates",
    jobs=budget_jobs,
    train=train_job,
    table=grid_table,
)

#: The grid's LSTM and GRU on its long-range tasks with the chrono initialisation.
CHRONO_EXPERIMENT = Experiment(
    CHAPTER,
    CHRONO,
    "Initialisation check: the LSTM and the GRU with chrono gate biases on long-range tasks",
    jobs=chrono_jobs,
    train=train_job,
    table=grid_table,
)

#: The grid's jobs that chose their largest rate, again at the next rate up (seed 0).
LR_ABOVE_EXPERIMENT = Experiment(
    CHAPTER,
    LR_ABOVE,
    "Learning-rate check: the jobs that chose the largest rate, at the next rate up",
    jobs=lr_above_jobs,
    train=train_job,
    table=grid_table,
    after=(GRID,),
)

EXPERIMENTS = [GRID_EXPERIMENT, BUDGET_EXPERIMENT, CHRONO_EXPERIMENT, LR_ABOVE_EXPERIMENT]


def chapter_claims() -> list:
    """The five papers' claims judged on every task, from every recorded run of the chapter."""
    return report_claims.claims(recorded_all(EXPERIMENTS))


def chapter_results() -> str:
    """The chapter page's generated results section (Markdown), from every recorded run."""
    return report_claims.results_page(recorded_all(EXPERIMENTS))
