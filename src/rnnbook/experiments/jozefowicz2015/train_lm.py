"""Jozefowicz et al. (2015): the language-model network and its training on token streams."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from rnnbook.cells.graph import Graph, GraphCell
from rnnbook.cells.mut import ARCHITECTURES, make_architecture, zero_bias_init
from rnnbook.data.token_streams import StreamChunk
from rnnbook.experiments.jozefowicz2015.config import StreamData
from rnnbook.experiments.jozefowicz2015.data import task_chunks
from rnnbook.models.jozefowicz2015 import StackedNetwork, detach_states
from rnnbook.train import TrainConfig, fit

__all__ = ["StreamLoss", "build_model", "evaluate_stream", "fit_streams"]


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
