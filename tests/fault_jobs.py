"""Toy jobs for the runner's fault tests: importable by the worker processes that run them."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from rnnbook.experiments.jobs import Job, RunContext


@dataclass(frozen=True)
class ToyConfig:
    value: float


def toy_jobs(keys: str = "ab", profile: str = "cpu", value: float = 1.0) -> list[Job]:
    return [Job("toy", "exp", profile, k, ToyConfig(value), {f"{k}-s0": 0}) for k in keys]


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
