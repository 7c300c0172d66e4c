"""Metrics on hand-computed cases: every expected number below is worked out with ``math``."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from rnnbook.data.batches import SequenceBatch, pad_next_step
from rnnbook.train.metrics import (
    bernoulli_loss,
    bits_per_symbol,
    evaluate_bernoulli_nll,
    frame_nll,
    masked_mean,
)


def test_frame_nll_logits_zero_costs_ln2_per_note():
    """Logit 0 means p = 1/2 for every note: each costs ln 2 whatever the target, so a frame of
    88 notes costs 88 ln 2 = 60.997 nats."""
    logits = torch.zeros(1, 2, 3, 88, dtype=torch.float64)
    targets = (torch.rand(2, 3, 88) > 0.5).double()
    nll = frame_nll(logits, targets)
    assert nll.shape == (1, 2, 3)
    torch.testing.assert_close(nll, torch.full((1, 2, 3), 88 * math.log(2), dtype=torch.float64))
    assert abs(88 * math.log(2) - 60.997) < 1e-3


def test_frame_nll_hand_computed():
    """-[y log s(a) + (1 - y) log(1 - s(a))] summed over notes, with s(a) = 1/(1 + e^-a).

    Logits (2, -1, 0.5), targets (1, 0, 0):
    -log s(2) - log(1 - s(-1)) - log(1 - s(0.5)).
    """
    a = [2.0, -1.0, 0.5]
    p = [1 / (1 + math.exp(-v)) for v in a]
    expected = -math.log(p[0]) - math.log(1 - p[1]) - math.log(1 - p[2])
    logits = torch.tensor(a, dtype=torch.float64).view(1, 1, 1, 3)
    targets = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64).view(1, 1, 3)
    assert frame_nll(logits, targets).item() == pytest.approx(expected, rel=1e-12)


def test_frame_nll_broadcasts_targets_over_members():
    """(E, T, B, K) logits against (T, B, K) targets: member e's cost uses its own logits only."""
    logits = torch.tensor([0.0, 3.0], dtype=torch.float64).view(2, 1, 1, 1).expand(2, 2, 1, 1)
    targets = torch.ones(2, 1, 1, dtype=torch.float64)
    nll = frame_nll(logits, targets)
    assert nll.shape == (2, 2, 1)
    torch.testing.assert_close(nll[0], torch.full((2, 1), math.log(2), dtype=torch.float64))
    torch.testing.assert_close(
        nll[1], torch.full((2, 1), math.log(1 + math.exp(-3)), dtype=torch.float64)
    )


def test_frame_nll_extreme_logits_are_finite():
    """A confident wrong logit costs |a| nats (log(1 + e^a) for target 0), not inf."""
    logits = torch.tensor([200.0], dtype=torch.float64).view(1, 1, 1, 1)
    targets = torch.zeros(1, 1, 1, dtype=torch.float64)
    assert frame_nll(logits, targets).item() == pytest.approx(200.0, rel=1e-12)


@pytest.mark.parametrize("pad", [1e9, math.inf, math.nan])
def test_masked_mean_ignores_padded_steps(pad):
    """Mean over the real (T, B) positions only: whatever sits at padded positions (even inf or
    NaN, as a model blowing up over a long padding tail produces) does not matter."""
    values = torch.tensor([[[1.0, 2.0], [3.0, pad]], [[5.0, 6.0], [-7.0, pad]]])  # (E=2, T=2, B=2)
    mask = torch.tensor([[True, True], [True, False]])
    expected = torch.tensor([(1 + 2 + 3) / 3, (5 + 6 - 7) / 3])
    torch.testing.assert_close(masked_mean(values, mask), expected)
    v = values.clone().requires_grad_()
    masked_mean(v, mask).sum().backward()
    torch.testing.assert_close(v.grad, (mask / 3.0).expand(2, 2, 2))


class ConstantLogits(nn.Module):
    """A 'model' whose logit is one constant per member: (T, B, K) -> (E, T, B, K)."""

    def __init__(self, values):
        super().__init__()
        self.values = torch.tensor(values, dtype=torch.float64)

    def forward(self, x):
        return self.values.view(-1, 1, 1, 1) + torch.zeros_like(x, dtype=torch.float64)


