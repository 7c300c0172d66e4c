"""Token streams cut into minibatches for truncated backpropagation through time.

The layout of Zaremba et al. (2014), used by Jozefowicz et al. (2015) with batch 20 and unroll 35:
one long stream of tokens is cut into ``batch_size`` contiguous streams side by side, and each
minibatch is the next ``unroll`` steps of every stream. The recurrent state is carried from one
minibatch to the next (and not backpropagated through), so a model sees each stream as one long
sequence. A boolean ``scored`` mask, aligned with the tokens, marks the targets that count in the
accuracy (the answers of the arithmetic task); the loss uses every target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor


@dataclass
class StreamChunk:
    """``unroll`` steps of ``batch_size`` streams: inputs and targets (T, B) token ids, the scored
    mask (T, B) of the targets, and whether this chunk starts the streams (state from zeros)."""

    inputs: Tensor
    targets: Tensor
    scored: Tensor
    first: bool

    def to(self, device: torch.device | str) -> StreamChunk:
        return StreamChunk(
            self.inputs.to(device), self.targets.to(device), self.scored.to(device), self.first
        )


def stream_chunks(
    tokens: np.ndarray, batch_size: int, unroll: int, scored: np.ndarray | None = None
) -> list[StreamChunk]:
    """Cut ``tokens`` into ``batch_size`` contiguous streams and those into chunks of ``unroll``.

    Stream ``b`` is ``tokens[b L : (b + 1) L]`` with ``L = len(tokens) // batch_size``; the inputs
    of a chunk are steps ``t .. t + unroll - 1``, the targets the steps one later. The last chunk
    may be shorter. Tokens beyond ``batch_size * L`` are dropped.
    """
    if scored is None:
        scored = np.ones(len(tokens), dtype=bool)
    if len(scored) != len(tokens):
        raise ValueError(f"{len(scored)} scored flags for {len(tokens)} tokens")
    length = len(tokens) // batch_size
    if length < 2:
        raise ValueError(f"{len(tokens)} tokens are too few for {batch_size} streams")
    data = torch.from_numpy(np.ascontiguousarray(tokens[: batch_size * length]))
    data = data.view(batch_size, length).t().contiguous()
    mask = torch.from_numpy(np.ascontiguousarray(scored[: batch_size * length]))
    mask = mask.view(batch_size, length).t().contiguous()
    chunks = []
    for start in range(0, length - 1, unroll):
        stop = min(start + unroll, length - 1)
        chunks.append(
            StreamChunk(
                data[start:stop],
                data[start + 1 : stop + 1],
                mask[start + 1 : stop + 1],
                first=start == 0,
            )
        )
    return chunks
