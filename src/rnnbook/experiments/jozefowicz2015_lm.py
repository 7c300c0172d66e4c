"""Next-step prediction over token streams, as Jozefowicz et al. (2015) train every task.

The paper trains its language models after Zaremba et al. (2014): plain SGD with gradient-norm
clipping, minibatches of 20 contiguous streams unrolled 35 steps, the state carried from one
minibatch to the next, the loss summed over the 35 steps and averaged over the streams. This module
holds that machinery for the chapter's experiments: the tasks as token streams
(:func:`task_tokens`), the loss that carries the state (:class:`StreamLoss`), the metrics
(:func:`evaluate_stream`), the networks (:func:`build_model`) and the random hyperparameter
settings of Sec. 3.4 (:func:`sample_hyperparameters`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from rnnbook.cells.graph import Graph, GraphCell
from rnnbook.cells.mut import ARCHITECTURES, make_architecture, zero_bias_init
from rnnbook.data.arithmetic import VOCAB as ARITHMETIC_VOCAB
from rnnbook.data.arithmetic import ArithmeticSpec, arithmetic_stream
from rnnbook.data.memorization import MemorizationSpec, memorization_stream
from rnnbook.data.ptb import WORD_VOCABULARY as PTB_VOCAB
from rnnbook.data.ptb import load_ptb
from rnnbook.data.token_streams import StreamChunk, stream_chunks
from rnnbook.data.xml_task import VOCAB as XML_VOCAB
from rnnbook.data.xml_task import XMLSpec, xml_stream
from rnnbook.models.jozefowicz2015 import StackedNetwork, detach_states
from rnnbook.train import TrainConfig, fit

TASKS: tuple[str, ...] = ("arithmetic", "xml", "ptb")

#: The ranges of Sec. 3.4 that the random hyperparameter search draws from.
SCALE_RANGE = (0.3, 2.8)  # weights U(-s/sqrt(H), s/sqrt(H))
LR_RANGE = (0.1, 5.0)  # SGD, log-uniform
CLIP_RANGE = (1.0, 20.0)  # gradient-norm threshold, log-uniform


def sample_hyperparameters(n: int, seed: int) -> tuple[tuple[float, float, float], ...]:
    """``n`` settings (init scale, learning rate, clipping threshold), a pure function of ``seed``.

    The scale is uniform in :data:`SCALE_RANGE`; the learning rate and the threshold are
    log-uniform in their ranges. Every cell of a task gets the same settings (a paired design).
    """
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        s = rng.uniform(*SCALE_RANGE)
        lr = math.exp(rng.uniform(*np.log(LR_RANGE)))
        clip = math.exp(rng.uniform(*np.log(CLIP_RANGE)))
        out.append((round(s, 4), round(lr, 4), round(clip, 3)))
    return tuple(out)


# --- tasks as token streams ---------------------------------------------------------------------

_SPLIT_OFFSET = {"train": 0, "valid": 1, "test": 2}


def vocab_size(task: str) -> int:
    sizes = {
        "arithmetic": len(ARITHMETIC_VOCAB),
        "xml": len(XML_VOCAB),
        "ptb": PTB_VOCAB,
        "memorization": MemorizationSpec().vocab_size,
    }
    if task not in sizes:
        raise ValueError(f"unknown task {task!r}: choose one of {', '.join(sizes)}")
    return sizes[task]


@dataclass(frozen=True)
class StreamData:
    """How much of a task one job sees: tokens per training epoch and per evaluation split.

    Generated tasks draw a fresh training stream every epoch (seeded by ``seed`` and the epoch) and
    fixed validation and test streams; PTB cycles through its training split ``train_tokens`` at a
    time (all of it when ``train_tokens`` is ``None``) and evaluates on the first ``eval_tokens``
    tokens of each split (all when ``None``). ``max_digits`` sets the arithmetic task's size.
    """

    task: str
    train_tokens: int | None
    eval_tokens: int | None
    seed: int = 0
    max_digits: int = 8


def task_tokens(data: StreamData, split: str, epoch: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The tokens and scored mask of ``split`` (for training, of ``epoch``)."""
    n = data.train_tokens if split == "train" else data.eval_tokens
    seed = (
        data.seed * 1_000_003 + _SPLIT_OFFSET[split] * 100_003 + (epoch if split == "train" else 0)
    )
    if data.task == "ptb":
        words = load_ptb("word").split(split)
        if n is not None and n < len(words):
            start = (epoch * n) % len(words) if split == "train" else 0
            words = np.roll(words, -start)[:n]
        return words, np.ones(len(words), dtype=bool)
    if n is None:
        raise ValueError(f"the generated task {data.task!r} needs a token count for {split}")
    if data.task == "arithmetic":
        return arithmetic_stream(n, seed, ArithmeticSpec(max_digits=data.max_digits))
    if data.task == "xml":
        return xml_stream(n, seed, XMLSpec())
    if data.task == "memorization":
        return memorization_stream(n, seed, MemorizationSpec())
    raise ValueError(f"unknown task {data.task!r}: choose one of {', '.join(TASKS)}, memorization")


