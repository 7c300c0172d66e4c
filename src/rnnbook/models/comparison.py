"""One model shape for every cell of the book (the cross-paper chapter).

Every network is a linear encoder of the inputs to ``width`` channels (an embedding, for one-hot
tokens), a recurrence, and a linear readout at every step. The recurrence is one layer of ``width``
units of a cell of Jozefowicz et al.'s Table 1 (tanh, LSTM and its variants, GRU, MUT1-3; MUT1
needs its input as wide as its state, hence the encoder for all), or, for the LRU (Orvieto et al.
2023), which is linear in time, ``lru_layers`` of its published residual blocks (norm, LRU with
state ``width``, GELU, GLU), or a Neural Turing Machine whose LSTM controller has ``width``
units (Graves et al. 2014; its readout sees the controller and the read vector). Outputs are
(E, T, B, O) for every cell: a task reads the steps it scores.

:func:`width_for_budget` picks each cell's width so that every cell has about the same number of
parameters (one member), the chapter's one budget per task.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from rnnbook.cells.core import member_seeds
from rnnbook.cells.mut import ARCHITECTURES, make_architecture
from rnnbook.cells.ntm import NTMCell
from rnnbook.models.lru import DeepRecurrentClassifier, RecurrentLayer, ResidualBlock, _derived
from rnnbook.models.recurrent import EnsembleLinear, count_parameters, unroll

__all__ = ["CELLS", "CellNetwork", "width_for_budget"]

#: The cells the chapter compares: Jozefowicz et al.'s ten, the LRU, and the Neural Turing
#: Machine with an LSTM controller (Graves et al.'s memory of 128 rows of 20; the copy task only).
CELLS: tuple[str, ...] = (*ARCHITECTURES, "lru", "ntm")


class CellNetwork(nn.Module):
    """``cell`` on inputs of ``input_size`` channels, ``output_size`` outputs per step, E members.

    ``forward(x)``: inputs (T, B, I), shared by the members -> outputs (E, T, B, O).
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        width: int,
        output_size: int,
        members: int = 1,
        seeds: Sequence[int] | None = None,
        *,
        lru_layers: int = 2,
        lru_lr_factor: float = 0.5,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r}: choose one of {', '.join(CELLS)}")
        seeds = member_seeds(seeds, members)
        self.cell_name, self.members, self.lr_factor, self.width = (
            cell,
            members,
            lru_lr_factor,
            width,
        )
        self.encoder = EnsembleLinear(input_size, width, members, _derived(seeds, 3))
        readout = width
        if cell == "ntm":  # ``width`` is the controller's; it reads the memory as well
            self.cell = NTMCell(width, width, 128, 20, members=members, seeds=seeds)
            readout = self.cell.hidden_size
        elif cell == "lru":
            self.blocks = nn.ModuleList(
                ResidualBlock(
                    RecurrentLayer("lru", width, width, members, seeds, salt=k),
                    width,
                    members,
                    _derived(seeds, 10 + k),
                    dropout=0.0,
                )
                for k in range(lru_layers)
            )
        else:
            self.cell = make_architecture(cell, width, width, members=members, seeds=seeds)
        self.readout = EnsembleLinear(readout, output_size, members, _derived(seeds, 4))

    def forward(self, x: Tensor) -> Tensor:
        h = self.encoder(x.unsqueeze(0).expand(self.members, *x.shape))  # (E, T, B, width)
        if self.cell_name != "lru":
            hidden, _ = unroll(self.cell, h)
            return self.readout(hidden)
        for block in self.blocks:
            h = block(h)
        return self.readout(h)

    def recurrent_parameters(self) -> list[nn.Parameter]:
        """The LRU's recurrent parameters (Orvieto et al., Appendix D); none for other cells."""
        if self.cell_name != "lru":
            return []
        return [p for b in self.blocks for p in b.recurrence.recurrent_parameters()]

    def optimizer_groups(self, weight_decay: float) -> list[dict]:
        """The LRU's groups as in its own chapter's model; a single group for every other cell."""
        if self.cell_name == "lru":
            return DeepRecurrentClassifier.optimizer_groups(self, weight_decay)
        params = [p for p in self.parameters() if p.requires_grad]
        return [{"params": params, "lr_scale": 1.0, "weight_decay": weight_decay}]


def width_for_budget(
    cell: str, input_size: int, output_size: int, budget: int, *, lru_layers: int = 2
) -> int:
    """The width whose network (one member) has the parameter count closest to ``budget``."""
    if budget < 1:
        raise ValueError(f"parameter budget {budget!r} must be a positive number of parameters")

    def count(width: int) -> int:
        net = CellNetwork(cell, input_size, width, output_size, lru_layers=lru_layers)
        return count_parameters(net)

    low, high = 1, 2
    while count(high) < budget:
        low, high = high, high * 2
    while high - low > 1:  # the count grows with the width: bisect to the two widths around it
        mid = (low + high) // 2
        low, high = (mid, high) if count(mid) < budget else (low, mid)
    return min((low, high), key=lambda w: abs(count(w) - budget))
