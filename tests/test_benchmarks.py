"""The benchmark scripts run at tiny sizes on the CPU, write their JSON, and the implementations
they compare compute the same thing. Times are recorded, never asserted."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest
import torch

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def bench(monkeypatch):
    """Import a script of benchmarks/ by name (they import ``common`` as a sibling)."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    threads = torch.get_num_threads()

    def load(name: str):
        sys.modules.pop(name, None)
        return importlib.import_module(name)

    yield load
    torch.set_num_threads(threads)
    for name in ("common", "bandwidth", "scan", "cells", "batched_training"):
        sys.modules.pop(name, None)


def _read(path: Path) -> dict:
    data = json.loads(path.read_text())
    assert data["device"].startswith("CPU")
    assert data["device_type"] == "cpu" and data["torch"] == torch.__version__
    assert "date" in data and "commit" in data
    return data


def test_timeit_and_write_json(bench, tmp_path):
    common = bench("common")
    calls = []
    assert common.timeit(lambda: calls.append(1), warmup=2, repeats=3) >= 0
    assert len(calls) == 5
    with pytest.raises(ValueError, match="device"):
        common.write_json(tmp_path / "x.json", {"rows": []})
    common.write_json(tmp_path / "x.json", {"device": "CPU test", "rows": [1]})
    assert json.loads((tmp_path / "x.json").read_text())["rows"] == [1]
    assert list(tmp_path.iterdir()) == [tmp_path / "x.json"]  # no temporary file left


def test_bandwidth(bench, tmp_path):
    out = tmp_path / "copy.json"
    argv = ["--size-mb", "1", "--repeats", "3", "--device", "cpu", "--threads", "1"]
    assert bench("bandwidth").main([*argv, "--out", str(out)]) == 0
    copy = _read(out)["copy"]
    assert copy["bytes"] == 2 * 2**20 and copy["ms"] > 0 and copy["gb_per_s"] > 0


def test_scan(bench, tmp_path):
    out = tmp_path / "scan.json"
    argv = ["--sizes", "2x64x8c", "3x37x5r", "--copy-mb", "1", "--repeats", "1"]
    argv += ["--device", "cpu", "--threads", "1", "--out", str(out)]
    assert bench("scan").main(argv) == 0
    data = _read(out)
    assert data["sizes"] == ["2x64x8c", "3x37x5r"]
    rows = {(r["size"], r["impl"]): r for r in data["rows"]}
    assert set(rows) == {
        (s, i) for s in data["sizes"] for i in ("loop", "parallel", "assoc", "accel")
    }
    for size in data["sizes"]:
        assert rows[size, "loop"]["fwd_speedup_vs_loop"] == 1.0
        for impl in ("loop", "parallel", "assoc"):  # all run on a CPU, and agree with the loop
            r = rows[size, impl]
            assert "skipped" not in r, r
            assert max(r["err_h"], r["err_grad_a"], r["err_grad_b"]) < 1e-5, r
            for p in ("fwd", "fwd_bwd"):
                assert r[f"{p}_ms"] > 0 and r[f"{p}_gb_per_s"] > 0 and r[f"{p}_pct_of_copy"] > 0
        assert "CUDA" in rows[size, "accel"]["skipped"]  # the only CUDA-only peer
    # bytes moved: inputs read + outputs written; 3 tensors forward, 8 with the backward pass
    r = rows["2x64x8c", "loop"]
    assert r["fwd_gb_per_s"] * r["fwd_ms"] * 1e6 == pytest.approx(3 * 2 * 64 * 8 * 8)


def test_scan_inputs_and_sizes(bench):
    scan = bench("scan")
    size = scan.Size.parse("2x16x3c")
    assert (size.batch, size.length, size.state, size.complex) == (2, 16, 3, True)
    a, b, g = scan.make_inputs(size, torch.device("cpu"))
    assert a.shape == b.shape == g.shape == (16, 2, 3) and a.dtype == torch.complex64
    assert float(a.abs().max()) < 1  # a stable recurrence
    with pytest.raises(Exception, match="BATCHxLENGTHxSTATE"):
        scan.Size.parse("2x16c")


def test_cells(bench, tmp_path):
    out = tmp_path / "cells.json"
    argv = ["--batch", "2", "--length", "12", "--hidden", "8", "--repeats", "1"]
    argv += ["--device", "cpu", "--threads", "1", "--out", str(out)]
    assert bench("cells").main(argv) == 0
    data = _read(out)
    assert (data["batch"], data["length"], data["hidden"]) == (2, 12, 8)
    rows = {(r["kind"], r["impl"]): r for r in data["rows"]}
    for kind in ("lstm", "gru"):
        ref = rows[kind, f"nn.{kind.upper()}"]
        assert ref["ratio_to_reference"] == 1.0
        ours = rows[kind, f"rnnbook {kind}"]  # given nn's weights, the same outputs and gradients
        assert ours["ms"] > 0 and ours["ratio_to_reference"] > 0
        assert ours["err_out"] < 1e-5 and ours["err_grad_x"] < 1e-5, ours
        assert "CUDA" in rows[kind, "flashrnn"]["skipped"]


def test_cells_weights_carry_over(bench):
    """rnnbook's cells, given nn.LSTM / nn.GRU weights, compute the same layer."""
    cells = bench("cells")
    from rnnbook.models.recurrent import unroll

    torch.manual_seed(1)
    x = torch.randn(7, 3, 5)
    for ref in (torch.nn.LSTM(5, 4), torch.nn.GRU(5, 4)):
        cell = cells.rnnbook_cell_like(ref)
        torch.testing.assert_close(unroll(cell, x)[0][0], ref(x)[0], rtol=1e-5, atol=1e-6)


def test_batched_training(bench, tmp_path):
    out = tmp_path / "batched_training.json"
    argv = ["--length", "10", "--seeds", "1", "--updates", "2", "--members", "1", "3"]
    argv += ["--device", "cpu", "--out", str(out)]
    assert bench("batched_training").main(argv) == 0
    data = _read(out)
    assert data["members"] == 3 and data["speedup"] > 0
    assert data["stacked_s"] > 0 and data["one_at_a_time_s"] > 0
    assert set(data["seconds_per_update_by_members"]) == {"1", "3"}
    # the stacked job trains exactly the models trained one at a time
    assert data["max_weight_difference"] < 1e-5
