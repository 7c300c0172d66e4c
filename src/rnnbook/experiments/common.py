"""What every chapter's experiments share: jobs, cached execution, seeds and learning-rate samples.

A *job* is one training process: the members of a stacked model (seeds, learning-rate candidates)
trained together. It yields one :class:`~rnnbook.results.records.RunRecord` per reported run.
Execution
reuses work: a job whose records all exist with the current config hash is loaded, not retrained;
what is missing or stale is trained and recorded; ``rerun=True`` (or ``RERUN=1``) retrains all.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnnbook.profiles import check_profile, config_dict, config_hash
from rnnbook.results import (
    RunRecord,
    load_record,
    load_records,
    mark_stale,
    results_dir,
    save_record,
)


@dataclass(frozen=True)
class Experiment:
    """An entry of the registry: what ``python -m rnnbook list`` shows and ``run`` executes.

    ``run(profile, rerun=, progress=, time_budget_s=)`` loads or trains and returns records;
    ``recorded(profile)`` loads records marked stale or not; ``table(records)`` renders them.
    """

    chapter: str
    name: str
    title: str
    run: Callable[..., list[RunRecord]]
    recorded: Callable[..., list[RunRecord]]
    table: Callable[..., Any]

    @property
    def id(self) -> str:
        return f"{self.chapter}.{self.name}"


@dataclass(frozen=True)
class Job:
    """One training process and the runs it reports.

    ``runs`` maps each reported run id to the seed it stands for; every run's hash is the hash of
    the job's config plus that seed.
    """

    chapter: str
    experiment: str
    profile: str
    key: str
    config: Any
    runs: dict[str, int]

    def run_hash(self, run_id: str) -> str:
        return config_hash({"job": config_dict(self.config), "seed": self.runs[run_id]})

    def record_path(self, run_id: str, root: Path | None = None) -> Path:
        root = root or results_dir()
        return root / self.chapter / self.experiment / self.profile / f"{run_id}.json"

    def checkpoint_path(self, root: Path | None = None) -> Path:
        root = root or results_dir()
        tag = config_hash(self.config)
        return (
            root
            / self.chapter
            / self.experiment
            / self.profile
            / "_checkpoints"
            / f"{self.key}-{tag}.pt"
        )

    def record(self, run_id: str, **fields: Any) -> RunRecord:
        """A record of ``run_id`` with the job's config, hash and seed filled in."""
        return RunRecord(
            chapter=self.chapter,
            experiment=self.experiment,
            profile=self.profile,
            run_id=run_id,
            config=config_dict(self.config),
            config_hash=self.run_hash(run_id),
            seed=self.runs[run_id],
            **fields,
        )


def rerun_requested(rerun: bool | None = None) -> bool:
    """``rerun`` if given, else the ``RERUN`` environment variable (``RERUN=1 make book``)."""
    if rerun is not None:
        return rerun
    return os.environ.get("RERUN", "0") not in ("0", "", "false", "no")


def cached_records(job: Job, root: Path | None = None) -> list[RunRecord] | None:
    """The job's records if every one exists with the current hash, else ``None``."""
    records = []
    for run_id in job.runs:
        path = job.record_path(run_id, root)
        if not path.exists():
            return None
        record = load_record(path)
        if record.config_hash != job.run_hash(run_id):
            return None
        records.append(record)
    return records


def select_jobs(jobs: Sequence[Job], only: Sequence[str] | None) -> list[Job]:
    """The jobs whose key is in ``only`` (all of them without ``only``); an error naming the keys
    there are when none matches."""
    if not only:
        return list(jobs)
    kept = [j for j in jobs if j.key in only]
    if not kept:
        keys = ", ".join(j.key for j in jobs)
        raise ValueError(f"no job matches {list(only)}: the jobs are {keys}")
    return kept


