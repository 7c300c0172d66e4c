"""The runner under faults, as a user meets them: failing jobs, killed runs, two runs at once,
bad settings, damaged records, and the command line's answers."""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest
import torch
from fault_jobs import failing_train, quick_train, toy_jobs

from rnnbook.cli import EXIT_PAUSED, main
from rnnbook.experiments import chung2014
from rnnbook.experiments.jobs import RunContext
from rnnbook.experiments.runner import JobsFailedError, execute
from rnnbook.files import LockHeldError, pid_alive, pid_lock
from rnnbook.results import CorruptRecordWarning, load_record, load_records, save_record
from rnnbook.train import TrainConfig

CONTEXT = RunContext(device=torch.device("cpu"), commit="test")
TESTS = Path(__file__).parent


# --- one failing job --------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_job_is_named_and_every_other_job_is_recorded(results_root, workers):
    with pytest.raises(JobsFailedError) as caught:
        execute(toy_jobs("abc"), failing_train, CONTEXT, workers=workers)
    assert list(caught.value.failures) == ["toy/exp/cpu/b"]
    assert "every learning-rate candidate diverged" in str(caught.value)
    saved = sorted(p.stem for p in results_root.rglob("*.json"))
    assert saved == ["a-s0", "c-s0"]


# --- a killed run -------------------------------------------------------------------------------

KILLED_RUN = """
import sys, torch
sys.path.insert(0, {tests!r})
from fault_jobs import sleepy_train, toy_jobs
from rnnbook.experiments.jobs import RunContext
from rnnbook.experiments.runner import execute
execute(toy_jobs("ab"), sleepy_train, RunContext(torch.device("cpu"), "test"), workers=2)
"""


def test_workers_end_with_their_parent_and_a_restart_takes_over_their_locks(results_root):
    env = {**os.environ, "RNNBOOK_RESULTS": str(results_root)}
    parent = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN.format(tests=str(TESTS))],
        env=env,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(list((results_root / "pids").glob("*"))) < 2:
            assert time.monotonic() < deadline, "the workers did not start"
            assert parent.poll() is None
            time.sleep(0.2)
        workers = [int(p.suffix[1:]) for p in (results_root / "pids").glob("*")]
        locks = list(results_root.rglob("*.lock"))
        assert len(locks) == 2 and {int(p.read_text()) for p in locks} == set(workers)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 15
        while any(pid_alive(pid) for pid in workers):
            assert time.monotonic() < deadline, f"workers {workers} outlived their parent"
            time.sleep(0.2)
    finally:
        with contextlib.suppress(OSError):  # the run's whole process group, if anything is left
            os.killpg(parent.pid, signal.SIGKILL)
    # the locks name dead processes: a new run takes them over and trains
    records = execute(toy_jobs("ab"), quick_train, CONTEXT, workers=1)
    assert [r.run_id for r in records] == ["a-s0", "b-s0"]
    assert not list(results_root.rglob("*.lock"))


def test_a_job_held_by_a_live_process_is_not_trained_twice(results_root):
    (job,) = toy_jobs("a")
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        job.lock_path().parent.mkdir(parents=True)
        job.lock_path().write_text(f"{holder.pid}\n")
        with pytest.raises(JobsFailedError, match=f"being trained by process {holder.pid}"):
            execute([job], quick_train, CONTEXT)
        assert not list(results_root.rglob("*.json"))
    finally:
        holder.kill()
        holder.wait()
    assert [r.run_id for r in execute([job], quick_train, CONTEXT)] == ["a-s0"]


def test_a_lock_is_refused_while_held_and_released_after(tmp_path):
    lock = tmp_path / "job.lock"
    with pid_lock(lock):
        assert lock.read_text().strip() == str(os.getpid())
        with pytest.raises(LockHeldError, match=str(os.getpid())), pid_lock(lock):
            pass
    assert not lock.exists()


# --- concurrent writes ------------------------------------------------------------------------


def test_concurrent_saves_of_one_record_never_collide(results_root):
    (job,) = toy_jobs("a")
    record = job.record("a-s0", metrics={"x": 1.0})
    errors = []

    def save_many():
        try:
            for _ in range(40):
                save_record(record)
        except Exception as err:  # noqa: BLE001 - collected for the assertion
            errors.append(err)

    threads = [threading.Thread(target=save_many) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert load_record(job.record_path("a-s0")).metrics == {"x": 1.0}
    assert [p.name for p in job.record_path("a-s0").parent.iterdir()] == ["a-s0.json"]


# --- bad settings -------------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0.0, -0.1, math.nan, math.inf, (0.01, 0.0)])
def test_a_learning_rate_that_is_not_finite_and_positive_is_refused(lr):
    with pytest.raises(ValueError, match="learning rate"):
        TrainConfig(lr=lr)


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_epochs", 0), ("patience", 0), ("weight_noise", -1.0), ("clip_norm", -1.0)],
)
def test_other_impossible_settings_are_refused(field, value):
    with pytest.raises(ValueError, match=repr(value)):
        TrainConfig(**{field: value})


