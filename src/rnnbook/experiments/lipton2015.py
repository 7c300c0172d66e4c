"""Lipton, Berkowitz & Elkan (2015): the review's central claims, made executable.

Chapter ``lipton2015`` of the book. The review (arXiv:1506.00019v4) reports no experiments of its
own; each claim below becomes one experiment with a measurable outcome:

- ``gradients`` (Sec. 3.2 of the review): the norm of the Jacobian ``dh_t/dh_tau`` of a tanh RNN
  shrinks or grows like ``|w|^(t - tau)``; along the LSTM's memory cell (Sec. 4.1, the constant
  error carousel) it decays at the rate of the forget gate;
- ``tbptt`` (Sec. 3.3): truncated backpropagation through time cannot learn a dependency longer
  than its truncation window;
- ``brnn`` (Sec. 4.3): a bidirectional RNN uses future context that a one-directional RNN lacks;
- ``copy`` (Sec. 4.4, after Graves, Wayne & Danihelka 2014, Sec. 4.1): a Neural Turing Machine
  trained to copy sequences of lengths 1-20 copies longer ones; an LSTM does not.

Every configuration a number comes from is in :data:`PROFILES` and the ``*_configs`` functions.
This module holds the configs, the jobs and their training;
:mod:`rnnbook.experiments.lipton2015_measures` the measurements (Jacobian norms, the truncated
unroll, copy-task scores) and :mod:`rnnbook.experiments.lipton2015_report` the tables, findings
and figures computed from the records.
"""

from __future__ import annotations

import copy as _copy
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
from torch import Tensor, nn

from rnnbook.cells.ntm import NTMCell
from rnnbook.data.batches import SequenceBatch
from rnnbook.data.copy import BITS, copy_batch, copy_training_batches
from rnnbook.data.synthetic_lipton import (
    delayed_recall_batch,
    majority_accuracy,
    neighbour_max_batch,
    one_sided_accuracy_bound,
)
from rnnbook.experiments.jobs import Job, RunContext
from rnnbook.experiments.lipton2015_measures import (
    accuracy,
    add_forget_bias,
    carousel_log10_rate,
    copy_loss,
    copy_scores,
    decay_rate,
    head_trace,
    jacobian_norms,
    masked_cross_entropy,
    set_spectral_radius,
    truncated_unroll,
)
from rnnbook.experiments.runner import Experiment
from rnnbook.models import RecurrentNetwork, count_parameters
from rnnbook.models.bidirectional import BidirectionalNetwork, StackedRecurrentNetwork
from rnnbook.profiles import check_profile
from rnnbook.results import RunRecord, Table
from rnnbook.train import TrainConfig, fit

CHAPTER = "lipton2015"
GRADIENTS, TBPTT, BRNN, COPY = "gradients", "tbptt", "brnn", "copy"
EXPERIMENT_NAMES = (GRADIENTS, TBPTT, BRNN, COPY)
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


def _sub_budget(budget: float | None, started: float) -> float | None:
    return None if budget is None else max(0.0, budget - (time.perf_counter() - started))


# ================================================================================================
# 1. Vanishing and exploding gradients (review Sec. 3.2) and the constant error carousel (4.1)
# ================================================================================================


