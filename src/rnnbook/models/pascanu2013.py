"""The networks of Pascanu, Mikolov & Bengio (2013): one simple recurrent layer and a readout.

:class:`TaskRNN` differs from :class:`~rnnbook.models.RecurrentNetwork` in two ways the paper
needs: it returns the hidden state of every step as its own tensor, so that one backward pass
yields both the parameter gradients and the error signals dE/dh_k that the regulariser Omega of
Sec. 3.3 is built from; and its readout is drawn from a Gaussian, as in the paper's Sec. 4.1.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from rnnbook.cells import Initializer, SimpleCell
from rnnbook.models.recurrent import EnsembleLinear

READOUTS = ("last", "all")


class TaskRNN(nn.Module):
    """``h_t = f(h_{t-1} U + x_t W + b)``, ``y = h V + c`` at the last step or at every step.

    ``readout="last"`` maps inputs (T, B, I) or (E, T, B, I) to outputs (E, B, O) (the synthetic
    tasks that are scored at the end of the sequence); ``readout="all"`` to (E, T, B, O) (the
    memorisation task, music and text). The readout weights are N(0, ``readout_std``^2), its
    biases zero, drawn per member from ``seed + 7919`` as in
    :class:`~rnnbook.models.EnsembleLinear`.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        *,
        members: int = 1,
        seeds: Sequence[int] | None = None,
        nonlinearity: str = "tanh",
        init: Initializer | None = None,
        readout_std: float | None = None,
        readout: str = "last",
    ) -> None:
        super().__init__()
        if readout not in READOUTS:
            raise ValueError(f"unknown readout {readout!r}: choose one of {', '.join(READOUTS)}")
        seeds = tuple(seeds) if seeds is not None else tuple(range(members))
        self.cell = SimpleCell(
            input_size,
            hidden_size,
            members=members,
            seeds=seeds,
            init=init,
            nonlinearity=nonlinearity,
        )
        self.readout = EnsembleLinear(hidden_size, output_size, members, seeds)
        if readout_std is not None:
            self._gaussian_readout(seeds, readout_std)
        self.members, self.readout_kind = members, readout

    @property
    def nonlinearity(self) -> str:
        return self.cell.nonlinearity

    @property
    def weight_hh(self) -> Tensor:
        return self.cell.weight_hh

    @torch.no_grad()
    def _gaussian_readout(self, seeds: Sequence[int], std: float) -> None:
        for e, seed in enumerate(seeds):
            g = torch.Generator().manual_seed(int(seed) + 7919)
            self.readout.weight[e].copy_(torch.randn(self.readout.weight.shape[1:], generator=g))
            self.readout.weight[e].mul_(std)
            self.readout.bias[e].zero_()

    def states(self, x: Tensor) -> list[Tensor]:
        """The hidden states ``h_1 .. h_T``, each (E, B, H), from ``h_0 = 0``."""
        xw = self.cell.project(x)
        h = self.cell.initial_state(xw.shape[2])
        states = []
        for xw_t in xw.unbind(0):
            h = self.cell.step(xw_t, h)
            states.append(h[0])
        return states

    def read(self, states: list[Tensor]) -> Tensor:
        """The outputs from the states: (E, B, O) for ``last``, (E, T, B, O) for ``all``."""
        if self.readout_kind == "last":
            return self.readout(states[-1])
        return self.readout(torch.stack(states, dim=1))

    def forward(self, x: Tensor) -> Tensor:
        return self.read(self.states(x))
