"""Minibatches of variable-length sequences, padded and masked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor


@dataclass
class SequenceBatch:
    """A padded minibatch: ``inputs`` (T, B, I), ``targets`` (T, B, K), ``mask`` (T, B).

    The mask is true on real (unpadded) time steps.
    """

    inputs: Tensor
    targets: Tensor
    mask: Tensor

    def to(self, device: torch.device | str) -> SequenceBatch:
        return SequenceBatch(self.inputs.to(device), self.targets.to(device), self.mask.to(device))

    @property
    def steps(self) -> int:
        """Number of real (unpadded) time steps in the batch."""
        return int(self.mask.sum())


def pad_next_step(sequences: Sequence[np.ndarray]) -> SequenceBatch:
    """Next-step prediction: inputs ``x[:-1]``, targets ``x[1:]``, zero-padded to the longest.

    Each sequence is (T, K); the model sees frames 1..T-1 and predicts frames 2..T, as in the code
    of Chung et al. (2014) and of Boulanger-Lewandowski et al. (2012).
    """
    lengths = [len(s) - 1 for s in sequences]
    if min(lengths) < 1:
        raise ValueError("every sequence needs at least two steps for next-step prediction")
    t_max, k = max(lengths), sequences[0].shape[1]
    x = np.zeros((t_max + 1, len(sequences), k), dtype=np.float32)
    mask = np.zeros((t_max, len(sequences)), dtype=bool)
    for b, s in enumerate(sequences):
        x[: len(s), b] = s
        mask[: len(s) - 1, b] = True
    x_t = torch.from_numpy(x)
    return SequenceBatch(x_t[:-1], x_t[1:], torch.from_numpy(mask))


def length_bucketed_order(
    lengths: Sequence[int], batch_size: int, seed: int, pool: int = 16
) -> list[list[int]]:
    """Indices of the minibatches of one epoch: shuffled, then sorted by length within pools.

    Sequences are shuffled with ``seed``, cut into pools of ``pool * batch_size``, sorted by length
    inside each pool (so a batch wastes little padding), cut into batches, and the batches shuffled.
    The order is a pure function of ``seed``.
    """
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(lengths))
    batches: list[list[int]] = []
    size = pool * batch_size
    for start in range(0, len(order), size):
        chunk = sorted(order[start : start + size].tolist(), key=lambda i: lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def sorted_batches(sequences: Sequence[np.ndarray], max_steps: int = 8192) -> list[SequenceBatch]:
    """Deterministic evaluation batches: sorted by length, about ``max_steps`` padded steps each.

    A sequence longer than ``max_steps`` gets a batch of its own.
    """
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    batches, current = [], []
    for i in order:
        if current and len(sequences[i]) * (len(current) + 1) > max_steps:
            batches.append(pad_next_step([sequences[j] for j in current]))
            current = []
        current.append(i)
    if current:
        batches.append(pad_next_step([sequences[j] for j in current]))
    return batches


@dataclass
class ClassBatch:
    """A minibatch of classified sequences (introduced by the orvieto2023 chapter): ``inputs``
    (T, B, I) or token ids (T, B), ``labels`` (B,), ``mask`` (T, B) true on real steps (``None``
    when nothing is padded)."""

    inputs: Tensor
    labels: Tensor
    mask: Tensor | None = None

    def to(self, device) -> ClassBatch:
        """The batch on ``device``."""
        mask = None if self.mask is None else self.mask.to(device)
        return ClassBatch(self.inputs.to(device), self.labels.to(device), mask)