@dataclass(frozen=True)
class GradientConfig:
    """One model family (``tanh`` or ``lstm``) at several settings, trained briefly.

    ``variants`` are spectral radii of the recurrent matrix U (tanh) or forget-gate biases
    (LSTM). Every variant and seed is a member of one stacked network. The Jacobian norms are
    measured at initialisation and after ``updates`` updates of full BPTT on the delayed-recall
    task with ``lag``, on ``measure_batch`` sequences of ``length`` steps, in float64.
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


def gradient_configs(profile: str) -> list[GradientConfig]:
    check_profile(profile)
    spec = PROFILES[profile][GRADIENTS]
    out = []
    for model in GRADIENT_MODELS:
        variants = spec["radii"] if model == "tanh" else spec["forget_biases"]
        kwargs = {k: v for k, v in spec.items() if k not in ("radii", "forget_biases")}
        out.append(GradientConfig(model=model, variants=tuple(variants), **kwargs))
    return out


def variant_label(model: str, value: float) -> str:
    """``tanh-rho0.9`` (spectral radius) or ``lstm-bf1`` (forget-gate bias)."""
    return f"tanh-rho{value:g}" if model == "tanh" else f"lstm-bf{value:g}"


def _gradient_members(config: GradientConfig) -> list[tuple[float, int]]:
    return [(v, s) for v in config.variants for s in config.seeds]


def _gradient_jobs(profile: str) -> list[Job]:
    jobs = []
    for c in gradient_configs(profile):
        runs = {f"{variant_label(c.model, v)}-s{s}": s for v, s in _gradient_members(c)}
        jobs.append(Job(CHAPTER, GRADIENTS, profile, c.model, c, runs))
    return jobs


def build_gradient_model(config: GradientConfig) -> RecurrentNetwork:
    members = _gradient_members(config)
    values, seeds = [v for v, _ in members], [s for _, s in members]
    k = config.symbols
    if config.model == "tanh":
        model = RecurrentNetwork("simple", k + 2, config.hidden, k, len(seeds), seeds)
        set_spectral_radius(model.cell, values, seeds)
    elif config.model == "lstm":
        model = RecurrentNetwork("lstm", k + 2, config.hidden, k, len(seeds), seeds, peephole=False)
        add_forget_bias(model.cell, values)
    else:
        raise ValueError(f"unknown model {config.model!r}: choose one of {GRADIENT_MODELS}")
    return model


def _measure(model: RecurrentNetwork, config: GradientConfig, kind: str) -> dict[str, list]:
    """log10 Jacobian norms per member and lag (mean, 10th and 90th percentile over sequences)."""
    rng = np.random.default_rng(_seed_of(config.data_seed, 99))
    batch = delayed_recall_batch(
        config.measure_batch, config.length, config.lag, config.symbols, rng
    )
    cell = _copy.deepcopy(model.cell).double().cpu()
    which = 0 if kind == "tanh" else 1
    logs = torch.log10(jacobian_norms(cell, batch.inputs.double(), which).clamp_min(1e-300))
    out = {
        "mean": logs.mean(1).tolist(),
        "p10": logs.quantile(0.1, dim=1).tolist(),
        "p90": logs.quantile(0.9, dim=1).tolist(),
    }
    if kind == "lstm":
        out["carousel_log10_rate"] = carousel_log10_rate(cell, batch.inputs.double()).tolist()
    return out


def _recall_loss(model: nn.Module, batch: SequenceBatch) -> Tensor:
    """Cross-entropy at the scored steps, mean per member (E,)."""
    logits = model(batch.inputs)
    return masked_cross_entropy(logits, batch)


def _recall_sets(config, length: int, lag: int, seed: int, device) -> list[SequenceBatch]:
    rng = np.random.default_rng(seed)
    n = max(1, config.eval_sequences // 256)
    per = config.eval_sequences // n
    return [
        delayed_recall_batch(per, length, lag, config.symbols, rng).to(device) for _ in range(n)
    ]


def _recall_batches(epoch: int, config, length: int, lag: int, device, salt: int = 0):
    rng = np.random.default_rng(_seed_of(config.data_seed, salt, epoch))
    for _ in range(config.updates_per_epoch):
        yield delayed_recall_batch(config.batch_size, length, lag, config.symbols, rng).to(device)


def _fit_recall(model, loss_fn, valid, members, job: Job, started, context: RunContext):
    """Train ``model``'s members on delayed recall (the gradients and TBPTT experiments alike):
    Adam, clipping, ``config.updates`` updates, the validation error on ``valid`` monitored."""
    config = job.config
    return fit(
        model,
        partial(
            _recall_batches,
            config=config,
            length=config.length,
            lag=config.lag,
            device=context.device,
        ),
        loss_fn,
        lambda m: {"error": 1 - accuracy(m, valid)},
        TrainConfig(
            optimizer="adam",
            lr=config.lr,
            clip_norm=config.clip_norm,
            max_epochs=max(1, config.updates // config.updates_per_epoch),
            monitor="error",
        ),
        seeds=[s for _, s in members],
        checkpoint=job.checkpoint_path(),
        time_budget_s=_sub_budget(context.time_budget_s, started),
        progress=context.progress,
        desc=f"{job.key} {job.experiment}",
    )


def _train_gradients(job: Job, context: RunContext) -> list[RunRecord] | None:
    config: GradientConfig = job.config
    started, device = time.perf_counter(), context.device
    model = build_gradient_model(config)
    init = _measure(model, config, config.model)
    model = model.to(device)
    valid = _recall_sets(config, config.length, config.lag, _seed_of(config.data_seed, 1), device)
    init_acc = accuracy(model, valid)
    members = _gradient_members(config)
    result = _fit_recall(model, _recall_loss, valid, members, job, started, context)
    if not result.finished:
        return None
    # fit keeps each member's best validation epoch; the measurement wants the last weights of
    # a brief training, which for this task is (nearly always) the best one as well.
    trained = _measure(model.cpu(), config, config.model)
    final_acc = accuracy(model.to(device), valid)
    metrics, curves = [], []
    for e, (value, _) in enumerate(members):
        member = {
            "init_rate": decay_rate(init["mean"][e]),
            "trained_rate": decay_rate(trained["mean"][e]),
            "init_accuracy": init_acc[e].item(),
            "trained_accuracy": final_acc[e].item(),
            "variant": value,
            "updates": result.updates,
            "parameters": count_parameters(model),
        }
        if config.model == "lstm":
            member["init_carousel_rate"] = 10 ** init["carousel_log10_rate"][e]
            member["trained_carousel_rate"] = 10 ** trained["carousel_log10_rate"][e]
        metrics.append(member)
        measured = {"lag": list(range(1, config.length))}
        for tag, m in (("init", init), ("trained", trained)):
            for q in ("mean", "p10", "p90"):
                measured[f"log10_norm_{q}_{tag}"] = m[q][e]
        curves.append(measured)
    return context.records(
        job,
        result,
        metrics,
        run_ids=[f"{variant_label(config.model, value)}-s{seed}" for value, seed in members],
        curves=(),
        more_curves=curves,
        wall_time_s=time.perf_counter() - started,
    )


# ================================================================================================
# 2. Truncated backpropagation through time (review Sec. 3.3)
# ================================================================================================


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


def tbptt_configs(profile: str) -> list[TBPTTConfig]:
    check_profile(profile)
    spec = dict(PROFILES[profile][TBPTT])
    lags = spec.pop("lags")
    return [TBPTTConfig(lag=lag, **spec) for lag in lags]


def _tbptt_members(config: TBPTTConfig) -> list[tuple[int | None, int]]:
    return [(k, s) for k in config.truncations for s in config.seeds]


def _tbptt_jobs(profile: str) -> list[Job]:
    jobs = []
    for c in tbptt_configs(profile):
        runs = {f"lag{c.lag}-{_k_tag(k)}-s{s}": s for k, s in _tbptt_members(c)}
        jobs.append(Job(CHAPTER, TBPTT, profile, f"lag{c.lag}", c, runs))
    return jobs


def _tbptt_loss(model: RecurrentNetwork, batch: SequenceBatch, windows) -> Tensor:
    logits = model.readout(truncated_unroll(model.cell, batch.inputs, windows))
    return masked_cross_entropy(logits, batch)


def build_tbptt_model(config: TBPTTConfig) -> RecurrentNetwork:
    seeds = [s for _, s in _tbptt_members(config)]
    k = config.symbols
    kwargs = {"peephole": False, "forget_bias": config.forget_bias} if config.cell == "lstm" else {}
    return RecurrentNetwork(config.cell, k + 2, config.hidden, k, len(seeds), seeds, **kwargs)


def _train_tbptt(job: Job, context: RunContext) -> list[RunRecord] | None:
    config: TBPTTConfig = job.config
    started, device = time.perf_counter(), context.device
    members = _tbptt_members(config)
    windows = [k for k, _ in members]
    model = build_tbptt_model(config).to(device)
    valid = _recall_sets(config, config.length, config.lag, _seed_of(config.data_seed, 1), device)
    test = _recall_sets(config, config.length, config.lag, _seed_of(config.data_seed, 2), device)
    loss = partial(_tbptt_loss, windows=windows)
    result = _fit_recall(model, loss, valid, members, job, started, context)
    if not result.finished:
        return None
    test_acc, valid_acc = accuracy(model, test), accuracy(model, valid)
    metrics = [
        {
            "test_accuracy": test_acc[e].item(),
            "valid_accuracy": valid_acc[e].item(),
            "window": k,
            "chance": 1 / config.symbols,
            "best_epoch": result.best_epoch[e],
            "updates": result.updates,
        }
        for e, (k, _) in enumerate(members)
    ]
    return context.records(
        job,
        result,
        metrics,
        run_ids=[f"lag{config.lag}-{_k_tag(k)}-s{seed}" for k, seed in members],
        curves=("updates",),
        more_curves=_valid_accuracy(result, len(members)),
    )


def _valid_accuracy(result, members: int) -> list[dict[str, list]]:
    """Each member's validation accuracy after every evaluation (the loop monitors the error)."""
    return [
        {"valid_accuracy": [1 - v[e] for v in result.curves["valid_error"]]}
        for e in range(members)
    ]


