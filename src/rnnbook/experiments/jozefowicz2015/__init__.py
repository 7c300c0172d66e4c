"""Jozefowicz, Zaremba & Sutskever (2015): an empirical exploration of recurrent architectures.

Chapter ``jozefowicz2015`` of the book: ``config``, ``config_profiles`` and
``config_more_seeds`` (the paper's numbers, configurations, jobs), ``data`` (token streams),
``train_lm``, ``train``, ``train_seeds`` and ``train_dropout`` (the language model and each
job), ``report`` and ``report_more`` (tables, findings, figures), and here its six experiments,
declared.
"""

from __future__ import annotations

from rnnbook.experiments.jozefowicz2015 import (
    config,
    config_more_seeds,
    config_profiles,
    data,
    report,
    report_claims,
    report_more,
    train,
    train_dropout,
    train_lm,
    train_seeds,
)
from rnnbook.experiments.jozefowicz2015.config import *  # noqa: F403 - the chapter's names, one namespace
from rnnbook.experiments.jozefowicz2015.config import (
    CHAPTER,
    MUSIC,
    PTB_DROPOUT,
    SEARCH,
    TABLE1,
    TABLE1_SEEDS,
)
from rnnbook.experiments.jozefowicz2015.config_more_seeds import *  # noqa: F403
from rnnbook.experiments.jozefowicz2015.config_more_seeds import TABLE1_MORE_SEEDS, more_seed_jobs
from rnnbook.experiments.jozefowicz2015.config_profiles import *  # noqa: F403
from rnnbook.experiments.jozefowicz2015.config_profiles import (
    music_jobs,
    ptb_dropout_jobs,
    search_jobs,
    table1_jobs,
    table1_seed_jobs,
)
from rnnbook.experiments.jozefowicz2015.data import *  # noqa: F403
from rnnbook.experiments.jozefowicz2015.report import *  # noqa: F403
from rnnbook.experiments.jozefowicz2015.report import (
    music_table,
    ptb_dropout_table,
    reseeded,
    search_table,
    table1,
    table1_seeds,
)
from rnnbook.experiments.jozefowicz2015.report_more import *  # noqa: F403
from rnnbook.experiments.jozefowicz2015.train import *  # noqa: F403
from rnnbook.experiments.jozefowicz2015.train import (
    train_music_job,
    train_search_job,
    train_table1_job,
)
from rnnbook.experiments.jozefowicz2015.train_dropout import *  # noqa: F403
from rnnbook.experiments.jozefowicz2015.train_dropout import train_searched_dropout_job
from rnnbook.experiments.jozefowicz2015.train_lm import *  # noqa: F403
from rnnbook.experiments.jozefowicz2015.train_seeds import train_table1_seeds_job
from rnnbook.experiments.runner import Experiment, placeholders_all, recorded_all
from rnnbook.results.verdicts import strongest

__all__ = [
    "chapter_claims",
    "chapter_results",
    "strongest_seeds_table",
    *config.__all__,
    *config_profiles.__all__,
    *config_more_seeds.__all__,
    *data.__all__,
    *train_lm.__all__,
    *train.__all__,
    *train_dropout.__all__,
    *train_seeds.__all__,
    *report.__all__,
    *report_more.__all__,
    "EXPERIMENTS",
    "MUSIC_EXPERIMENT",
    "PTB_DROPOUT_EXPERIMENT",
    "SEARCH_EXPERIMENT",
    "TABLE1_EXPERIMENT",
    "TABLE1_MORE_SEEDS_EXPERIMENT",
    "TABLE1_SEEDS_EXPERIMENT",
]

TABLE1_EXPERIMENT = Experiment(
    CHAPTER,
    TABLE1,
    "Table 1: next-step accuracy of ten cells on arithmetic, XML and Penn Treebank",
    jobs=table1_jobs,
    train=train_table1_job,
    table=table1,
)
TABLE1_SEEDS_EXPERIMENT = Experiment(
    CHAPTER,
    TABLE1_SEEDS,
    "Table 1's best setting of each cell, retrained with three seeds (where a profile asks)",
    jobs=table1_seed_jobs,
    train=train_table1_seeds_job,
    table=table1_seeds,
    after=(TABLE1,),
)
TABLE1_MORE_SEEDS_EXPERIMENT = Experiment(
    CHAPTER,
    TABLE1_MORE_SEEDS,
    "Table 1's best setting of the cells where three seeds did not decide, with 26 seeds",
    jobs=more_seed_jobs,
    train=train_table1_seeds_job,
    table=table1_seeds,
    after=(TABLE1,),
)
MUSIC_EXPERIMENT = Experiment(
    CHAPTER,
    MUSIC,
    "Table 2: NLL per frame on Nottingham and Piano-midi",
    jobs=music_jobs,
    train=train_music_job,
    table=music_table,
)
PTB_DROPOUT_EXPERIMENT = Experiment(
    CHAPTER,
    PTB_DROPOUT,
    "Table 3: Penn Treebank perplexity with dropout",
    jobs=ptb_dropout_jobs,
    train=train_searched_dropout_job,
    table=ptb_dropout_table,
)
SEARCH_EXPERIMENT = Experiment(
    CHAPTER,
    SEARCH,
    "Sec. 3: a small architecture search over mutated GRU/LSTM graphs",
    jobs=search_jobs,
    train=train_search_job,
    table=search_table,
)
EXPERIMENTS = [
    TABLE1_EXPERIMENT,
    TABLE1_SEEDS_EXPERIMENT,
    TABLE1_MORE_SEEDS_EXPERIMENT,
    MUSIC_EXPERIMENT,
    PTB_DROPOUT_EXPERIMENT,
    SEARCH_EXPERIMENT,
]


def chapter_claims() -> list:
    """The paper's claims with their verdicts, from every recorded run of the chapter."""
    return report_claims.claims(recorded_all(EXPERIMENTS))


def chapter_results() -> str:
    """The chapter page's generated results section (Markdown), from every recorded run."""
    return report_claims.results_page(recorded_all(EXPERIMENTS), placeholders_all(EXPERIMENTS))


def strongest_seeds_table():
    """Each cell's best setting retrained with seeds, at the strongest profile recorded: three
    seeds (``table1_seeds``), 26 where ``table1_more_seeds`` took over."""
    runs = recorded_all([TABLE1_SEEDS_EXPERIMENT, TABLE1_MORE_SEEDS_EXPERIMENT])
    profile, runs = strongest(reseeded(runs))
    title = f"Table 1, each cell's best setting with seeds, profile `{profile}`"
    return table1_seeds(runs, title if runs else "Table 1 with seeds: nothing recorded yet")
