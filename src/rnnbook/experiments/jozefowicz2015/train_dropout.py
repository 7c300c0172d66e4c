"""Jozefowicz et al. (2015), Table 3 with a learning rate per cell: the candidates train side by
side for a short while, the best on validation trains the run.

One rate for every cell is unfair to some: at the LSTM's rate of 1 (Zaremba et al.'s) the tanh
RNN's loss blew up in its first epoch and never recovered. The paper chose every cell's settings
by random search; this is the smallest search that gives each cell a rate of its own.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import torch

from rnnbook.data.ptb import WORD_VOCABULARY as PTB_VOCAB
from rnnbook.experiments.jobs import Job, RunContext
from rnnbook.experiments.jozefowicz2015.config import (
    DropoutConfig,
    SearchedDropoutConfig,
    StreamData,
)
from rnnbook.experiments.jozefowicz2015.data import task_tokens
from rnnbook.experiments.jozefowicz2015.train_lm import build_model, evaluate_stream, fit_streams
from rnnbook.experiments.search_once import search_lr_once
from rnnbook.models import count_parameters
from rnnbook.profiles import config_dict
from rnnbook.results import RunRecord
from rnnbook.train import TrainConfig

__all__ = ["choose_dropout_lr", "train_ptb_dropout_job", "train_searched_dropout_job"]


def _updates_per_epoch(data: StreamData, config: DropoutConfig) -> int:
    n_train = len(task_tokens(data, "train")[0])
    return math.ceil((n_train // config.batch_size - 1) / config.unroll)


def _fit_dropout(
    job: Job,
    config: DropoutConfig,
    lr: float | tuple[float, ...],
    epochs: int,
    checkpoint: Path,
    context: RunContext,
    desc: str,
):
    """The cell of ``config`` with dropout, trained on PTB for ``epochs`` epochs: one member at
    rate ``lr``, or one member per rate of a tuple (the same seed for each, as a search needs).
    Returns the model, the fit's result and the evaluation streams."""
    torch.manual_seed(config.seed)  # the dropout masks
    data = StreamData("ptb", config.train_tokens, config.eval_tokens, config.seed)
    k = len(lr) if isinstance(lr, tuple) else 1
    model = build_model(
        config.arch,
        PTB_VOCAB,
        config.hidden,
        layers=config.layers,
        dropout=config.dropout,
        seeds=(config.seed,) * k,
        scales=(config.init_bound * math.sqrt(config.hidden),) * k,
    ).to(context.device)
    result, evals = fit_streams(
        model,
        data,
        TrainConfig(
            optimizer="sgd",
            lr=lr,
            clip_norm=config.clip,
            max_epochs=epochs,
            max_updates=epochs * _updates_per_epoch(data, config),
            schedule="cosine",
            monitor="nll",
        ),
        batch_size=config.batch_size,
        unroll=config.unroll,
        seeds=(config.seed,) * k,
        device=context.device,
        checkpoint=checkpoint,
        progress=context.progress,
        time_budget_s=context.time_budget_s,
        desc=desc,
    )
    return model, result, evals


def train_ptb_dropout_job(job: Job, context: RunContext) -> list[RunRecord] | None:
    """Train one cell on word-level PTB with dropout on the non-recurrent connections and
    record its validation and test perplexity per epoch (the paper's Table 3)."""
    config: DropoutConfig = job.config
    model, result, evals = _fit_dropout(
        job, config, config.lr, config.epochs, job.checkpoint_path(), context, job.key
    )
    if not result.finished:
        return None
    model.eval()
    final = {s: evaluate_stream(model, c) for s, c in evals.items()}
    ok = result.status[0] == "ok"
    record = context.record(
        job,
        job.key,
        metrics={
            f"{s}_{m}": float(final[s][m][0]) for s in final for m in ("perplexity", "accuracy")
        }
        | {
            "epochs": result.epochs,
            "updates": result.updates,
            "parameters": count_parameters(model),
        },
        curves={
            "epoch": result.curves["epoch"],
            "valid_perplexity": [math.exp(v[0]) for v in result.curves["valid_nll"]],
        },
        status=result.status[0],
        message=result.messages[0] if not ok else "",
        wall_time_s=result.wall_time_s,
    )
    job.clear_checkpoints()
    return [record]


def choose_dropout_lr(job: Job, context: RunContext) -> dict | None:
    """Every candidate rate of ``job`` for ``search_epochs`` epochs, stacked; the one with the
    lowest validation NLL, each candidate's, and the time it took
    (:func:`~rnnbook.experiments.search_once.search_lr_once`; ``None`` if paused). Saved beside
    the job's checkpoint, so that a resumed job does not search again."""
    config: SearchedDropoutConfig = job.config

    def fit_candidates():
        checkpoint = job.state_path(".lr.pt")
        desc = f"{job.key} lr search"
        lrs = tuple(config.lrs)
        _, result, _ = _fit_dropout(
            job, config, lrs, config.search_epochs, checkpoint, context, desc
        )
        return result

    return search_lr_once(job, ".lr.json", fit_candidates, config.lrs, "valid_nll")


def train_searched_dropout_job(job: Job, context: RunContext) -> list[RunRecord] | None:
    """Choose the cell's rate (:func:`choose_dropout_lr`), then train it exactly as a
    :class:`DropoutConfig` run at that rate; the record is this job's, with the search in it."""
    config: SearchedDropoutConfig = job.config
    searched_before = job.state_path(".lr.json").exists()
    chosen = choose_dropout_lr(job, context)
    if chosen is None:
        return None
    plain = {f.name: getattr(config, f.name) for f in dataclasses.fields(DropoutConfig)}
    at_rate = dataclasses.replace(job, config=DropoutConfig(**{**plain, "lr": chosen["lr"]}))
    if not searched_before:  # a run at this rate left over from an earlier search is not ours
        at_rate.clear_checkpoints()
    records = train_ptb_dropout_job(at_rate, context)
    if records is None:
        return None
    job.clear_checkpoints()
    return [
        dataclasses.replace(
            r,
            config=config_dict(config),
            config_hash=job.run_hash(r.run_id),
            metrics={**r.metrics, "lr": chosen["lr"]},
            wall_time_s=r.wall_time_s + chosen["wall_time_s"],
            extra={**r.extra, "lr_search": chosen["search"]},
        )
        for r in records
    ]
