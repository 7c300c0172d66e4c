"""Orvieto et al. (2023): the data of each task (generated sets cached on disk), its batches and
the training stream.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from rnnbook.data import length_bucketed_order
from rnnbook.data.batches import ClassBatch
from rnnbook.data.listops import CLASSES as LISTOPS_CLASSES
from rnnbook.data.listops import PAD, VOCAB, ListOpsSpec, generate_listops
from rnnbook.data.mnist import (
    image_sequences,
    load_fashion_mnist,
    load_mnist,
    pixel_permutation,
)
from rnnbook.data.pathfinder import PathfinderSpec, generate_pathfinder
from rnnbook.data.paths import cache_dir
from rnnbook.experiments.orvieto2023.config import PERMUTATION_SEED, TASKS, LRUConfig, TaskSpec
from rnnbook.files import atomic_write
from rnnbook.profiles import config_hash

__all__ = [
    "EvaluationSlices",
    "TaskData",
    "eval_batches",
    "load_task",
    "make_batch",
    "training_stream",
]


def _cached_npz(name: str, spec, build) -> dict[str, np.ndarray]:
    """``build()`` (a dict of arrays) cached on disk under the hash of ``spec``; a cache that
    cannot be written is skipped."""
    path = cache_dir() / f"{name}-{config_hash(spec)}.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    arrays = build()
    with contextlib.suppress(OSError):
        atomic_write(path, lambda f: np.savez(f, **arrays))
    return arrays


@dataclass
class TaskData:
    """Sequences and labels per split. ``sequences[split]`` is an array (N, T, 1) for image tasks
    and a list of token-id arrays for ListOps."""

    task: str
    sequences: dict[str, object]
    labels: dict[str, np.ndarray]
    classes: int
    vocab: int | None = None
    input_size: int | None = None


def _listops_arrays(spec: ListOpsSpec) -> dict[str, np.ndarray]:
    data = generate_listops(spec)
    out = {}
    for split in ("train", "valid", "test"):
        seqs = data.tokens[split]
        out[f"{split}_lengths"] = np.asarray([len(s) for s in seqs], dtype=np.int64)
        out[f"{split}_tokens"] = np.concatenate(seqs) if seqs else np.zeros(0, dtype=np.int64)
        out[f"{split}_labels"] = data.labels[split]
    return out


def _pathfinder_arrays(spec: PathfinderSpec) -> dict[str, np.ndarray]:
    workers = min(8, os.cpu_count() or 1) if spec.n_train + spec.n_valid >= 20_000 else 1
    data = generate_pathfinder(spec, workers=workers)
    out = {}
    for split in ("train", "valid", "test"):
        out[f"{split}_images"] = (data.images[split] * 255).round().astype(np.uint8)
        out[f"{split}_labels"] = data.labels[split]
    return out


def _cap(split: str, spec: TaskSpec) -> int | None:
    return spec.n_train if split == "train" else spec.n_eval


def load_task(spec: TaskSpec) -> TaskData:
    """The sequences of one task. Images are read in raster order (row by row), standardised with
    the training set's mean and standard deviation; permuted MNIST uses one fixed permutation."""
    task = spec.task
    if task in ("smnist", "psmnist", "sfmnist"):
        images = load_fashion_mnist() if task == "sfmnist" else load_mnist()
        train_x, _ = images.split("train")
        side = train_x.shape[1] // spec.pool
        perm = pixel_permutation(side * side, PERMUTATION_SEED) if task == "psmnist" else None
        mean, std = float(train_x.mean()), float(train_x.std())
        seqs, labels = {}, {}
        for split in ("train", "valid", "test"):
            x, y = images.split(split)
            n = _cap(split, spec)
            x, y = x[:n], y[:n]
            seqs[split] = image_sequences(x, spec.pool, perm, mean, std)
            labels[split] = y
        return TaskData(task, seqs, labels, classes=10, input_size=1)
    if task == "listops":
        arrays = _cached_npz("listops", spec.listops, partial(_listops_arrays, spec.listops))
        seqs, labels = {}, {}
        for split in ("train", "valid", "test"):
            ends = np.cumsum(arrays[f"{split}_lengths"])
            tokens = np.split(arrays[f"{split}_tokens"], ends[:-1]) if len(ends) else []
            n = _cap(split, spec)
            seqs[split], labels[split] = tokens[:n], arrays[f"{split}_labels"][:n]
        return TaskData(task, seqs, labels, classes=LISTOPS_CLASSES, vocab=len(VOCAB))
    if task == "pathfinder":
        arrays = _cached_npz(
            "pathfinder", spec.pathfinder, partial(_pathfinder_arrays, spec.pathfinder)
        )
        train = arrays["train_images"].astype(np.float32) / 255.0
        mean, std = float(train.mean()), float(train.std()) or 1.0
        seqs, labels = {}, {}
        for split in ("train", "valid", "test"):
            n = _cap(split, spec)
            x = arrays[f"{split}_images"][:n].astype(np.float32) / 255.0
            seqs[split] = image_sequences(x, 1, None, mean, std)
            labels[split] = arrays[f"{split}_labels"][:n]
        return TaskData(task, seqs, labels, classes=2, input_size=1)
    raise ValueError(f"unknown task {task!r}: choose one of {', '.join(TASKS)}")


