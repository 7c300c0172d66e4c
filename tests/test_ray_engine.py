"""The ``ray`` engine against a real single-node cluster on loopback (the session fixture
``ray_cluster``): the same records as the local runner, a killed worker retried and resumed, a
failing job named while the others are recorded, and clear errors without Ray or a cluster."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import fault_jobs
import pytest
import torch
from fault_jobs import failing_train, resumable_job, resumable_train, toy_jobs
from ray import cloudpickle

from rnnbook.experiments import jozefowicz2015, pascanu2013
from rnnbook.experiments.jobs import RunContext
from rnnbook.experiments.ray_engine import ClusterError, connect
from rnnbook.experiments.runner import JobsFailedError, execute

# the test's own jobs travel to the workers by value: the workers cannot import the tests folder
cloudpickle.register_pickle_by_value(fault_jobs)

CONTEXT = RunContext(device=torch.device("cpu"), commit="test")


def _without_times(record) -> tuple:
    curves = {k: v for k, v in record.curves.items() if k != "wall_time_s"}
    return record.run_id, record.metrics, curves, record.status, record.device, record.code_hash


def test_a_smoke_profile_on_ray_gives_the_local_runner_records(ray_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNBOOK_WORKERS", "1")
    monkeypatch.setenv("RNNBOOK_DEVICE", "cpu")
    runs = {}
    for engine in ("local", "ray"):
        monkeypatch.setenv("RNNBOOK_RESULTS", str(tmp_path / engine))
        runs[engine] = pascanu2013.SUCCESS_EXPERIMENT.run("smoke", engine=engine, progress=False)
    assert len(runs["ray"]) == 3
    assert [_without_times(r) for r in runs["ray"]] == [_without_times(r) for r in runs["local"]]
    assert (tmp_path / "ray").rglob("*.json")  # saved by the driver, where it runs


def test_a_killed_worker_is_retried_and_resumes_to_the_same_result(
    ray_cluster, tmp_path, monkeypatch
):
    monkeypatch.setenv("RNNBOOK_RESULTS", str(tmp_path))
    calm = execute([resumable_job()], resumable_train, CONTEXT, engine="ray")
    marker = tmp_path / "killed-once"
    killed = execute([resumable_job(str(marker))], resumable_train, CONTEXT, engine="ray")
    assert marker.exists()  # the first attempt died at the start of epoch 3
    assert [r.metrics for r in killed] == [r.metrics for r in calm]
    assert killed[0].curves["epoch"] == [1, 2, 3, 4]


def test_a_failing_job_is_named_and_the_others_are_recorded(ray_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNBOOK_RESULTS", str(tmp_path))
    with pytest.raises(JobsFailedError) as caught:
        execute(toy_jobs("abc"), failing_train, CONTEXT, engine="ray")
    assert list(caught.value.failures) == ["toy/exp/cpu/b"]
    assert "every learning-rate candidate diverged" in str(caught.value)
    assert sorted(p.stem for p in tmp_path.rglob("*.json")) == ["a-s0", "c-s0"]


def test_the_command_line_runs_a_chapter_on_ray(ray_cluster, tmp_path):
    env = {**os.environ, "RNNBOOK_RESULTS": str(tmp_path), "RNNBOOK_DEVICE": "cpu"}
    run = subprocess.run(
        [sys.executable, "-m", "rnnbook", "run", "pascanu2013.success", "--profile", "smoke"]
        + ["--engine", "ray", "--address", ray_cluster, "--no-progress"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    (record,) = [json.loads(p.read_text()) for p in tmp_path.rglob("*-sgd-cr-s0.json")]
    assert record["status"] == "ok" and record["profile"] == "smoke"


def test_no_cluster_at_the_address_is_one_clear_error(tmp_path):
    import socket

    with socket.socket() as s:  # a loopback port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = subprocess.run(
        [sys.executable, "-m", "rnnbook", "run", "pascanu2013.success", "--profile", "smoke"]
        + ["--engine", "ray", "--address", f"127.0.0.1:{port}", "--no-progress"],
        capture_output=True,
        text=True,
        env={**os.environ, "RNNBOOK_RESULTS": str(tmp_path)},
        timeout=120,
    )
    assert run.returncode == 2 and f"no Ray cluster answers at '127.0.0.1:{port}'" in run.stderr
    assert "Traceback" not in run.stderr and not list(tmp_path.rglob("*.json"))


def test_the_ray_engine_without_ray_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(ClusterError, match=r"pip install -e '\.\[cluster\]'"):
        connect("127.0.0.1:1")


def test_the_architecture_search_evaluates_its_candidates_as_ray_tasks(
    ray_cluster, tmp_path, monkeypatch
):
    """The search job runs as a task and each of its candidates as a task of its own; the
    candidates found and their scores are those of the local run."""
    monkeypatch.setenv("RNNBOOK_WORKERS", "1")
    monkeypatch.setenv("RNNBOOK_DEVICE", "cpu")
    found = {}
    for engine in ("local", "ray"):
        monkeypatch.setenv("RNNBOOK_RESULTS", str(tmp_path / engine))
        (record,) = jozefowicz2015.SEARCH_EXPERIMENT.run("smoke", engine=engine, progress=False)
        found[engine] = [
            {k: v for k, v in c.items() if k != "seconds"} for c in record.extra["candidates"]
        ]
    assert len(found["ray"]) > 3 and found["ray"] == found["local"]