# ================================================================================================
# 3. Bidirectional RNNs (review Sec. 4.3)
# ================================================================================================

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


def brnn_configs(profile: str) -> list[BRNNConfig]:
    check_profile(profile)
    return [BRNNConfig(model=m, **PROFILES[profile][BRNN]) for m in BRNN_MODELS]


def _brnn_jobs(profile: str) -> list[Job]:
    return [
        Job(CHAPTER, BRNN, profile, c.model, c, {f"{c.model}-s{s}": s for s in c.seeds})
        for c in brnn_configs(profile)
    ]


def build_brnn_model(config: BRNNConfig) -> BidirectionalNetwork:
    if config.model not in BRNN_MODELS:
        raise ValueError(f"unknown model {config.model!r}: choose one of {', '.join(BRNN_MODELS)}")
    k = config.symbols
    return BidirectionalNetwork(
        config.cell,
        k,
        config.hidden,
        k,
        len(config.seeds),
        config.seeds,
        directions=BRNN_MODELS[config.model],
    )


def _brnn_forward(model: BidirectionalNetwork, batch: SequenceBatch) -> Tensor:
    return model(batch.inputs, _lengths(batch))


def _lengths(batch: SequenceBatch) -> Tensor:
    """Real steps per sequence: inputs are one-hot, padding is all zero."""
    return (batch.inputs.abs().sum(-1) > 0).sum(0)