def two_sequences() -> SequenceBatch:
    """Sequence A: one step predicting a 1; sequence B: three steps predicting 0 each (K = 1)."""
    a = np.array([[0.0], [1.0]], dtype=np.float32)
    b = np.zeros((4, 1), dtype=np.float32)
    batch = pad_next_step([a, b])
    return SequenceBatch(batch.inputs.double(), batch.targets.double(), batch.mask)


def test_evaluate_frame_weighted_vs_sequence_average():
    """Two averages over sequences of lengths 1 and 3 (Boulanger-Lewandowski et al. 2012).

    With logit a, A's single frame (target 1) costs c1 = log(1 + e^-a) and each of B's three
    frames (target 0) costs c0 = log(1 + e^a).
    Frame-weighted: (c1 + 3 c0) / 4. Sequence average: (c1 + (3 c0) / 3) / 2.
    """
    batch = two_sequences()
    model = ConstantLogits([2.0, -0.5])
    out = evaluate_bernoulli_nll(model, [batch])
    for e, a in enumerate((2.0, -0.5)):
        c1, c0 = math.log(1 + math.exp(-a)), math.log(1 + math.exp(a))
        assert out["nll"][e].item() == pytest.approx((c1 + 3 * c0) / 4, rel=1e-12)
        assert out["nll_seq_avg"][e].item() == pytest.approx((c1 + c0) / 2, rel=1e-12)
    assert abs(out["nll"][0] - out["nll_seq_avg"][0]) > 0.1  # the two averages really differ


def test_evaluate_is_independent_of_batching():
    """Splitting the two sequences into separate batches changes neither average."""
    a = np.array([[0.0], [1.0]], dtype=np.float32)
    b = np.zeros((4, 1), dtype=np.float32)
    batches = [pad_next_step([s]) for s in (a, b)]
    batches = [SequenceBatch(x.inputs.double(), x.targets.double(), x.mask) for x in batches]
    model = ConstantLogits([2.0, -0.5])
    joint = evaluate_bernoulli_nll(model, [two_sequences()])
    split = evaluate_bernoulli_nll(model, batches)
    for key in ("nll", "nll_seq_avg"):
        torch.testing.assert_close(split[key], joint[key], rtol=1e-12, atol=1e-12)


class BlowsUpOnPadding(ConstantLogits):
    """Constant logits, but +inf on the padded steps of sequence A (column 0, steps 1 and 2)."""

    def forward(self, x):
        out = super().forward(x).clone()
        out[:, 1:, 0] = math.inf
        return out


def test_evaluate_ignores_padded_steps():
    """Padded steps do not count even when the model's output there is infinite."""
    batch = two_sequences()
    expected = evaluate_bernoulli_nll(ConstantLogits([2.0]), [batch])
    got = evaluate_bernoulli_nll(BlowsUpOnPadding([2.0]), [batch])
    for key in ("nll", "nll_seq_avg"):
        torch.testing.assert_close(got[key], expected[key], rtol=1e-12, atol=1e-12)
    loss = bernoulli_loss(BlowsUpOnPadding([2.0]), batch)
    torch.testing.assert_close(loss, expected["nll"], rtol=1e-12, atol=1e-12)


def test_evaluate_without_batches_raises():
    """An empty split is an error, not a silent NaN."""
    with pytest.raises(ValueError, match="no batches"):
        evaluate_bernoulli_nll(ConstantLogits([0.0]), [])


def test_bernoulli_loss_is_frame_weighted():
    """The training loss is each member's mean NLL per real frame: (c1 + 3 c0) / 4 again."""
    a = 1.5
    c1, c0 = math.log(1 + math.exp(-a)), math.log(1 + math.exp(a))
    loss = bernoulli_loss(ConstantLogits([a]), two_sequences())
    assert loss.shape == (1,)
    assert loss.item() == pytest.approx((c1 + 3 * c0) / 4, rel=1e-12)


def test_bits_per_symbol():
    """bits = nats / ln 2: 88 ln 2 nats are 88 bits; 1 nat is 1.4427 bits; tensors work too."""
    assert bits_per_symbol(88 * math.log(2)) == pytest.approx(88.0, rel=1e-12)
    assert bits_per_symbol(1.0) == pytest.approx(1.4426950408889634, rel=1e-12)
    t = bits_per_symbol(torch.tensor([math.log(2), 2 * math.log(2)], dtype=torch.float64))
    torch.testing.assert_close(t, torch.tensor([1.0, 2.0], dtype=torch.float64), rtol=1e-12, atol=0)
