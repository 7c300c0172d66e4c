"""Reading benchmark records and checking the performance targets on hand-made runs."""

from __future__ import annotations

import json

from rnnbook.results import benchmarks as B


def _scan_row(size, impl, ms, pct, speedup):
    return {
        "size": size,
        "impl": impl,
        "fwd_ms": ms / 2,
        "fwd_bwd_ms": ms,
        "fwd_bwd_pct_of_copy": pct,
        "fwd_bwd_speedup_vs_loop": speedup,
    }


def _write(tmp_path, name, device_type="cuda"):
    provenance = {"device": "GPU X", "device_type": device_type, "date": "2026-11-21T00:00:00"}
    provenance |= {"torch": "2", "commit": "abc"}
    (tmp_path / name).write_text(json.dumps({**provenance, **RUNS[name]}))


RUNS = {
    "scan-gpu.json": {
        "rows": [
            _scan_row("32x16384x256c", "loop", 400.0, 1.0, 1.0),
            _scan_row("32x16384x256c", "parallel", 16.0, 40.0, 25.0),
            _scan_row("32x16384x256c", "accel", 10.0, 64.0, 40.0),
            {"size": "32x16384x256c", "impl": "assoc", "skipped": "no compiler"},
        ]
    },
    "cells-gpu.json": {
        "batch": 16,
        "length": 1024,
        "hidden": 768,
        "rows": [
            {"kind": "lstm", "impl": "nn.LSTM", "ms": 10.0, "ratio_to_reference": 1.0},
            {"kind": "lstm", "impl": "rnnbook lstm", "ms": 30.0, "ratio_to_reference": 3.0},
            {"kind": "gru", "impl": "rnnbook gru", "ms": 12.0, "ratio_to_reference": 1.2},
        ],
    },
    "batched_training_gpu.json": {
        "seconds_per_update_by_members": {"1": 0.002, "15": 0.003, "45": 0.009}
    },
    "notes.json": {},
}


def test_records_are_grouped_by_the_script_that_wrote_them(tmp_path):
    for name in RUNS:
        _write(tmp_path, name)
    runs = B.load_benchmarks(tmp_path)
    assert [r["file"] for r in runs["scan"]] == ["scan-gpu.json"]
    assert [r["file"] for r in runs["batched_training"]] == ["batched_training_gpu.json"]
    assert runs["copy"] == []
    assert "GPU X, 2026-11-21" in B.provenance(runs["scan"][0])


def test_targets_are_judged_on_the_best_implementation_and_hand_computed_ratios(tmp_path):
    for name in RUNS:
        _write(tmp_path, name)
    checks = {c["target"]: c for c in B.target_checks(B.load_benchmarks(tmp_path))}
    pct = checks["scan fwd+bwd ≥ 60% of copy bandwidth, length 16384"]
    assert pct["met"] is True and pct["measured"].startswith("64.0% (accel")  # fastest, not first
    assert checks["scan fwd+bwd ≥ 20× the loop, length 16384"]["met"] is True
    lstm = next(c for t, c in checks.items() if t.startswith("rnnbook lstm"))
    assert lstm["met"] is False and lstm["measured"] == "3.00×"
    gru = next(c for t, c in checks.items() if t.startswith("rnnbook gru"))
    assert gru["met"] is True
    batched = checks["15 runs batched in ≤ 2× the time of one"]
    assert batched["measured"] == "1.50×" and batched["met"] is True  # 0.003 / 0.002


def test_missing_runs_are_reported_as_not_measured(tmp_path):
    checks = B.target_checks(B.load_benchmarks(tmp_path))
    assert len(checks) == 3 and all(c["met"] is None for c in checks)
    assert "not measured" in B.targets_markdown(checks)


def test_cpu_runs_are_not_judged_against_the_gpu_targets(tmp_path):
    for name in RUNS:
        _write(tmp_path, name, device_type="cpu")
    runs = B.load_benchmarks(tmp_path)
    assert len(runs["cells"]) == 1  # shown in the tables ...
    checks = B.target_checks(runs)
    assert all(c["met"] is None for c in checks)  # ... but judged against no target


def test_tables_render_skipped_rows_with_their_reason(tmp_path):
    _write(tmp_path, "scan-gpu.json")
    table = B.scan_table(B.load_benchmarks(tmp_path)["scan"][0])
    assert "skipped: no compiler" in table
    assert "| 32x16384x256c | accel | 5 | 10 | 64.0 | 40.0 |" in table
    _write(tmp_path, "batched_training_gpu.json")
    batched = B.batched_table(B.load_benchmarks(tmp_path)["batched_training"][0])
    assert "| 45 | 9 | 4.50 |" in batched
