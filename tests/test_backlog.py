"""The backlog: what a profile has left, a few jobs at a time, never started past a deadline."""

from __future__ import annotations

import os
import time

import pytest

from rnnbook.cli import main
from rnnbook.experiments import lipton2015
from rnnbook.experiments.backlog import (
    MARGIN,
    backlog,
    job_command,
    pick,
    simulate,
    trained_elsewhere,
    work_through,
)
from rnnbook.experiments.plan import PlannedJob


def planned(key: str, minutes: float | None, why: str = "not recorded") -> PlannedJob:
    return PlannedJob("chapter.exp", key, why, minutes)


def test_a_free_core_takes_the_first_job_that_fits():
    queue = [planned("long", 100), planned("untimed", None), planned("short", 10)]
    assert pick(queue, 100 * 60 * MARGIN) == 0
    assert pick(queue, 99 * 60) == 2  # the short job passes the long one that no longer fits
    assert pick(queue, 99 * 60, untimed=True) == 1
    assert pick(queue, 5 * 60) is None


def test_the_plan_fills_two_cores_until_the_deadline():
    queue = [planned(k, m) for k, m in (("a", 60), ("b", 60), ("c", 30), ("d", 50))]
    queue.append(planned("e", None))
    plan = simulate(queue, cores=2, seconds=100 * 60)
    # a and b at once; c at 60 min (30 fit in the 40 left), d (50) never; e has no estimate
    assert [(s.job.key, s.at / 60) for s in plan] == [("a", 0), ("b", 0), ("c", 60)]
    assert [s.job.key for s in simulate(queue, 2, 100 * 60, untimed=True)][-1] == "e"


def test_a_timing_job_trains_alone():
    speed = PlannedJob("chapter.speed", "speed", "not recorded", 1, alone=True)
    queue = [planned("a", 10), speed, planned("b", 10), planned("c", 5)]
    plan = simulate(queue, cores=2, seconds=100 * 60)
    # b passes the timing job while a runs; it starts when both have ended, and c waits for it
    assert [(s.job.key, s.at / 60) for s in plan] == [("a", 0), ("b", 0), ("speed", 10), ("c", 11)]
    assert pick([planned("d", 1)], 60.0, running=[speed]) is None


def test_a_job_pauses_at_the_deadline_and_one_by_other_code_is_retrained():
    cmd = job_command(planned("a", 5, "code changed"), "long", 600.4)
    assert cmd[cmd.index("--only") + 1] == "a" and cmd[cmd.index("--time-budget") + 1] == "600"
    assert "--rerun-changed" in cmd
    assert "--rerun-changed" not in job_command(planned("a", 5, "stale"), "long", None)
    assert "--time-budget" not in job_command(planned("a", 5), "long", None)


class FakeProcess:
    """A job of ``minutes`` on a fake clock that advances a minute per poll."""

    def __init__(self, clock, key, minutes, running):
        self.clock, self.key, self.end, self.running = clock, key, clock[0] + minutes * 60, running
        running.add(key)

    def poll(self):
        self.clock[0] += 60
        if self.clock[0] < self.end:
            return None
        self.running.discard(self.key)
        return 0


def test_work_through_runs_cores_jobs_at_a_time_and_starts_none_too_late():
    clock, running, starts = [0.0], set(), []
    minutes = {"a": 3, "b": 10, "c": 2, "d": 30}

    def launch(cmd, env):
        assert env["OMP_NUM_THREADS"] == "1"
        key = cmd[cmd.index("--only") + 1]
        process = FakeProcess(clock, key, minutes[key], running)
        starts.append((key, len(running)))
        return process

    queue = [planned(k, m) for k, m in minutes.items()]
    done = work_through(
        queue, "long", cores=2, deadline=20 * 60, launch=launch, clock=lambda: clock[0], poll_s=0
    )
    assert [k for k, _ in starts] == ["a", "b", "c"]  # d (30 min) never fits in the 20
    assert max(n for _, n in starts) == 2
    assert done == {"chapter.exp/a": 0, "chapter.exp/b": 0, "chapter.exp/c": 0}


def test_a_job_another_process_trains_is_left_to_it(results_root):
    jobs = lipton2015.COPY_EXPERIMENT.jobs_of("smoke")
    queue = backlog("smoke", ["lipton2015.copy"])
    assert [j.key for j in queue] == [j.key for j in jobs]
    assert not any(map(trained_elsewhere, queue))
    lock = jobs[0].lock_path()
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(f"{os.getpid()}\n")  # a live process holds it
    assert [trained_elsewhere(j) for j in queue] == [True] + [False] * (len(queue) - 1)


def test_a_job_trained_elsewhere_holds_a_core_and_returns_when_let_go():
    clock, running, starts = [0.0], set(), []

    def launch(cmd, env):
        key = cmd[cmd.index("--only") + 1]
        starts.append((key, clock[0] / 60, len(running) + 1))
        return FakeProcess(clock, key, 3, running)

    def held(job):  # another process trains "a" for the first 5 minutes
        return job.key == "a" and clock[0] < 5 * 60

    queue = [planned(k, 3) for k in "abc"]
    done = work_through(
        queue, "long", cores=2, launch=launch, clock=lambda: clock[0], poll_s=0, held=held
    )
    # b then c on the one free core; a comes back once let go (its run resumes or finds it done)
    assert [(k, n) for k, _, n in starts] == [("b", 1), ("c", 1), ("a", 2)]
    assert [t for _, t, _ in starts][:2] == [0, 3]
    assert set(done) == {"chapter.exp/a", "chapter.exp/b", "chapter.exp/c"}
    plan = simulate(queue[1:], cores=2, seconds=10 * 60, busy=[planned("a", 8)])
    assert [(s.job.key, s.at / 60) for s in plan] == [("b", 0), ("c", 3)]


def test_the_cli_trains_the_backlog_in_processes_of_their_own(results_root, capsys):
    argv = ["backlog", "smoke", "lipton2015.copy", "--cores", "2", "--hours", "1"]
    assert main([*argv, "--dry-run"]) == 0
    assert "0 start" in capsys.readouterr().out  # untimed: none recorded yet
    assert main([*argv, "--untimed"]) == 0
    assert backlog("smoke", ["lipton2015.copy"]) == []
    assert len(list(results_root.rglob("*.json"))) == sum(
        len(j.runs) for j in lipton2015.COPY_EXPERIMENT.jobs_of("smoke")
    )


def test_a_time_of_day_that_has_passed_means_tomorrow():
    from datetime import datetime, timedelta

    from rnnbook.cli import _deadline

    past = datetime.now() - timedelta(minutes=2)
    hours = (_deadline(f"{past:%H:%M}", None) - time.time()) / 3600
    assert 23.9 < hours < 24.0
    assert 0.9 < (_deadline(None, 1.0) - time.time()) / 3600 <= 1.0
    with pytest.raises(ValueError, match="'9pm' is not a time of day"):
        _deadline("9pm", None)


def test_an_untimed_job_takes_its_core_until_the_deadline():
    queue = [planned("a", 10), planned("u", None), planned("v", None), planned("b", 10)]
    plan = simulate(queue, cores=2, seconds=60 * 60, untimed=True)
    # u holds one core to the end; a, then v on the other: b never starts
    assert [(s.job.key, s.at / 60) for s in plan] == [("a", 0), ("u", 0), ("v", 10)]
