"""Synthetic tasks of the Lipton, Berkowitz & Elkan (2015) chapter, each built to test one claim.

- :func:`delayed_recall_batch` -- a dependency of exactly ``lag`` steps, for truncated BPTT and
  for the gradient measurements: a stream of random symbols; at a random step a *remember* marker
  flags the symbol shown with it; ``lag`` steps later a *recall* marker asks for that symbol.
  Only the recall step is scored; guessing is right with probability 1/K.
- :func:`neighbour_max_batch` -- a labelling task that needs past and future context: the label
  at step t is ``max(x_{t-d}, x_{t+d})``. A network that sees only one side of t can do no
  better than :func:`one_sided_accuracy_bound`; one that sees both can be exact.

Every generator is a pure function of its arguments and a :class:`numpy.random.Generator`.
Inputs are one-hot (T, B, channels); targets one-hot (T, B, K); the mask marks scored steps.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from rnnbook.data.batches import SequenceBatch


def _one_hot(symbols: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k, dtype=np.float32)[symbols]


def delayed_recall_batch(
    batch: int,
    length: int,
    lag: int,
    symbols: int,
    rng: np.random.Generator,
    distractors: bool = True,
) -> SequenceBatch:
    """``batch`` sequences of ``length`` steps with a dependency of ``lag`` steps.

    Inputs have ``symbols + 2`` channels: a random symbol (one-hot) at every step (with
    ``distractors=False`` only at the remember step), channel K the remember marker (at step c,
    uniform in 0 .. length - lag - 1), channel K+1 the recall marker (at step c + lag). The
    target at step c + lag is the symbol of step c; only that step is scored.
    """
    if not 1 <= lag < length:
        raise ValueError(f"need 1 <= lag < length, got lag {lag}, length {length}")
    if symbols < 2:
        raise ValueError(f"need at least two symbols, got {symbols}")
    stream = rng.integers(0, symbols, size=(length, batch))
    cue = rng.integers(0, length - lag, size=batch)
    x = np.zeros((length, batch, symbols + 2), dtype=np.float32)
    cols = np.arange(batch)
    if distractors:
        x[..., :symbols] = _one_hot(stream, symbols)
    else:
        x[cue, cols, :symbols] = _one_hot(stream[cue, cols], symbols)
    x[cue, cols, symbols] = 1.0
    x[cue + lag, cols, symbols + 1] = 1.0
    y = np.zeros((length, batch, symbols), dtype=np.float32)
    y[cue + lag, cols] = _one_hot(stream[cue, cols], symbols)
    mask = np.zeros((length, batch), dtype=bool)
    mask[cue + lag, cols] = True
    return SequenceBatch(torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(mask))


def neighbour_max_batch(
    lengths: Sequence[int], offset: int, symbols: int, rng: np.random.Generator
) -> SequenceBatch:
    """Sequences of random symbols 0 .. K-1 labelled ``y_t = max(x_{t-d}, x_{t+d})``, d = offset.

    Sequences are padded to the longest; a step is scored when both neighbours exist
    (``d <= t < L - d``). Inputs and targets are one-hot over the K symbols.
    """
    lengths = [int(n) for n in lengths]
    if offset < 1 or min(lengths) <= 2 * offset:
        raise ValueError(f"every length must exceed 2 * offset = {2 * offset}, got {lengths}")
    t_max, b = max(lengths), len(lengths)
    x = np.zeros((t_max, b, symbols), dtype=np.float32)
    y = np.zeros((t_max, b, symbols), dtype=np.float32)
    mask = np.zeros((t_max, b), dtype=bool)
    for k, n in enumerate(lengths):
        seq = rng.integers(0, symbols, size=n)
        x[:n, k] = _one_hot(seq, symbols)
        label = np.maximum(seq[: n - 2 * offset], seq[2 * offset :])
        y[offset : n - offset, k] = _one_hot(label, symbols)
        mask[offset : n - offset, k] = True
    return SequenceBatch(torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(mask))


def one_sided_accuracy_bound(symbols: int) -> float:
    """The best accuracy on :func:`neighbour_max_batch` from one side of t only.

    Knowing a = x_{t-d} but not b = x_{t+d} (uniform, independent), max(a, b) = a with probability
    (a + 1)/K and each larger value with probability 1/K, so the best guess is a, right with
    probability (a + 1)/K; averaged over a: (K + 1) / (2K). The same holds from the future side.
    """
    return (symbols + 1) / (2 * symbols)


def majority_accuracy(symbols: int) -> float:
    """Accuracy of always answering K - 1, the most frequent label: P(max = K-1) = (2K - 1)/K^2."""
    return (2 * symbols - 1) / symbols**2
