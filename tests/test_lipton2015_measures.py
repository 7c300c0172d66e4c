"""The chapter's measuring instruments: Jacobian norms against the product of per-step
Jacobians written out, the carousel without recurrence, the spectral-radius and forget-bias
settings, the fitted decay factor, truncated BPTT's gradient cut, and the copy-task scores."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rnnbook.cells import LSTMCell, SimpleCell
from rnnbook.data.copy import copy_batch
from rnnbook.experiments import lipton2015 as L
from rnnbook.experiments.lipton2015 import train_measures as M
from rnnbook.models import unroll
from rnnbook.train import classifiers

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
    got = M.jacobian_norms(cell, x)  # (E, B, T-1)
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
    got = M.jacobian_norms(cell, x, which=1)
    f = torch.sigmoid(cell.project(x)[..., 4:8])  # (T, E, B, H): the forget block
    for lag in range(1, 6):
        want = f[6 - lag :].prod(0).amax(-1)  # (E, B): the largest diagonal entry
        torch.testing.assert_close(got[..., lag - 1], want, rtol=1e-12, atol=0)


def test_spectral_radius_is_set_per_member():
    cell = SimpleCell(2, 16, members=3, seeds=(4, 4, 5))
    M.set_spectral_radius(cell, (0.5, 1.5, 1.1), (4, 4, 5))
    radii = torch.linalg.eigvals(cell.weight_hh.double()).abs().amax(-1)
    torch.testing.assert_close(radii, torch.tensor([0.5, 1.5, 1.1], dtype=D), rtol=1e-5, atol=0)
    # members 0 and 1 share the seed: the same matrix, three times larger
    torch.testing.assert_close(cell.weight_hh[1], 3 * cell.weight_hh[0])


def test_decay_rate_of_a_geometric_sequence():
    lags = np.arange(1, 30)
    assert M.decay_rate(np.log10(2.0 * 0.8**lags)) == pytest.approx(0.8)
    assert M.decay_rate(np.log10(1.1**lags), start=1) == pytest.approx(1.1)
    # a transient (flat for 10 lags, then halving) is left out by the default second-half fit
    curve = np.log10(np.where(lags <= 10, 1.0, 0.5 ** (lags - 10.0)))
    assert M.decay_rate(curve) == pytest.approx(0.5) and M.decay_rate(curve, start=1) > 0.5


def test_forget_bias_is_added_per_member():
    cell = LSTMCell(2, 3, members=2, peephole=False)
    before = cell.bias.detach().clone()
    M.add_forget_bias(cell, (0.0, 2.0))
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
    out = M.truncated_unroll(cell, x, (3, None))
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
        M.truncated_unroll(SimpleCell(2, 3, members=2), torch.zeros(4, 1, 2), (2,))


# --- the copy task -------------------------------------------------------------------------------


def test_copy_scores_by_hand():
    """A model that outputs the targets exactly: 0 errors, all perfect; one that outputs all
    zeros: as many errors as one bits in the targets."""
    batch = copy_batch([3, 3], np.random.default_rng(0))

    class Oracle(torch.nn.Module):
        def forward(self, x):
            right = (batch.targets * 2 - 1) * 20
            return torch.stack([right, torch.full_like(right, -20.0)])

    s = M.copy_scores(Oracle(), [batch])
    ones = batch.targets[batch.mask].view(2, 3, -1).sum((1, 2)).double()
    assert s["bit_errors"][0] == 0 and s["perfect"][0] == 1
    assert s["bit_errors"][1] == ones.mean() and s["perfect"][1] == 0
    assert s["cost_bits"][0] < 1e-6


def test_head_trace_shapes():
    config = L.copy_configs("smoke")[0]
    model = L.build_copy_model(config)
    trace = M.head_trace(model, length=5)
    assert set(trace) == {"write_row", "write_weight", "read_row", "read_weight"}
    assert all(v.shape == (1, 11) for v in trace.values())
    assert trace["write_weight"].le(1).all() and trace["read_row"].lt(config.memory_rows).all()


def test_carousel_rate_is_the_most_open_forget_gate():
    """With zero input and U = 0 every forget gate is constant, f_i = sigmoid(b_f,i): the
    carousel's per-step factor is the largest of them, per member."""
    cell = LSTMCell(2, 4, members=2, seeds=(0, 1), peephole=False).double()
    M.add_forget_bias(cell, (0.0, 3.0))
    with torch.no_grad():
        cell.weight_hh.zero_()
    x = torch.zeros(9, 3, 2, dtype=D)
    got = 10 ** M.carousel_log10_rate(cell, x)
    k, h = cell._slot["f"], cell.hidden_size
    want = torch.sigmoid(cell.bias[:, 0, k * h : (k + 1) * h]).amax(-1)
    torch.testing.assert_close(got, want.detach(), rtol=1e-12, atol=0)


def test_masked_cross_entropy_scores_only_masked_steps():
    """Uniform logits over K = 4 symbols cost log 4 per scored step, whatever the targets; a
    confident wrong answer at an unscored step costs nothing."""
    targets = torch.nn.functional.one_hot(torch.tensor([[0, 1], [2, 3], [1, 1]]), 4).double()
    mask = torch.tensor([[True, False], [True, True], [False, False]])
    batch = type("B", (), {"targets": targets, "mask": mask})()
    logits = torch.zeros(2, 3, 2, 4, dtype=D)
    logits[1, 0, 1, 0] = 50.0  # member 1, an unscored step
    got = classifiers.masked_cross_entropy(logits, batch)
    torch.testing.assert_close(got, torch.full((2,), math.log(4), dtype=D))
