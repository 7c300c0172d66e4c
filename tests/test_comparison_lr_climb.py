"""The grid's search widened upward: the climb's jobs follow the records one step at a time, the
widened cells replace the grid's where the climb stopped above its rate, and the page says so."""

from __future__ import annotations

import dataclasses
import math

import pytest

from rnnbook.experiments import comparison as cmp
from rnnbook.experiments.comparison import config as cfg
from rnnbook.experiments.comparison import report_claims, report_widened
from rnnbook.results import RunRecord, save_record


def test_the_rate_k_slices_up_continues_the_candidates_k_slices_higher():
    low, high = cfg._LR_RANGE
    lrs = cfg._lrs(4)
    assert cfg.next_lr_above(lrs, 1) == cfg.next_lr_above(lrs)
    assert cfg.next_lr_above(lrs, 3) == pytest.approx(max(lrs) * math.exp(3 * (high - low) / 4))
    with pytest.raises(ValueError, match="slices must be at least 1, not 0"):
        cfg.next_lr_above(lrs, 0)


def _save(job, valid: float, status: str = "ok", lr: float | None = None) -> None:
    """A record of every run of ``job`` that scored ``valid`` on validation at ``lr`` (default:
    its first rate)."""
    for run_id, seed in job.runs.items():
        metrics = {"lr": lr or job.config.lrs[0], "valid_metric": valid, "test_metric": valid}
        config = dataclasses.asdict(job.config)
        record = RunRecord(
            "comparison", job.experiment, "smoke", run_id, config, job.run_hash(run_id), seed,
            metrics, status=status,
        )  # fmt: skip
        save_record(record)


def _grid_job():
    (grid,) = [j for j in cmp.grid_jobs("smoke") if j.key == "temporal_order-tanh"]
    return grid


def test_the_climb_steps_up_while_each_step_scores_better_then_widens_every_seed(results_root):
    """Temporal order (accuracy: higher is better), the tanh RNN at the top of its range: the
    check above the range (50 -> 60) starts the climb, two slices up (70) goes on, three (65)
    stops it, and every seed trains at two slices up; the jobs follow the records step by step."""
    grid = _grid_job()
    assert cmp.lr_climb_jobs("smoke") == [] and cmp.lr_widened_jobs("smoke") == []
    _save(grid, 50.0, lr=max(grid.config.lrs))  # the grid chose its largest rate
    (above,) = cmp.lr_above_jobs("smoke")
    assert cmp.lr_climb_jobs("smoke") == []  # the check above the range comes first
    _save(above, 60.0)
    (up2,) = cmp.lr_climb_jobs("smoke")
    assert up2.key == "temporal_order-tanh-up2" and list(up2.runs) == [f"{up2.key}-s0"]
    assert up2.config.lrs == (cfg.next_lr_above(grid.config.lrs, 2),)
    assert up2.config == dataclasses.replace(grid.config, lrs=up2.config.lrs, seeds=(0,))
    _save(up2, 70.0)
    (same, up3) = cmp.lr_climb_jobs("smoke")  # a recorded step stays defined
    assert same == up2 and up3.key == "temporal_order-tanh-up3"
    assert cmp.lr_widened_jobs("smoke") == []
    _save(up3, 65.0)  # no better: the best is two slices up
    assert cmp.lr_climb_jobs("smoke") == [up2, up3]
    steps = cmp.LR_CLIMB_EXPERIMENT.recorded("smoke")
    assert len(steps) == 2 and not any(r.stale for r in steps)  # nothing left to train
    (widened,) = cmp.lr_widened_jobs("smoke")
    assert widened.config == dataclasses.replace(grid.config, lrs=up2.config.lrs)
    assert list(widened.runs) == list(grid.runs)
    (climb,) = cmp.climbs("smoke")
    assert climb.best == 2 and climb.rate == up2.config.lrs[0] and len(climb.steps) == 4
    trained = cmp.LR_WIDENED_EXPERIMENT.run("smoke", progress=False)  # the grid's training
    assert [r.metrics["lr"] for r in trained] == [up2.config.lrs[0]] * len(grid.runs)
    assert [r.extra["lr_search"] for r in trained] == [[]] * len(grid.runs)  # nothing searched


