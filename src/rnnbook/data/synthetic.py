"""The pathological long-term-dependency tasks of Pascanu, Mikolov & Bengio (2013), Sec. 4.1.

The tasks come from Hochreiter & Schmidhuber (1997) and Martens & Sutskever (2011); the rules
below are those of the paper's code release (github.com/pascanur/trainingRNNs), which the paper's
results were produced with. Positions are 0-based; ``L`` is the task's nominal length.

- **temporal order** (``temporal_order``): 6 one-hot symbols, ``A, B`` (0, 1) and distractors
  ``c, d, e, f`` (2-5). At one position in ``[0.1 L, 0.2 L)`` and one in ``[0.5 L, 0.6 L)`` an
  ``A`` or ``B`` is shown; every other step is a random distractor. After ``L`` steps the network
  names the pair in order, 4 classes: ``v_1 + 2 v_2``.
- **3-bit temporal order** (``temporal_order_3bit``): three such symbols, in ``[0.1 L, 0.2 L)``,
  ``[0.3 L, 0.4 L)``, ``[0.6 L, 0.7 L)``; 8 classes ``v_1 + 2 v_2 + 4 v_3``.
- **addition** (``addition``) and **multiplication** (``multiplication``): two input channels,
  a marker and a value from U[0, 1). The first marked position is in ``[0, 0.1 T)``, the second
  in ``[0.1 T, 0.5 T)``; the target, read at the last step, is the mean (addition) or the product
  (multiplication) of the two marked values. The length ``T`` of a minibatch is drawn from
  ``[L, L + 0.1 L)`` (:func:`draw_length`). A squared error above 0.04 counts as a mistake.
- **random permutation** (``permutation``): 100 one-hot symbols; the first is 0 or 1, the next
  ``L - 1`` are drawn from 2-99; after ``L`` steps the network names the first symbol.
- **noiseless memorisation** (``memorisation``): a pattern of 10 symbols from 5 values is shown
  (steps 0-9), then ``L`` blank steps (input 5), then a "go" symbol (input 6), after which the
  network repeats the pattern over the last 10 steps; before that its target is "blank" (output
  5). ``T = L + 20`` steps; a sequence counts as wrong if any step is wrong.

Every generator is a pure function of a :class:`numpy.random.Generator`, a batch size and the
length: the same generator state gives the same batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

#: Memorisation: values per position and positions per pattern (the authors' defaults).
MEMORY_VALUES = 5
MEMORY_POSITIONS = 10


@dataclass(frozen=True)
class TaskSpec:
    """What a network needs to know about a task.

    ``target`` is ``class`` (softmax, cross-entropy, argmax scored) or ``value`` (linear output,
    squared error, a mistake when the squared error exceeds :data:`VALUE_TOLERANCE`); ``readout``
    is ``last`` (scored at the last step) or ``all`` (every step); ``hidden`` is the paper's
    number of hidden units for the task.
    """

    name: str
    title: str
    inputs: int
    outputs: int
    target: str
    readout: str
    hidden: int = 50


TASKS: dict[str, TaskSpec] = {
    "temporal_order": TaskSpec("temporal_order", "temporal order", 6, 4, "class", "last"),
    "temporal_order_3bit": TaskSpec(
        "temporal_order_3bit", "3-bit temporal order", 6, 8, "class", "last"
    ),
    "addition": TaskSpec("addition", "addition", 2, 1, "value", "last"),
    "multiplication": TaskSpec("multiplication", "multiplication", 2, 1, "value", "last"),
    "permutation": TaskSpec("permutation", "random permutation", 100, 100, "class", "last", 100),
    "memorisation": TaskSpec(
        "memorisation",
        "noiseless memorisation",
        MEMORY_VALUES + 2,
        MEMORY_VALUES + 1,
        "class",
        "all",
    ),
}
#: Addition and multiplication: a squared error above this counts as a mistake (Sec. 4.1).
VALUE_TOLERANCE = 0.04
#: Shortest nominal length: the position windows are ``int(0.1 L)`` wide.
MIN_LENGTH = 10


@dataclass
class TaskBatch:
    """Inputs (T, B, I) float32; targets (B,) int64 class indices, (B,) float32 values, or (T, B)
    int64 classes for the memorisation task."""

    inputs: Tensor
    targets: Tensor


def task_spec(task: str) -> TaskSpec:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}: choose one of {', '.join(TASKS)}")
    return TASKS[task]


def steps(task: str, length: int) -> int:
    """Time steps of a sequence of nominal length ``length`` (before :func:`draw_length`)."""
    return length + 2 * MEMORY_POSITIONS if task_spec(task).name == "memorisation" else length


def draw_length(task: str, rng: np.random.Generator, length: int) -> int:
    """The length of one minibatch: ``L + U{0 .. 0.1 L - 1}`` for addition and multiplication
    (Hochreiter & Schmidhuber's ``[T, T + T/10)``), ``L`` for the other tasks."""
    _check_length(length)
    if task_spec(task).name in ("addition", "multiplication"):
        return length + int(rng.integers(int(0.1 * length)))
    return length


def _check_length(length: int) -> None:
    if length < MIN_LENGTH:
        raise ValueError(f"sequence length {length} is too short: the tasks need at least 10")


def _one_hot(symbols: np.ndarray, size: int) -> Tensor:
    out = np.zeros((*symbols.shape, size), dtype=np.float32)
    np.put_along_axis(out, symbols[..., None], 1.0, axis=-1)
    return torch.from_numpy(out)


def temporal_order(rng: np.random.Generator, batch: int, length: int, bits: int = 2) -> TaskBatch:
    """The (``bits``-bit) temporal order problem; see the module docstring."""
    _check_length(length)
    windows = {2: (0.1, 0.5), 3: (0.1, 0.3, 0.6)}
    if bits not in windows:
        raise ValueError(f"temporal order has 2 or 3 bits, not {bits}")
    width = int(0.1 * length)
    symbols = rng.integers(4, size=(length, batch)) + 2
    target = np.zeros(batch, dtype=np.int64)
    cols = np.arange(batch)
    for k, start in enumerate(windows[bits]):
        pos = rng.integers(width, size=batch) + int(start * length)
        value = rng.integers(2, size=batch)
        symbols[pos, cols] = value
        target += value << k
    return TaskBatch(_one_hot(symbols, 6), torch.from_numpy(target))


def marked_values(
    rng: np.random.Generator, batch: int, length: int, op: str = "addition"
) -> TaskBatch:
    """The addition (mean of the two marked values) or multiplication problem; ``length`` is
    the exact number of steps (draw it with :func:`draw_length`)."""
    _check_length(length)
    if op not in ("addition", "multiplication"):
        raise ValueError(f"unknown operation {op!r}: use 'addition' or 'multiplication'")
    x = rng.uniform(size=(length, batch, 2)).astype(np.float32)
    x[:, :, 0] = 0.0
    cols = np.arange(batch)
    p0 = rng.integers(int(0.1 * length), size=batch)
    p1 = rng.integers(int(0.4 * length), size=batch) + int(0.1 * length)
    x[p0, cols, 0] = 1.0
    x[p1, cols, 0] = 1.0
    a, b = x[p0, cols, 1], x[p1, cols, 1]
    target = (a + b) / 2 if op == "addition" else a * b
    return TaskBatch(torch.from_numpy(x), torch.from_numpy(target.astype(np.float32)))


def permutation(rng: np.random.Generator, batch: int, length: int) -> TaskBatch:
    """The random permutation problem: name the first of ``length`` symbols (0 or 1)."""
    _check_length(length)
    symbols = rng.integers(98, size=(length, batch)) + 2
    first = rng.integers(2, size=batch)
    symbols[0] = first
    return TaskBatch(_one_hot(symbols, 100), torch.from_numpy(first.astype(np.int64)))


def memorisation(rng: np.random.Generator, batch: int, length: int) -> TaskBatch:
    """Noiseless memorisation: repeat a 10-symbol pattern after ``length`` blank steps."""
    _check_length(length)
    n, v = MEMORY_POSITIONS, MEMORY_VALUES
    total = length + 2 * n
    blank_in, go, blank_out = v, v + 1, v
    pattern = rng.integers(v, size=(n, batch))
    symbols = np.full((total, batch), blank_in, dtype=np.int64)
    symbols[:n] = pattern
    symbols[length + n] = go
    target = np.full((total, batch), blank_out, dtype=np.int64)
    target[-n:] = pattern
    return TaskBatch(_one_hot(symbols, v + 2), torch.from_numpy(target))


def generate(task: str, rng: np.random.Generator, batch: int, length: int) -> TaskBatch:
    """One minibatch of ``task`` at nominal length ``length`` (exact length for addition and
    multiplication: call :func:`draw_length` first)."""
    name = task_spec(task).name
    if name == "temporal_order":
        return temporal_order(rng, batch, length, 2)
    if name == "temporal_order_3bit":
        return temporal_order(rng, batch, length, 3)
    if name in ("addition", "multiplication"):
        return marked_values(rng, batch, length, name)
    if name == "permutation":
        return permutation(rng, batch, length)
    return memorisation(rng, batch, length)