def test_a_job_with_a_zero_learning_rate_fails_before_training(
    results_root, shared_data, monkeypatch
):
    monkeypatch.setenv("RNNBOOK_DATA", str(shared_data))
    original = chung2014.config.configs

    def zero_lr(*args, **kwargs):
        return [c.__class__(**{**c.__dict__, "lrs": (0.0,)}) for c in original(*args, **kwargs)]

    monkeypatch.setattr(chung2014.config, "configs", zero_lr)
    with pytest.raises(JobsFailedError, match="learning rate 0.0 must be positive"):
        chung2014.TABLE2.run("smoke", only=["jsb-gru"], progress=False)
    assert not list(results_root.rglob("*.json")) and not list(results_root.rglob("*.pt"))


# --- damaged and newer records ----------------------------------------------------------------


def _one_record(results_root):
    (job,) = toy_jobs("a")
    execute([job], quick_train, CONTEXT)
    return job, job.record_path("a-s0")


def test_a_truncated_record_is_skipped_with_its_path_and_retrained(results_root):
    job, path = _one_record(results_root)
    path.write_text(path.read_text()[:40])
    with pytest.warns(CorruptRecordWarning, match=str(path)):
        assert load_records("toy") == []
    calls = []
    execute([job], lambda j, c: calls.append(1) or quick_train(j, c), CONTEXT)
    assert calls == [1] and load_record(path).metrics == {"key": "a"}


def test_a_record_with_fields_of_a_newer_version_is_read_and_kept(results_root):
    _, path = _one_record(results_root)
    data = json.loads(path.read_text()) | {"energy_kwh": 0.2}
    path.write_text(json.dumps(data))
    record = load_record(path)
    assert record.unknown == {"energy_kwh": 0.2} and record.metrics == {"key": "a"}
    assert json.loads(record.to_json())["energy_kwh"] == 0.2


# --- the command line ---------------------------------------------------------------------------


def _cli(*argv, env=None):
    return subprocess.run(
        [sys.executable, "-m", "rnnbook", *argv],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


@pytest.fixture
def cli_env(results_root, shared_data):
    return {
        "RNNBOOK_RESULTS": str(results_root),
        "RNNBOOK_DATA": str(shared_data),
        "RNNBOOK_WORKERS": "1",
        "RNNBOOK_DEVICE": "cpu",
    }


def test_only_names_a_job_of_one_experiment_of_the_chapter(cli_env, results_root):
    run = _cli("run", "chung2014", "--profile", "smoke", "--only", "jsb-gru", env=cli_env)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in results_root.rglob("*.json")) == ["jsb-gru-s0.json"]


def test_an_unknown_job_is_refused_before_anything_trains(cli_env, results_root):
    run = _cli(
        "run", "chung2014", "--profile", "smoke", "--only", "jsb-gru", "jsb-rnn", env=cli_env
    )
    assert run.returncode == 2 and "no job named jsb-rnn" in run.stderr
    assert "Traceback" not in run.stderr and not list(results_root.rglob("*.json"))


@pytest.mark.parametrize("budget", ["-5", "nan", "0", "inf", "soon"])
def test_a_time_budget_must_be_positive_and_finite(budget, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["run", "chung2014", "--profile", "smoke", f"--time-budget={budget}"])
    assert caught.value.code == 2 and repr(budget) in capsys.readouterr().err


def test_a_paused_run_exits_3_and_resumes_to_the_same_record(cli_env, results_root):
    argv = ("run", "chung2014.table2", "--profile", "smoke", "--only", "jsb-gru")
    paused = _cli(*argv, "--time-budget", "0.001", env=cli_env)
    assert paused.returncode == EXIT_PAUSED, paused.stderr
    assert "paused" in paused.stderr and list(results_root.rglob("*.pt"))
    assert not list(results_root.rglob("*.json"))
    resumed = _cli(*argv, env=cli_env)
    assert resumed.returncode == 0, resumed.stderr
    (path,) = results_root.rglob("jsb-gru-s0.json")
    after_pause = load_record(path).metrics
    fresh = _cli(*argv, "--rerun", env=cli_env)  # the same job, uninterrupted
    assert fresh.returncode == 0
    assert load_record(path).metrics == after_pause


