"""Jozefowicz, Zaremba & Sutskever (2015), chapter ``jozefowicz2015``: the paper's numbers and the
configuration of every kind of job.

- ``table1``: the ten cells of Table 1 (tanh, LSTM and its four ablations, GRU, MUT1-3) on the
  arithmetic, XML and Penn Treebank tasks; each (cell, task) pair is a random hyperparameter search
  in the spirit of Sec. 3.4 (initialisation scale, learning rate, clipping threshold), whose
  settings train side by side as stacked members; the best on validation accuracy is reported.
- ``music``: negative log-likelihood per frame on Nottingham and Piano-midi (Sec. 4, Table 2).
- ``ptb_dropout``: word-level Penn Treebank perplexity with dropout (Sec. 4, Table 3).
- ``search``: the architecture search itself, small but real (Sec. 3): mutation of computation
  graphs, the memorisation filter, scoring against the GRU (:mod:`rnnbook.experiments.arch_search`).

Training follows the paper's language-model setup (after Zaremba et al. 2014): plain SGD, gradient
norm clipping, minibatches of 20 contiguous streams unrolled 35 steps with the state carried across
minibatches, the loss summed over the 35 steps and averaged over the batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rnnbook.cells.mut import ARCHITECTURES
from rnnbook.train import TrainConfig

__all__ = [
    "ARCHS",
    "CHAPTER",
    "CLIP_RANGE",
    "DropoutConfig",
    "LR_RANGE",
    "MUSIC",
    "MUSIC_DATASETS",
    "MUSIC_TITLES",
    "MusicConfig",
    "PAPER_MUSIC",
    "PAPER_MUSIC_DROPOUT",
    "PAPER_SCORES",
    "PAPER_TABLE1",
    "PAPER_TABLE3",
    "PTB_DROPOUT",
    "SCALE_RANGE",
    "SEARCH",
    "SearchConfig",
    "SearchedDropoutConfig",
    "SearchTask",
    "StreamData",
    "TABLE1",
    "TABLE1_SEEDS",
    "TASKS",
    "TASK_TITLES",
    "Table1Config",
    "VERSION",
    "sample_hyperparameters",
]


CHAPTER = "jozefowicz2015"


#: Bumped whenever a change to this code changes results: records of older versions become stale.
VERSION = 1


TASKS: tuple[str, ...] = ("arithmetic", "xml", "ptb")

ARCHS: tuple[str, ...] = tuple(ARCHITECTURES)


TASK_TITLES = {
    "arithmetic": "Arithmetic",
    "xml": "XML",
    "ptb": "PTB",
    "memorization": "Memorisation",
}


#: Table 1 of the paper (ICML 2015, PMLR 37), best next-step accuracy: (task, cell, "test") -> v.
PAPER_TABLE1: dict[tuple[str, str, str], float] = {}


for _arch, _values in {
    "tanh": (0.2950, 0.3210, 0.0878),
    "lstm": (0.8922, 0.4254, 0.0891),
    "lstm-f": (0.2934, 0.2339, 0.0881),
    "lstm-i": (0.7514, 0.4141, 0.0866),
    "lstm-o": (0.8670, 0.4212, 0.0893),
    "lstm-b": (0.9024, 0.4441, 0.0895),
    "gru": (0.8962, 0.4604, 0.0907),
    "mut1": (0.9210, 0.4753, 0.0897),
    "mut2": (0.8972, 0.4729, 0.0904),
    "mut3": (0.9072, 0.4650, 0.0916),
}.items():
    for _task, _v in zip(TASKS, _values):
        PAPER_TABLE1[(_task, _arch, "test")] = _v


#: Music, NLL per frame (nats) of the paper's Table 2 for the three cells given in our source.
#: Read from the machine-written summary of the paper (not checked against the paper's own text,
#: which we could not reach): treat as indicative.
PAPER_MUSIC: dict[tuple[str, str, str], float] = {
    ("nottingham", "lstm", "test"): 3.492,
    ("nottingham", "mut1", "test"): 3.254,
    ("nottingham", "lstm-b", "test"): 3.419,
    ("piano", "lstm", "test"): 6.866,
    ("piano", "mut1", "test"): 6.792,
    ("piano", "lstm-b", "test"): 6.820,
}


#: Nottingham with dropout, same source.
PAPER_MUSIC_DROPOUT = {"lstm": 3.403, "mut1": 3.376, "lstm-b": 3.345}


#: Table 3: test perplexity on PTB with dropout, models of about 20M parameters.
PAPER_TABLE3: dict[tuple[str, str, str], float] = {
    ("ptb", a, "test"): v
    for a, v in {
        "lstm-b": 79.8,
        "lstm": 81.4,
        "lstm-o": 82.3,
        "mut3": 89.5,
        "gru": 91.7,
        "tanh": 97.7,
        "lstm-f": 100.8,
    }.items()
}


TABLE1 = "table1"
#: Table 1's best setting per (task, cell), retrained with several seeds (profiles with ``reseed``).
TABLE1_SEEDS = "table1_seeds"


@dataclass(frozen=True)
class Table1Config:
    """One (task, cell) job: ``hyperparameters`` lists (init scale, learning rate, clipping
    threshold) settings that train together as members (seeds ``seed * 100 + k``); each trains
    for ``epochs`` epochs of ``train_tokens`` tokens and keeps its best validation accuracy."""

    task: str
    arch: str
    hidden: int
    layers: int
    hyperparameters: tuple[tuple[float, float, float], ...]
    epochs: int
    train_tokens: int | None
    eval_tokens: int | None
    batch_size: int = 20
    unroll: int = 35
    max_digits: int = 8
    seed: int = 0
    version: int = VERSION

    def data(self) -> StreamData:
        return StreamData(
            self.task, self.train_tokens, self.eval_tokens, self.seed, self.max_digits
        )

    def member_seeds(self) -> tuple[int, ...]:
        return tuple(self.seed * 100 + k for k in range(len(self.hyperparameters)))

    def train_config(self) -> TrainConfig:
        return TrainConfig(
            optimizer="sgd",
            lr=tuple(h[1] for h in self.hyperparameters),
            clip_norm=tuple(h[2] for h in self.hyperparameters),
            max_epochs=self.epochs,
            patience=None,
            monitor="error",
        )


MUSIC = "music"


MUSIC_DATASETS = ("nottingham", "piano")


MUSIC_TITLES = {"nottingham": "Nottingham", "piano": "Piano-midi"}


@dataclass(frozen=True)
class MusicConfig:
    """One (data set, cell) job: settings stacked as members; SGD on minibatches of
    ``batch_size`` pieces, cut into segments of at most ``max_length`` frames for training (all of
    each piece is used; evaluation reads whole pieces), the loss summed over the frames and
    averaged over the pieces as in the language-model tasks."""

    dataset: str
    arch: str
    hidden: int
    hyperparameters: tuple[tuple[float, float, float], ...]
    epochs: int
    max_sequences: int | None
    max_length: int | None
    batch_size: int = 20
    seed: int = 0
    version: int = VERSION

    def member_seeds(self) -> tuple[int, ...]:
        return tuple(self.seed * 100 + k for k in range(len(self.hyperparameters)))


PTB_DROPOUT = "ptb_dropout"


@dataclass(frozen=True)
class DropoutConfig:
    """One cell on word-level PTB with dropout on the non-recurrent connections (Zaremba et al.
    2014, "medium": 2 x 650 units, dropout 0.5, SGD with rate 1 decayed, clipping at 5, weights
    U(-0.05, 0.05)). Our learning rate decays along a cosine instead of by 1/1.2 per epoch."""

    arch: str
    hidden: int
    layers: int
    dropout: float
    epochs: int
    train_tokens: int | None
    eval_tokens: int | None
    lr: float = 1.0
    clip: float = 5.0
    init_bound: float = 0.05
    batch_size: int = 20
    unroll: int = 35
    seed: int = 0
    version: int = VERSION


@dataclass(frozen=True)
class SearchedDropoutConfig(DropoutConfig):
    """A :class:`DropoutConfig` whose learning rate is chosen per cell, as the paper chose every
    cell's settings by search: each of ``lrs`` trains for ``search_epochs`` epochs (one member
    each, the same seed), and the rate of the lowest validation perplexity trains the run
    (``lr`` is not used)."""

    lrs: tuple[float, ...] = (1.0,)
    search_epochs: int = 1


SEARCH = "search"


@dataclass(frozen=True)
class SearchTask:
    task: str
    epochs: int
    train_tokens: int
    eval_tokens: int


@dataclass(frozen=True)
class SearchConfig:
    """The search's sizes (see :class:`rnnbook.experiments.arch_search.SearchSettings`), the
    network every candidate is tried in, the memorisation filter and the tasks it is scored on.
    Every candidate trains ``settings`` hyperparameter settings as stacked members per task."""

    hidden: int
    settings: int
    generations: int
    children: int
    keep: int
    memorization: SearchTask
    tasks: tuple[SearchTask, ...]
    max_digits: int
    mutation_rate: float = 0.1
    filter_fraction: float = 0.75
    batch_size: int = 20
    unroll: int = 35
    seed: int = 0
    version: int = VERSION


#: The paper's own min-over-tasks score of its three mutants against the GRU, from Table 1.
PAPER_SCORES = {
    a: min(PAPER_TABLE1[(t, a, "test")] / PAPER_TABLE1[(t, "gru", "test")] for t in TASKS)
    for a in ("gru", "lstm", "mut1", "mut2", "mut3")
}


#: The ranges of Sec. 3.4 that the random hyperparameter search draws from.
SCALE_RANGE = (0.3, 2.8)  # weights U(-s/sqrt(H), s/sqrt(H))


LR_RANGE = (0.1, 5.0)  # SGD, log-uniform


CLIP_RANGE = (1.0, 20.0)  # gradient-norm threshold, log-uniform


def sample_hyperparameters(n: int, seed: int) -> tuple[tuple[float, float, float], ...]:
    """``n`` settings (init scale, learning rate, clipping threshold), a pure function of ``seed``.

    The scale is uniform in :data:`SCALE_RANGE`; the learning rate and the threshold are
    log-uniform in their ranges. Every cell of a task gets the same settings (a paired design).
    """
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        s = rng.uniform(*SCALE_RANGE)
        lr = math.exp(rng.uniform(*np.log(LR_RANGE)))
        clip = math.exp(rng.uniform(*np.log(CLIP_RANGE)))
        out.append((round(s, 4), round(lr, 4), round(clip, 3)))
    return tuple(out)


@dataclass(frozen=True)
class StreamData:
    """How much of a task one job sees: tokens per training epoch and per evaluation split.

    Generated tasks draw a fresh training stream every epoch (seeded by ``seed`` and the epoch) and
    fixed validation and test streams; PTB cycles through its training split ``train_tokens`` at a
    time (all of it when ``train_tokens`` is ``None``) and evaluates on the first ``eval_tokens``
    tokens of each split (all when ``None``). ``max_digits`` sets the arithmetic task's size.
    """

    task: str
    train_tokens: int | None
    eval_tokens: int | None
    seed: int = 0
    max_digits: int = 8
