"""Recorded runs: atomic writes, staleness, and the paper-vs-ours table on hand-computed cases."""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import replace

import pytest

from rnnbook.profiles import UnknownProfileError
from rnnbook.results import (
    RunRecord,
    Table,
    load_records,
    mark_stale,
    paper_vs_ours,
    save_record,
    summarize,
)


def make_record(
    seed: int,
    test: float,
    *,
    profile: str = "cpu",
    status: str = "ok",
    dataset: str = "jsb",
    model: str = "gru",
    config_hash: str = "h1",
) -> RunRecord:
    return RunRecord(
        chapter="ch",
        experiment="ex",
        profile=profile,
        run_id=f"{dataset}-{model}-s{seed}",
        config={"dataset": dataset, "model": model},
        config_hash=config_hash,
        seed=seed,
        metrics={"test_nll": test, "train_nll": test - 1},
        status=status,
        device="cpu",
        wall_time_s=60.0,
        commit="abc",
    )


def test_save_is_atomic_and_round_trips(tmp_path):
    record = make_record(0, 8.5)
    path = save_record(record, tmp_path)
    assert path == tmp_path / "ch" / "ex" / "cpu" / "jsb-gru-s0.json"
    assert [p.name for p in path.parent.iterdir()] == ["jsb-gru-s0.json"]  # no temporary left
    loaded = load_records("ch", root=tmp_path)
    assert loaded == [record]
    assert "stale" not in json.loads(path.read_text())  # derived on loading, never stored


def test_unknown_profile_is_refused_before_writing(tmp_path):
    with pytest.raises(UnknownProfileError, match="'laptop'"):
        save_record(make_record(0, 8.5, profile="laptop"), tmp_path)
    assert not any(tmp_path.rglob("*.json"))


def test_a_record_whose_hash_differs_from_the_code_is_stale():
    records = [
        make_record(0, 8.5, config_hash="old"),
        make_record(1, 8.6, config_hash="new"),
        make_record(2, 8.7, config_hash="new"),
    ]
    current = {"jsb-gru-s0": "new", "jsb-gru-s1": "new"}  # s2 is no longer defined
    flags = [r.stale for r in mark_stale(records, current)]
    assert flags == [True, False, True]


def test_paper_vs_ours_mean_std_n_and_difference():
    values = [8.0, 8.5, 9.5]
    records = [make_record(s, v) for s, v in enumerate(values)]
    records.append(make_record(3, math.nan, status="diverged"))
    rows = paper_vs_ours(records, {("jsb", "gru", "test"): 8.54}, metric="nll", splits=("test",))
    (row,) = rows
    assert row.n == 3 and row.failed == 1
    assert row.ours_mean == pytest.approx(26.0 / 3)
    assert row.ours_std == pytest.approx(statistics.stdev(values))
    assert row.diff == pytest.approx(26.0 / 3 - 8.54)
    assert row.rel_diff == pytest.approx((26.0 / 3 - 8.54) / 8.54)
    assert (row.profile, row.device, row.commit, row.stale) == ("cpu", "cpu", "abc", False)


def test_paper_cells_without_runs_still_show():
    rows = paper_vs_ours([], {("jsb", "tanh", "test"): 9.10}, metric="nll", splits=("test",))
    assert [(r.model, r.paper, r.ours_mean, r.n) for r in rows] == [("tanh", 9.10, None, 0)]
    assert "not run" in Table(rows).to_markdown()


def test_stale_and_code_changed_rows_are_marked_in_every_rendering():
    from rnnbook.results.tables import grid_markdown

    record = make_record(0, 8.5)
    record.stale = record.code_changed = True
    rows = paper_vs_ours([record], {}, metric="nll", splits=("test",))
    table = Table(rows)
    grid = grid_markdown(rows, row_of=lambda r: r.dataset, col_of=lambda r: r.model)
    for mark in ("stale", "code changed"):
        assert f"**{mark}**" in table.to_markdown() and f"**{mark}**" in grid
        assert f"<b>{mark}</b>" in table._repr_html_()
    assert table.to_dicts()[0]["stale"] is True


