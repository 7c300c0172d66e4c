"""The command line: the same functions as the notebooks, and one clear error per bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from rnnbook.cli import ROW_FIELDS, main
from rnnbook.experiments import chung2014
from rnnbook.results import RunRecord, save_record


def test_list_names_every_experiment(capsys):
    assert main(["list"]) == 0
    assert "chung2014.table2" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["run", "chung2014", "--profile", "laptop"], "'laptop'"),
        (["run", "chung2099"], "'chung2099'"),
        (["results", "nope", "--json"], "'nope'"),
        (["run", "chung2014", "--profile", "smoke", "--only", "jsb-rnn"], "jsb-rnn"),
    ],
)
def test_bad_names_give_one_clear_error(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and needle in err and "Traceback" not in err


def test_results_json_prints_the_table_rows(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RNNBOOK_RESULTS", str(tmp_path))
    job = chung2014.jobs("cpu", ["jsb"], ["gru"])[0]
    for run_id in job.runs:
        save_record(
            job.record(
                run_id,
                metrics={"train_nll": 8.0, "test_nll": 8.6},
                device="CPU test",
                commit="abc123",
            ),
            tmp_path,
        )
    stale = RunRecord(
        chapter="chung2014",
        experiment="table2",
        profile="full",
        run_id="jsb-gru-s0",
        config={"dataset": "jsb", "model": "gru"},
        config_hash="outdated",
        seed=0,
        metrics={"test_nll": 8.4},
    )
    save_record(stale, tmp_path)
    assert main(["results", "chung2014.table2", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert set(ROW_FIELDS) <= set(rows[0])
    ours = [r for r in rows if (r["dataset"], r["model"], r["split"]) == ("jsb", "gru", "test")]
    cpu = next(r for r in ours if r["profile"] == "cpu")
    assert (cpu["paper"], cpu["ours_mean"], cpu["n"], cpu["stale"]) == (8.54, 8.6, 3, False)
    assert next(r for r in ours if r["profile"] == "full")["stale"] is True
    assert len({(r["dataset"], r["model"]) for r in rows}) == 12  # every paper cell is listed


def test_missing_data_directory_is_one_clear_error(tmp_path, monkeypatch):
    env = {
        "RNNBOOK_DATA": str(tmp_path / "nowhere"),
        "RNNBOOK_RESULTS": str(tmp_path / "res"),
        "RNNBOOK_WORKERS": "1",
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rnnbook",
            "run",
            "chung2014",
            "--profile",
            "smoke",
            "--only",
            "jsb-gru",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "error:" in proc.stderr and "nowhere" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not list((tmp_path / "res").rglob("*.json"))  # nothing half-written


def test_corrupt_data_file_is_one_clear_error(tmp_path, shared_data, monkeypatch):
    data = tmp_path / "data" / "polyphonic"
    data.mkdir(parents=True)
    target = data / "JSB_Chorales.mat"
    shutil.copy(shared_data / "polyphonic" / "JSB_Chorales.mat", target)
    blob = bytearray(target.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    target.write_bytes(bytes(blob))
    monkeypatch.setenv("RNNBOOK_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("RNNBOOK_RESULTS", str(tmp_path / "res"))
    monkeypatch.setenv("RNNBOOK_WORKERS", "1")
    assert (
        main(["run", "chung2014", "--profile", "smoke", "--only", "jsb-gru", "--no-progress"]) == 2
    )
    assert not list((tmp_path / "res").rglob("*.json"))
