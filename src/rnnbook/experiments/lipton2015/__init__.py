"""Lipton, Berkowitz & Elkan (2015): the review's central claims, made executable.

Chapter ``lipton2015`` of the book: ``config`` (configurations, jobs), ``data`` (validation,
test and training sets), ``train_measures`` and ``train`` (what is measured, how a job trains),
``report`` and ``report_figures`` (tables, findings, figures), and here its four experiments,
declared.
"""

from __future__ import annotations

from rnnbook.experiments.lipton2015 import (
    config,
    data,
    report,
    report_claims,
    report_copy,
    report_figures,
    train,
    train_measures,
)
from rnnbook.experiments.lipton2015.config import *  # noqa: F403 - the chapter's names, one namespace
from rnnbook.experiments.lipton2015.config import BRNN, CHAPTER, COPY, GRADIENTS, JOBS, TBPTT
from rnnbook.experiments.lipton2015.data import *  # noqa: F403
from rnnbook.experiments.lipton2015.report import *  # noqa: F403
from rnnbook.experiments.lipton2015.report import TABLES
from rnnbook.experiments.lipton2015.report_copy import *  # noqa: F403
from rnnbook.experiments.lipton2015.report_figures import *  # noqa: F403
from rnnbook.experiments.lipton2015.train import *  # noqa: F403
from rnnbook.experiments.lipton2015.train import (
    _train_brnn,
    _train_copy,
    _train_gradients,
    _train_tbptt,
)
from rnnbook.experiments.lipton2015.train_measures import *  # noqa: F403
from rnnbook.experiments.runner import Experiment, recorded_all

__all__ = [
    "chapter_claims",
    "chapter_results",
    *config.__all__,
    *data.__all__,
    *train_measures.__all__,
    *train.__all__,
    *report.__all__,
    *report_copy.__all__,
    *report_figures.__all__,
    "BRNN_EXPERIMENT",
    "COPY_EXPERIMENT",
    "EXPERIMENTS",
    "GRADIENTS_EXPERIMENT",
    "TBPTT_EXPERIMENT",
]


def _experiment(name: str, title: str, train) -> Experiment:
    return Experiment(CHAPTER, name, title, jobs=JOBS[name], train=train, table=TABLES[name])


GRADIENTS_EXPERIMENT = _experiment(
    GRADIENTS,
    "Vanishing/exploding Jacobians of tanh RNNs and the LSTM's carousel",
    _train_gradients,
)
TBPTT_EXPERIMENT = _experiment(
    TBPTT, "Truncated vs full BPTT on a dependency longer than the window", _train_tbptt
)
BRNN_EXPERIMENT = _experiment(
    BRNN, "Bidirectional vs one-directional RNNs on a task that needs the future", _train_brnn
)
COPY_EXPERIMENT = _experiment(
    COPY, "Copy task: NTM vs LSTM, trained short, tested long (Graves et al. 2014)", _train_copy
)
EXPERIMENTS = [GRADIENTS_EXPERIMENT, TBPTT_EXPERIMENT, BRNN_EXPERIMENT, COPY_EXPERIMENT]


def chapter_claims() -> list:
    """The paper's claims with their verdicts, from every recorded run of the chapter."""
    return report_claims.claims(recorded_all(EXPERIMENTS))


def chapter_results() -> str:
    """The chapter page's generated results section (Markdown), from every recorded run."""
    return report_claims.results_page(recorded_all(EXPERIMENTS))
