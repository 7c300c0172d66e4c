"""The one experiment runner: an experiment is data, and running it is written once, here.

A chapter declares each experiment as an :class:`Experiment`: its jobs per profile, the function
that trains one job, the function that tabulates its records, and the experiments of the same
chapter that must run before it. :meth:`Experiment.run` loads what is recorded and trains the rest;
:meth:`Experiment.recorded` loads what is recorded, marked stale or "code changed".

Running is safe for hours-long jobs:

- each job's records are saved the moment it ends; a job that fails is reported by name after
  every other job has run and been recorded (:class:`JobsFailedError`);
- a job is trained under a lock file naming its process, so a restarted run never trains from
  a checkpoint that a live process still writes; worker processes end when their parent dies;
- a job paused by its time budget resumes from its checkpoint on the next call (``.paused``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from rnnbook.device import default_device
from rnnbook.experiments.code import code_hash, config_names
from rnnbook.experiments.jobs import (
    Job,
    RunContext,
    TrainFunction,
    cached_records,
    check_time_budget,
    rerun_requested,
    select_jobs,
    single_threaded_on_cpu,
)
from rnnbook.files import pid_lock
from rnnbook.profiles import PROFILES, check_profile
from rnnbook.results import RunRecord, git_commit, load_records, mark_stale, save_record
from rnnbook.results.records import CONFIGURED
from rnnbook.results.verdicts import strongest


class JobsFailedError(RuntimeError):
    """Some jobs failed; every other job was recorded. ``failures`` maps job id to message."""

    def __init__(self, failures: dict[str, str], records: Sequence[RunRecord] = ()) -> None:
        self.failures, self.records = dict(failures), list(records)
        listed = "; ".join(f"{k}: {v}" for k, v in failures.items())
        super().__init__(f"{len(failures)} job(s) failed (the others are recorded): {listed}")


class Records(list):
    """The records of a run, in job order; ``paused`` names the jobs that stopped at their time
    budget (run again to resume them from their checkpoints), ``trained`` the run ids trained by
    this call (the others were loaded from ``results/``)."""

    def __init__(
        self,
        records: Sequence[RunRecord] = (),
        paused: Sequence[str] = (),
        trained: Sequence[str] = (),
    ) -> None:
        super().__init__(records)
        self.paused, self.trained = list(paused), list(trained)

    def summary(self) -> str:
        """One line for a notebook: what was loaded (and from which commits) and what trained."""
        loaded = [r for r in self if r.run_id not in set(self.trained)]
        commits = ", ".join(sorted({r.commit for r in loaded if r.commit})) or "none"
        text = (
            f"Loaded {len(loaded)} recorded runs (commits {commits}); trained {len(self.trained)}"
        )
        text += f" now; {len(self.paused)} jobs paused." if self.paused else " now."
        return text


def default_workers(pending: int) -> int:
    """Processes that train jobs side by side: ``RNNBOOK_WORKERS``, else one per CPU core on a
    machine without CUDA (each process single-threaded: these small recurrent models are bound by
    per-step overhead, not arithmetic), and one on a GPU."""
    env = os.environ.get("RNNBOOK_WORKERS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise ValueError(f"RNNBOOK_WORKERS={env!r} is not a number of processes") from None
    if torch.cuda.is_available():
        return 1
    return max(1, min(pending, os.cpu_count() or 1))


def _exit_with_parent(parent: int) -> None:
    """In a worker: end this process as soon as the process that started it is gone."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(3)


def _init_worker(parent: int) -> None:
    torch.set_num_threads(1)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def train_one(
    train: TrainFunction, job: Job, context: RunContext, fresh: bool = False
) -> list[RunRecord] | None:
    """Train ``job`` under its lock (``fresh``: its old checkpoints removed first)."""
    with pid_lock(job.lock_path(), job.id):
        if fresh:
            job.clear_checkpoints()
        with single_threaded_on_cpu(context.device):
            return train(job, context)


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


#: Where jobs run: ``local`` (a process pool on this machine) or ``ray`` (a Ray cluster).
ENGINES = ("local", "ray")


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    return engine


def _run_local(pending, jobs, train, context, fresh, workers, finish, fail) -> None:
    """Train the pending jobs in this process or in a pool of worker processes."""
    workers = workers or default_workers(len(pending))
    if workers <= 1 or len(pending) <= 1:
        for k in pending:
            try:
                finish(k, train_one(train, jobs[k], context, fresh))
            except Exception as err:  # noqa: BLE001 - reported by name by the caller
                fail(k, err)
        return
    mp = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=mp, initializer=_init_worker, initargs=(os.getpid(),)
    ) as pool:
        futures = {pool.submit(train_one, train, jobs[k], context, fresh): k for k in pending}
        for future in as_completed(futures):
            try:
                finish(futures[future], future.result())
            except Exception as err:  # noqa: BLE001 - a worker's error or its death
                fail(futures[future], err)


def _trained_by_other_code(records: Sequence[RunRecord], context: RunContext) -> bool:
    return bool(context.code_hash) and any(r.code_hash != context.code_hash for r in records)


