"""Lipton, Berkowitz & Elkan (2015), chapter ``lipton2015``: the review's claims as experiments --
their names and the configuration of one job (the profiles and the jobs they make are in
:mod:`~rnnbook.experiments.lipton2015.config_profiles`).

The review (arXiv:1506.00019v4) reports no experiments of its own; each claim becomes one
experiment with a measurable outcome:

- ``gradients`` (Sec. 3.2): the norm of the Jacobian ``dh_t/dh_tau`` of a tanh RNN shrinks or
  grows like ``|w|^(t - tau)``; along the LSTM's memory cell (Sec. 4.1, the constant error
  carousel) it decays at the rate of the forget gate;
- ``init_factors``: the same per-step factor at initialisation only, with no training, which is
  cheap enough for the many seeds the claims on it need;
- ``tbptt`` (Sec. 3.3): truncated backpropagation through time cannot learn a dependency longer
  than its truncation window;
- ``brnn`` (Sec. 4.3): a bidirectional RNN uses future context that a one-directional RNN lacks;
- ``copy`` (Sec. 4.4, after Graves, Wayne & Danihelka 2014, Sec. 4.1): a Neural Turing Machine
  trained to copy sequences of lengths 1-20 copies longer ones; an LSTM does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "BRNN",
    "BRNNConfig",
    "BRNN_MODELS",
    "CHAPTER",
    "COPY",
    "COPY_MODELS",
    "CopyConfig",
    "EXPERIMENT_NAMES",
    "GRADIENTS",
    "GRADIENT_MODELS",
    "GRAVES2014_COPY",
    "GradientConfig",
    "INIT_FACTORS",
    "TBPTT",
    "TBPTTConfig",
    "VERSION",
    "truncation_label",
    "variant_label",
]


CHAPTER = "lipton2015"


GRADIENTS, TBPTT, BRNN, COPY = "gradients", "tbptt", "brnn", "copy"
INIT_FACTORS = "init_factors"


EXPERIMENT_NAMES = (GRADIENTS, INIT_FACTORS, TBPTT, BRNN, COPY)


#: Bumped whenever a change to this code changes results: records of older versions become stale.
VERSION = 1


#: Graves, Wayne & Danihelka (2014), Tables 1-3 (copy rows) and Sec. 4.6, arXiv:1410.5401v2.
#: The paper reports its copy results as figures (Figs. 3-5), not numbers: trained on lengths
#: 1-20, the NTM copies test sequences of length 10, 20, 30 and 50 with very few mistakes and one
#: of length 120 with a few more (Fig. 4); the LSTM fails beyond length 20 (Fig. 5). There is
#: therefore no number to put in a "paper" column.
GRAVES2014_COPY = {
    "ntm-lstm": {
        "heads": 1,
        "controller": "LSTM, 100 units",
        "memory": "128 x 20",
        "lr": 1e-4,
        "momentum": 0.9,
        "parameters": 67_561,
    },
    "ntm-ff": {
        "heads": 1,
        "controller": "feed-forward, 100 units",
        "memory": "128 x 20",
        "lr": 1e-4,
        "momentum": 0.9,
        "parameters": 17_162,
    },
    "lstm": {"layers": 3, "units": 256, "lr": 3e-5, "momentum": 0.9, "parameters": 1_352_969},
    "optimizer": "RMSProp with momentum 0.9 (Graves 2013 form); gradients clipped to (-10, 10)",
    "train_lengths": (1, 20),
    "bits": 8,
}


def _seed_of(*parts: int) -> int:
    """A data seed from integers (epoch, batch, ...), stable across runs and platforms."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0])


@dataclass(frozen=True)
class GradientConfig:
    """One model family (``tanh`` or ``lstm``) at several settings, trained briefly.

    ``variants`` are spectral radii of the recurrent matrix U (tanh) or forget-gate biases
    (LSTM). Every variant and seed is a member of one stacked network. The Jacobian norms are
    measured at initialisation and after ``updates`` updates of full BPTT on the delayed-recall
    task with ``lag``, on ``measure_batch`` sequences of ``length`` steps, in float64. The
    ``init_factors`` experiment measures at initialisation only (``updates = 0``).
    """

    model: str
    variants: tuple[float, ...]
    seeds: tuple[int, ...]
    hidden: int = 64
    symbols: int = 4
    lag: int = 10
    length: int = 60
    batch_size: int = 32
    updates: int = 300
    updates_per_epoch: int = 50
    lr: float = 1e-3
    clip_norm: float = 1.0
    measure_batch: int = 16
    eval_sequences: int = 512
    data_seed: int = 0
    version: int = VERSION


