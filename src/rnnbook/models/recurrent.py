"""One recurrent layer and a readout; the sequential loop every chapter uses.

Layout conventions: inputs are time-major, (T, B, I), shared by every member, or (E, T, B, I);
outputs carry the member axis first, (E, T, B, O). Masks are (T, B).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from rnnbook.cells import RecurrentCell, State, make_cell


def unroll(cell: RecurrentCell, x: Tensor, state: State | None = None) -> tuple[Tensor, State]:
    """Run ``cell`` over a sequence: the sequential loop of every chapter.

    Returns the hidden states (E, T, B, H) and the final state. The input projection of all time
    steps is one batched matrix product; each step then costs one more (``h @ U``).
    """
    xw = cell.project(x)
    if state is None:
        state = cell.initial_state(xw.shape[2])
    outputs = []
    for xw_t in xw.unbind(0):
        state = cell.step(xw_t, state)
        outputs.append(cell.output(state))
    return torch.stack(outputs, dim=1), state


class EnsembleLinear(nn.Module):
    """``y = x W + b`` for E members at once: weight (E, in, out), bias (E, 1, out)."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        members: int = 1,
        seeds: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        self.in_features, self.out_features, self.members = in_features, out_features, members
        self.weight = nn.Parameter(torch.empty(members, in_features, out_features))
        self.bias = nn.Parameter(torch.empty(members, 1, out_features))
        self.reset_parameters(seeds if seeds is not None else range(members))

    @torch.no_grad()
    def reset_parameters(self, seeds: Sequence[int]) -> None:
        """U(-1/sqrt(in), 1/sqrt(in)) per member from its own seed (as :class:`torch.nn.Linear`)."""
        bound = 1.0 / math.sqrt(self.in_features)
        for e, seed in enumerate(seeds):
            g = torch.Generator().manual_seed(int(seed) + 7919)  # distinct stream from the cell's
            self.weight[e].copy_((torch.rand(self.weight.shape[1:], generator=g) * 2 - 1) * bound)
            self.bias[e].copy_((torch.rand(self.bias.shape[1:], generator=g) * 2 - 1) * bound)

    def forward(self, x: Tensor) -> Tensor:
        """``x``: (E, ..., in) -> (E, ..., out)."""
        shape = x.shape
        y = torch.baddbmm(self.bias, x.reshape(self.members, -1, shape[-1]), self.weight)
        return y.view(*shape[:-1], self.out_features)


class RecurrentNetwork(nn.Module):
    """One recurrent layer and a linear readout (Chung et al. 2014; Pascanu et al. 2013).

    ``forward(x)`` maps inputs (T, B, I) to output pre-activations (E, T, B, O); for music the
    outputs are the logits of 88 independent Bernoulli notes.
    """

    def __init__(
        self,
        cell: str | RecurrentCell,
        input_size: int,
        hidden_size: int,
        output_size: int,
        members: int = 1,
        seeds: Sequence[int] | None = None,
        **cell_kwargs,
    ) -> None:
        super().__init__()
        seeds = tuple(seeds) if seeds is not None else tuple(range(members))
        if isinstance(cell, str):
            cell = make_cell(
                cell, input_size, hidden_size, members=members, seeds=seeds, **cell_kwargs
            )
        self.cell = cell
        self.readout = EnsembleLinear(hidden_size, output_size, members, seeds)
        self.members = members

    def forward(self, x: Tensor, state: State | None = None) -> Tensor:
        hidden, _ = unroll(self.cell, x, state)
        return self.readout(hidden)


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters of *one* member (every parameter has the member axis first)."""
    return sum(p[0].numel() for p in model.parameters() if p.requires_grad)
