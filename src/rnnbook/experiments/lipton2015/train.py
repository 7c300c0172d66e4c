"""Lipton et al. (2015): the models of each experiment and how one job trains them."""

from __future__ import annotations

import copy as _copy
import math
import time
from collections.abc import Sequence
from functools import partial

import numpy as np
import torch
from torch import Tensor, nn

from rnnbook.cells.ntm import NTMCell
from rnnbook.data.batches import SequenceBatch
from rnnbook.data.copy import BITS
from rnnbook.data.synthetic_lipton import (
    delayed_recall_batch,
    majority_accuracy,
    one_sided_accuracy_bound,
)
from rnnbook.experiments.jobs import Job, RunContext
from rnnbook.experiments.lipton2015.config import (
    BRNN_MODELS,
    COPY_MODELS,
    GRADIENT_MODELS,
    BRNNConfig,
    CopyConfig,
    GradientConfig,
    TBPTTConfig,
    _gradient_members,
    _k_tag,
    _seed_of,
    _tbptt_members,
    variant_label,
)
from rnnbook.experiments.lipton2015.data import (
    _brnn_batches,
    _brnn_sets,
    _copy_batches,
    _copy_test,
    _copy_valid,
    _lengths,
    _recall_batches,
    _recall_sets,
)
from rnnbook.experiments.lipton2015.train_measures import (
    add_forget_bias,
    carousel_log10_rate,
    copy_loss,
    copy_scores,
    decay_rate,
    head_trace,
    jacobian_norms,
    set_spectral_radius,
    truncated_unroll,
)
from rnnbook.models import RecurrentNetwork, count_parameters
from rnnbook.models.bidirectional import BidirectionalNetwork, StackedRecurrentNetwork
from rnnbook.results import RunRecord
from rnnbook.train import TrainConfig, fit
from rnnbook.train.classifiers import masked_cross_entropy, sequence_accuracy

__all__ = ["build_brnn_model", "build_copy_model", "build_gradient_model", "build_tbptt_model"]


def _sub_budget(budget: float | None, started: float) -> float | None:
    return None if budget is None else max(0.0, budget - (time.perf_counter() - started))


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
        lambda m: {"error": 1 - sequence_accuracy(m, valid)},
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
    init_acc = sequence_accuracy(model, valid)
    members = _gradient_members(config)
    result = _fit_recall(model, _recall_loss, valid, members, job, started, context)
    if not result.finished:
        return None
    # fit keeps each member's best validation epoch; the measurement wants the last weights of
    # a brief training, which for this task is (nearly always) the best one as well.
    trained = _measure(model.cpu(), config, config.model)
    final_acc = sequence_accuracy(model.to(device), valid)
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
    test_acc, valid_acc = sequence_accuracy(model, test), sequence_accuracy(model, valid)
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
        {"valid_accuracy": [1 - v[e] for v in result.curves["valid_error"]]} for e in range(members)
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


def _brnn_loss(model, batch):
    return masked_cross_entropy(_brnn_forward(model, batch), batch)


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
        lambda m: {"error": 1 - sequence_accuracy(m, valid, _brnn_forward)},
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
    test_acc = sequence_accuracy(model, test, _brnn_forward)
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
