"""Probes train a job with settings changed and never touch the records the book reads."""

from __future__ import annotations

import pytest

from rnnbook.cli import main
from rnnbook.experiments import get_experiments
from rnnbook.experiments.comparison.config import GridConfig, grid_configs
from rnnbook.experiments.probe import override, parse_settings, probe, probe_job


def _smoke_config() -> GridConfig:
    return grid_configs("smoke", tasks=["temporal_order"], cells=["gru"])[0]


def test_settings_are_read_as_the_fields_types():
    config = _smoke_config()
    new = override(
        config, parse_settings(["updates=10", "lrs=0.5, 0.25", "seeds=3", "size.length=12"])
    )
    assert (new.updates, new.lrs, new.seeds, new.size.length) == (10, (0.5, 0.25), (3,), 12)
    assert new.task == config.task and new.size.train == config.size.train


@pytest.mark.parametrize(
    "pairs, needle",
    [
        (["updates"], "is not NAME=VALUE"),
        (["updatez=3"], "no setting named updatez"),
        (["updates=six"], "updates='six': expected a value like"),
        (["task.x=1"], "task has no fields"),
        (["lrs=0.1,fast"], "comma-separated"),
    ],
)
def test_a_bad_setting_is_one_clear_error(pairs, needle):
    with pytest.raises(ValueError, match=needle):
        override(_smoke_config(), parse_settings(pairs))


def test_changed_seeds_name_one_run_per_seed():
    (experiment,) = get_experiments("comparison.grid")
    job = experiment.jobs_of("smoke")[0]
    probed = probe_job(job, {"seeds": "4,5"})
    assert probed.runs == {f"{job.key}-s4": 4, f"{job.key}-s5": 5}
    assert probe_job(job, {"updates": "2"}).runs == job.runs


def test_a_probe_trains_outside_the_records(results_root, tmp_path, one_thread):
    (experiment,) = get_experiments("comparison.grid")
    out = tmp_path / "probe"
    key = experiment.jobs_of("smoke")[0].key
    records = probe(experiment, "smoke", key, {"updates": "2", "seeds": "7"}, out, progress=False)
    (record,) = records
    assert record.metrics["updates"] == 2 and record.seed == 7
    assert (out / "comparison" / "grid" / "smoke" / f"{key}-s7.json").is_file()
    assert not results_root.exists() or not any(results_root.rglob("*.json"))
    assert not any((out / "_checkpoints").rglob("*.pt"))  # a finished job leaves no checkpoint


def test_the_cli_prints_the_curves(results_root, tmp_path, capsys, one_thread):
    argv = ["probe", "comparison.grid", "addition-tanh", "--profile", "smoke", "--no-progress"]
    assert main([*argv, "--set", "updates=2", "--out", str(tmp_path / "p")]) == 0
    text = capsys.readouterr().out
    assert "addition-tanh-s0" in text and "valid_metric:" in text
    assert main(["probe", "comparison.grid", "addition-tanh", "--set", "updates=x"]) == 2
    assert "expected a value like" in capsys.readouterr().err
    assert main(["probe", "comparison", "addition-tanh"]) == 2  # a chapter of two experiments
    assert "name one experiment" in capsys.readouterr().err