def task_chunks(
    data: StreamData, split: str, batch_size: int, unroll: int, epoch: int = 0, device=None
) -> list[StreamChunk]:
    tokens, scored = task_tokens(data, split, epoch)
    chunks = stream_chunks(tokens, batch_size, unroll, scored)
    return [c.to(device) for c in chunks] if device is not None else chunks


class StreamLoss:
    """Truncated BPTT over consecutive chunks: the state is carried from one call to the next.

    Returns each member's loss, the negative log-likelihood summed over the chunk's steps and
    averaged over the streams (the convention of Zaremba et al. 2014, for which the paper's
    learning rates of 0.1-5 are sized). A chunk marked ``first`` starts from the zero state.
    """

    def __init__(self) -> None:
        self.states = None

    def __call__(self, model: StackedNetwork, chunk: StreamChunk) -> torch.Tensor:
        if chunk.first:
            self.states = None
        logits, states = model.run(chunk.inputs, self.states)
        self.states = detach_states(states)
        e, t, b, v = logits.shape
        targets = chunk.targets.unsqueeze(0).expand(e, t, b).reshape(-1)
        nll = F.cross_entropy(logits.reshape(-1, v), targets, reduction="none").view(e, t, b)
        return nll.sum(1).mean(1)


@torch.no_grad()
def evaluate_stream(
    model: StackedNetwork, chunks: Sequence[StreamChunk]
) -> dict[str, torch.Tensor]:
    """Per member: ``nll`` per target (nats), ``perplexity``, and next-step ``accuracy`` (and
    ``error = 1 - accuracy``) over the scored targets, the prediction being the most probable
    symbol."""
    states = None
    nll_sum = correct = None
    n_targets = n_scored = 0
    for chunk in chunks:
        if chunk.first:
            states = None
        logits, states = model.run(chunk.inputs, states)
        e, t, b, v = logits.shape
        targets = chunk.targets.unsqueeze(0).expand(e, t, b)
        nll = F.cross_entropy(logits.reshape(-1, v), targets.reshape(-1), reduction="none")
        hits = ((logits.argmax(-1) == targets) & chunk.scored).flatten(1).sum(1)
        nll_sum = nll.view(e, -1).sum(1) if nll_sum is None else nll_sum + nll.view(e, -1).sum(1)
        correct = hits if correct is None else correct + hits
        n_targets += t * b
        n_scored += int(chunk.scored.sum())
    if nll_sum is None:
        raise ValueError("no chunks to evaluate")
    nll = nll_sum / n_targets
    accuracy = correct.to(nll.dtype) / max(1, n_scored)
    return {"nll": nll, "perplexity": nll.exp(), "accuracy": accuracy, "error": 1 - accuracy}


def build_model(
    arch: str | Graph,
    vocab: int | None,
    hidden: int,
    *,
    layers: int = 1,
    dropout: float = 0.0,
    seeds: Sequence[int] = (0,),
    scales: Sequence[float] | None = None,
    input_size: int | None = None,
    output_size: int | None = None,
) -> StackedNetwork:
    """A stacked network of one of the ten cells (by name) or of a graph cell.

    Cell weights start in U(-1/sqrt(H), 1/sqrt(H)) and biases at 0 (plus 1 on LSTM-b's forget gate);
    member ``e``'s weights are then multiplied by ``scales[e]``.
    """
    init = zero_bias_init(hidden)
    if isinstance(arch, Graph):
        graph = arch

        def make(i, h, m, s):
            return GraphCell(graph, i, h, members=m, seeds=s, init=init)
    else:
        if arch not in ARCHITECTURES:
            choices = ", ".join(ARCHITECTURES)
            raise ValueError(f"unknown architecture {arch!r}: choose one of {choices}")

        def make(i, h, m, s):
            return make_architecture(arch, i, h, members=m, seeds=s, init=init)

    model = StackedNetwork(
        make,
        hidden_size=hidden,
        output_size=output_size or vocab,
        vocab_size=vocab,
        input_size=input_size,
        layers=layers,
        dropout=dropout,
        members=len(seeds),
        seeds=seeds,
    )
    if scales is not None:
        model.scale_weights(scales)
    return model


def fit_streams(
    model: StackedNetwork,
    data: StreamData,
    config: TrainConfig,
    *,
    batch_size: int,
    unroll: int,
    seeds: Sequence[int],
    device,
    checkpoint=None,
    progress=None,
    time_budget_s=None,
    desc: str = "train",
):
    """Train on a task's stream; return the fit result and the evaluation chunks per split."""
    evals = {s: task_chunks(data, s, batch_size, unroll, device=device) for s in ("valid", "test")}

    def batches(epoch: int):
        return task_chunks(data, "train", batch_size, unroll, epoch, device)

    result = fit(
        model,
        batches,
        StreamLoss(),
        lambda m: evaluate_stream(m, evals["valid"]),
        config,
        seeds=seeds,
        checkpoint=checkpoint,
        time_budget_s=time_budget_s,
        progress=progress,
        desc=desc,
    )
    return result, evals