def execute(
    jobs: Sequence[Job],
    train: TrainFunction,
    context: RunContext,
    *,
    rerun: bool | str | None = None,
    rerun_changed: bool = False,
    workers: int | None = None,
    engine: str = "local",
    address: str | None = None,
    log: Callable[[str], None] | None = None,
) -> Records:
    """Load or train each job and return all their records, in job order (``rerun``: train
    every job from scratch; ``rerun_changed``: train the jobs recorded by other code than
    ``context``'s, resuming a retrain that paused from its checkpoint).

    Jobs to train run in ``workers`` processes (:func:`default_workers`), or as tasks of a Ray
    cluster with ``engine="ray"`` (:mod:`rnnbook.experiments.ray_engine`; ``address`` or
    ``$RAY_ADDRESS``, default ``auto``). A job whose train function returns ``None`` paused; one
    that raises is reported in :class:`JobsFailedError` once every other job has finished and
    been saved. Each job's records are saved by this process as soon as the job ends.
    """
    log = log or (lambda msg: print(msg, file=sys.stderr))
    check_engine(engine)
    fresh = rerun_requested(rerun)
    done: dict[int, list[RunRecord]] = {}
    pending = []
    for k, job in enumerate(jobs):
        records = None if fresh else cached_records(job)
        if records and rerun_changed and _trained_by_other_code(records, context):
            records = None
        if records is None:
            pending.append(k)
        else:
            done[k] = records
    paused: list[str] = []
    failures: dict[str, str] = {}

    def finish(k: int, records: list[RunRecord] | None) -> None:
        if records is None:
            paused.append(jobs[k].key)
            log(f"paused {jobs[k].id}: run again to resume from its checkpoint")
            return
        for r in records:
            save_record(r)
        done[k] = records
        log(f"recorded {jobs[k].id}")

    def fail(k: int, err: BaseException) -> None:
        failures[jobs[k].id] = _one_line(err)
        log(f"failed {jobs[k].id}: {_one_line(err)}")

    for k in pending:
        log(f"training {jobs[k].id} ({len(jobs[k].runs)} runs)")
    if pending and engine == "ray":
        from rnnbook.experiments.ray_engine import run_on_ray

        run_on_ray(pending, jobs, train, context, fresh, finish, fail, address=address)
    elif pending:
        _run_local(pending, jobs, train, context, fresh, workers, finish, fail)
    records = [r for k in sorted(done) for r in done[k]]
    if failures:
        raise JobsFailedError(failures, records)
    trained = [r.run_id for k in pending if k in done for r in done[k]]
    return Records(records, paused, trained)


#: While :func:`records_read_once` is active: the records each experiment has read, per profile.
_READ: dict[tuple, list[RunRecord]] | None = None


@contextlib.contextmanager
def records_read_once() -> Iterator[None]:
    """Within the block, :meth:`Experiment.recorded` reads each experiment's records from disk
    once: for the pages, which read every chapter's records several times and train nothing."""
    global _READ
    outer, _READ = _READ, {} if _READ is None else _READ
    try:
        yield
    finally:
        _READ = outer


