"""Stacked recurrent networks over tokens or frames: the models of Jozefowicz et al. (2015).

An input layer (an embedding of token ids, or an affine map of real-valued frames) brings the input
to the hidden size, ``layers`` recurrent cells of any kind follow, and a linear readout gives the
logits of the next symbol (or of the 88 notes of the next frame). Dropout, when asked for, is
applied to the non-recurrent connections only -- the embedding's output, between layers and before
the readout -- as in Zaremba et al. (2014), whose setup the paper's dropout experiments follow.

The input layer makes every cell's input H-wide, which MUT1 and MUT2 need (they add ``tanh(x)`` or
``x`` to H-wide pre-activations without a weight) and which the graph cells of the search need.

Every parameter carries the member axis E first; :meth:`StackedNetwork.scale_weights` multiplies
each member's weights by its own initialisation scale (the paper's hyperparameter).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnbook.cells import RecurrentCell, State
from rnnbook.cells.core import member_seeds
from rnnbook.models.recurrent import EnsembleLinear, unroll

_LAYER_SEED_STRIDE = 1_000_003


class StackedNetwork(nn.Module):
    """Input layer -> ``layers`` recurrent cells -> linear readout, for E members at once.

    ``make_cell(input_size, hidden_size, members, seeds)`` builds one layer's cell.

    ``vocab_size`` gives an embedding of token ids (inputs (T, B) int64); ``input_size`` an affine
    input layer of frames (inputs (T, B, I)). ``forward`` returns logits (E, T, B, O);
    :meth:`run` also takes and returns the list of the layers' states (truncated BPTT).
    """

    def __init__(
        self,
        make_cell: Callable[[int, int, int, Sequence[int]], RecurrentCell],
        *,
        hidden_size: int,
        output_size: int,
        vocab_size: int | None = None,
        input_size: int | None = None,
        layers: int = 1,
        dropout: float = 0.0,
        members: int = 1,
        seeds: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        if (vocab_size is None) == (input_size is None):
            raise ValueError("give exactly one of vocab_size (tokens) and input_size (frames)")
        if layers < 1:
            raise ValueError(f"layers must be at least 1, got {layers}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must lie in [0, 1), got {dropout}")
        seeds = tuple(member_seeds(seeds, members))
        self.members, self.hidden_size, self.dropout = members, hidden_size, dropout
        self.vocab_size = vocab_size
        if vocab_size is not None:
            self.embedding = nn.Parameter(torch.empty(members, vocab_size, hidden_size))
            bound = 1.0 / math.sqrt(hidden_size)
            with torch.no_grad():
                for e, seed in enumerate(seeds):
                    g = torch.Generator().manual_seed(int(seed) + 15_485_863)
                    shape = (vocab_size, hidden_size)
                    self.embedding[e].copy_((torch.rand(shape, generator=g) * 2 - 1) * bound)
            self.input_layer = None
        else:
            self.embedding = None
            self.input_layer = EnsembleLinear(
                input_size, hidden_size, members, [s + 15_485_863 for s in seeds]
            )
        self.cells = nn.ModuleList(
            make_cell(
                hidden_size, hidden_size, members, [s + _LAYER_SEED_STRIDE * k for s in seeds]
            )
            for k in range(layers)
        )
        self.readout = EnsembleLinear(hidden_size, output_size, members, seeds)

    @torch.no_grad()
    def scale_weights(self, scales: Sequence[float]) -> None:
        """Multiply every weight (not bias) of member ``e`` by ``scales[e]``."""
        if len(scales) != self.members:
            raise ValueError(f"{len(scales)} scales given for {self.members} members")
        s = torch.tensor([float(v) for v in scales])
        for name, p in self.named_parameters():
            leaf = name.rsplit(".", 1)[-1]
            if leaf.startswith("weight") or leaf == "embedding":
                p.mul_(s.to(p.device, p.dtype).view(-1, *([1] * (p.dim() - 1))))

    def _input(self, x: Tensor) -> Tensor:
        if self.embedding is not None:
            if x.dtype not in (torch.int64, torch.int32):
                raise ValueError(f"token inputs must be integer ids (T, B), got {x.dtype}")
            return self.embedding[:, x]  # (E, T, B, H)
        t, b, i = x.shape
        return self.input_layer(x.reshape(1, t * b, i).expand(self.members, -1, -1)).view(
            self.members, t, b, -1
        )

    def _drop(self, v: Tensor) -> Tensor:
        return F.dropout(v, self.dropout, self.training) if self.dropout else v

    def run(self, x: Tensor, states: list[State] | None = None) -> tuple[Tensor, list[State]]:
        """Logits (E, T, B, O) and the final state of every layer."""
        v = self._drop(self._input(x))
        new_states = []
        for k, cell in enumerate(self.cells):
            v, state = unroll(cell, v, None if states is None else states[k])
            v = self._drop(v)
            new_states.append(state)
        return self.readout(v), new_states

    def forward(self, x: Tensor, states: list[State] | None = None) -> Tensor:
        return self.run(x, states)[0]


def detach_states(states: list[State]) -> list[State]:
    """The states without their history: truncated BPTT carries values, not gradients."""
    return [tuple(s.detach() for s in state) for state in states]
