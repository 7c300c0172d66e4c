"""Chung et al. (2014): how one job trains -- the network of Table 1, the learning-rate search on
validation NLL (Sec. 4.2), and the records of its seeds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from functools import partial

import numpy as np

from rnnbook.data import length_bucketed_order, load_polyphonic, pad_next_step, sorted_batches
from rnnbook.experiments.chung2014.config import MODELS, NOTES, Table2Config
from rnnbook.experiments.jobs import Job, RunContext
from rnnbook.experiments.search_once import search_lr_once
from rnnbook.models import RecurrentNetwork, count_parameters
from rnnbook.results import RunRecord
from rnnbook.train import fit
from rnnbook.train.metrics import bernoulli_loss, evaluate_bernoulli_nll

__all__ = ["build_model", "parameter_counts", "train_job"]


def build_model(
    config: Table2Config, members: int = 1, seeds: Sequence[int] | None = None
) -> RecurrentNetwork:
    """The network of Table 1: one recurrent layer of ``hidden`` units, 88 sigmoid outputs."""
    cell, _ = MODELS[config.model]
    kwargs = {"nonlinearity": "tanh"} if cell == "simple" else {}
    return RecurrentNetwork(
        cell, NOTES, config.hidden, NOTES, members=members, seeds=seeds, **kwargs
    )


def parameter_counts() -> dict[str, int]:
    """Our parameter count per model (one member), to print beside the paper's Table 1."""
    return {
        m: count_parameters(build_model(Table2Config("jsb", m, MODELS[m][1], (0,), (1e-3,))))
        for m in MODELS
    }


def _load_splits(config: Table2Config) -> dict[str, list[np.ndarray]]:
    rolls = load_polyphonic(config.dataset)
    splits = {}
    for name in ("train", "valid", "test"):
        seqs = rolls.split(name)
        if config.max_sequences is not None:
            seqs = seqs[: config.max_sequences]
        if config.max_length is not None:
            seqs = [s[: config.max_length] for s in seqs]
        splits[name] = [s for s in seqs if len(s) >= 2]
    return splits


def _epoch_batches(epoch: int, seqs: list[np.ndarray], config: Table2Config, device):
    order = length_bucketed_order(
        [len(s) for s in seqs], config.batch_size, seed=config.data_seed * 100_003 + epoch
    )
    for idx in order:
        yield pad_next_step([seqs[i] for i in idx]).to(device)


def _fit(
    model_config: Table2Config,
    lrs: Sequence[float],
    seeds: Sequence[int],
    max_epochs: int,
    splits,
    eval_batches,
    checkpoint,
    context: RunContext,
    time_budget_s: float | None,
    desc: str,
):
    device = context.device
    model = build_model(model_config, len(seeds), seeds).to(device)
    updates_per_epoch = math.ceil(len(splits["train"]) / model_config.batch_size)
    result = fit(
        model,
        partial(_epoch_batches, seqs=splits["train"], config=model_config, device=device),
        bernoulli_loss,
        lambda m: evaluate_bernoulli_nll(m, eval_batches["valid"]),
        model_config.train_config(lrs, max_epochs, updates_per_epoch),
        seeds=seeds,
        checkpoint=checkpoint,
        time_budget_s=time_budget_s,
        progress=context.progress,
        desc=desc,
    )
    return model, result


def _search_lr(job: Job, splits, eval_batches, context: RunContext) -> dict | None:
    """Stage 1: every learning-rate candidate with the first seed
    (:func:`~rnnbook.experiments.search_once.search_lr_once`), or ``None`` if paused."""
    config: Table2Config = job.config

    def fit_candidates():
        _, result = _fit(
            config,
            config.lrs,
            (config.seeds[0],) * len(config.lrs),
            config.search_epochs,
            splits,
            eval_batches,
            job.state_path(".search.pt"),
            context,
            context.time_budget_s,
            f"{job.key} lr search",
        )
        return result

    return search_lr_once(
        job, ".search.json", fit_candidates, config.lrs, "valid_nll", details=True
    )


def train_job(job: Job, context: RunContext) -> list[RunRecord] | None:
    """Train one (data set, model) job and return one record per seed; ``None`` if paused.

    The learning rate is chosen as in Sec. 4.2 of the paper, on validation NLL (``_search_lr``)
    when the profile has several candidates.
    """
    config: Table2Config = job.config
    started = time.perf_counter()
    splits = _load_splits(config)
    eval_batches = {k: [b.to(context.device) for b in sorted_batches(v)] for k, v in splits.items()}
    search: list[dict] = []
    lr, search_wall = config.lrs[0], 0.0
    time_budget_s = context.time_budget_s
    if len(config.lrs) > 1:
        found = _search_lr(job, splits, eval_batches, context)
        if found is None:
            return None
        lr, search, search_wall = found["lr"], found["search"], found["wall_time_s"]
        if time_budget_s is not None:
            time_budget_s = max(0.0, time_budget_s - (time.perf_counter() - started))
    model, result = _fit(
        config,
        (lr,) * len(config.seeds),
        config.seeds,
        config.max_epochs,
        splits,
        eval_batches,
        job.checkpoint_path(),
        context,
        time_budget_s,
        job.key,
    )
    if not result.finished:
        return None
    final = {k: evaluate_bernoulli_nll(model, b) for k, b in eval_batches.items()}
    metrics = []
    for i in range(len(config.seeds)):
        member = {
            f"{split}_{name}": final[split][name][i].item()
            for split in ("train", "valid", "test")
            for name in ("nll", "nll_seq_avg")
        }
        member.update(
            lr=lr,
            best_epoch=result.best_epoch[i],
            epochs=result.epochs,
            updates=result.updates,
            parameters=count_parameters(model),
        )
        metrics.append(member)
    return context.records(
        job,
        result,
        metrics,
        curves=("epoch", "updates", "wall_time_s", "train_loss", "valid_nll"),
        extra={"lr_search": search},
        wall_time_s=search_wall + result.wall_time_s,  # the job's time: search and seeds
    )
