"""The copy task of Graves, Wayne & Danihelka (2014, Sec. 4.1), used in the Lipton et al. 2015
chapter.

A sequence of L random binary vectors of ``bits`` bits (each bit 0 or 1 with probability 1/2) is
presented one vector per step, followed by a delimiter on an extra input channel; the network must
then output the L vectors in order while its input is zero. Inputs have ``bits + 1`` channels;
targets have ``bits``, and only the L output steps count (the mask).

Layout for one sequence of length L, time steps 0 .. 2L:

- steps 0 .. L-1: the vectors on channels 0 .. bits-1;
- step L: the delimiter, channel ``bits`` = 1;
- steps L+1 .. 2L: zero input; target at step L+1+j is vector j; mask true there.

Sequences of different lengths in one batch are padded to the longest (2 L_max + 1 steps).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from rnnbook.data.batches import SequenceBatch

#: Graves et al. 2014: eight-bit vectors.
BITS = 8


def copy_batch(lengths: Sequence[int], rng: np.random.Generator, bits: int = BITS) -> SequenceBatch:
    """One batch of copy-task sequences, one per entry of ``lengths`` (each at least 1)."""
    lengths = [int(n) for n in lengths]
    if not lengths or min(lengths) < 1:
        raise ValueError(f"every copy sequence needs a length of at least 1, got {lengths}")
    t_total, b = 2 * max(lengths) + 1, len(lengths)
    x = np.zeros((t_total, b, bits + 1), dtype=np.float32)
    y = np.zeros((t_total, b, bits), dtype=np.float32)
    mask = np.zeros((t_total, b), dtype=bool)
    for k, n in enumerate(lengths):
        seq = rng.integers(0, 2, size=(n, bits)).astype(np.float32)
        x[:n, k, :bits] = seq
        x[n, k, bits] = 1.0
        y[n + 1 : 2 * n + 1, k] = seq
        mask[n + 1 : 2 * n + 1, k] = True
    return SequenceBatch(torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(mask))


def copy_training_batches(
    n_batches: int,
    batch_size: int,
    min_length: int,
    max_length: int,
    seed: int,
    bits: int = BITS,
) -> list[SequenceBatch]:
    """``n_batches`` batches whose length is drawn uniformly from ``min_length..max_length`` per
    batch (every sequence of a batch has that length, so no step is wasted on padding).

    A pure function of its arguments: a resumed run sees the same data.
    """
    if not 1 <= min_length <= max_length:
        raise ValueError(f"need 1 <= min_length <= max_length, got {min_length}, {max_length}")
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_batches):
        n = int(rng.integers(min_length, max_length + 1))
        out.append(copy_batch([n] * batch_size, rng, bits))
    return out


def bit_errors(logits: torch.Tensor, batch: SequenceBatch) -> torch.Tensor:
    """Wrong bits per sequence after thresholding the outputs at 1/2 (Graves et al. 2014,
    Figs. 4-5 judge copies by eye; we count): (E, T, B, bits) logits -> (E, B)."""
    wrong = ((logits > 0).to(batch.targets.dtype) != batch.targets).sum(-1)
    return torch.where(batch.mask, wrong, torch.zeros_like(wrong)).sum(1)
