"""Every cell on every task, under one budget: the chapter after the five papers.

Chapter ``comparison``: ``config`` (tasks, cells, budgets, jobs), ``data`` (every task as batches
of one shape), ``train`` (one job), ``report`` (the table of cells by tasks, ranks, figures) and
``report_claims`` (the five papers' claims on each other's tasks); ``config_budget`` and
``report_budget``: a check of the grid at ten times its updates; ``config_chrono`` and
``report_chrono``: a check of the gated cells with the chrono initialisation;
``config_lr_above``, ``config_lr_climb`` and ``report_search``: where the learning-rate searches
landed, a check one rate above the range, and the search widened upward until its best rate is
inside.
"""

from __future__ import annotations

from rnnbook.experiments.comparison import (
    config,
    config_budget,
    config_chrono,
    config_lr_above,
    config_lr_climb,
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
from rnnbook.experiments.comparison.config_lr_climb import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.comparison.config_lr_climb import (
    LR_CLIMB,
    LR_WIDENED,
    lr_climb_jobs,
    lr_widened_jobs,
)
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
    *config_lr_climb.__all__,
    "BUDGET_EXPERIMENT",
    "CHRONO_EXPERIMENT",
    "EXPERIMENTS",
    "GRID_EXPERIMENT",
    "LR_ABOVE_EXPERIMENT",
    "LR_CLIMB_EXPERIMENT",
    "LR_WIDENED_EXPERIMENT",
    "chapter_claims",
    "chapter_results",
]


def _experiment(name: str, title: str, jobs, after: tuple[str, ...] = ()) -> Experiment:
    """One of the chapter's experiments: each trains and tabulates its jobs as the grid does."""
    return Experiment(
        CHAPTER, name, title, jobs=jobs, train=train_job, table=grid_table, after=after
    )


GRID_EXPERIMENT = _experiment(
    GRID,
    "Every cell on every task: one parameter budget, one number of updates, one search per task",
    grid_jobs,
)
#: The grid's temporal order again at ten times the updates (``long``): the same train function.
BUDGET_EXPERIMENT = _experiment(
    BUDGET,
    "Budget check: the gated cells on temporal order at ten times the grid's updates",
    budget_jobs,
)
#: The grid's LSTM and GRU on its long-range tasks with the chrono initialisation.
CHRONO_EXPERIMENT = _experiment(
    CHRONO,
    "Initialisation check: the LSTM and the GRU with chrono gate biases on long-range tasks",
    chrono_jobs,
)
#: The grid's jobs that chose their largest rate, again at the next rate up (seed 0).
LR_ABOVE_EXPERIMENT = _experiment(
    LR_ABOVE,
    "Learning-rate check: the jobs that chose the largest rate, at the next rate up",
    lr_above_jobs,
    after=(GRID,),
)
#: The climbs above the range that the check's step up began, one slice further at a time.
LR_CLIMB_EXPERIMENT = _experiment(
    LR_CLIMB,
    "Learning-rate climb: one slice higher again while the last step up scored better",
    lr_climb_jobs,
    after=(LR_ABOVE,),
)
#: Every seed of a job whose climb stopped above the grid's rate, at the best rate found.
LR_WIDENED_EXPERIMENT = _experiment(
    LR_WIDENED,
    "The grid's jobs with the search widened upward: every seed at the best rate found",
    lr_widened_jobs,
    after=(LR_CLIMB,),
)

EXPERIMENTS = [
    GRID_EXPERIMENT,
    BUDGET_EXPERIMENT,
    CHRONO_EXPERIMENT,
    LR_ABOVE_EXPERIMENT,
    LR_CLIMB_EXPERIMENT,
    LR_WIDENED_EXPERIMENT,
]


def chapter_claims() -> list:
    """The five papers' claims judged on every task, from every recorded run of the chapter."""
    return report_claims.claims(recorded_all(EXPERIMENTS))


def chapter_results() -> str:
    """The chapter page's generated results section (Markdown), from every recorded run."""
    return report_claims.results_page(recorded_all(EXPERIMENTS))
