"""Every cell on every task, under one budget: the chapter after the five papers.

Chapter ``comparison``: ``config`` (tasks, cells, budgets, jobs), ``data`` (every task as batches
of one shape), ``train`` (one job), ``report`` (the table of cells by tasks, ranks, figures) and
``report_claims`` (the five papers' claims on each other's tasks).
"""

from __future__ import annotations

from rnnbook.experiments.comparison import config, report, report_claims, train
from rnnbook.experiments.comparison.config import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.config import CHAPTER, GRID, grid_jobs
from rnnbook.experiments.comparison.report import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.report import grid_table
from rnnbook.experiments.comparison.report_claims import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.train import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.train import train_job
from rnnbook.experiments.runner import Experiment, recorded_all

__all__ = [
    *config.__all__,
    *train.__all__,
    *report.__all__,
    *report_claims.__all__,
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

EXPERIMENTS = [GRID_EXPERIMENT]


def chapter_claims() -> list:
    """The five papers' claims judged on every task, from every recorded run of the chapter."""
    return report_claims.claims(recorded_all(EXPERIMENTS))


def chapter_results() -> str:
    """The chapter page's generated results section (Markdown), from every recorded run."""
    return report_claims.results_page(recorded_all(EXPERIMENTS))
