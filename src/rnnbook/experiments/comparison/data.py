"""Every task of the book as batches of one shape, and how each is scored.

A :class:`Batch` holds inputs (T, B, I) (one-hot for tokens), targets, and the steps that count:
``last`` (B,) indexes the step whose output answers (temporal order, addition, ListOps, psMNIST);
otherwise ``mask`` (T, B) marks the steps that are trained on and ``scored`` those the metric
counts (arithmetic scores only the answers' characters). The generators and loaders are the
chapters' own (``rnnbook.data``); only the batching is new here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from rnnbook.data import length_bucketed_order, load_polyphonic, pad_next_step, sorted_batches
from rnnbook.data.arithmetic import VOCAB as ARITHMETIC_VOCAB
from rnnbook.data.arithmetic import ArithmeticSpec, arithmetic_stream
from rnnbook.data.copy import BITS, copy_batch, copy_training_batches
from rnnbook.data.listops import CLASSES as LISTOPS_CLASSES
from rnnbook.data.listops import VOCAB as LISTOPS_VOCAB
from rnnbook.data.listops import ListOpsSpec
from rnnbook.data.mnist import pool_to_side, pooled_steps
from rnnbook.data.polyphonic import N_PITCHES
from rnnbook.data.synthetic import VALUE_TOLERANCE, draw_length, generate
from rnnbook.data.xml_task import VOCAB as XML_VOCAB
from rnnbook.data.xml_task import xml_stream
from rnnbook.experiments.comparison.config import GridConfig, TaskSize
from rnnbook.experiments.orvieto2023.config import TaskSpec
from rnnbook.experiments.orvieto2023.data import load_task as orvieto_task

__all__ = [
    "Batch",
    "Shape",
    "TaskData",
    "load_task",
    "longest_steps",
    "score",
    "task_loss",
    "task_shape",
]


@dataclass
class Batch:
    """One minibatch; see the module docstring."""

    inputs: Tensor
    targets: Tensor
    kind: str  # "class_last", "value_last", "class_steps" or "bits_steps"
    last: Tensor | None = None
    mask: Tensor | None = None
    scored: Tensor | None = None

    def to(self, device) -> Batch:
        def move(t):
            return None if t is None else t.to(device)

        return Batch(
            move(self.inputs),
            move(self.targets),
            self.kind,
            move(self.last),
            move(self.mask),
            move(self.scored),
        )


@dataclass
class TaskData:
    """A task's batches: ``train(epoch)`` yields one epoch of ``per_epoch`` updates (a pure
    function of the epoch, so a resumed run sees the same data); ``evals`` the fixed batches of
    ``valid`` and ``test`` (and ``test_L<n>`` for the copy task's longer tests)."""

    inputs: int
    outputs: int
    train: Callable[[int], Iterator[Batch]]
    evals: dict[str, list[Batch]]
    metric: str  # "accuracy", "error_rate", "nll" or "bit_errors"


# --- losses and scores ----------------------------------------------------------------------------


def _last(outputs: Tensor, last: Tensor) -> Tensor:
    """(E, T, B, O) -> (E, B, O): each sequence's output at its step ``last``."""
    index = last.view(1, 1, -1, 1).expand(outputs.shape[0], 1, -1, outputs.shape[-1])
    return outputs.gather(1, index).squeeze(1)


def task_loss(outputs: Tensor, batch: Batch) -> Tensor:
    """Each member's mean training loss, (E,)."""
    if batch.kind == "class_last":
        logits = _last(outputs, batch.last)
        e = logits.shape[0]
        targets = batch.targets.expand(e, -1)
        return (
            F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="none")
            .view(e, -1)
            .mean(1)
        )
    if batch.kind == "value_last":
        return ((_last(outputs, batch.last)[..., 0] - batch.targets) ** 2).mean(1)
    mask = batch.mask.to(outputs.dtype)
    if batch.kind == "class_steps":
        e, t, b, k = outputs.shape
        targets = batch.targets.unsqueeze(0).expand(e, t, b)
        nll = F.cross_entropy(outputs.reshape(-1, k), targets.reshape(-1), reduction="none")
        return (nll.view(e, t, b) * mask).sum((1, 2)) / mask.sum()
    targets = batch.targets.unsqueeze(0).expand_as(outputs)
    nll = F.binary_cross_entropy_with_logits(outputs, targets, reduction="none").sum(-1)
    return (nll * mask).sum((1, 2)) / mask.sum()


