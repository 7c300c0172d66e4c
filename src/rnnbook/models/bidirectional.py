"""Bidirectional and stacked recurrent networks, built from the cells of :mod:`rnnbook.cells`.

Introduced for the Lipton, Berkowitz & Elkan (2015) chapter:

- :class:`BidirectionalNetwork` -- the bidirectional RNN of Schuster & Paliwal (1997), Sec. 4.3 of
  the review: a forward chain ``h`` over ``x_1 .. x_T``, a backward chain ``z`` over
  ``x_T .. x_1``, and a per-step readout of both, ``y_t = W^{yh} h_t + W^{yz} z_t + b``.
  With ``directions=("forward",)`` or ``("backward",)`` the same class gives the one-directional
  baselines, which differ from the BRNN only in the chain that is left out.
- :class:`StackedRecurrentNetwork` -- several recurrent layers, each reading the hidden states of
  the one below (the 3-layer LSTM baseline of Graves et al. 2014).
- :func:`reverse_padded` -- time reversal of padded sequences, each within its own length.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from rnnbook.cells import State, make_cell
from rnnbook.models.recurrent import EnsembleLinear, unroll

DIRECTIONS = ("forward", "backward")
#: Added to each seed for the backward chain, so that the two chains start from different weights.
BACKWARD_SEED_OFFSET = 1_000_003
#: Added to each seed per layer above the first.
LAYER_SEED_OFFSET = 2_000_003


def reverse_padded(x: Tensor, lengths: Tensor | None, time_dim: int = 0) -> Tensor:
    """Reverse every sequence of a padded batch in time, within its own length.

    ``x`` has time on ``time_dim`` and the batch on the axis after it ((T, B, ...) or
    (E, T, B, ...)); ``lengths`` (B,) counts each sequence's real steps. Step ``t < L_b`` of
    sequence ``b`` becomes step ``L_b - 1 - t``; padding stays where it is. ``None`` reverses the
    whole time axis. The map is its own inverse.
    """
    if lengths is None:
        return x.flip(time_dim)
    t_len, batch = x.shape[time_dim], x.shape[time_dim + 1]
    lengths = lengths.to(x.device).long()
    if lengths.shape != (batch,) or int(lengths.max()) > t_len or int(lengths.min()) < 0:
        raise ValueError(f"lengths must be (B,) = ({batch},) in 0..{t_len}, got {lengths.tolist()}")
    steps = torch.arange(t_len, device=x.device)[:, None]  # (T, 1)
    index = torch.where(steps < lengths, lengths - 1 - steps, steps)  # (T, B)
    shape = [1] * x.dim()
    shape[time_dim], shape[time_dim + 1] = t_len, batch
    return torch.gather(x, time_dim, index.view(shape).expand_as(x))


class BidirectionalNetwork(nn.Module):
    """Forward and/or backward recurrent chains and one linear readout of their states.

    ``forward(x, lengths)`` maps inputs (T, B, I) or (E, T, B, I) to outputs (E, T, B, O). The
    backward chain reads each sequence reversed within its length, so padding at the end never
    reaches a real step; its states are reversed back before the readout. Both chains are cells
    of the same kind (``cell`` and ``cell_kwargs`` as :func:`rnnbook.cells.make_cell`).
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        output_size: int,
        members: int = 1,
        seeds: Sequence[int] | None = None,
        directions: Sequence[str] = DIRECTIONS,
        **cell_kwargs,
    ) -> None:
        super().__init__()
        seeds = tuple(seeds) if seeds is not None else tuple(range(members))
        directions = tuple(directions)
        if (
            not directions
            or any(d not in DIRECTIONS for d in directions)
            or len(set(directions)) != len(directions)
        ):
            raise ValueError(
                f"unknown directions {directions!r}: choose one or both of {', '.join(DIRECTIONS)}"
            )
        self.directions, self.members = directions, members
        for d in directions:
            offset = BACKWARD_SEED_OFFSET if d == "backward" else 0
            cell_seeds = tuple(s + offset for s in seeds)
            chain = make_cell(
                cell, input_size, hidden_size, members=members, seeds=cell_seeds, **cell_kwargs
            )
            setattr(self, f"{d}_cell", chain)
        self.readout = EnsembleLinear(hidden_size * len(directions), output_size, members, seeds)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        time_dim = x.dim() - 3  # (T, B, I) -> 0, (E, T, B, I) -> 1
        states = []
        if "forward" in self.directions:
            states.append(unroll(self.forward_cell, x)[0])
        if "backward" in self.directions:
            z, _ = unroll(self.backward_cell, reverse_padded(x, lengths, time_dim))
            states.append(reverse_padded(z, lengths, time_dim=1))
        return self.readout(torch.cat(states, dim=-1))


class StackedRecurrentNetwork(nn.Module):
    """``layers`` recurrent layers of ``hidden_size`` units and a linear readout of the top one.

    Layer ``l`` reads the hidden states of layer ``l - 1`` (per member); its weights come from
    ``seed + l * LAYER_SEED_OFFSET``. One layer is :class:`rnnbook.models.RecurrentNetwork`.
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        output_size: int,
        layers: int = 2,
        members: int = 1,
        seeds: Sequence[int] | None = None,
        **cell_kwargs,
    ) -> None:
        super().__init__()
        if layers < 1:
            raise ValueError(f"a stacked network needs at least one layer, got {layers}")
        seeds = tuple(seeds) if seeds is not None else tuple(range(members))
        self.members = members
        self.cells = nn.ModuleList(
            make_cell(
                cell,
                input_size if layer == 0 else hidden_size,
                hidden_size,
                members=members,
                seeds=tuple(s + layer * LAYER_SEED_OFFSET for s in seeds),
                **cell_kwargs,
            )
            for layer in range(layers)
        )
        self.readout = EnsembleLinear(hidden_size, output_size, members, seeds)

    def forward(self, x: Tensor, state: Sequence[State] | None = None) -> Tensor:
        h = x
        for layer, cell in enumerate(self.cells):
            h, _ = unroll(cell, h, None if state is None else state[layer])
        return self.readout(h)
