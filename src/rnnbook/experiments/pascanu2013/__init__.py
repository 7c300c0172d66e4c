"""Pascanu, Mikolov & Bengio (2013): exploding and vanishing gradients, clipping and Omega.

Chapter ``pascanu2013`` of the book. Five experiments: ``success`` (Figure 7) and
``success_seeds`` (more seeds where five did not decide, ``config_seeds``), ``generalisation``
and ``generalisation_figure7`` (Sec. 4.1) on the synthetic tasks (``config``, ``train``,
``report``, ``report_wall``), and ``table1`` (Table 1) on music and PTB
characters (``config_table1``, ``train_table1``, ``report_table1``). The synthetic-task names
are this package's own; those of Table 1 live in its modules.
"""

from __future__ import annotations

from rnnbook.experiments.pascanu2013 import (
    config,
    config_seeds,
    config_table1,
    report,
    report_claims,
    report_figures,
    report_table1,
    report_wall,
    train,
    train_table1,
)
from rnnbook.experiments.pascanu2013.config import *  # noqa: F403 - the chapter's names, one namespace
from rnnbook.experiments.pascanu2013.config import (
    CHAPTER,
    GENERALISATION,
    GENERALISATION_FIGURE7,
    SUCCESS,
    generalisation_figure7_jobs,
    generalisation_jobs,
    success_jobs,
)
from rnnbook.experiments.pascanu2013.config_seeds import SUCCESS_SEEDS, seeds_jobs
from rnnbook.experiments.pascanu2013.report import *  # noqa: F403
from rnnbook.experiments.pascanu2013.report import generalisation_table, success_table
from rnnbook.experiments.pascanu2013.report_figures import *  # noqa: F403
from rnnbook.experiments.pascanu2013.report_wall import *  # noqa: F403
from rnnbook.experiments.pascanu2013.train import *  # noqa: F403
from rnnbook.experiments.pascanu2013.train import train_task_job
from rnnbook.experiments.runner import Experiment, recorded_all
from rnnbook.results.verdicts import strongest

__all__ = [
    *config.__all__,
    *train.__all__,
    *report.__all__,
    *report_figures.__all__,
    *report_wall.__all__,
    "config_seeds",
    "config_table1",
    "train_table1",
    "report_table1",
    "EXPERIMENTS",
    "GENERALISATION_EXPERIMENT",
    "GENERALISATION_FIGURE7_EXPERIMENT",
    "SUCCESS_EXPERIMENT",
    "SUCCESS_SEEDS_EXPERIMENT",
    "TABLE1_EXPERIMENT",
    "chapter_claims",
    "chapter_results",
    "strongest_figure7",
]

TABLE1_EXPERIMENT = Experiment(
    CHAPTER,
    config_table1.EXPERIMENT,
    "Table 1: SGD, SGD-C, SGD-CR on polyphonic music (NLL/frame) and PTB characters (bpc)",
    jobs=config_table1.jobs,
    train=train_table1.train_job,
    table=report_table1.table,
)
SUCCESS_EXPERIMENT = Experiment(
    CHAPTER,
    SUCCESS,
    "Figure 7: success rate on temporal order against length, SGD / SGD-C / SGD-CR",
    jobs=success_jobs,
    train=train_task_job,
    table=success_table,
)
SUCCESS_SEEDS_EXPERIMENT = Experiment(
    CHAPTER,
    SUCCESS_SEEDS,
    "Figure 7, more seeds where five left SGD-CR against SGD-C undecided",
    jobs=seeds_jobs,
    train=train_task_job,
    table=success_table,
    after=(SUCCESS,),
)
GENERALISATION_EXPERIMENT = Experiment(
    CHAPTER,
    GENERALISATION,
    "Sec. 4.1: SGD-CR models trained on random lengths, tested on longer sequences",
    jobs=generalisation_jobs,
    train=train_task_job,
    table=generalisation_table,
)
GENERALISATION_FIGURE7_EXPERIMENT = Experiment(
    CHAPTER,
    GENERALISATION_FIGURE7,
    "Sec. 4.1 at Figure 7's settings: SGD-CR trained on random lengths, tested on longer ones",
    jobs=generalisation_figure7_jobs,
    train=train_task_job,
    table=generalisation_table,
    after=(GENERALISATION,),
)
EXPERIMENTS = [
    TABLE1_EXPERIMENT,
    SUCCESS_EXPERIMENT,
    SUCCESS_SEEDS_EXPERIMENT,
    GENERALISATION_EXPERIMENT,
    GENERALISATION_FIGURE7_EXPERIMENT,
]


def chapter_claims() -> list:
    """The paper's claims with their verdicts, from every recorded run of the chapter."""
    return report_claims.claims(recorded_all(EXPERIMENTS))


def chapter_results() -> str:
    """The chapter page's generated results section (Markdown), from every recorded run."""
    return report_claims.results_page(recorded_all(EXPERIMENTS))


def strongest_figure7() -> list:
    """Figure 7's runs of the strongest recorded profile (never ``smoke``), with the runs of
    ``success_seeds`` pooled in; empty when none is recorded."""
    return strongest(recorded_all([SUCCESS_EXPERIMENT, SUCCESS_SEEDS_EXPERIMENT]))[1]