def recorded_runs(
    chapter: str,
    experiment: str | None,
    profile: str | None,
    jobs_of: Callable[[str], Iterable[Job]],
) -> list[RunRecord]:
    """Every recorded run of ``chapter`` (one experiment or all, one profile or all), each marked
    stale unless ``jobs_of(profile)`` still defines its run, in its experiment, with its hash."""
    records = load_records(chapter, experiment, profile)
    out = []
    for p in sorted({r.profile for r in records}):
        defined = list(jobs_of(p))
        for e in sorted({r.experiment for r in records if r.profile == p}):
            hashes = {rid: j.run_hash(rid) for j in defined if j.experiment == e for rid in j.runs}
            out += mark_stale([r for r in records if r.profile == p and r.experiment == e], hashes)
    return out


def default_workers(pending: int) -> int:
    """Processes that train jobs side by side: ``RNNBOOK_WORKERS``, else one per CPU core on a
    machine without CUDA (each process single-threaded: these small recurrent models are bound by
    per-step overhead, not arithmetic), and one on a GPU."""
    env = os.environ.get("RNNBOOK_WORKERS")
    if env:
        return max(1, int(env))
    if torch.cuda.is_available():
        return 1
    return max(1, min(pending, os.cpu_count() or 1))


def _single_threaded() -> None:
    torch.set_num_threads(1)


@contextlib.contextmanager
def single_threaded_on_cpu(device: torch.device | str | None = None):
    """One intra-op thread while training on the CPU in this process, as in the worker processes
    (``device``: the device trained on; default, the CPU unless CUDA is available).

    Small recurrent models are bound by per-step overhead: extra threads only add contention
    (on a busy machine a step of Pascanu's 50-unit networks takes 30 times longer on two), and
    one thread makes in-process and worker runs compute in the same order.
    """
    before = torch.get_num_threads()
    on_cpu = not torch.cuda.is_available() if device is None else torch.device(device).type == "cpu"
    if on_cpu:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def execute(
    jobs: Sequence[Job],
    train_job: Callable[[Job], list[RunRecord] | None],
    *,
    rerun: bool | None = None,
    root: Path | None = None,
    workers: int | None = None,
    log: Callable[[str], None] | None = None,
) -> list[RunRecord]:
    """Load or train each job and return all their records, in job order.

    Jobs to train run in ``workers`` processes (:func:`default_workers`). ``train_job`` returns
    ``None`` when it paused (time budget) before finishing; its checkpoint lets the next call
    resume, and nothing is recorded meanwhile. Each job's records are saved as soon as it ends.
    """
    log = log or (lambda msg: print(msg, file=sys.stderr))
    rerun = rerun_requested(rerun)
    done: dict[int, list[RunRecord]] = {}
    pending = []
    for k, job in enumerate(jobs):
        check_profile(job.profile)
        records = None if rerun else cached_records(job, root)
        if records is not None:
            done[k] = records
        else:
            pending.append(k)

    def finish(k: int, records: list[RunRecord] | None) -> None:
        job = jobs[k]
        if records is None:
            log(f"paused {job.key}: run again to resume from its checkpoint")
            return
        for r in records:
            save_record(r, root)
        done[k] = records
        log(f"recorded {job.chapter}/{job.experiment}/{job.profile}/{job.key}")

    workers = workers or default_workers(len(pending))
    for k in pending:
        log(
            f"training {jobs[k].chapter}/{jobs[k].experiment}/{jobs[k].profile}/{jobs[k].key} "
            f"({len(jobs[k].runs)} runs)"
        )
    if workers <= 1 or len(pending) <= 1:
        with single_threaded_on_cpu():
            for k in pending:
                finish(k, train_job(jobs[k]))
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_single_threaded) as pool:
            futures = {pool.submit(train_job, jobs[k]): k for k in pending}
            for future in as_completed(futures):
                finish(futures[future], future.result())
    return [r for k in sorted(done) for r in done[k]]


def log_uniform(n: int, low: float, high: float, seed: int) -> tuple[float, ...]:
    """``n`` learning rates ``exp(u)``, ``u ~ U(low, high)``, sorted, from a fixed seed."""
    rng = np.random.default_rng(seed)
    return tuple(float(np.exp(u)) for u in np.sort(rng.uniform(low, high, size=n)))