def score(outputs: Tensor, batch: Batch, metric: str) -> tuple[Tensor, float]:
    """The metric's sum over the batch per member (E,) and what it is averaged over."""
    if metric == "accuracy" and batch.kind == "class_last":
        right = _last(outputs, batch.last).argmax(-1) == batch.targets
        return right.sum(1).double(), float(batch.targets.numel())
    if metric == "accuracy":  # class_steps: the scored steps only
        right = (outputs.argmax(-1) == batch.targets) & batch.scored
        return right.sum((1, 2)).double(), float(batch.scored.sum())
    if metric == "error_rate":  # value_last: a squared error above the tolerance is a mistake
        error = (_last(outputs, batch.last)[..., 0] - batch.targets) ** 2
        return (error > VALUE_TOLERANCE).sum(1).double(), float(batch.targets.numel())
    mask = batch.mask
    if metric == "nll":  # bits_steps, summed over the notes, per real frame
        targets = batch.targets.unsqueeze(0).expand_as(outputs)
        nll = F.binary_cross_entropy_with_logits(outputs, targets, reduction="none").sum(-1)
        return (nll * mask).sum((1, 2)).double(), float(mask.sum())
    wrong = ((outputs > 0).to(batch.targets.dtype) != batch.targets).sum(-1)  # bit errors
    return (wrong * mask).sum((1, 2)).double(), float(batch.targets.shape[1])


# --- the tasks ------------------------------------------------------------------------------------


def _one_hot(tokens: np.ndarray, vocab: int) -> Tensor:
    return F.one_hot(torch.from_numpy(np.ascontiguousarray(tokens)), vocab).float()


def _synthetic(task: str, size: TaskSize, batch_size: int) -> tuple[Callable, dict]:
    kind = "class_last" if task == "temporal_order" else "value_last"

    def draw(rng: np.random.Generator, n: int) -> Batch:
        b = generate(task, rng, n, draw_length(task, rng, size.length))
        last = torch.full((n,), b.inputs.shape[0] - 1, dtype=torch.long)
        return Batch(b.inputs, b.targets, kind, last=last)

    def fixed(seed: int, n: int) -> list[Batch]:
        rng = np.random.default_rng(seed)
        return [draw(rng, min(256, n - k)) for k in range(0, n, 256)]

    def train(epoch: int, per_epoch: int) -> Iterator[Batch]:
        rng = np.random.default_rng([7, epoch])
        for _ in range(per_epoch):
            yield draw(rng, batch_size)

    return train, {"valid": fixed(1, size.valid), "test": fixed(2, size.test)}


def _passes(lengths: Sequence[int], batch_size: int, epoch: int, n: int) -> list[list[int]]:
    """The first ``n`` batches of shuffled, length-bucketed passes over a training set (a new
    order for each pass), a pure function of ``epoch``."""
    out: list[list[int]] = []
    k = 0
    while len(out) < n:
        out += length_bucketed_order(lengths, batch_size, seed=100_003 * epoch + k)
        k += 1
    return out[:n]


def _pieces(size: TaskSize) -> dict[str, list[np.ndarray]]:
    rolls = load_polyphonic("jsb")
    out = {}
    for split, cap in (("train", size.train), ("valid", size.valid), ("test", size.test)):
        seqs = rolls.split(split)[: cap or None]
        out[split] = [s[: size.length or None] for s in seqs if len(s) >= 2]
    return out


def _jsb(size: TaskSize, batch_size: int) -> tuple[Callable, dict]:
    pieces = _pieces(size)

    def as_bits(b) -> Batch:
        return Batch(b.inputs, b.targets, "bits_steps", mask=b.mask, scored=b.mask)

    def train(epoch: int, per_epoch: int) -> Iterator[Batch]:
        seqs = pieces["train"]
        for rows in _passes([len(s) for s in seqs], batch_size, epoch, per_epoch):
            yield as_bits(pad_next_step([seqs[i] for i in rows]))

    evals = {s: [as_bits(b) for b in sorted_batches(pieces[s])] for s in ("valid", "test")}
    return train, evals


