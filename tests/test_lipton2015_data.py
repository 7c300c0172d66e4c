"""The chapter's generators against their stated layout and statistics, and the copy-task metric
on a hand-computed case."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from rnnbook.data.copy import BITS, bit_errors, copy_batch, copy_training_batches
from rnnbook.data.synthetic_lipton import (
    delayed_recall_batch,
    majority_accuracy,
    neighbour_max_batch,
    one_sided_accuracy_bound,
)


def test_copy_layout_of_one_sequence():
    """Length 3: vectors at steps 0-2, delimiter (channel 8) at step 3, zero input at 4-6, where
    the targets are the three vectors in order and the mask is true."""
    b = copy_batch([3], np.random.default_rng(0))
    x, y, m = b.inputs[:, 0], b.targets[:, 0], b.mask[:, 0]
    assert x.shape == (7, BITS + 1) and y.shape == (7, BITS)
    assert x[3].tolist() == [0.0] * BITS + [1.0] and x[:3, BITS].sum() == 0
    assert x[4:].abs().sum() == 0
    torch.testing.assert_close(y[4:], x[:3, :BITS])
    assert m.tolist() == [False] * 4 + [True] * 3


def test_copy_batches_of_mixed_lengths_are_padded_and_masked():
    b = copy_batch([1, 4], np.random.default_rng(1))
    assert b.inputs.shape == (9, 2, BITS + 1)
    assert b.mask.sum(0).tolist() == [1, 4]
    assert b.inputs[2:, 0].abs().sum() == 0 and b.inputs[1, 0, BITS] == 1
    with pytest.raises(ValueError, match="at least 1"):
        copy_batch([0], np.random.default_rng(0))


def test_copy_bits_are_fair_coins_and_lengths_uniform():
    """Bits are 1 with probability 1/2 (6 sigma on 80k bits); batch lengths cover 1..20 evenly."""
    batches = copy_training_batches(400, 10, 1, 20, seed=3)
    bits = torch.cat([b.targets[b.mask] for b in batches])
    assert abs(bits.mean().item() - 0.5) < 6 * 0.5 / bits.numel() ** 0.5
    lengths = [int(b.mask[:, 0].sum()) for b in batches]
    counts = np.bincount(lengths, minlength=21)[1:]
    assert set(lengths) <= set(range(1, 21)) and counts.min() > 5
    again = copy_training_batches(400, 10, 1, 20, seed=3)
    assert all(torch.equal(a.inputs, b.inputs) for a, b in zip(batches, again))


def test_bit_errors_by_hand():
    """One length-2 sequence; member 0 outputs the targets exactly, member 1 flips three bits and
    is wrong on a padded/input step (which must not count)."""
    b = copy_batch([2], np.random.default_rng(0))
    good = (b.targets * 2 - 1) * 5.0  # logits of the right sign
    bad = good.clone()
    bad[3, 0, :2] *= -1
    bad[4, 0, 7] *= -1
    bad[0, 0, :] = -bad[0, 0, :] + 3  # an input step: not scored
    logits = torch.stack([good, bad])
    assert bit_errors(logits, b).tolist() == [[0], [3]]


def test_delayed_recall_has_the_stated_lag_and_target():
    """Exactly one remember and one recall marker per sequence, ``lag`` apart; the target at the
    recall step is the symbol shown at the remember step; nothing else is scored."""
    rng = np.random.default_rng(0)
    b = delayed_recall_batch(64, 30, 7, 5, rng)
    x, y, m = b.inputs, b.targets, b.mask
    assert x.shape == (30, 64, 7) and y.shape == (30, 64, 5)
    cue, query = x[..., 5].argmax(0), x[..., 6].argmax(0)
    assert (x[..., 5].sum(0) == 1).all() and (x[..., 6].sum(0) == 1).all()
    assert ((query - cue) == 7).all()
    assert (m.sum(0) == 1).all() and (m.float().argmax(0) == query).all()
    cols = torch.arange(64)
    torch.testing.assert_close(y[query, cols], x[cue, cols, :5])
    assert (x[..., :5].sum(-1) == 1).all()  # a symbol at every step


def test_delayed_recall_without_distractors_shows_one_symbol():
    b = delayed_recall_batch(16, 20, 5, 4, np.random.default_rng(3), distractors=False)
    assert (b.inputs[..., :4].sum((0, 2)) == 1).all()
    cue = b.inputs[..., 4].argmax(0)
    torch.testing.assert_close(
        b.targets[cue + 5, torch.arange(16)], b.inputs[cue, torch.arange(16), :4]
    )


def test_delayed_recall_targets_are_uniform():
    """Targets over 8 symbols: each near 1/8 (chance), within 5 sigma on 8000 draws."""
    b = delayed_recall_batch(8000, 25, 10, 8, np.random.default_rng(2))
    freq = b.targets[b.mask].mean(0)
    assert (freq - 1 / 8).abs().max() < 5 * (1 / 8 * 7 / 8 / 8000) ** 0.5
    with pytest.raises(ValueError, match="lag"):
        delayed_recall_batch(2, 10, 10, 4, np.random.default_rng(0))


def test_neighbour_max_labels_and_mask():
    rng = np.random.default_rng(4)
    b = neighbour_max_batch([9, 6], offset=2, symbols=4, rng=rng)
    x = b.inputs.argmax(-1)
    for k, n in enumerate([9, 6]):
        assert b.mask[:, k].nonzero().flatten().tolist() == list(range(2, n - 2))
        for t in range(2, n - 2):
            assert b.targets[t, k].argmax() == max(x[t - 2, k], x[t + 2, k])
        assert b.inputs[n:, k].abs().sum() == 0
    with pytest.raises(ValueError, match="exceed"):
        neighbour_max_batch([4], offset=2, symbols=4, rng=rng)


@pytest.mark.parametrize("k", [2, 4, 7])
def test_one_sided_bound_by_enumeration(k):
    """Enumerate (a, b): the best guess from a alone and its accuracy; the most frequent label."""
    right = 0
    for a in range(k):
        counts = np.bincount([max(a, b) for b in range(k)], minlength=k)
        right += counts.max()
    assert right / k**2 == pytest.approx(one_sided_accuracy_bound(k))
    labels = [max(a, b) for a, b in itertools.product(range(k), repeat=2)]
    assert np.bincount(labels).max() / k**2 == pytest.approx(majority_accuracy(k))