def test_summarize_ignores_missing_and_non_finite_values():
    assert summarize([1.0, None, math.inf, 3.0]) == (2.0, pytest.approx(math.sqrt(2)))
    assert summarize([5.0]) == (5.0, None)
    assert summarize([]) == (None, None)


def test_settings_markdown_tabulates_shared_and_varying_settings_collapsed():
    from rnnbook.results import settings_markdown

    rows = [{"lr": 0.1, "seed": 0, "clip": 1}, {"lr": 0.1, "seed": 1}]
    assert settings_markdown(rows, collapsed=False) == (
        "| setting | value |\n|---|---|\n| `lr` | `0.1` |\n\n"
        "Varying across the 2 jobs:\n\n| seed | clip |\n|---|---|\n| 0 | 1 |\n| 1 |  |"
    )
    one = settings_markdown([{"lr": 0.1}, {"lr": 0.1}])
    assert one.startswith("::::{admonition} Settings (2 jobs)\n:class: dropdown")
    assert "| `lr` | `0.1` |" in one and "Varying" not in one


def test_a_grid_puts_paper_and_ours_in_one_cell_and_says_provenance_once():
    from rnnbook.results.tables import TableRow, grid_markdown

    def row(ds, model, paper, mean, std, n, profile="cpu"):
        return TableRow(
            "c",
            "e",
            ds,
            model,
            "nll",
            "test",
            paper,
            mean,
            std,
            n,
            profile,
            "CPU",
            "abc",
            False,
            wall_time_s=120.0,
        )

    rows = [
        row("jsb", "gru", 8.54, 8.60, 0.03, 3),
        row("jsb", "lstm", 8.67, None, None, 0, profile="-"),
        row("piano", "gru", None, 7.8, None, 1),
    ]
    text = grid_markdown(rows, row_of=lambda r: r.dataset, col_of=lambda r: r.model)
    assert "| jsb | 8.54 / 8.60 ± 0.03 (n = 3) | 8.67 / not run |" in text
    assert "| piano | 7.80 (n = 1) | – |" in text  # no paper value, no spread from one seed
    assert text.endswith("Ours: profile `cpu`; device CPU; commit `abc`; longest job 2.0 min.")


def test_provenance_names_each_device_and_commit_once_across_rows():
    """A row of records from two machines joins their devices; the table's provenance still
    names each machine and commit once."""
    from rnnbook.results.tables import provenance

    records = [
        replace(make_record(0, 8.5), device="CPU A", commit="c1"),
        replace(make_record(1, 8.6), device="CPU B", commit="c2"),
        replace(make_record(0, 9.0, model="lstm"), device="CPU A", commit="c1"),
    ]
    rows = paper_vs_ours(records, {}, metric="nll", splits=("test",))
    assert {r.device for r in rows} == {"CPU A, CPU B", "CPU A"}
    assert provenance(rows) == (
        "Ours: profile `cpu`; device CPU A, CPU B; commit `c1`, `c2`; longest job 1.0 min."
    )


def test_a_profile_grid_tells_a_cell_still_to_run_from_one_the_profile_leaves_out():
    from rnnbook.results.records import CONFIGURED
    from rnnbook.results.tables import configured_cells, profile_grids

    paper = {("jsb", m, "test"): v for m, v in (("gru", 8.54), ("lstm", 8.67), ("tanh", 9.10))}
    recorded = [make_record(0, 8.6, profile="long")]  # jsb-gru
    configured = [
        make_record(0, 0.0, profile="long", status=CONFIGURED, model=m) for m in ("gru", "lstm")
    ]
    placeholder_rows = paper_vs_ours(configured, paper, metric="nll", splits=("test",))
    assert all(r.failed == 0 and r.n == 0 for r in placeholder_rows)  # placeholders never fail
    cells = configured_cells(placeholder_rows)
    assert cells == {("long", "jsb", "gru"), ("long", "jsb", "lstm")}
    rows = paper_vs_ours(recorded, paper, metric="nll", splits=("test",))
    text = profile_grids(rows, "T", transpose=True, configured=cells)
    assert "| jsb | 8.54 / 8.60 (n = 1) | 8.67 / not run | 9.10 / – |" in text
    assert text.rstrip().endswith("–: not part of this profile.")
    unknown = profile_grids(
        rows, "T", transpose=True
    )  # without the configured cells: nothing is said to be out
    assert "9.10 / not run" in unknown and "not part" not in unknown


