"""How one (task, cell) job trains: the network sized to the task's parameter budget, the
learning-rate search with the first seed, then every seed at the chosen rate."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import torch

from rnnbook.cells.chrono import chrono_init_
from rnnbook.cells.core import member_seeds
from rnnbook.experiments.comparison.config import TASKS, GridConfig
from rnnbook.experiments.comparison.config_chrono import CHRONO_CELLS
from rnnbook.experiments.comparison.data import (
    TaskData,
    load_task,
    longest_steps,
    score,
    task_loss,
    task_shape,
)
from rnnbook.experiments.jobs import Job, RunContext, member_curves
from rnnbook.experiments.search_once import search_lr_once
from rnnbook.models import count_parameters
from rnnbook.models.comparison import CellNetwork, width_for_budget
from rnnbook.results import RunRecord
from rnnbook.train import TrainConfig, fit

__all__ = ["build_model", "evaluate", "train_job"]

#: Metrics reported in percent.
PERCENT = ("accuracy", "error_rate")


def build_model(
    config: GridConfig, members: int = 1, seeds: Sequence[int] | None = None
) -> CellNetwork:
    """The cell at the width that meets the task's parameter budget; a chrono cell
    (:data:`~rnnbook.experiments.comparison.config_chrono.CHRONO_CELLS`) is its grid cell with
    the gate biases of :func:`~rnnbook.cells.chrono.chrono_init_` up to the task's longest
    sequence (:func:`~rnnbook.experiments.comparison.data.longest_steps`)."""
    cell = CHRONO_CELLS.get(config.cell, config.cell)
    shape = task_shape(config.task)
    width = width_for_budget(
        cell, shape.inputs, shape.outputs, config.budget, lru_layers=config.lru_layers
    )
    model = CellNetwork(
        cell,
        shape.inputs,
        width,
        shape.outputs,
        members,
        seeds,
        lru_layers=config.lru_layers,
    )
    if config.cell in CHRONO_CELLS:
        steps = longest_steps(config.task, config.size)
        chrono_init_(model.cell, steps, member_seeds(seeds, members))
    return model


@torch.no_grad()
def evaluate(model: CellNetwork, batches, metric: str) -> dict[str, torch.Tensor]:
    """The metric on ``batches`` per member (percent for accuracy and error rate), its cost to
    minimise (the metric, negated where higher is better) and the mean loss."""
    total, count, loss = 0.0, 0.0, 0.0
    for b in batches:
        out = model(b.inputs)
        s, n = score(out, b, metric)
        total, count = total + s, count + n
        loss = loss + task_loss(out, b) * n
    value = total / count * (100.0 if metric in PERCENT else 1.0)
    cost = -value if metric == "accuracy" else value
    return {"metric": value.float(), "cost": cost.float(), "loss": (loss / count).float()}


def _train_config(config: GridConfig, lrs: Sequence[float]) -> TrainConfig:
    return TrainConfig(
        optimizer="adam",
        lr=tuple(lrs),
        clip_norm=1.0,
        max_epochs=math.ceil(config.updates / config.eval_every),
        max_updates=config.updates,
        schedule="cosine",
        monitor="cost",
    )


def _fit(job: Job, data: TaskData, lrs, seeds, suffix: str, context: RunContext, budget):
    config: GridConfig = job.config
    device = context.device
    model = build_model(config, len(seeds), seeds).to(device)
    evals = {k: [b.to(device) for b in v] for k, v in data.evals.items()}

    def batches(epoch: int):
        return (b.to(device) for b in data.train(epoch))

    result = fit(
        model,
        batches,
        lambda m, b: task_loss(m(b.inputs), b),
        lambda m: evaluate(m, evals["valid"], data.metric),
        _train_config(config, lrs),
        seeds=seeds,
        checkpoint=job.state_path(suffix),
        time_budget_s=budget,
        progress=context.progress,
        desc=f"{job.key}{' lr search' if suffix == '.search.pt' else ''}",
    )
    return model, result, evals


def _search(job: Job, data: TaskData, context: RunContext) -> dict | None:
    """Every candidate with the first seed; the rate of the best validation cost
    (:func:`~rnnbook.experiments.search_once.search_lr_once`), or ``None`` if paused."""
    config: GridConfig = job.config

    def fit_candidates():
        seeds = (config.seeds[0],) * len(config.lrs)
        _, result, _ = _fit(
            job, data, config.lrs, seeds, ".search.pt", context, context.time_budget_s
        )
        return result

    return search_lr_once(job, ".search.json", fit_candidates, config.lrs, "valid_cost")


def train_job(job: Job, context: RunContext) -> list[RunRecord] | None:
    """Train one (task, cell) job; one record per seed, or ``None`` if paused."""
    config: GridConfig = job.config
    started = time.perf_counter()
    data, _ = load_task(config)
    lr, search, search_wall = config.lrs[0], [], 0.0
    budget = context.time_budget_s
    if len(config.lrs) > 1:
        found = _search(job, data, context)
        if found is None:
            return None
        lr, search, search_wall = found["lr"], found["search"], found["wall_time_s"]
        if budget is not None:
            budget = max(1.0, budget - (time.perf_counter() - started))
    lrs = (lr,) * len(config.seeds)
    model, result, evals = _fit(job, data, lrs, config.seeds, ".pt", context, budget)
    if not result.finished:
        return None
    model.eval()
    final = {k: evaluate(model, v, data.metric)["metric"] for k, v in evals.items()}
    info = TASKS[config.task]
    out = []
    for i, (run_id, seed) in enumerate(job.runs.items()):
        metrics = {f"{split}_metric": v[i].item() for split, v in final.items()}
        metrics.update(
            lr=lr,
            parameters=count_parameters(model),
            width=model.width,
            best_epoch=result.best_epoch[i],
            updates=result.updates,
        )
        out.append(
            context.record(
                job,
                run_id,
                metrics=metrics,
                curves=member_curves(result.curves, i, ("updates", "wall_time_s", "valid_metric")),
                status=result.status[i],
                message=result.messages[i],
                wall_time_s=search_wall + result.wall_time_s,
                members=len(job.runs),
                extra={"lr_search": search, "metric": info.metric, "seed": seed},
            )
        )
    job.clear_checkpoints()
    return out
