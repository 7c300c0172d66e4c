"""Pascanu, Mikolov & Bengio (2013), Table 1: SGD, SGD-C and SGD-CR on natural data -- the paper's
numbers, the configurations and the jobs.

Sec. 4.2 of the paper trains one-layer sigmoid RNNs with plain SGD, with gradient-norm clipping
(SGD-C) and with clipping and the regulariser Omega (SGD-CR) on polyphonic music (Piano-midi.de,
Nottingham, MuseData; the negative log-likelihood per time step in nats) and on the Penn Treebank
at the character level (bits per character). 300 sigmoid units for Piano-midi and Nottingham,
400 for MuseData, 500 for PTB; clipping at 8 for music and 45 for PTB; PTB is read in sequences
of 200 characters. The paper does not give the learning rate, the minibatch size, the regulariser
weight or the number of epochs for these runs: ours are in :data:`PROFILES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import torch
from torch import Tensor

from rnnbook.data.polyphonic import N_PITCHES as NOTES  # the 88 keys of a piano roll
from rnnbook.experiments.jobs import Job
from rnnbook.profiles import check_profile
from rnnbook.train import TrainConfig

__all__ = [
    "CHAPTER",
    "DATASETS",
    "DATASET_TITLES",
    "EXPERIMENT",
    "METHODS",
    "MUSIC",
    "NOTES",
    "PAPER_CLIP",
    "PAPER_TABLE1",
    "PAPER_TABLE1_V2",
    "PAPER_UNITS",
    "PROFILES",
    "Table1Config",
    "VERSION",
    "configs",
    "job_key",
    "jobs",
    "run_id",
]


CHAPTER = "pascanu2013"


EXPERIMENT = "table1"


#: Bumped whenever a change to this code changes results: records of older versions become stale.
VERSION = 1


METHODS = ("sgd", "sgd-c", "sgd-cr")


MUSIC = ("piano", "nottingham", "musedata")


DATASETS = (*MUSIC, "ptb")


DATASET_TITLES = {
    "piano": "Piano-midi",
    "nottingham": "Nottingham",
    "musedata": "MuseData",
    "ptb": "PTB, next character",
}


#: The paper's hidden units and clipping thresholds (Sec. 4.2).
PAPER_UNITS = {"piano": 300, "nottingham": 300, "musedata": 400, "ptb": 500}


PAPER_CLIP = {"piano": 8.0, "nottingham": 8.0, "musedata": 8.0, "ptb": 45.0}


#: Table 1 of the ICML 2013 version, (dataset, method, split) -> NLL per frame (music, nats) or
#: bits per character (PTB). arXiv:1211.5063v2 differs in two SGD-CR test cells: Nottingham 3.46
#: and MuseData 6.99 (:data:`PAPER_TABLE1_V2`).
PAPER_TABLE1: dict[tuple[str, str, str], float] = {}


for _ds, _values in {
    "piano": ((6.87, 6.81, 7.01), (7.56, 7.53, 7.46)),
    "nottingham": ((3.67, 3.21, 2.95), (3.80, 3.48, 3.36)),
    "musedata": ((8.25, 6.54, 6.43), (7.11, 7.00, 6.97)),
    "ptb": ((1.46, 1.34, 1.36), (1.50, 1.42, 1.41)),
}.items():
    for _split, _row in zip(("train", "test"), _values):
        for _method, _value in zip(METHODS, _row):
            PAPER_TABLE1[(_ds, _method, _split)] = _value


#: arXiv:1211.5063v2, the two test cells where it differs from the ICML version.
PAPER_TABLE1_V2 = {("nottingham", "sgd-cr", "test"): 3.46, ("musedata", "sgd-cr", "test"): 6.99}


@dataclass(frozen=True)
class Table1Config:
    """One data set: the three methods (times the seeds) stacked in one model.

    Music: minibatches of ``batch_size`` pieces of similar length (``max_sequences`` pieces of at
    most ``max_length`` frames per split when set). PTB: the character stream cut into sequences
    of ``seq_length`` predicted characters, the state reset at the start of each; ``batch_size``
    sequences per minibatch, only the first ``train_symbols`` characters of the training split
    (and ``eval_symbols`` of valid and test) when set. Early stopping on validation NLL.
    """

    dataset: str
    hidden: int
    seeds: tuple[int, ...]
    lr: float
    clip: float
    alpha: float = 2.0
    methods: tuple[str, ...] = METHODS
    batch_size: int = 32
    max_epochs: int = 100
    patience: int | None = 10
    seq_length: int = 200
    train_symbols: int | None = None
    eval_symbols: int | None = None
    max_sequences: int | None = None
    max_length: int | None = None
    data_seed: int = 0
    version: int = VERSION

    def members(self) -> list[tuple[str, int]]:
        return [(m, s) for m in self.methods for s in self.seeds]

    def train_config(self) -> TrainConfig:
        return TrainConfig(
            optimizer="sgd",
            lr=self.lr,
            clip_norm=tuple(None if m == "sgd" else self.clip for m, _ in self.members()),
            max_epochs=self.max_epochs,
            patience=self.patience,
            monitor="nll",
        )

    def alphas(self) -> Tensor:
        return torch.tensor([self.alpha if m == "sgd-cr" else 0.0 for m, _ in self.members()])


#: Per profile: settings shared by every data set, and per data set where they differ. The
#: learning rates are the best of short validation probes (Nottingham, 4 epochs, {0.5, 1, 2};
#: PTB, first million characters, {1, 3}); the paper does not give its own.
PROFILES: dict[str, dict] = {
    "smoke": dict(
        shared=dict(seeds=(0,), hidden=8, max_epochs=1, patience=None, batch_size=4),
        music=dict(lr=0.5, max_sequences=6, max_length=30),
        ptb=dict(lr=0.5, seq_length=20, train_symbols=400, eval_symbols=400),
        epochs={},
    ),
    # about two minutes on two cores: 100 units instead of 300-500, a few epochs, PTB on its
    # first two million training characters
    "cpu": dict(
        shared=dict(seeds=(0,), hidden=100, patience=None, batch_size=8),
        music=dict(lr=2.0),
        ptb=dict(lr=3.0, train_symbols=2_000_000),
        epochs={"piano": 20, "nottingham": 8, "musedata": 6, "ptb": 1},
    ),
    # the paper's sizes (300 units, 400 on MuseData, 500 on PTB), ten times the `cpu` updates,
    # three seeds on every data set (Table 1's claims span PTB too, and one seed decides no
    # comparison), one job per seed; early stopping on validation with the `full` patience.
    # Measured while two other jobs trained, one epoch of the three methods times three seeds:
    # Piano-midi 51 s, Nottingham 75 s; so a job of one seed takes at most about an hour
    "long": dict(
        one_job_per_seed=True,
        shared=dict(seeds=(0, 1, 2), patience=10, batch_size=8),
        music=dict(lr=2.0),
        ptb=dict(lr=3.0),
        epochs={"piano": 200, "nottingham": 80, "musedata": 60, "ptb": 4},
    ),
    # the paper's sizes, early stopping on validation
    "full": dict(
        shared=dict(seeds=(0,), max_epochs=300, patience=10, batch_size=8),
        music=dict(lr=2.0),
        ptb=dict(lr=3.0),
        epochs={},
    ),
}


def configs(profile: str, datasets: Sequence[str] | None = None) -> list[Table1Config]:
    """The jobs of Table 1 in ``profile``, one per data set."""
    check_profile(profile)
    if profile not in PROFILES:
        return []
    spec = PROFILES[profile]
    out = []
    for ds in datasets or DATASETS:
        if ds not in DATASETS:
            raise ValueError(f"unknown data set {ds!r}: choose from {', '.join(DATASETS)}")
        kw = dict(hidden=PAPER_UNITS[ds], clip=PAPER_CLIP[ds])
        kw.update(spec["shared"])
        kw.update(spec["ptb"] if ds == "ptb" else spec["music"])
        cfg = Table1Config(dataset=ds, **kw)
        cfg = replace(cfg, max_epochs=spec["epochs"].get(ds, cfg.max_epochs))
        if spec.get("one_job_per_seed"):
            out += [replace(cfg, seeds=(s,)) for s in cfg.seeds]
        else:
            out.append(cfg)
    return out


def job_key(config: Table1Config, profile: str) -> str:
    """The data set, and the seed where ``profile`` trains one job per seed."""
    split = PROFILES[profile].get("one_job_per_seed")
    return f"{config.dataset}-s{config.seeds[0]}" if split else config.dataset


def run_id(dataset: str, method: str, seed: int) -> str:
    return f"{dataset}-{method}-s{seed}"


def jobs(profile: str, datasets: Sequence[str] | None = None) -> list[Job]:
    return [
        Job(
            CHAPTER,
            EXPERIMENT,
            profile,
            job_key(c, profile),
            c,
            {run_id(c.dataset, m, s): s for m, s in c.members()},
        )
        for c in configs(profile, datasets)
    ]
