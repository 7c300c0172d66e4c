"""The chapter's measurements and training routines: Jacobian norms against the product of
per-step Jacobians written out, truncated BPTT's gradient cut, the smoke profile end to end, the
command line, and the findings computed from records."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from rnnbook.cells import LSTMCell, SimpleCell
from rnnbook.experiments import get_experiments
from rnnbook.experiments import lipton2015 as L
from rnnbook.models import unroll
from rnnbook.results import RunRecord

D = torch.float64


# --- Jacobians (review Sec. 3.2) ----------------------------------------------------------------


def test_jacobian_norms_equal_the_product_of_step_jacobians():
    """tanh RNN, row-vector convention h_t = tanh(x_t W + h_{t-1} U + b):
    dh_t/dh_{t-1} = diag(1 - h_t^2) U^T, and dh_T/dh_tau is the product of those factors from
    tau+1 to T. Its spectral norm, computed by hand, equals ours for every lag and member."""
    cell = SimpleCell(2, 5, members=2, seeds=(0, 1)).double()
    with torch.no_grad():
        cell.weight_hh.mul_(3.0)
    x = torch.randn(7, 3, 2, dtype=D, generator=torch.Generator().manual_seed(0))
    got = L.jacobian_norms(cell, x)  # (E, B, T-1)
    h, _ = unroll(cell, x)  # (E, T, B, H)
    for e in range(2):
        for b in range(3):
            prod = torch.eye(5, dtype=D)
            for t in range(6, 0, -1):  # multiply factors for steps T-1 = 6 down to 1
                step = torch.diag(1 - h[e, t, b] ** 2) @ cell.weight_hh[e].T
                prod = prod @ step
                lag = 6 - t + 1
                want = torch.linalg.matrix_norm(prod, ord=2)
                torch.testing.assert_close(got[e, b, lag - 1], want, rtol=1e-10, atol=1e-14)


def test_lstm_cell_jacobian_is_the_forget_product_without_recurrence():
    """With U = 0 the memory cell obeys s_t = f_t s_{t-1} + i_t g_t with gates of x_t alone, so
    ds_T/ds_tau = prod diag(f) exactly: the carousel, scaled only by the forget gate."""
    cell = LSTMCell(3, 4, peephole=False, forget_bias=1.0).double()
    with torch.no_grad():
        cell.weight_hh.zero_()
    x = torch.randn(6, 2, 3, dtype=D, generator=torch.Generator().manual_seed(1))
    got = L.jacobian_norms(cell, x, which=1)
    f = torch.sigmoid(cell.project(x)[..., 4:8])  # (T, E, B, H): the forget block
    for lag in range(1, 6):
        want = f[6 - lag :].prod(0).amax(-1)  # (E, B): the largest diagonal entry
        torch.testing.assert_close(got[..., lag - 1], want, rtol=1e-12, atol=0)


def test_spectral_radius_is_set_per_member():
    cell = SimpleCell(2, 16, members=3, seeds=(4, 4, 5))
    L.set_spectral_radius(cell, (0.5, 1.5, 1.1), (4, 4, 5))
    radii = torch.linalg.eigvals(cell.weight_hh.double()).abs().amax(-1)
    torch.testing.assert_close(radii, torch.tensor([0.5, 1.5, 1.1], dtype=D), rtol=1e-5, atol=0)
    # members 0 and 1 share the seed: the same matrix, three times larger
    torch.testing.assert_close(cell.weight_hh[1], 3 * cell.weight_hh[0])


def test_decay_rate_of_a_geometric_sequence():
    lags = np.arange(1, 30)
    assert L.decay_rate(np.log10(2.0 * 0.8**lags)) == pytest.approx(0.8)
    assert L.decay_rate(np.log10(1.1**lags), start=1) == pytest.approx(1.1)
    # a transient (flat for 10 lags, then halving) is left out by the default second-half fit
    curve = np.log10(np.where(lags <= 10, 1.0, 0.5 ** (lags - 10.0)))
    assert L.decay_rate(curve) == pytest.approx(0.5) and L.decay_rate(curve, start=1) > 0.5


def test_forget_bias_is_added_per_member():
    cell = LSTMCell(2, 3, members=2, peephole=False)
    before = cell.bias.detach().clone()
    L.add_forget_bias(cell, (0.0, 2.0))
    diff = cell.bias.detach() - before
    assert diff[0].abs().max() == 0 and (diff[1, 0, 3:6] == 2).all()
    assert diff[1, 0, :3].abs().max() == 0 and diff[1, 0, 6:].abs().max() == 0


# --- truncated BPTT (review Sec. 3.3) -----------------------------------------------------------


def test_truncated_unroll_keeps_the_forward_pass_and_cuts_gradients_between_chunks():
    """Member 0 truncates every 3 steps, member 1 never. Forward states equal unroll's. The
    gradient of output t with respect to input tau is non-zero exactly when tau <= t and (for
    member 0) both lie in the same chunk of 3 steps."""
    cell = LSTMCell(2, 3, members=2, seeds=(0, 0), peephole=False).double()
    x = torch.randn(8, 1, 2, dtype=D, requires_grad=True)
    out = L.truncated_unroll(cell, x, (3, None))
    torch.testing.assert_close(out, unroll(cell, x)[0])
    for t in range(8):
        for e, window in enumerate((3, None)):
            (g,) = torch.autograd.grad(out[e, t].sum(), x, retain_graph=True)
            reached = g.abs().sum((1, 2)) > 0
            for tau in range(8):
                same_chunk = window is None or tau // window == t // window
                assert bool(reached[tau]) == (tau <= t and same_chunk), (e, t, tau)


def test_truncated_unroll_needs_one_window_per_member():
    with pytest.raises(ValueError, match="truncation windows"):
        L.truncated_unroll(SimpleCell(2, 3, members=2), torch.zeros(4, 1, 2), (2,))


# --- the copy task -------------------------------------------------------------------------------


def test_copy_scores_by_hand():
    """A model that outputs the targets exactly: 0 errors, all perfect; one that outputs all
    zeros: as many errors as one bits in the targets."""
    batch = L.copy_batch([3, 3], np.random.default_rng(0))

    class Oracle(torch.nn.Module):
        def forward(self, x):
            right = (batch.targets * 2 - 1) * 20
            return torch.stack([right, torch.full_like(right, -20.0)])

    s = L.copy_scores(Oracle(), [batch])
    ones = batch.targets[batch.mask].view(2, 3, -1).sum((1, 2)).double()
    assert s["bit_errors"][0] == 0 and s["perfect"][0] == 1
    assert s["bit_errors"][1] == ones.mean() and s["perfect"][1] == 0
    assert s["cost_bits"][0] < 1e-6


def test_head_trace_shapes():
    config = L.copy_configs("smoke")[0]
    model = L.build_copy_model(config)
    trace = L.head_trace(model, length=5)
    assert set(trace) == {"write_row", "write_weight", "read_row", "read_weight"}
    assert all(v.shape == (1, 11) for v in trace.values())
    assert trace["write_weight"].le(1).all() and trace["read_row"].lt(config.memory_rows).all()


def test_unknown_models_and_experiments_are_named():
    with pytest.raises(ValueError, match="'gru'"):
        L.build_copy_model(L.CopyConfig("gru", (0,)))
    with pytest.raises(ValueError, match="'ntm'"):
        L.build_copy_model(L.CopyConfig("ntm", (0,)))
    with pytest.raises(ValueError, match="'copying'"):
        L.jobs("smoke", ["copying"])
    with pytest.raises(ValueError, match="'sideways'"):
        L.build_brnn_model(L.BRNNConfig("sideways", (0,)))
    with pytest.raises(ValueError, match="no job matches"):
        L.run("smoke", only=["nope"])


# --- the smoke profile end to end ---------------------------------------------------------------


@pytest.fixture(scope="module")
def smoke_results(tmp_path_factory):
    root = tmp_path_factory.mktemp("lipton-results")
    env = {"RNNBOOK_RESULTS": str(root), "RNNBOOK_WORKERS": "1", "RNNBOOK_DEVICE": "cpu"}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        mp.delenv("RERUN", raising=False)
        records = L.run("smoke", progress=False)
        yield root, records, env


def test_smoke_trains_every_run_and_records_it(smoke_results):
    root, records, _ = smoke_results
    expected = {rid for job in L.jobs("smoke") for rid in job.runs}
    assert {r.run_id for r in records} == expected
    assert all(r.status == "ok" and r.profile == "smoke" for r in records)
    assert not list(root.rglob("_checkpoints/*"))
    copy = [r for r in records if r.experiment == "copy"]
    assert all(math.isfinite(r.metrics["L8_bit_errors"]) for r in copy)
    ntm = next(r for r in copy if r.config["model"] == "ntm-lstm")
    assert len(ntm.extra["head_trace_length20"]["write_row"]) == 41
    grads = [r for r in records if r.experiment == "gradients"]
    assert all(len(r.curves["log10_norm_mean_init"]) == r.config["length"] - 1 for r in grads)


def test_smoke_records_are_loaded_not_retrained(smoke_results, monkeypatch):
    root, records, env = smoke_results
    for k, v in env.items():
        monkeypatch.setenv(k, v)

    def refuse(*args, **kwargs):
        raise AssertionError("retrained a recorded job")

    monkeypatch.setattr(L, "train_job", refuse)
    again = L.run("smoke", progress=False)
    assert [r.metrics for r in again] == [r.metrics for r in records]
    assert not any(r.stale for r in L.recorded("smoke"))


def test_tables_and_findings_render_from_smoke_records(smoke_results):
    _, records, _ = smoke_results
    for name in L.EXPERIMENT_NAMES:
        rows = [r for r in records if r.experiment == name]
        table = L.TABLES[name](rows)
        assert table.rows and table.to_markdown().count("\n") >= 2
    assert "NTM (LSTM controller)" in L.copy_findings(
        records
    ) and "bidirectional" in L.brnn_findings(records)
    assert "lag 6" in L.tbptt_findings(records) and "tanh-rho" in L.gradient_findings(records)
    for fig in (
        L.plot_gradients(records),
        L.plot_copy(records),
        L.plot_head_trace(records),
        L.plot_training_curves(records),
    ):
        assert fig.axes
    assert "`seeds`" in L.config_table("smoke", "copy")


def test_cli_prints_the_copy_and_brnn_rows(smoke_results):
    _, _, env = smoke_results
    import os

    run = subprocess.run(
        [sys.executable, "-m", "rnnbook", "results", "lipton2015", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    experiments = {r["experiment"] for r in rows}
    assert {"copy", "brnn", "tbptt", "gradients"} <= experiments
    copy = [r for r in rows if r["experiment"] == "copy"]
    models = {r["model"] for r in copy}
    assert models == {"ntm-ff", "ntm-lstm", "lstm"} and {r["split"] for r in copy} == {
        "L4",
        "L8",
    }
    brnn = [r for r in rows if r["experiment"] == "brnn"]
    assert {r["model"] for r in brnn} == {"forward", "backward", "bidirectional"}
    assert all(r["ours_mean"] is not None and r["profile"] == "smoke" for r in copy + brnn)


def test_registry_lists_four_experiments():
    assert [e.id for e in get_experiments("lipton2015")] == [
        "lipton2015.gradients",
        "lipton2015.tbptt",
        "lipton2015.brnn",
        "lipton2015.copy",
    ]


# --- findings are computed, not written ---------------------------------------------------------


def _record(experiment, run_id, config, metrics, curves=None, extra=None):
    return RunRecord(
        chapter="lipton2015",
        experiment=experiment,
        profile="cpu",
        run_id=run_id,
        config=config,
        config_hash="x",
        seed=0,
        metrics=metrics,
        curves=curves or {},
        extra=extra or {},
    )


def test_copy_findings_state_generalisation_from_the_numbers():
    lengths = [10, 20, 40, 80]
    config = {"train_min": 1, "train_max": 10, "test_lengths": lengths}

    def rec(model, errs):
        metrics = {f"L{n}_bit_errors": e for n, e in zip(lengths, errs)}
        metrics |= {f"L{n}_perfect": float(e == 0) for n, e in zip(lengths, errs)}
        return _record("copy", f"{model}-s0", config | {"model": model}, metrics)

    text = L.copy_findings([rec("ntm-ff", [0, 0, 1, 30]), rec("lstm", [0, 20, 90, 300])])
    assert "**NTM (feed-forward controller)**" in text
    assert "Longest test length with under 1% wrong bits: 40 (4.0×" in text
    assert "**LSTM**" in text and "under 1% wrong bits: 10 (1.0×" in text
    assert "feed-forward controller) makes fewer bit errors than the LSTM at 3 of 3 test" in text
    assert "(20, 40, 80)" in text


def test_brnn_findings_compare_with_the_one_sided_bound():
    def rec(model, acc):
        return _record(
            "brnn",
            f"{model}-s0",
            {"model": model},
            {"test_accuracy": acc, "one_sided_bound": 0.625, "majority": 0.4375},
        )

    text = L.brnn_findings([rec("forward", 0.62), rec("bidirectional", 0.99)])
    assert "**forward**: test accuracy 0.620 (n=1), at or below" in text
    assert "**bidirectional**: test accuracy 0.990 (n=1), above" in text


def test_tbptt_findings_split_windows_at_the_lag():
    def rec(k, acc):
        return _record(
            "tbptt",
            f"lag10-{k}-s0",
            {"lag": 10, "cell": "lstm"},
            {"test_accuracy": acc, "window": k, "chance": 0.125},
        )

    text = L.tbptt_findings([rec(5, 0.13), rec(15, 0.99), rec(None, 0.98)])
    assert "TBPTT k=5: 0.13" in text and "0 of 1 learned" in text
    assert "TBPTT k=15: 0.99, full BPTT: 0.98) — 2 of 2 learned" in text
