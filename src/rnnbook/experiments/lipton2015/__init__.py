"""Lipton, Berkowitz & Elkan (2015): the review's central claims, made executable.

Chapter ``lipton2015`` of the book: ``config`` and ``config_profiles`` (configurations, jobs),
``data`` (validation, test and training sets), ``train_measures`` and ``train`` (what is
measured, how a job trains), ``train_init`` (the factors at initialisation), ``report``,
``report_gradients`` and ``report_figures`` (tables, findings, figures), and here its five
experiments, declared.
"""

from __future__ import annotations

from rnnbook.experiments.lipton2015 import (
    config,
    config_profiles,
    config_seeds,
    data,
    report,
    report_claims,
    report_copy,
    report_figures,
    report_gradients,
    train,
    train_init,
    train_measures,
)
from rnnbook.experiments.lipton2015.config import *  # noqa: F403 - the chapter's names, one namespace
from rnnbook.experiments.lipton2015.config import (
    BRNN,
    CHAPTER,
    COPY,
    GRADIENTS,
    INIT_FACTORS,
    TBPTT,
)
from rnnbook.experiments.lipton2015.config_profiles import *  # noqa: F403
from rnnbook.experiments.lipton2015.config_profiles import JOBS
from rnnbook.experiments.lipton2015.config_seeds import *  # noqa: F403
from rnnbook.experiments.lipton2015.config_seeds import INIT_FACTOR_SEEDS, more_seed_jobs
from rnnbook.experiments.lipton2015.data import *  # noqa: F403
from rnnbook.experiments.lipton2015.report import *  # noqa: F403
from rnnbook.experiments.lipton2015.report import TABLES
from rnnbook.experiments.lipton2015.report_copy import *  # noqa: F403
from rnnbook.experiments.lipton2015.report_figures import *  # noqa: F403
from rnnbook.experiments.lipton2015.report_gradients import *  # noqa: F403
from rnnbook.experiments.lipton2015.train import *  # noqa: F403
from rnnbook.experiments.lipton2015.train import (
    _train_brnn,
    _train_copy,
    _train_gradients,
    _train_tbptt,
)
from rnnbook.experiments.lipton2015.train_init import *  # noqa: F403
from rnnbook.experiments.lipton2015.train_init import _train_init_factors
from rnnbook.experiments.lipton2015.train_measures import *  # noqa: F403
from rnnbook.experiments.runner import Experiment, recorded_all
from rnnbook.profiles import PROFILES
from rnnbook.results.verdicts import strongest

__all__ = [
    "chapter_claims",
    "chapter_results",
    "init_factor_profiles",
    *config.__all__,
    *config_profiles.__all__,
    *config_seeds.__all__,
    *data.__all__,
    *train_measures.__all__,
    *train.__all__,
    *train_init.__all__,
    *report.__all__,
    *report_copy.__all__,
    *report_figures.__all__,
    *report_gradients.__all__,
    "BRNN_EXPERIMENT",
    "COPY_EXPERIMENT",
    "EXPERIMENTS",
    "GRADIENTS_EXPERIMENT",
    "INIT_FACTORS_EXPERIMENT",
    "INIT_FACTOR_SEEDS_EXPERIMENT",
    "TBPTT_EXPERIMENT",
]


def _experiment(name: str, title: str, train) -> Experiment:
    return Experiment(CHAPTER, name, title, jobs=JOBS[name], train=train, table=TABLES[name])


GRADIENTS_EXPERIMENT = _experiment(
    GRADIENTS,
    "Vanishing/exploding Jacobians of tanh RNNs and the LSTM's carousel",
    _train_gradients,
)
INIT_FACTORS_EXPERIMENT = _experiment(
    INIT_FACTORS,
    "The per-step factor at initialisation, over many seeds",
    _train_init_factors,
)
INIT_FACTOR_SEEDS_EXPERIMENT = Experiment(
    CHAPTER,
    INIT_FACTOR_SEEDS,
    "The per-step factor at initialisation, more seeds where 500 did not decide",
    jobs=more_seed_jobs,
    train=_train_init_factors,
    table=TABLES[INIT_FACTOR_SEEDS],
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
EXPERIMENTS = [
    GRADIENTS_EXPERIMENT,
    INIT_FACTORS_EXPERIMENT,
    INIT_FACTOR_SEEDS_EXPERIMENT,
    TBPTT_EXPERIMENT,
    BRNN_EXPERIMENT,
    COPY_EXPERIMENT,
]


def init_factor_profiles(profile: str, rerun: bool | str | None = None):
    """``(profile, runs)`` of ``init_factors`` to show, strongest first: the strongest recorded
    profile (what the verdicts use, with the seeds ``init_factor_seeds`` adds there) when it is
    stronger than the build's, then the build's ``profile`` (measured where missing; a profile
    that does not define the experiment, ``full``, takes `cpu`'s)."""
    own = profile if INIT_FACTORS_EXPERIMENT.jobs_of(profile) else "cpu"
    shown = [(own, INIT_FACTORS_EXPERIMENT.run(own, rerun=rerun))]
    best, runs = strongest(recorded_all([INIT_FACTORS_EXPERIMENT, INIT_FACTOR_SEEDS_EXPERIMENT]))
    if best and PROFILES.index(best) > PROFILES.index(own):
        shown.insert(0, (best, runs))
    return shown


def chapter_claims() -> list:
    """The paper's claims with their verdicts, from every recorded run of the chapter."""
    return report_claims.claims(recorded_all(EXPERIMENTS))


def chapter_results() -> str:
    """The chapter page's generated results section (Markdown), from every recorded run."""
    return report_claims.results_page(recorded_all(EXPERIMENTS))