def test_a_climb_whose_first_step_scores_no_better_keeps_the_grids_rate(results_root):
    grid = _grid_job()
    _save(grid, 50.0, lr=min(grid.config.lrs))
    assert cmp.climbs("smoke") == []  # chose the smallest rate: no climb
    _save(grid, 50.0, lr=max(grid.config.lrs))
    (above,) = cmp.lr_above_jobs("smoke")
    _save(above, math.nan, status="diverged")
    (climb,) = cmp.climbs("smoke")
    assert climb.best == 0 and cmp.lr_climb_jobs("smoke") == cmp.lr_widened_jobs("smoke") == []


def _run(experiment, task, cell, valid, lr, seed=0, test=None, status="ok"):
    config = {"task": task, "cell": cell, "lrs": [lr], "seeds": [0, 1, 2]}
    if experiment == "grid":
        config["lrs"] = [0.001, lr]
    metrics = {"valid_metric": valid, "test_metric": valid if test is None else test, "lr": lr}
    run_id = f"{task}-{cell}-s{seed}"
    return RunRecord(
        "comparison", experiment, "long", run_id, config, "x", seed, metrics, status=status
    )


def test_the_page_reports_each_climb_and_judges_the_claims_again_with_the_widened_cells():
    """The GRU on temporal order climbs to 0.033 (0.12 no better) and its three seeds there
    replace the grid's; the LSTM stopped at the grid's rate; the tanh RNN is still climbing."""
    grid = [
        _run("grid", "temporal_order", c, v, 0.0088, seed=s, test=t)
        for c, v, t in (("gru", 25.0, 24.0), ("lstm", 25.0, 24.5), ("tanh", 25.0, 24.3))
        for s in range(3)
    ]
    checks = [
        _run("lr_above", "temporal_order", "gru", 100.0, 0.033),
        _run("lr_above", "temporal_order", "lstm", 20.0, 0.033),
        _run("lr_above", "temporal_order", "tanh", 30.0, 0.033),
        _run("lr_climb", "temporal_order", "gru", 40.0, 0.12),
    ]
    widened = [
        _run("lr_widened", "temporal_order", "gru", 99.0 + s, 0.033, seed=s) for s in range(3)
    ]
    records = grid + checks + widened
    climbs = report_widened.climbs_recorded(records)
    assert {k[1]: (len(steps), best) for k, (steps, best) in climbs.items()} == {
        "gru": (3, 1),
        "lstm": (2, 0),
        "tanh": (2, None),
    }
    text = report_widened.widened_markdown(records)
    assert "Of 3 climbs, 1 stopped above the grid's rate, 1 at it, and 1 are still" in text
    line = "GRU 25.0 at 0.0088 → 100.0 at 0.033 → 40.0 at 0.12 (best 0.033; test 24.0 ± 0.0 "
    assert line + "(n = 3) → 100.0 ± 1.0 (n = 3))" in text
    assert "Tanh 25.0 at 0.0088 → 30.0 at 0.033 (climbing)" in text
    runs, moved = report_widened.widened_grid(records, "long")
    assert moved == [("temporal_order", "gru")] and len(runs) == 9
    assert {r.experiment for r in runs if r.config["cell"] == "gru"} == {"lr_widened"}
    (gated,) = [c for c in report_claims.claims(records) if c.text.startswith("Gated units")]
    assert "Judged again with the cells the search widened upward moved (GRU on temporal " in (
        gated.evidence
    )
    assert report_widened.widened_markdown(grid) == ""
    page = report_claims.results_page([])
    assert "The search widened upward is not recorded yet." in page