@dataclass(frozen=True)
class Experiment:
    """One experiment of a chapter, declared as data.

    ``jobs(profile)`` lists its jobs (none in a profile it does not define); ``train(job,
    context)`` trains one and returns its records (``None`` if paused); ``table(records)``
    tabulates them; ``after`` names the experiments of the chapter that run before it (their
    records are reused); ``workers`` caps the processes (1 for timing runs); ``config_type`` is
    the class of its jobs' configs where the train function does not import it (its methods
    count in the code hash).
    """

    chapter: str
    name: str
    title: str
    jobs: Callable[[str], Sequence[Job]]
    train: TrainFunction
    table: Callable[..., Any]
    after: tuple[str, ...] = ()
    workers: int | None = None
    config_type: type | None = None

    @property
    def id(self) -> str:
        return f"{self.chapter}.{self.name}"

    def jobs_of(self, profile: str) -> list[Job]:
        return list(self.jobs(check_profile(profile)))

    def code_hash(self) -> str:
        """The hash of the source its train function runs (see :mod:`.code`)."""
        return code_hash(self.train, config_names(self.config_type))

    def context(
        self,
        *,
        progress: bool | None = None,
        time_budget_s: float | None = None,
        device: torch.device | None = None,
        engine: str = "local",
    ) -> RunContext:
        return RunContext(
            device=device or default_device(),
            commit=git_commit(),  # the code that trains, read before training starts
            code_hash=self.code_hash(),
            progress=progress,
            time_budget_s=check_time_budget(time_budget_s),
            engine=check_engine(engine),
        )

    def run(
        self,
        profile: str = "cpu",
        *,
        rerun: bool | str | None = None,
        rerun_changed: bool = False,
        only: Sequence[str] | None = None,
        progress: bool | None = None,
        time_budget_s: float | None = None,
        workers: int | None = None,
        device: torch.device | None = None,
        engine: str = "local",
        address: str | None = None,
    ) -> Records:
        """Load or train every job of ``profile`` (``only``: these job keys) and return the
        records; ``engine="ray"`` trains them on a Ray cluster (``address``); see
        :func:`~rnnbook.experiments.runner.execute` for pausing, failures and ``rerun_changed``."""
        jobs = select_jobs(self.jobs_of(profile), only)
        context = self.context(
            progress=progress, time_budget_s=time_budget_s, device=device, engine=engine
        )
        return execute(
            jobs,
            self.train,
            context,
            rerun=rerun,
            rerun_changed=rerun_changed,
            workers=workers or self.workers,
            engine=engine,
            address=address,
        )

    def recorded(self, profile: str | None = None, root: Path | None = None) -> list[RunRecord]:
        """Every recorded run (one profile or all), each marked stale unless its job is still
        defined with its hash, and "code changed" if its training code differs from today's."""
        key = (self.id, profile, root)
        if _READ is not None and key in _READ:
            return list(_READ[key])
        records = load_records(self.chapter, self.name, profile, root)
        today = self.code_hash()
        out = []
        for p in sorted({r.profile for r in records}):
            hashes = {rid: j.run_hash(rid) for j in self.jobs_of(p) for rid in j.runs}
            out += mark_stale([r for r in records if r.profile == p], hashes, today)
        if _READ is not None:
            _READ[key] = out
        return list(out)

    def placeholders(self) -> list[RunRecord]:
        """A record with no results (status ``"configured"``) for every run each profile
        configures, recorded or not: what tells a table cell still to run from one that a
        profile leaves out (:func:`rnnbook.results.tables.configured_cells`)."""
        return [
            j.record(rid, metrics={}, status=CONFIGURED)
            for p in PROFILES
            for j in self.jobs_of(p)
            for rid in j.runs
        ]

    def strongest_table(self, root: Path | None = None):
        """This experiment's table for its strongest recorded profile (``full``, then ``long``,
        then ``cpu``): what a notebook shows first."""
        profile, runs = strongest(self.recorded(root=root))
        title = f"{self.title}: the strongest recorded profile, `{profile}`"
        return self.table(runs, title if runs else f"{self.title}: nothing recorded yet")


def recorded_all(experiments: Sequence[Experiment]) -> list[RunRecord]:
    """Every recorded run of ``experiments``, every profile, stale ones marked."""
    return [r for e in experiments for r in e.recorded()]


def placeholders_all(experiments: Sequence[Experiment]) -> list[RunRecord]:
    """The placeholder of every configured run of ``experiments``, every profile."""
    return [r for e in experiments for r in e.placeholders()]


def in_run_order(experiments: Sequence[Experiment]) -> list[Experiment]:
    """``experiments`` with each one after those it names in ``after`` (otherwise as given)."""
    names = {e.name: e for e in experiments}
    ordered: list[Experiment] = []

    def visit(e: Experiment, path: tuple[str, ...]) -> None:
        if e in ordered:
            return
        if e.name in path:
            raise ValueError(f"experiments {' -> '.join((*path, e.name))} wait for each other")
        for before in e.after:
            if before in names:
                visit(names[before], (*path, e.name))
        ordered.append(e)

    for e in experiments:
        visit(e, ())
    return ordered


def chapter_jobs(experiments: Sequence[Experiment], profile: str) -> dict[str, list[str]]:
    """Job keys per experiment id in ``profile``."""
    return {e.id: [j.key for j in e.jobs_of(profile)] for e in experiments}


def check_only(experiments: Sequence[Experiment], profile: str, only: Sequence[str]) -> None:
    """Raise, before anything trains, if a key of ``only`` names no job of ``experiments``."""
    keys = {k for ks in chapter_jobs(experiments, profile).values() for k in ks}
    unknown = [k for k in only if k not in keys]
    if unknown:
        raise ValueError(
            f"no job named {', '.join(unknown)} in profile {profile!r}: "
            f"the jobs are {', '.join(sorted(keys)) or 'none'}"
        )


def run_each(
    experiments: Sequence[Experiment],
    profile: str = "cpu",
    *,
    only: Sequence[str] | None = None,
    **kwargs: Any,
) -> Iterator[tuple[Experiment, Records]]:
    """Run ``experiments`` in their order (:func:`in_run_order`), each on the keys of ``only``
    that are its own (``only`` is checked against all of them before anything trains); yield
    each experiment that ran with its records."""
    if only:
        check_only(experiments, profile, only)
    for e in in_run_order(experiments):
        keys = [j.key for j in e.jobs_of(profile)]
        if only and not set(only) & set(keys):
            continue
        mine = [k for k in only if k in keys] if only else None
        yield e, e.run(profile, only=mine, **kwargs)


def run_all(
    experiments: Sequence[Experiment],
    profile: str = "cpu",
    *,
    only: Sequence[str] | None = None,
    **kwargs: Any,
) -> Records:
    """All the records of :func:`run_each`, and every job that paused."""
    records, paused, trained = [], [], []
    for _, done in run_each(experiments, profile, only=only, **kwargs):
        records += done
        paused += done.paused
        trained += done.trained
    return Records(records, paused, trained)
