"""Every cell on every task, under one budget: the chapter after the five papers.

Chapter ``comparison``: ``config`` (tasks, cells, budgets, jobs), ``data`` (every task as batches
of one shape), ``train`` (one job), ``report`` (the table of cells by tasks, ranks, figures) and
``report_claims`` (the five papers' claims on each other's tasks); ``config_budget`` and
``report_budget``: a check of the grid at ten times its updates.
"""

from __future__ import annotations

from rnnbook.experiments.comparison import (
    config,
    config_budget,
    report,
    report_budget,
    report_claims,
    train,
)
from rnnbook.experiments.comparison.config import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.config import CHAPTER, GRID, grid_jobs
from rnnbook.experiments.comparison.config_budget import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.config_budget import BUDGET, budget_jobs
from rnnbook.experiments.comparison.report import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.report import grid_table
from rnnbook.experiments.comparison.report_budget import *  # noqa: F403 - the chapter's names
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
    "BUDGET_EXPERIMENT",
    "EXPERIMENTS",
    "GRID_EXPERIMENT",
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

EXPERIMENTS = [GRID_EXPERIMENT, BUDGET_EXPERIMENT]


def chapter_claims() -> list:
    """The five papers' claims judged on every task, from every recorded run of the chapter."""
    return report_claims.claims(recorded_all(EXPERIMENTS))


def chapter_results() -> str:
    """The chapter page's generated results section (Markdown), from every recorded run."""
    return report_claims.results_page(recorded_all(EXPERIMENTS))
