"""Jozefowicz et al. (2015), Table 3 with a learning rate per cell: the candidates train side by
side for a short while, the best on validation trains the run.

One rate for every cell is unfair to some: at the LSTM's rate of 1 (Zaremba et al.'s) the tanh
RNN's loss blew up in its first epoch and never recovered. The paper chose every cell's settings
by random search; this is the smallest search that gives each cell a rate of its own.
"""

from __future__ import annotations

import dataclasses
import json
import math

from rnnbook.data.ptb import WORD_VOCABULARY as PTB_VOCAB
from rnnbook.experiments.jobs import Job, RunContext, save_state
from rnnbook.experiments.jozefowicz2015.config import (
    DropoutConfig,
    SearchedDropoutConfig,
    StreamData,
)
from rnnbook.experiments.jozefowicz2015.data import task_tokens
from rnnbook.experiments.jozefowicz2015.train import train_ptb_dropout_job
from rnnbook.experiments.jozefowicz2015.train_lm import build_model, fit_streams
from rnnbook.profiles import config_dict
from rnnbook.results import RunRecord
from rnnbook.train import TrainConfig

__all__ = ["choose_dropout_lr", "train_searched_dropout_job"]


def _updates_per_epoch(data: StreamData, config: DropoutConfig) -> int:
    n_train = len(task_tokens(data, "train")[0])
    return math.ceil((n_train // config.batch_size - 1) / config.unroll)


def choose_dropout_lr(job: Job, context: RunContext) -> dict | None:
    """Every candidate rate of ``job`` for ``search_epochs`` epochs, stacked; the one with the
    lowest validation NLL, each candidate's, and the time it took (``None`` if paused). Saved
    beside the job's checkpoint, so that a resumed job does not search again."""
    config: SearchedDropoutConfig = job.config
    done = job.state_path(".lr.json")
    if done.exists():
        return json.loads(done.read_text())
    k = len(config.lrs)
    data = StreamData("ptb", config.train_tokens, config.eval_tokens, config.seed)
    model = build_model(
        config.arch,
        PTB_VOCAB,
        config.hidden,
        layers=config.layers,
        dropout=config.dropout,
        seeds=(config.seed,) * k,
        scales=(config.init_bound * math.sqrt(config.hidden),) * k,
    ).to(context.device)
    result, _ = fit_streams(
        model,
        data,
        TrainConfig(
            optimizer="sgd",
            lr=tuple(config.lrs),
            clip_norm=config.clip,
            max_epochs=config.search_epochs,
            max_updates=config.search_epochs * _updates_per_epoch(data, config),
            schedule="cosine",
            monitor="nll",
        ),
        batch_size=config.batch_size,
        unroll=config.unroll,
        seeds=(config.seed,) * k,
        device=context.device,
        checkpoint=job.state_path(".lr.pt"),
        progress=context.progress,
        time_budget_s=context.time_budget_s,
        desc=f"{job.key} lr search",
    )
    if not result.finished:
        return None
    search = [
        {"lr": lr, "valid_nll": result.best_metric[i] if result.status[i] == "ok" else None}
        for i, lr in enumerate(config.lrs)
    ]
    ok = [s for s in search if s["valid_nll"] is not None and math.isfinite(s["valid_nll"])]
    if not ok:
        raise RuntimeError(f"{job.key}: every candidate learning rate diverged: {search}")
    chosen = {
        "lr": min(ok, key=lambda s: s["valid_nll"])["lr"],
        "search": search,
        "wall_time_s": result.wall_time_s,
    }
    save_state(job, ".lr.json", json.dumps(chosen))
    return chosen


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
