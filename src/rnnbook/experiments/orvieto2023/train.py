"""Orvieto et al. (2023): the deep network of Fig. 1 with the recurrence of a rung, and how one
(task, rung) job trains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import torch

from rnnbook.experiments.jobs import Job, RunContext, cached_records
from rnnbook.experiments.orvieto2023.config import (
    CHAPTER,
    LADDER_EXPERIMENT,
    TASKS_EXPERIMENT,
    LRUConfig,
)
from rnnbook.experiments.orvieto2023.config_jobs import run_id
from rnnbook.experiments.orvieto2023.data import (
    TaskData,
    eval_batches,
    load_task,
    training_stream,
)
from rnnbook.models import count_parameters
from rnnbook.models.lru import DeepRecurrentClassifier
from rnnbook.results import RunRecord
from rnnbook.train import fit
from rnnbook.train.classifiers import cross_entropy_loss, evaluate_classifier

__all__ = ["build_model", "train_job"]


def build_model(
    config: LRUConfig, data: TaskData, members: int = 1, seeds: Sequence[int] | None = None
) -> DeepRecurrentClassifier:
    """The deep network of Fig. 1 with the recurrence of ``config.rung``."""
    return DeepRecurrentClassifier(
        data.classes,
        config.width,
        config.state,
        config.depth,
        rung=config.rung,
        input_size=data.input_size,
        vocab=data.vocab,
        members=members,
        seeds=seeds,
        r_min=config.r_min,
        r_max=config.r_max,
        max_phase=config.max_phase,
        dropout=config.dropout,
        bidirectional=config.bidirectional,
        lr_factor=config.lr_factor,
    )


def _eigenvalues(model: DeepRecurrentClassifier, member: int) -> list[list[list[float]]]:
    """Per block, the (first direction's) eigenvalues of a diagonal recurrence as [re, im] pairs."""
    out = []
    for block in model.blocks:
        layer = block.recurrence
        if not layer.diagonal:
            return []
        lam = layer.cells[0].eigenvalues()[member].detach().cpu().to(torch.complex128)
        pairs = torch.view_as_real(lam).tolist()
        out.append([[round(re, 6), round(im, 6)] for re, im in pairs])
    return out


def _shared_records(job: Job) -> list[RunRecord] | None:
    """The ladder's LRU rung is the ``tasks`` experiment's job when their configurations are equal
    (same data, model, training and seeds): its records are reused rather than trained again."""
    if job.experiment != LADDER_EXPERIMENT:
        return None
    twin = Job(CHAPTER, TASKS_EXPERIMENT, job.profile, job.key, job.config, job.runs)
    found = cached_records(twin)
    if found is None:
        return None
    return [
        replace(r, experiment=LADDER_EXPERIMENT, extra={**r.extra, "shared_with": "tasks"})
        for r in found
    ]


def train_job(job: Job, context: RunContext) -> list[RunRecord] | None:
    """Train one (task, rung) job, all seeds stacked; one record per seed, ``None`` if paused.

    The reported accuracies are those of each seed's best validation checkpoint.
    """
    shared = _shared_records(job)
    if shared is not None:
        return shared
    config: LRUConfig = job.config
    device = context.device
    data = load_task(config.data)
    torch.manual_seed(config.seeds[0])  # dropout masks
    model = build_model(config, data, len(config.seeds), config.seeds).to(device)
    initial = [_eigenvalues(model, i) for i in range(len(config.seeds))]
    valid = eval_batches(data, "valid", config.eval_batch, device)
    result = fit(
        model,
        training_stream(data, config, device),
        cross_entropy_loss,
        lambda m: evaluate_classifier(m, valid),
        config.train_config(),
        seeds=config.seeds,
        checkpoint=job.checkpoint_path(),
        time_budget_s=context.time_budget_s,
        progress=context.progress,
        desc=job.key,
    )
    if not result.finished:
        return None
    final = {
        split: evaluate_classifier(model, eval_batches(data, split, config.eval_batch, device))
        for split in ("valid", "test")
    }
    majority = np.bincount(data.labels["test"]).max() / len(data.labels["test"])
    metrics = []
    for i in range(len(config.seeds)):
        member = {
            f"{split}_{k}": (100.0 * v[i].item() if k == "accuracy" else v[i].item())
            for split in final
            for k, v in final[split].items()
            if k != "error"
        }
        member.update(
            test_majority_accuracy=100.0 * float(majority),
            best_update=result.best_epoch[i] * config.eval_every,
            updates=result.updates,
            parameters=count_parameters(model),
            train_size=len(data.labels["train"]),
        )
        metrics.append(member)
    return context.records(
        job,
        result,
        metrics,
        run_ids=[run_id(config, seed) for seed in config.seeds],
        curves=("updates", "wall_time_s", "train_loss", "valid_accuracy"),
        scale={"valid_accuracy": 100.0},
        extra=[
            {"eigenvalues_initial": initial[i], "eigenvalues_final": _eigenvalues(model, i)}
            for i in range(len(config.seeds))
        ],
    )