def _stream(task: str, size: TaskSize, batch_size: int) -> tuple[Callable, dict]:
    """Arithmetic or XML as chunks of ``length`` characters, each a sequence of its own."""
    vocab = len(ARITHMETIC_VOCAB if task == "arithmetic" else XML_VOCAB)

    def chunks(n_chars: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        if task == "arithmetic":
            tokens, scored = arithmetic_stream(
                n_chars, seed, ArithmeticSpec(max_digits=size.digits)
            )
        else:
            tokens, scored = xml_stream(n_chars, seed)
        n = (len(tokens) - 1) // size.length
        cut = n * size.length
        x = tokens[:cut].reshape(n, size.length)
        y = tokens[1 : cut + 1].reshape(n, size.length)
        return np.stack([x, y]), scored[1 : cut + 1].reshape(n, size.length)

    def batch(pair: np.ndarray, scored: np.ndarray, rows) -> Batch:
        x, y = pair[0][rows].T, pair[1][rows].T  # time-major
        return Batch(
            _one_hot(x, vocab),
            torch.from_numpy(np.ascontiguousarray(y)),
            "class_steps",
            mask=torch.ones(y.shape, dtype=torch.bool),
            scored=torch.from_numpy(np.ascontiguousarray(scored[rows].T)),
        )

    train_pair, train_scored = chunks(size.train, seed=0)

    def train(epoch: int, per_epoch: int) -> Iterator[Batch]:
        rng = np.random.default_rng([11, epoch])
        for _ in range(per_epoch):
            yield batch(train_pair, train_scored, rng.integers(len(train_scored), size=batch_size))

    evals = {}
    for split, n_chars, seed in (("valid", size.valid, 1), ("test", size.test, 2)):
        pair, scored = chunks(n_chars, seed)
        evals[split] = [
            batch(pair, scored, np.arange(k, min(k + 256, len(scored))))
            for k in range(0, len(scored), 256)
        ]
    return train, evals


def _copy(size: TaskSize, batch_size: int) -> tuple[Callable, dict]:
    def as_bits(b) -> Batch:
        return Batch(b.inputs, b.targets, "bits_steps", mask=b.mask, scored=b.mask)

    def train(epoch: int, per_epoch: int) -> Iterator[Batch]:
        for b in copy_training_batches(per_epoch, batch_size, 1, size.length, seed=1000 + epoch):
            yield as_bits(b)

    rng = np.random.default_rng(1)
    valid_lengths = rng.integers(1, size.length + 1, size=size.valid)
    evals = {"valid": [as_bits(copy_batch(valid_lengths, rng))]}
    evals["test"] = [as_bits(copy_batch([size.length] * size.test, np.random.default_rng(2)))]
    for n in size.test_lengths:
        evals[f"test_L{n}"] = [as_bits(copy_batch([n] * size.test, np.random.default_rng(n)))]
    return train, evals


def _classified(
    seqs: Sequence[np.ndarray], labels: np.ndarray, rows: Sequence[int], vocab: int | None
) -> Batch:
    """Sequences (tokens, or (T, 1) pixels) padded to the longest; ``last`` marks each's end."""
    lengths = [len(seqs[i]) for i in rows]
    t = max(lengths)
    if vocab is None:
        x = torch.from_numpy(np.stack([seqs[i] for i in rows], 1))  # all the same length
    else:
        padded = np.zeros((t, len(rows)), dtype=np.int64)
        for k, i in enumerate(rows):
            padded[: lengths[k], k] = seqs[i]
        x = _one_hot(padded, vocab)
    last = torch.tensor(lengths) - 1
    return Batch(x, torch.from_numpy(labels[list(rows)]), "class_last", last=last)


def _classification(
    splits: dict[str, tuple[list, np.ndarray]], vocab: int | None, batch_size: int
) -> tuple[Callable, dict]:
    seqs, labels = splits["train"]

    def train(epoch: int, per_epoch: int) -> Iterator[Batch]:
        for rows in _passes([len(s) for s in seqs], batch_size, epoch, per_epoch):
            yield _classified(seqs, labels, rows, vocab)

    evals = {}
    for split in ("valid", "test"):
        s, y = splits[split]
        order = sorted(range(len(s)), key=lambda i: len(s[i]))
        evals[split] = [
            _classified(s, y, order[k : k + 256], vocab) for k in range(0, len(order), 256)
        ]
    return train, evals


def _orvieto_splits(task: str, size: TaskSize) -> dict[str, tuple[list, np.ndarray]]:
    """ListOps or permuted MNIST through the Orvieto chapter's loader (generated sets cached on
    disk, one fixed permutation), as (sequences, labels) per split."""
    if size.valid != size.test:
        raise ValueError(
            f"{task}: validation and test sizes must be equal (got {size.valid} and {size.test});"
            " the Orvieto loader caps both with one number"
        )
    cap = size.valid or None
    if task == "listops":
        spec = ListOpsSpec(
            min_length=size.min_length,
            max_length=size.length,
            n_train=size.train,
            n_valid=size.valid,
            n_test=size.test,
        )
        data = orvieto_task(TaskSpec("listops", listops=spec))
    else:
        data = orvieto_task(TaskSpec("psmnist", pool_to_side(size.length), size.train or None, cap))
    return {s: (data.sequences[s], data.labels[s]) for s in ("train", "valid", "test")}


@dataclass(frozen=True)
class Shape:
    """A task's input channels, outputs per step and metric."""

    inputs: int
    outputs: int
    metric: str  # "accuracy", "error_rate", "nll" or "bit_errors"


def task_shape(task: str) -> Shape:
    """The shape of ``task`` without loading its data."""
    shapes = {
        "temporal_order": Shape(6, 4, "accuracy"),
        "addition": Shape(2, 1, "error_rate"),
        "jsb": Shape(N_PITCHES, N_PITCHES, "nll"),
        "arithmetic": Shape(len(ARITHMETIC_VOCAB), len(ARITHMETIC_VOCAB), "accuracy"),
        "xml": Shape(len(XML_VOCAB), len(XML_VOCAB), "accuracy"),
        "copy": Shape(BITS + 1, BITS, "bit_errors"),
        "listops": Shape(len(LISTOPS_VOCAB), LISTOPS_CLASSES, "accuracy"),
        "psmnist": Shape(1, 10, "accuracy"),
    }
    if task not in shapes:
        raise ValueError(f"unknown task {task!r}: choose one of {', '.join(shapes)}")
    return shapes[task]


def longest_steps(task: str, size: TaskSize) -> int:
    """The most steps a training sequence of ``task`` at ``size`` has: the input and the recall
    of the copy task, every pixel of (pooled) permuted MNIST, else ``size.length``."""
    if size.length < 1:
        raise ValueError(f"{task}: length {size.length} sets no number of steps; give a length")
    if task == "copy":
        return 2 * size.length + 1
    if task == "psmnist":
        return pooled_steps(pool_to_side(size.length))
    return size.length


def load_task(config: GridConfig) -> tuple[TaskData, int]:
    """The task of ``config`` and its updates per epoch (``eval_every``)."""
    task, size, b = config.task, config.size, config.batch_size
    shape = task_shape(task)
    if task in ("temporal_order", "addition"):
        train, evals = _synthetic(task, size, b)
    elif task == "jsb":
        train, evals = _jsb(size, b)
    elif task in ("arithmetic", "xml"):
        train, evals = _stream(task, size, b)
    elif task == "copy":
        train, evals = _copy(size, b)
    elif task == "listops":
        train, evals = _classification(_orvieto_splits(task, size), shape.inputs, b)
    else:
        train, evals = _classification(_orvieto_splits(task, size), None, b)
    per_epoch = config.eval_every

    def epoch(e: int) -> Iterator[Batch]:
        return train(e, per_epoch)

    return TaskData(shape.inputs, shape.outputs, epoch, evals, shape.metric), per_epoch
