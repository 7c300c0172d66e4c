"""The chrono initialisation of Tallec & Ollivier (2018): gate biases that give each unit a
memory time scale between 1 and ``t_max`` steps from the first update.

A unit whose state keeps a fraction ``k`` of itself each step forgets over about
``1 / (1 - k)`` steps. With the default biases (PyTorch's, near zero) the LSTM's forget gate and
the GRU's keep gate start near one half, so every unit forgets within a few steps, and the
gradient that would teach the gates to remember fades as fast. Chrono draws a time scale ``T``
per unit, log-uniformly between 1 and ``t_max - 1``, and sets the keep gate's bias to
``log(T)`` (so ``k = sigma(log T) = T / (1 + T)``):

- LSTM: forget-gate bias ``b_f = log(T)``, input-gate bias ``b_i = -b_f`` (Sec. 3 of the paper);
- GRU (``h_t = (1 - z) h_{t-1} + z h~``, :class:`rnnbook.cells.core.GRUCell`): the update gate
  ``z`` lets new content in, so its bias is ``b_z = -log(T)``.

The other parameters keep their initialisation; the draw is seeded per member.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from rnnbook.cells.core import GRUCell, LSTMCell, RecurrentCell, member_seeds

__all__ = ["chrono_biases", "chrono_init_"]

#: Offset of the generator seed of the chrono draw, so that it is not the draw of the weights.
SALT = 7919


def chrono_biases(hidden: int, t_max: float, g: torch.Generator) -> Tensor:
    """``log(T)`` per unit, ``T`` uniform in ``[1, t_max - 1]`` (the paper's ``log U``)."""
    if not t_max > 2:
        raise ValueError(f"t_max {t_max} must exceed 2: give the task's longest dependency")
    return torch.log(1 + torch.rand(hidden, generator=g) * (t_max - 2))


@torch.no_grad()
def chrono_init_(cell: RecurrentCell, t_max: float, seeds: Sequence[int] | None = None) -> None:
    """Set the gate biases of ``cell`` (an LSTM with input and forget gates, or a GRU) in place,
    member ``e`` from its own generator (``seeds[e]``, default ``0 .. E - 1``)."""
    n_h = cell.hidden_size
    if isinstance(cell, LSTMCell) and {"i", "f"} <= set(cell.blocks):
        slots = {"f": 1.0, "i": -1.0}  # block -> sign of log(T)
        index = {b: k for k, b in enumerate(cell.blocks)}
    elif isinstance(cell, GRUCell):
        slots, index = {"z": -1.0}, {"r": 0, "z": 1, "n": 2}
    else:
        gates = f" with gates {''.join(cell.blocks)}" if isinstance(cell, LSTMCell) else ""
        raise ValueError(
            f"chrono needs an LSTM with input and forget gates or a GRU, not "
            f"{type(cell).__name__}{gates}: it sets the biases of the gates that keep the state"
        )
    for e, seed in enumerate(member_seeds(seeds, cell.members)):
        log_t = chrono_biases(n_h, t_max, torch.Generator().manual_seed(int(seed) + SALT))
        for block, sign in slots.items():
            k = index[block]
            cell.bias[e, :, k * n_h : (k + 1) * n_h] = sign * log_t