def test_placeholders_stand_for_every_configured_run_and_mark_what_long_leaves_out():
    from rnnbook.experiments import chung2014
    from rnnbook.results.records import CONFIGURED

    experiment = chung2014.EXPERIMENTS[0]
    placeholders = experiment.placeholders()
    runs = {
        (j.profile, rid)
        for p in ("smoke", "cpu", "long", "full")
        for j in experiment.jobs_of(p)
        for rid in j.runs
    }
    assert {(r.profile, r.run_id) for r in placeholders} == runs
    assert {r.status for r in placeholders} == {CONFIGURED} and not any(
        r.metrics for r in placeholders
    )
    long = [r for r in placeholders if r.profile == "long"]
    recorded = [replace(r, status="ok", metrics={"test_nll": 8.0}) for r in long]
    grid = chung2014.report_claims.table2_grid(recorded, configured=placeholders)
    datasets = {r.config["dataset"] for r in long}
    assert "jsb" not in datasets  # the long profile trains Nottingham and MuseData only
    jsb = next(line for line in grid.splitlines() if line.startswith("| JSB"))
    assert jsb.count("/ –") == 3 and "not run" not in grid


def test_the_long_trajectory_shows_only_finished_long_and_full_runs_by_name():
    from rnnbook.results.trajectory import long_trajectory

    def run(profile: str, seed: int, status: str = "ok") -> RunRecord:
        return RunRecord(
            chapter="c",
            experiment="e",
            profile=profile,
            run_id=f"job-s{seed}",
            config={"task": "xml", "updates": 100},
            config_hash="h",
            seed=seed,
            metrics={},
            curves={"updates": [10, 50, 100], "valid_metric": [1.0, 2.0, 3.0]},
            status=status,
            wall_time_s=10.0,
            device="CPU test",
        )

    kwargs = dict(budget=lambda r: r.config["updates"], metric="valid_metric", digits=1)
    assert long_trajectory([run("cpu", 0)], lambda r: r.config["task"], "T", **kwargs) == ""
    text = long_trajectory(
        [run("long", 0), run("long", 1), run("long", 2, "diverged"), run("cpu", 0)],
        lambda r: f"{r.config['task']} (`{r.profile}`)",
        "Trajectory",
        **kwargs,
    )
    assert "Trajectory" in text and "| xml (`long`) | 1.0 (n = 2) | 2.0 (n = 2) |" in text
    assert "cpu" not in text


def test_core_hours_count_each_job_once_however_many_members_or_experiments_share_it():
    from rnnbook.results.tables import core_hours

    def run(run_id: str, experiment: str, commit: str, wall: float) -> RunRecord:
        return RunRecord(
            chapter="c",
            experiment=experiment,
            profile="long",
            run_id=run_id,
            config={},
            config_hash="h",
            seed=0,
            metrics={},
            wall_time_s=wall,
            commit=commit,
        )

    stacked = [run(f"s{k}", "tasks", "a", 1800.0) for k in range(3)]  # three seeds, one job
    shared = run("s0", "ladder", "a", 1800.0)  # the same run, reused by another experiment
    assert core_hours([*stacked, shared, run("x", "tasks", "b", 3600.0)]) == 1.5
