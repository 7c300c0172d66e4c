"""Toy jobs for the runner's fault tests: importable by the worker processes that run them."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from rnnbook.experiments.jobs import Job, RunContext
from rnnbook.train import TrainConfig, fit


@dataclass(frozen=True)
class ToyConfig:
    value: float


def toy_jobs(
    keys: str = "ab", profile: str = "cpu", value: float = 1.0, seeds: int = 1
) -> list[Job]:
    return [
        Job("toy", "exp", profile, k, ToyConfig(value), {f"{k}-s{s}": s for s in range(seeds)})
        for k in keys
    ]


def quick_train(job: Job, context: RunContext):
    return [context.record(job, rid, metrics={"key": job.key}) for rid in job.runs]


def failing_train(job: Job, context: RunContext):
    """Job ``b`` fails the way a diverged learning-rate search does; the others train."""
    if job.key == "b":
        raise RuntimeError(f"{job.key}: every learning-rate candidate diverged")
    time.sleep(0.5)  # finish after the failure
    return quick_train(job, context)


def sleepy_train(job: Job, context: RunContext):
    """Write this worker's PID where the test can see it, then train for a long time."""
    folder = Path(os.environ["RNNBOOK_RESULTS"]) / "pids"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{job.key}.{os.getpid()}").write_text("")
    time.sleep(120)
    return quick_train(job, context)


class _Scalar(torch.nn.Module):
    """E members of one weight each, trained towards a target: the smallest stacked model."""

    def __init__(self, members: int) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.linspace(-1.0, 1.0, members).unsqueeze(1))


@dataclass(frozen=True)
class KillOnce:
    """A job that kills its own process once, at the start of epoch 3, when ``marker`` (a file
    the first attempt creates) is given and does not exist yet."""

    marker: str = ""


def resumable_job(marker: str = "") -> Job:
    return Job("toy", "resume", "cpu", "a", KillOnce(marker), {"a-s0": 0, "a-s1": 1, "a-s2": 2})


def resumable_train(job: Job, context: RunContext):
    """Four epochs of the real training loop with checkpoints, killed once if asked."""
    model = _Scalar(len(job.runs))
    marker = job.config.marker

    def batches(epoch: int):
        if marker and epoch == 2 and not Path(marker).exists():
            Path(marker).write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)  # as a node that dies mid-job
        g = torch.Generator().manual_seed(epoch)
        for _ in range(5):
            yield torch.rand(8, generator=g)

    def loss(m, batch):
        return ((m.weight - batch) ** 2).mean(1)

    result = fit(
        model,
        batches,
        loss,
        lambda m: {"nll": ((m.weight - 0.5) ** 2).squeeze(1)},
        TrainConfig(optimizer="sgd", lr=0.1, clip_norm=None, max_epochs=4),
        seeds=list(job.runs.values()),
        checkpoint=job.checkpoint_path(),
    )
    weights = model.weight.detach().squeeze(1).tolist()
    return context.records(job, result, [{"weight": w} for w in weights], curves=("epoch",))
