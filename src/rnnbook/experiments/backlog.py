"""Work through what a profile has left to run, a few jobs at a time, until a deadline.

The jobs are those of :func:`~rnnbook.experiments.plan.jobs_to_run`, in the order of the names
given (a chapter or ``chapter.experiment`` each; default every experiment). Each trains in a
process of its own (``python -m rnnbook run ... --only KEY``, one thread), ``cores`` at a time.
A free core takes the first job whose estimated time fits before the deadline, so a short job
can pass a long one that no longer fits; a job that cannot be timed yet (no recorded sibling)
starts only when asked (``untimed``). Every job gets the time left as its ``--time-budget``: one
that overruns its estimate pauses at the deadline with its checkpoint, and the same command
resumes it. A job recorded by other code than today's is retrained (``--rerun-changed``)::

    python -m rnnbook backlog long pascanu2013.table1 jozefowicz2015 --cores 2 --until 21:50
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rnnbook.experiments.plan import PlannedJob, jobs_to_run
from rnnbook.files import lock_holder

__all__ = [
    "Started",
    "backlog",
    "job_command",
    "pick",
    "simulate",
    "trained_elsewhere",
    "work_through",
]

#: An estimate is stretched by this factor before it is compared with the time left.
MARGIN = 1.1
#: Each job's process: one thread, no progress bars, no worker processes of its own.
JOB_ENV = {"OMP_NUM_THREADS": "1", "RNNBOOK_WORKERS": "1", "RNNBOOK_PROGRESS": "0"}


def backlog(profile: str, names: Sequence[str] = ()) -> list[PlannedJob]:
    """The jobs ``profile`` has left to run, experiment by experiment in the order of
    ``names`` (each once), or of every experiment without names."""
    out, seen = [], set()
    for name in names or (None,):
        for job in jobs_to_run(profile, name):
            if (job.experiment, job.key) not in seen:
                seen.add((job.experiment, job.key))
                out.append(job)
    return out


def trained_elsewhere(job: PlannedJob) -> bool:
    """Whether a live process holds ``job``'s lock: another process trains it now."""
    return job.lock is not None and lock_holder(job.lock) is not None


def _fits(job: PlannedJob, seconds_left: float, untimed: bool) -> bool:
    if job.minutes is None:
        return untimed
    return job.minutes * 60 * MARGIN <= seconds_left


def pick(
    queue: Sequence[PlannedJob],
    seconds_left: float,
    *,
    untimed: bool = False,
    running: Sequence[PlannedJob] = (),
) -> int | None:
    """The index of the first job of ``queue`` whose estimate fits in ``seconds_left`` (a job
    without one only if ``untimed``) beside the ``running`` ones (a job that must train alone
    waits for none to run, and while it runs nothing starts), or ``None``."""
    if any(j.alone for j in running):
        return None
    return next(
        (
            i
            for i, j in enumerate(queue)
            if _fits(j, seconds_left, untimed) and not (j.alone and running)
        ),
        None,
    )


@dataclass(frozen=True)
class Started:
    """A job and when it starts, in seconds from the beginning."""

    job: PlannedJob
    at: float


def simulate(
    queue: Sequence[PlannedJob],
    cores: int,
    seconds: float,
    *,
    untimed: bool = False,
    busy: Sequence[PlannedJob] = (),
) -> list[Started]:
    """The starts :func:`work_through` would make in ``seconds`` on ``cores`` if every job took
    its estimate (an untimed one: the rest of the time): the plan a dry run prints. The
    ``busy`` jobs, trained by other processes, hold a core each for at most their estimate."""
    queue, out, now = list(queue), [], 0.0
    running = [(_end(j, 0.0, seconds), j) for j in busy]  # (end, job)
    while queue and now < seconds:
        running = [(end, j) for end, j in running if end > now]
        k = None
        if len(running) < cores:
            k = pick(queue, seconds - now, untimed=untimed, running=[j for _, j in running])
        if k is not None:
            job = queue.pop(k)
            out.append(Started(job, now))
            running.append((_end(job, now, seconds), job))
        elif running:
            now = min(end for end, _ in running)  # wait for the next job to end
        else:
            break
    return out


