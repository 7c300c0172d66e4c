"""Chung, Gulcehre, Cho & Bengio (2014): tanh vs GRU vs LSTM on polyphonic music.

Chapter ``chung2014`` of the book, the worked example of a chapter's shape: ``config`` (paper
numbers, configurations, jobs), ``train`` (one job), ``report`` (tables, findings, figures),
and here its experiments, declared.
"""

from __future__ import annotations

from rnnbook.experiments.chung2014 import config, report, report_claims, train
from rnnbook.experiments.chung2014.config import *  # noqa: F403 - the chapter's names, one namespace
from rnnbook.experiments.chung2014.config import (
    BUDGET,
    CHAPTER,
    EXPERIMENT,
    BudgetConfig,
    budget_jobs,
    jobs,
)
from rnnbook.experiments.chung2014.report import *  # noqa: F403 - the chapter's names, one namespace
from rnnbook.experiments.chung2014.report import budget_table, table
from rnnbook.experiments.chung2014.report_claims import *  # noqa: F403 - the chapter's names
from rnnbook.experiments.chung2014.train import *  # noqa: F403 - the chapter's names, one namespace
from rnnbook.experiments.chung2014.train import train_job
from rnnbook.experiments.runner import Experiment, placeholders_all, recorded_all

__all__ = [
    *config.__all__,
    *train.__all__,
    *report.__all__,
    *report_claims.__all__,
    "BUDGET_VARIANTS_EXPERIMENT",
    "EXPERIMENTS",
    "TABLE2",
    "chapter_claims",
    "chapter_results",
]


TABLE2 = Experiment(
    CHAPTER,
    EXPERIMENT,
    "Table 2: NLL per frame of tanh, GRU and LSTM on four polyphonic music data sets",
    jobs=jobs,
    train=train_job,
    table=table,
)


BUDGET_VARIANTS_EXPERIMENT = Experiment(
    CHAPTER,
    BUDGET,
    "Where the Nottingham gap comes from: batch size, updates, weight noise, schedule (GRU)",
    jobs=budget_jobs,
    train=train_job,
    table=budget_table,
    config_type=BudgetConfig,  # its train_config() adds momentum and a schedule
)


EXPERIMENTS = [TABLE2, BUDGET_VARIANTS_EXPERIMENT]


def chapter_claims() -> list:
    """The paper's claims with their verdicts, from every recorded run of the chapter."""
    return report_claims.claims(recorded_all(EXPERIMENTS))


def chapter_results() -> str:
    """The chapter page's generated results section (Markdown), from every recorded run."""
    return report_claims.results_page(recorded_all(EXPERIMENTS), placeholders_all(EXPERIMENTS))
