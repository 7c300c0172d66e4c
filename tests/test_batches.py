"""Padding, masks and the order of minibatches."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
import torch

from rnnbook.data.batches import length_bucketed_order, pad_next_step, sorted_batches


def rolls(lengths, k=5, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.random((n, k)) > 0.5).astype(np.float32) for n in lengths]


def test_pad_next_step_shapes_mask_and_shift():
    """Inputs are frames 1..T-1, targets frames 2..T, zero-padded to the longest; the mask is true
    on exactly len(s) - 1 leading steps of each sequence."""
    seqs = rolls([4, 7, 2])
    batch = pad_next_step(seqs)
    assert batch.inputs.shape == (6, 3, 5)
    assert batch.targets.shape == (6, 3, 5)
    assert batch.mask.shape == (6, 3) and batch.mask.dtype == torch.bool
    assert batch.mask.sum(0).tolist() == [3, 6, 1]
    assert batch.steps == 10
    for b, s in enumerate(seqs):
        n = len(s) - 1
        assert batch.mask[:n, b].all() and not batch.mask[n:, b].any()
        np.testing.assert_array_equal(batch.inputs[:n, b].numpy(), s[:-1])
        np.testing.assert_array_equal(batch.targets[:n, b].numpy(), s[1:])
        assert not batch.targets[n:, b].any()  # padding is zeros
    # the target of step t is the input of step t + 1 wherever both are real
    m = batch.mask[1:] & batch.mask[:-1]
    assert torch.equal(batch.targets[:-1][m], batch.inputs[1:][m])


def test_pad_next_step_rejects_single_frame():
    """A one-frame sequence has nothing to predict."""
    with pytest.raises(ValueError, match="two steps"):
        pad_next_step(rolls([3, 1]))


def test_length_bucketed_order_covers_every_index_once():
    """Every index appears in exactly one batch; no batch is larger than batch_size."""
    lengths = list(np.random.default_rng(1).integers(2, 100, size=103))
    order = length_bucketed_order(lengths, batch_size=4, seed=3, pool=5)
    flat = [i for batch in order for i in batch]
    assert sorted(flat) == list(range(103))
    assert max(len(b) for b in order) == 4
    # pools hold pool * batch_size indices, so only the very last batch can be short
    assert sum(len(b) < 4 for b in order) == 1


def test_length_bucketed_order_sorts_within_pools():
    """With one pool covering everything the batches, read in sorted order, are sorted by length."""
    lengths = list(np.random.default_rng(2).integers(2, 100, size=32))
    order = length_bucketed_order(lengths, batch_size=4, seed=0, pool=8)
    spans = sorted((min(lengths[i] for i in b), max(lengths[i] for i in b)) for b in order)
    for (_, hi), (lo, _) in pairwise(spans):
        assert hi <= lo


def test_length_bucketed_order_is_a_pure_function_of_the_seed():
    """The same seed gives the same epoch; another seed gives another."""
    lengths = list(range(2, 50))
    a = length_bucketed_order(lengths, 3, seed=7, pool=4)
    assert a == length_bucketed_order(lengths, 3, seed=7, pool=4)
    b = length_bucketed_order(lengths, 3, seed=8, pool=4)
    assert a != b
    # not only the order of the batches changes: which sequences share a batch changes too
    assert sorted(map(sorted, a)) != sorted(map(sorted, b))


def test_sorted_batches_respect_max_steps_and_cover_all():
    """Each evaluation batch pads to at most max_steps steps, and every sequence appears once."""
    seqs = rolls(list(np.random.default_rng(4).integers(2, 40, size=25)), k=3)
    batches = sorted_batches(seqs, max_steps=100)
    assert len(batches) > 1
    for batch in batches:
        t, b = batch.mask.shape
        assert t * b <= 100
    assert sum(batch.mask.shape[1] for batch in batches) == 25
    assert sum(batch.steps for batch in batches) == sum(len(s) - 1 for s in seqs)
    # every sequence appears: compare the multisets of (length, content) pairs
    seen = sorted(
        (int(batch.mask[:, b].sum()), batch.targets[:, b].sum().item())
        for batch in batches
        for b in range(batch.mask.shape[1])
    )
    expected = sorted((len(s) - 1, float(s[1:].sum())) for s in seqs)
    assert seen == expected


def test_sorted_batches_is_deterministic():
    """Evaluation batches do not depend on any random state."""
    seqs = rolls([5, 3, 9, 2, 7], k=2)
    a, b = sorted_batches(seqs, 20), sorted_batches(seqs, 20)
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert torch.equal(x.inputs, y.inputs) and torch.equal(x.mask, y.mask)
