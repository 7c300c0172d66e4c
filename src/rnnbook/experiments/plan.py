"""What is left to run: the configured jobs of a profile that are not recorded, stale or trained
by other code than today's, each with the time it should take, estimated by its closest
recorded siblings: the recorded jobs of its experiment and profile whose keys share the most
leading words with its own (``ptb-s1`` goes by ``ptb-s0``, ``addition-lstm-b`` by the other
``addition-*`` jobs). A job whose first word no recorded key shares (``psmnist-lru`` where only
``addition-*`` jobs are recorded: another task, another size) is not timed yet; a one-word key
(``s2``) goes by all of them. ``python -m rnnbook list --to-run long`` prints it; the table
of recorded runs in :mod:`rnnbook.experiments.pages` sums it per chapter.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from rnnbook.experiments import all_experiments, get_experiments

__all__ = ["JobProgress", "PlannedJob", "estimate_seconds", "job_progress", "jobs_to_run"]


def _sorted_jobs(jobs: Sequence, records: Sequence) -> tuple[dict, list, set]:
    """The wall time of each job of ``jobs`` (pairs of experiment name and job) recorded in full
    and current in ``records``, by experiment and key; the (name, job) pairs of the others; and
    the (name, key) of the recorded jobs with a run trained by other code than today's."""
    current = {(r.experiment, r.run_id): r for r in records if not r.stale}
    done: dict[str, dict[str, float]] = {}
    rest, changed = [], set()
    for name, job in jobs:
        found = [current.get((name, rid)) for rid in job.runs]
        if all(found):
            done.setdefault(name, {})[job.key] = max(r.wall_time_s or 0.0 for r in found)
            if any(r.code_changed for r in found):
                changed.add((name, job.key))
        else:
            rest.append((name, job))
    return done, rest, changed


def _shared_words(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split("-"), b.split("-")):
        if x != y:
            break
        n += 1
    return n


def estimate_seconds(key: str, timed: dict[str, float]) -> float | None:
    """The median of the ``timed`` jobs (key -> seconds) whose keys share the most leading
    ``-``-separated words with ``key``; ``None`` when nothing is timed, or when ``key`` has
    several words and no timed key shares its first."""
    if not timed:
        return None
    best = max(_shared_words(key, k) for k in timed)
    if best == 0 and "-" in key:
        return None
    return statistics.median(t for k, t in timed.items() if _shared_words(key, k) == best)


class JobProgress(NamedTuple):
    """How far the configured jobs of one chapter and profile are: ``done`` recorded in full,
    ``hours`` the core-hours the others would take (:func:`estimate_seconds`), and ``untimed``
    those with no recorded sibling to go by."""

    done: int
    hours: float
    untimed: int

    def to_go(self) -> str:
        """The table cell: hours still to go, and the jobs that cannot be estimated."""
        if not self.hours and not self.untimed:
            return "-"
        said = f"{self.hours:.1f}" if self.hours else ""
        if self.untimed:
            said += f"{' + ' if said else ''}{self.untimed} jobs not yet timed"
        return said


def job_progress(jobs: Sequence, records: Sequence) -> JobProgress:
    """One pass over ``jobs`` (pairs of experiment name and job): which are recorded in full in
    ``records`` (stale records do not count), and what the rest would take, with the retrain of
    the jobs recorded by other code than today's (each at its own recorded time), as
    :func:`jobs_to_run` lists them."""
    done, rest, changed = _sorted_jobs(jobs, records)
    estimates = [estimate_seconds(job.key, done.get(name, {})) for name, job in rest]
    timed = [s for s in estimates if s is not None]
    hours = (sum(timed) + sum(done[name][key] for name, key in changed)) / 3600
    return JobProgress(sum(map(len, done.values())), hours, len(rest) - len(timed))


@dataclass(frozen=True)
class PlannedJob:
    """One job to run: ``experiment`` (``chapter.experiment``), its ``key``, ``why`` it is to
    run, its estimated ``minutes`` (``None``: no recorded sibling to go by, see
    :func:`estimate_seconds`), whether it must train ``alone`` (a timing run: its experiment
    allows one worker) and its ``lock`` (held while a process trains it)."""

    experiment: str
    key: str
    why: str
    minutes: float | None
    alone: bool = False
    lock: Path | None = field(default=None, compare=False)


def jobs_to_run(profile: str, name: str | None = None) -> list[PlannedJob]:
    """The jobs of ``profile`` (of the chapter or experiment ``name``, default all) that are not
    recorded ("not recorded"), recorded with another config ("stale") or by other code than
    today's ("code changed"), in the order of the experiments and their jobs."""
    out = []
    for e in get_experiments(name) if name else all_experiments():
        records = e.recorded(profile)
        jobs = [(e.name, j) for j in e.jobs_of(profile)]
        done, rest, changed = _sorted_jobs(jobs, records)
        stale = {r.run_id for r in records if r.stale}
        missing = {job.key for _, job in rest}
        for _, job in jobs:
            if job.key in missing:
                why = "stale" if stale.intersection(job.runs) else "not recorded"
            elif (e.name, job.key) in changed:
                why = "code changed"
            else:
                continue
            seconds = estimate_seconds(job.key, done.get(e.name, {}))
            minutes = None if seconds is None else seconds / 60
            alone = e.workers == 1
            out.append(PlannedJob(e.id, job.key, why, minutes, alone, job.lock_path()))
    return out