def test_rerun_starts_again_instead_of_resuming_an_old_checkpoint(cli_env, results_root):
    (job,) = [j for j in chung2014.TABLE2.jobs_of("smoke") if j.key == "jsb-gru"]
    with _with_env(cli_env):
        job.checkpoint_path().parent.mkdir(parents=True, exist_ok=True)
        job.checkpoint_path().write_bytes(b"not a checkpoint")  # what resuming would choke on
    argv = ("run", "chung2014.table2", "--profile", "smoke", "--only", "jsb-gru")
    resumed = _cli(*argv, env=cli_env)
    assert resumed.returncode == 2 and "Traceback" not in resumed.stderr
    rerun = _cli(*argv, "--rerun", env=cli_env)
    assert rerun.returncode == 0, rerun.stderr


class _with_env:
    def __init__(self, env):
        self.env, self.saved = env, {}

    def __enter__(self):
        for k, v in self.env.items():
            self.saved[k] = os.environ.get(k)
            os.environ[k] = v

    def __exit__(self, *exc):
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_any_error_is_one_line_without_a_traceback(monkeypatch, capsys):
    def diverged(self, *args, **kwargs):
        raise RuntimeError("jsb-gru: every learning-rate candidate diverged:\n[...]")

    monkeypatch.setattr(type(chung2014.TABLE2), "run", diverged)
    assert main(["run", "chung2014.table2", "--profile", "smoke"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: jsb-gru: every learning-rate")
    monkeypatch.setenv("RNNBOOK_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["run", "chung2014.table2", "--profile", "smoke"])


def test_results_skip_a_corrupt_record_with_a_warning(results_root, capsys):
    (job,) = [j for j in chung2014.TABLE2.jobs_of("cpu") if j.key == "jsb-gru"]
    good, bad = list(job.runs)[:2]
    save_record(job.record(good, metrics={"test_nll": 8.6, "train_nll": 8.0}))
    job.record_path(bad).write_text('{"chapter": "chung2014", "metr')
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the CLI prints the warning, it does not raise it
        assert main(["results", "chung2014.table2", "--json"]) == 0
    out = capsys.readouterr()
    assert f"warning: skipped: cannot read the record {job.record_path(bad)}" in out.err
    row = next(
        r
        for r in json.loads(out.out)
        if (r["dataset"], r["model"], r["split"]) == ("jsb", "gru", "test")
    )
    assert row["n"] == 1 and row["ours_mean"] == 8.6


def test_a_record_from_other_training_code_is_marked_code_changed(results_root, capsys):
    (job,) = [j for j in chung2014.TABLE2.jobs_of("cpu") if j.key == "jsb-gru"]
    runs = list(job.runs)
    today = chung2014.TABLE2.code_hash()
    for run_id, code in zip(runs, ("0123456789abcdef", today, "")):
        save_record(job.record(run_id, metrics={"test_nll": 8.6}, code_hash=code))
    flags = {r.run_id: (r.stale, r.code_changed) for r in chung2014.TABLE2.recorded("cpu")}
    assert flags == {runs[0]: (False, True), runs[1]: (False, False), runs[2]: (False, False)}
    assert main(["results", "chung2014.table2", "--profile", "cpu", "--json"]) == 0
    rows = [r for r in json.loads(capsys.readouterr().out) if r["n"]]
    assert rows and all(r["code_changed"] for r in rows)


def test_checkpoints_go_where_every_node_can_reach_them(results_root, tmp_path, monkeypatch):
    (job,) = toy_jobs("a")
    assert job.checkpoint_path().parent == results_root / "toy" / "exp" / "cpu" / "_checkpoints"
    monkeypatch.setenv("RNNBOOK_CHECKPOINTS", str(tmp_path / "shared"))
    assert job.checkpoint_path().parent == tmp_path / "shared" / "toy" / "exp" / "cpu"
    assert job.lock_path().parent == job.checkpoint_path().parent


def test_records_say_what_was_loaded_and_what_trained(results_root):
    """A notebook prints where its numbers came from: trained now, then loaded from a record."""
    jobs = toy_jobs("ab", seeds=2)
    first = execute(jobs, quick_train, CONTEXT, workers=1)
    assert sorted(first.trained) == ["a-s0", "a-s1", "b-s0", "b-s1"]
    assert first.summary() == "Loaded 0 recorded runs (commits none); trained 4 now."
    again = execute(jobs, quick_train, CONTEXT, workers=1)
    assert again.trained == []
    assert again.summary().startswith("Loaded 4 recorded runs (commits ")
    assert again.summary().endswith("trained 0 now.")