def _brnn_loss(model, batch):
    return masked_cross_entropy(_brnn_forward(model, batch), batch)


def _brnn_batches(epoch: int, config: BRNNConfig, device, salt: int = 0):
    rng = np.random.default_rng(_seed_of(config.data_seed, salt, epoch))
    for _ in range(config.updates_per_epoch):
        lengths = rng.integers(config.min_length, config.max_length + 1, size=config.batch_size)
        yield neighbour_max_batch(lengths, config.offset, config.symbols, rng).to(device)


def _brnn_sets(config: BRNNConfig, seed: int, device) -> list[SequenceBatch]:
    rng = np.random.default_rng(seed)
    out, left = [], config.eval_sequences
    while left > 0:
        n = min(256, left)
        lengths = rng.integers(config.min_length, config.max_length + 1, size=n)
        out.append(neighbour_max_batch(lengths, config.offset, config.symbols, rng).to(device))
        left -= n
    return out


def _train_brnn(job: Job, context: RunContext) -> list[RunRecord] | None:
    config: BRNNConfig = job.config
    started, device = time.perf_counter(), context.device
    model = build_brnn_model(config).to(device)
    valid = _brnn_sets(config, _seed_of(config.data_seed, 1), device)
    test = _brnn_sets(config, _seed_of(config.data_seed, 2), device)
    result = fit(
        model,
        partial(_brnn_batches, config=config, device=device),
        _brnn_loss,
        lambda m: {"error": 1 - accuracy(m, valid, _brnn_forward)},
        TrainConfig(
            optimizer="adam",
            lr=config.lr,
            clip_norm=config.clip_norm,
            max_epochs=max(1, config.updates // config.updates_per_epoch),
            monitor="error",
        ),
        seeds=config.seeds,
        checkpoint=job.checkpoint_path(),
        time_budget_s=_sub_budget(context.time_budget_s, started),
        progress=context.progress,
        desc=f"{job.key} brnn",
    )
    if not result.finished:
        return None
    test_acc = accuracy(model, test, _brnn_forward)
    metrics = [
        {
            "test_accuracy": test_acc[e].item(),
            "one_sided_bound": one_sided_accuracy_bound(config.symbols),
            "majority": majority_accuracy(config.symbols),
            "best_epoch": result.best_epoch[e],
            "updates": result.updates,
            "parameters": count_parameters(model),
        }
        for e in range(len(config.seeds))
    ]
    return context.records(
        job,
        result,
        metrics,
        run_ids=[f"{config.model}-s{seed}" for seed in config.seeds],
        curves=("updates",),
        more_curves=_valid_accuracy(result, len(config.seeds)),
    )


# ================================================================================================
# 4. The copy task: NTM against LSTM (review Sec. 4.4; Graves et al. 2014, Sec. 4.1)
# ================================================================================================

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


def copy_configs(profile: str) -> list[CopyConfig]:
    check_profile(profile)
    spec = dict(PROFILES[profile][COPY])
    models = spec.pop("models")
    out = []
    for m in models:
        kwargs = {k: v for k, v in spec.items() if k not in COPY_MODELS}
        kwargs.update(spec.get(m, {}))
        out.append(CopyConfig(model=m, **kwargs))
    return out


def _copy_jobs(profile: str) -> list[Job]:
    return [
        Job(CHAPTER, COPY, profile, c.model, c, {f"{c.model}-s{s}": s for s in c.seeds})
        for c in copy_configs(profile)
    ]


def build_copy_model(config: CopyConfig, seeds: Sequence[int] | None = None) -> nn.Module:
    """The NTM (controller, memory and heads as configured) or the stacked LSTM baseline, with a
    linear readout to 8 bit logits."""
    seeds = tuple(seeds) if seeds is not None else config.seeds
    e = len(seeds)
    if config.model not in COPY_MODELS:
        raise ValueError(f"unknown model {config.model!r}: choose one of {', '.join(COPY_MODELS)}")
    if COPY_MODELS[config.model] is not None:
        cell = NTMCell(
            BITS + 1,
            config.controller_size,
            config.memory_rows,
            config.memory_width,
            controller=COPY_MODELS[config.model],
            members=e,
            seeds=seeds,
        )
        return RecurrentNetwork(cell, BITS + 1, cell.hidden_size, BITS, e, seeds)
    return StackedRecurrentNetwork(
        "lstm", BITS + 1, config.lstm_hidden, BITS, config.lstm_layers, e, seeds, peephole=False
    )


def _copy_valid(config: CopyConfig, device) -> list[SequenceBatch]:
    rng = np.random.default_rng(_seed_of(config.data_seed, 1))
    lengths = [n for n in range(config.train_min, config.train_max + 1)]
    return [copy_batch([n] * config.valid_per_length, rng).to(device) for n in lengths]


def _copy_test(config: CopyConfig, length: int, device) -> list[SequenceBatch]:
    rng = np.random.default_rng(_seed_of(config.data_seed, 2, length))
    return [copy_batch([length] * config.test_sequences, rng).to(device)]


def _copy_batches(epoch: int, config: CopyConfig, device):
    for b in copy_training_batches(
        config.updates_per_epoch,
        config.batch_size,
        config.train_min,
        config.train_max,
        seed=_seed_of(config.data_seed, 0, epoch),
    ):
        yield b.to(device)


def _train_copy(job: Job, context: RunContext) -> list[RunRecord] | None:
    config: CopyConfig = job.config
    started, device = time.perf_counter(), context.device
    model = build_copy_model(config).to(device)
    valid = _copy_valid(config, device)
    result = fit(
        model,
        partial(_copy_batches, config=config, device=device),
        copy_loss,
        lambda m: copy_scores(m, valid),
        TrainConfig(
            optimizer=config.optimizer,
            lr=config.lr,
            momentum=config.momentum if config.optimizer in ("rmsprop", "sgd") else 0.0,
            alpha=config.rmsprop_alpha,
            clip_norm=config.clip_norm,
            max_epochs=max(1, config.updates // config.updates_per_epoch),
            monitor="bit_errors",
        ),
        seeds=config.seeds,
        checkpoint=job.checkpoint_path(),
        time_budget_s=_sub_budget(context.time_budget_s, started),
        progress=context.progress,
        desc=f"{job.key} copy",
    )
    if not result.finished:
        return None
    tests = {n: copy_scores(model, _copy_test(config, n, device)) for n in config.test_lengths}
    trace = head_trace(model) if COPY_MODELS[config.model] is not None else None
    metrics, curves, extra = [], [], []
    for e in range(len(config.seeds)):
        member = {
            "best_epoch": result.best_epoch[e],
            "updates": result.updates,
            "sequences_seen": result.updates * config.batch_size,
            "parameters": count_parameters(model),
            "valid_bit_errors": result.best_metric[e],
        }
        for n, s in tests.items():
            for name in ("bit_errors", "cost_bits", "perfect"):
                member[f"L{n}_{name}"] = s[name][e].item()
        metrics.append(member)
        bits = [v[e] / math.log(2) for v in result.curves["train_loss"]]
        curves.append({"train_cost_bits": bits})
        traced = {} if trace is None else {k: v[e].tolist() for k, v in trace.items()}
        extra.append({"head_trace_length20": traced} if trace is not None else {})
    return context.records(
        job,
        result,
        metrics,
        run_ids=[f"{config.model}-s{seed}" for seed in config.seeds],
        curves=("updates", "wall_time_s", "valid_bit_errors"),
        more_curves=curves,
        extra=extra,
    )


# ================================================================================================
# Profiles, registry
# ================================================================================================

#: Per profile and experiment: the settings shared by its jobs.
PROFILES: dict[str, dict[str, dict]] = {
    # seconds: tiny networks, a few updates; checks the pipeline, not the claims
    "smoke": {
        GRADIENTS: dict(
            radii=(0.9, 1.5),
            forget_biases=(0.0, 3.0),
            seeds=(0,),
            hidden=8,
            length=12,
            lag=4,
            updates=4,
            updates_per_epoch=2,
            measure_batch=4,
            eval_sequences=64,
        ),
        TBPTT: dict(
            lags=(6,),
            truncations=(3, None),
            seeds=(0,),
            hidden=8,
            length=12,
            updates=4,
            updates_per_epoch=2,
            eval_sequences=64,
        ),
        BRNN: dict(
            seeds=(0,),
            hidden=8,
            min_length=8,
            max_length=12,
            updates=4,
            updates_per_epoch=2,
            eval_sequences=64,
        ),
        COPY: dict(
            models=("ntm-ff", "ntm-lstm", "lstm"),
            seeds=(0,),
            train_max=4,
            test_lengths=(4, 8),
            test_sequences=4,
            controller_size=8,
            memory_rows=16,
            memory_width=4,
            lstm_hidden=8,
            lstm_layers=1,
            batch_size=4,
            updates=4,
            updates_per_epoch=2,
            valid_per_length=2,
            optimizer="adam",
            lr=1e-3,
        ),
    },
    # about 15-20 minutes for the chapter on two cores: reduced scale, same questions
    "cpu": {
        GRADIENTS: dict(
            radii=(0.5, 0.9, 1.0, 1.1, 1.5),
            forget_biases=(0.0, 1.0, 3.0),
            seeds=(0, 1, 2),
        ),
        TBPTT: dict(lags=(10, 20), truncations=(5, 15, 30, None), seeds=(0, 1)),
        BRNN: dict(seeds=(0, 1, 2)),
        COPY: dict(
            models=("ntm-ff", "ntm-lstm", "lstm"),
            seeds=(0, 1),
            train_max=10,
            test_lengths=(5, 10, 20, 30, 40, 60, 80, 100),
            test_sequences=32,
            batch_size=16,
            updates_per_epoch=250,
            optimizer="adam",
            lr=1e-3,
            clip_norm=50.0,
            # updates per model: what each needs (the feed-forward NTM learns fastest) and the
            # budget allows (about 35, 45 and 17 ms of one core per update)
            **{
                "ntm-ff": {"updates": 3_000},
                "ntm-lstm": {"updates": 8_000},
                "lstm": {"updates": 10_000, "lstm_layers": 1},
            },
        ),
    },
    # Graves et al. (2014): lengths 1-20, memory 128 x 20, LSTM controller of 100 units, one read
    # and one write head, RMSProp with momentum 0.9 at 1e-4; LSTM baseline 3 x 256 at 3e-5
    "full": {
        GRADIENTS: dict(
            radii=(0.5, 0.9, 1.0, 1.1, 1.5),
            forget_biases=(0.0, 1.0, 3.0),
            seeds=(0, 1, 2, 3, 4),
            updates=2_000,
        ),
        TBPTT: dict(
            lags=(10, 20, 40),
            truncations=(5, 15, 30, 50, None),
            seeds=(0, 1, 2),
            length=100,
            updates=5_000,
        ),
        BRNN: dict(seeds=(0, 1, 2, 3, 4), updates=5_000),
        COPY: dict(
            models=("ntm-ff", "ntm-lstm", "lstm"),
            seeds=(0, 1, 2),
            updates=30_000,
            batch_size=16,
            lstm={"lr": 3e-5},
        ),
    },
}


def experiment_table(name: str | None, records: Sequence[RunRecord], title: str = "") -> Table:
    """The paper-vs-ours table of one experiment (``None``: of all four), from
    :mod:`rnnbook.experiments.lipton2015_report`, which imports this module and is therefore
    imported here only when a table is asked for."""
    from rnnbook.experiments import lipton2015_report

    if name is None:
        return lipton2015_report.table(records, title)
    return lipton2015_report.TABLES[name](records, title)


def _defined(makers):
    """``makers(profile)``, or no jobs in a profile that the chapter does not define."""

    def jobs(profile: str) -> list[Job]:
        return makers(profile) if check_profile(profile) in PROFILES else []

    jobs.__doc__ = makers.__doc__
    return jobs


GRADIENTS_EXPERIMENT = Experiment(
    CHAPTER,
    GRADIENTS,
    "Vanishing/exploding Jacobians of tanh RNNs and the LSTM's carousel",
    jobs=_defined(_gradient_jobs),
    train=_train_gradients,
    table=partial(experiment_table, GRADIENTS),
)
TBPTT_EXPERIMENT = Experiment(
    CHAPTER,
    TBPTT,
    "Truncated vs full BPTT on a dependency longer than the window",
    jobs=_defined(_tbptt_jobs),
    train=_train_tbptt,
    table=partial(experiment_table, TBPTT),
)
BRNN_EXPERIMENT = Experiment(
    CHAPTER,
    BRNN,
    "Bidirectional vs one-directional RNNs on a task that needs the future",
    jobs=_defined(_brnn_jobs),
    train=_train_brnn,
    table=partial(experiment_table, BRNN),
)
COPY_EXPERIMENT = Experiment(
    CHAPTER,
    COPY,
    "Copy task: NTM vs LSTM, trained short, tested long (Graves et al. 2014)",
    jobs=_defined(_copy_jobs),
    train=_train_copy,
    table=partial(experiment_table, COPY),
)
EXPERIMENTS = [GRADIENTS_EXPERIMENT, TBPTT_EXPERIMENT, BRNN_EXPERIMENT, COPY_EXPERIMENT]