GRADIENT_MODELS = ("tanh", "lstm")


def variant_label(model: str, value: float) -> str:
    """``tanh-rho0.9`` (spectral radius) or ``lstm-bf1`` (forget-gate bias)."""
    return f"tanh-rho{value:g}" if model == "tanh" else f"lstm-bf{value:g}"


def _gradient_members(config: GradientConfig) -> list[tuple[float, int]]:
    return [(v, s) for v in config.variants for s in config.seeds]


@dataclass(frozen=True)
class TBPTTConfig:
    """An LSTM (forget-gate bias ``forget_bias`` added at initialisation, as Gers et al. 2000
    advise) on delayed recall with dependency ``lag``, trained with every truncation window of
    ``truncations`` (``None``: full BPTT) and every seed, all as members of one stacked network.

    One update per minibatch of whole sequences; member e's gradient is that of TBPTT with window
    k_e: the state is carried across chunk boundaries at multiples of k_e, but the gradient stops
    there (the chunks' gradients are summed into one update).
    """

    lag: int
    truncations: tuple[int | None, ...]
    seeds: tuple[int, ...]
    cell: str = "lstm"
    hidden: int = 64
    forget_bias: float = 1.0
    symbols: int = 8
    length: int = 60
    batch_size: int = 32
    updates: int = 2000
    updates_per_epoch: int = 100
    lr: float = 3e-3
    clip_norm: float = 1.0
    eval_sequences: int = 1024
    data_seed: int = 0
    version: int = VERSION


def truncation_label(k: int | None) -> str:
    return "full BPTT" if k is None else f"TBPTT k={k}"


def _k_tag(k: int | None) -> str:
    return "full" if k is None else f"k{k}"


def _tbptt_members(config: TBPTTConfig) -> list[tuple[int | None, int]]:
    return [(k, s) for k in config.truncations for s in config.seeds]


BRNN_MODELS = {
    "forward": ("forward",),
    "backward": ("backward",),
    "bidirectional": ("forward", "backward"),
}


@dataclass(frozen=True)
class BRNNConfig:
    """One model on the neighbour-max labelling task, y_t = max(x_{t-d}, x_{t+d})."""

    model: str
    seeds: tuple[int, ...]
    cell: str = "simple"
    hidden: int = 32
    symbols: int = 4
    offset: int = 2
    min_length: int = 20
    max_length: int = 40
    batch_size: int = 32
    updates: int = 1500
    updates_per_epoch: int = 100
    lr: float = 3e-3
    clip_norm: float = 1.0
    eval_sequences: int = 512
    data_seed: int = 0
    version: int = VERSION


#: model -> its controller (NTMs) or None (the LSTM baseline); Graves et al. (2014), Tables 1-3.
COPY_MODELS = {"ntm-ff": "feedforward", "ntm-lstm": "lstm", "lstm": None}


@dataclass(frozen=True)
class CopyConfig:
    """One model on the copy task: trained on lengths ``train_min..train_max``, tested on
    ``test_lengths`` (``test_sequences`` each, never seen in training).

    Each update is one batch of ``batch_size`` sequences of one length drawn uniformly. Every
    ``updates_per_epoch`` updates the model is evaluated on ``valid_per_length`` sequences of every
    training length; the weights with the fewest validation bit errors are kept and tested.
    """

    model: str
    seeds: tuple[int, ...]
    train_min: int = 1
    train_max: int = 20
    test_lengths: tuple[int, ...] = (10, 20, 30, 40, 50, 60, 80, 100, 120)
    test_sequences: int = 64
    controller_size: int = 100
    memory_rows: int = 128
    memory_width: int = 20
    lstm_hidden: int = 256
    lstm_layers: int = 3
    batch_size: int = 16
    updates: int = 20_000
    updates_per_epoch: int = 500
    valid_per_length: int = 8
    optimizer: str = "rmsprop"
    lr: float = 1e-4
    momentum: float = 0.9
    rmsprop_alpha: float = 0.95
    clip_norm: float = 10.0
    data_seed: int = 0
    version: int = VERSION