def make_batch(sequences, labels: np.ndarray, index: Sequence[int]) -> ClassBatch:
    """Stack (image tasks) or pad (token tasks) the sequences at ``index``, time-major."""
    y = torch.as_tensor(np.asarray(labels)[list(index)], dtype=torch.long)
    if isinstance(sequences, np.ndarray):
        x = torch.from_numpy(np.ascontiguousarray(sequences[list(index)].transpose(1, 0, 2)))
        return ClassBatch(x, y)
    seqs = [sequences[i] for i in index]
    t_max = max(len(s) for s in seqs)
    tokens = np.full((t_max, len(seqs)), PAD, dtype=np.int64)
    mask = np.zeros((t_max, len(seqs)), dtype=bool)
    for b, s in enumerate(seqs):
        tokens[: len(s), b] = s
        mask[: len(s), b] = True
    return ClassBatch(torch.from_numpy(tokens), y, torch.from_numpy(mask))


def _train_order(data: TaskData, config: LRUConfig, epoch: int) -> list[list[int]]:
    seed = config.data_seed * 100_003 + epoch
    seqs = data.sequences["train"]
    if isinstance(seqs, np.ndarray):
        order = np.random.default_rng(seed).permutation(len(seqs))
        b = config.batch_size
        return [order[i : i + b].tolist() for i in range(0, len(order) - b + 1, b)] or [
            order.tolist()
        ]
    return length_bucketed_order([len(s) for s in seqs], config.batch_size, seed=seed)


def eval_batches(data: TaskData, split: str, size: int, device) -> list[ClassBatch]:
    """Deterministic evaluation batches of ``size`` sequences (token tasks sorted by length)."""
    seqs = data.sequences[split]
    n = len(seqs)
    order = (
        list(range(n))
        if isinstance(seqs, np.ndarray)
        else sorted(range(n), key=lambda i: len(seqs[i]))
    )
    return [
        make_batch(seqs, data.labels[split], order[i : i + size]).to(device)
        for i in range(0, n, size)
    ]


class EvaluationSlices:
    """Turns ``fit``'s per-epoch evaluation into one every ``eval_every`` updates: ``fit``'s
    "epochs" are slices of ``eval_every`` minibatches of an endless stream of shuffled passes over
    the training set (a pure function of the slice, so a resumed run sees the same data)."""

    def __init__(self, data: TaskData, config: LRUConfig, device) -> None:
        self.data, self.config, self.device = data, config, device
        self._orders: dict[int, list[list[int]]] = {}

    def _order(self, n: int) -> list[list[int]]:
        if n not in self._orders:
            self._orders = {n: _train_order(self.data, self.config, n)}
        return self._orders[n]

    def __call__(self, epoch: int) -> Iterator[ClassBatch]:
        per_pass = len(self._order(0))
        start = epoch * self.config.eval_every
        for k in range(start, start + self.config.eval_every):
            index = self._order(k // per_pass)[k % per_pass]
            yield make_batch(self.data.sequences["train"], self.data.labels["train"], index).to(
                self.device
            )


def training_stream(data: TaskData, config: LRUConfig, device) -> EvaluationSlices:
    """The training batches as ``fit`` reads them: "epoch" ``k`` is the ``k``-th slice of
    ``config.eval_every`` minibatches of shuffled passes over the training set, so that ``fit``
    validates every ``eval_every`` updates."""
    return EvaluationSlices(data, config, device)