def _end(job: PlannedJob, now: float, seconds: float) -> float:
    """When ``job``, started at ``now``, ends by its estimate; an untimed one at the deadline."""
    return seconds if job.minutes is None else now + job.minutes * 60


def job_command(job: PlannedJob, profile: str, seconds_left: float | None) -> list[str]:
    """The command that trains ``job`` (pausing after ``seconds_left``, if given)."""
    cmd = [sys.executable, "-m", "rnnbook", "run", job.experiment, "--profile", profile]
    cmd += ["--only", job.key, "--no-progress"]
    if seconds_left is not None:
        cmd += ["--time-budget", f"{max(1.0, seconds_left):.0f}"]
    if job.why == "code changed":
        cmd.append("--rerun-changed")
    return cmd


def work_through(
    queue: Sequence[PlannedJob],
    profile: str,
    *,
    cores: int,
    deadline: float | None = None,
    untimed: bool = False,
    log: Callable[[str], None] = print,
    launch: Callable[..., subprocess.Popen] = subprocess.Popen,
    clock: Callable[[], float] = time.time,
    poll_s: float = 5.0,
    held: Callable[[PlannedJob], bool] = trained_elsewhere,
) -> dict[str, int]:
    """Train the jobs of ``queue`` on ``cores`` processes until ``deadline`` (a time as from
    ``clock``; ``None``: no deadline); the exit status of each job started, by
    ``experiment/key`` (0 recorded, 3 paused at the deadline, 2 failed).

    A job of ``queue`` that another process trains (``held``) is left to it and holds one of
    the ``cores`` while it does; when that process lets go, the job goes back to the head of
    the queue (recorded by then, its run finds nothing to do; paused, it resumes)."""
    if cores < 1:
        raise ValueError(f"cores must be at least 1, not {cores}")
    queue, running, elsewhere, done = list(queue), [], [], {}
    env = {**os.environ, **JOB_ENV}
    while True:
        for job, process in list(running):
            if (rc := process.poll()) is not None:
                running.remove((job, process))
                done[f"{job.experiment}/{job.key}"] = rc
                log(f"{time.strftime('%H:%M:%S')} finished {job.experiment} {job.key}: exit {rc}")
        queue, elsewhere = _left_to_others(queue, elsewhere, held, log)
        left = None if deadline is None else deadline - clock()
        in_time = left is None or left > 0
        while queue and len(running) + len(elsewhere) < cores and in_time:
            seconds = float("inf") if left is None else left
            busy = [j for j, _ in running] + elsewhere
            k = pick(queue, seconds, untimed=untimed, running=busy)
            if k is None:
                break
            job = queue.pop(k)
            log(f"{time.strftime('%H:%M:%S')} start {job.experiment} {job.key} ({job.why})")
            running.append((job, launch(job_command(job, profile, left), env=env)))
        if not running and not (queue and elsewhere and in_time):
            if queue:
                log(f"left for later: {', '.join(j.key for j in queue)} (not enough time)")
            return done
        time.sleep(poll_s)


def _left_to_others(
    queue: list[PlannedJob],
    elsewhere: list[PlannedJob],
    held: Callable[[PlannedJob], bool],
    log: Callable[[str], None],
) -> tuple[list[PlannedJob], list[PlannedJob]]:
    """``queue`` and ``elsewhere`` after moving the jobs another process now trains to
    ``elsewhere`` and those it has let go back to the head of ``queue``."""
    released = [j for j in elsewhere if not held(j)]
    taken = [j for j in queue if held(j)]
    for j in taken:
        log(f"{time.strftime('%H:%M:%S')} left to another process: {j.experiment} {j.key}")
    queue = released + [j for j in queue if j not in taken]
    return queue, [j for j in elsewhere if j not in released] + taken
