"""Lipton et al. (2015): the fixed validation and test sets and the training streams of each
experiment, drawn from seeds.
"""

from __future__ import annotations

import numpy as np
from torch import Tensor

from rnnbook.data.batches import SequenceBatch
from rnnbook.data.copy import copy_batch, copy_training_batches
from rnnbook.data.synthetic_lipton import (
    delayed_recall_batch,
    neighbour_max_batch,
)
from rnnbook.experiments.lipton2015.config import BRNNConfig, CopyConfig, _seed_of

__all__ = []


def _recall_sets(config, length: int, lag: int, seed: int, device) -> list[SequenceBatch]:
    rng = np.random.default_rng(seed)
    n = max(1, config.eval_sequences // 256)
    per = config.eval_sequences // n
    return [
        delayed_recall_batch(per, length, lag, config.symbols, rng).to(device) for _ in range(n)
    ]


def _recall_batches(epoch: int, config, length: int, lag: int, device, salt: int = 0):
    rng = np.random.default_rng(_seed_of(config.data_seed, salt, epoch))
    for _ in range(config.updates_per_epoch):
        yield delayed_recall_batch(config.batch_size, length, lag, config.symbols, rng).to(device)


def _lengths(batch: SequenceBatch) -> Tensor:
    """Real steps per sequence: inputs are one-hot, padding is all zero."""
    return (batch.inputs.abs().sum(-1) > 0).sum(0)


def _brnn_batches(epoch: int, config: BRNNConfig, device, salt: int = 0):
    rng = np.random.default_rng(_seed_of(config.data_seed, salt, epoch))
    for _ in range(config.updates_per_epoch):
        lengths = rng.integers(config.min_length, config.max_length + 1, size=config.batch_size)
        yield neighbour_max_batch(lengths, config.offset, config.symbols, rng).to(device)


def _brnn_sets(config: BRNNConfig, seed: int, device) -> list[SequenceBatch]:
    rng = np.random.default_rng(seed)
    out, left = [], config.eval_sequences
    while left > 0:
        n = min(256, left)
        lengths = rng.integers(config.min_length, config.max_length + 1, size=n)
        out.append(neighbour_max_batch(lengths, config.offset, config.symbols, rng).to(device))
        left -= n
    return out


def _copy_valid(config: CopyConfig, device) -> list[SequenceBatch]:
    rng = np.random.default_rng(_seed_of(config.data_seed, 1))
    lengths = [n for n in range(config.train_min, config.train_max + 1)]
    return [copy_batch([n] * config.valid_per_length, rng).to(device) for n in lengths]


def _copy_test(config: CopyConfig, length: int, device) -> list[SequenceBatch]:
    rng = np.random.default_rng(_seed_of(config.data_seed, 2, length))
    return [copy_batch([length] * config.test_sequences, rng).to(device)]


def _copy_batches(epoch: int, config: CopyConfig, device):
    for b in copy_training_batches(
        config.updates_per_epoch,
        config.batch_size,
        config.train_min,
        config.train_max,
        seed=_seed_of(config.data_seed, 0, epoch),
    ):
        yield b.to(device)
