"""The three mutants MUT1-3 of Jozefowicz, Zaremba & Sutskever (2015), and the paper's ten cells.

The architecture search of the paper (Sec. 3) found three GRU-like cells that equal or beat the GRU
on some tasks (Sec. 4, the equations below Table 1). Written with ``h = h_{t-1}`` (the paper maps
``h_t`` to ``h_{t+1}``; we shift the index by one):

MUT1::

    z = sigm(W_xz x + b_z)
    r = sigm(W_xr x + W_hr h + b_r)
    h_t = tanh(W_hh (r * h) + tanh(x) + b_h) * z + h * (1 - z)

MUT2::

    z = sigm(W_xz x + W_hz h + b_z)
    r = sigm(x + W_hr h + b_r)
    h_t = tanh(W_hh (r * h) + W_xh x + b_h) * z + h * (1 - z)

MUT3::

    z = sigm(W_xz x + W_hz tanh(h) + b_z)
    r = sigm(W_xr x + W_hr h + b_r)
    h_t = tanh(W_hh (r * h) + W_xh x + b_h) * z + h * (1 - z)

``tanh(x)`` in MUT1 and ``x`` in MUT2 carry no weight matrix, so they are added to H-wide
pre-activations: these two cells need ``input_size == hidden_size`` (the paper's inputs are
embeddings of the hidden size). The paper's ``z`` weighs the *new* candidate, the same convention
as :class:`~rnnbook.cells.GRUCell` (``h_t = (1 - z) h + z h~``).

:data:`rnnbook.cells.mut.ARCHITECTURES` names the ten cells of the paper's Table 1 and
:func:`rnnbook.cells.make_architecture` builds one.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from rnnbook.cells.core import (
    GRUCell,
    Initializer,
    LSTMCell,
    RecurrentCell,
    SimpleCell,
    State,
    check_sequence_input,
)

#: Per variant: the blocks (of z, r, h) with an input weight, the blocks with a weight-free input
#: term, and the blocks with a recurrent weight.
_INPUT_WEIGHTS = {"mut1": "zr", "mut2": "zh", "mut3": "zrh"}
_FREE_INPUT = {"mut1": {"h": "tanh"}, "mut2": {"r": "identity"}, "mut3": {}}
_RECURRENT_WEIGHTS = {"mut1": "rh", "mut2": "zrh", "mut3": "zrh"}
VARIANTS: tuple[str, ...] = tuple(_INPUT_WEIGHTS)


class MUTCell(RecurrentCell):
    """MUT1, MUT2 or MUT3 (``variant``), Jozefowicz et al. 2015, Sec. 4.

    Parameters, with E members:

    - ``weight_ih``: (E, I, n_x H), the input weights of the blocks listed in ``input_blocks``;
    - ``weight_hh``: (E, H, n_h H), the recurrent weights of the blocks in ``recurrent_blocks``;
    - ``bias``: (E, 1, 3H), the biases b_z, b_r, b_h.

    :meth:`project` returns the three pre-activation blocks (z, r, h) of the input part, the
    weight-free terms ``tanh(x)`` (MUT1) and ``x`` (MUT2) included.
    """

    gates = 3

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        members: int = 1,
        seeds=None,
        init: Initializer | None = None,
        *,
        variant: str = "mut1",
    ) -> None:
        if variant not in _INPUT_WEIGHTS:
            raise ValueError(
                f"unknown MUT variant {variant!r}: choose one of {', '.join(VARIANTS)}"
            )
        if _FREE_INPUT[variant] and input_size != hidden_size:
            raise ValueError(
                f"{variant} adds its input to the hidden pre-activation without a weight matrix: "
                f"it needs input_size == hidden_size, got {input_size} and {hidden_size}"
            )
        super().__init__(input_size, hidden_size, members, seeds, init)
        self.variant = variant
        self.input_blocks = _INPUT_WEIGHTS[variant]
        self.recurrent_blocks = _RECURRENT_WEIGHTS[variant]
        self.free_input = dict(_FREE_INPUT[variant])
        h = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(members, input_size, len(self.input_blocks) * h))
        self.weight_hh = nn.Parameter(torch.empty(members, h, len(self.recurrent_blocks) * h))
        self._post_init()

    def project(self, x: Tensor) -> Tensor:
        """The input part of the three pre-activations, (T, E, B, 3H), in the order z, r, h."""
        check_sequence_input(x, self.input_size, self.members)
        xe = x.unsqueeze(0).expand(self.members, *x.shape) if x.dim() == 3 else x
        e, t, b, i = xe.shape
        xw = torch.bmm(xe.reshape(e, t * b, i), self.weight_ih).view(e, t, b, -1)
        weighted = dict(zip(self.input_blocks, xw.split(self.hidden_size, -1)))
        blocks = []
        for name in "zrh":
            if name in weighted:
                blocks.append(weighted[name])
            elif name in self.free_input:
                blocks.append(torch.tanh(xe) if self.free_input[name] == "tanh" else xe)
            else:
                blocks.append(xe.new_zeros(e, t, b, self.hidden_size))
        out = torch.cat(blocks, -1) + self.bias.unsqueeze(1)
        return out.transpose(0, 1).contiguous()

    def step(self, xw: Tensor, state: State) -> State:
        h, n_h = state[0], self.hidden_size
        xz, xr, xh = xw.split(n_h, -1)
        u = dict(zip(self.recurrent_blocks, self.weight_hh.split(n_h, -1)))
        if self.variant == "mut1":
            z = torch.sigmoid(xz)
            r = torch.sigmoid(torch.baddbmm(xr, h, u["r"]))
        elif self.variant == "mut2":
            zr = torch.baddbmm(torch.cat([xz, xr], -1), h, self.weight_hh[..., : 2 * n_h])
            z, r = torch.sigmoid(zr).split(n_h, -1)
        else:  # mut3: the update gate reads tanh(h)
            z = torch.sigmoid(torch.baddbmm(xz, torch.tanh(h), u["z"]))
            r = torch.sigmoid(torch.baddbmm(xr, h, u["r"]))
        candidate = torch.tanh(torch.baddbmm(xh, r * h, u["h"]))
        return (torch.lerp(h, candidate, z),)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, variant={self.variant}"


# --- the ten cells of Table 1 -------------------------------------------------------------------

#: Name -> (cell class, keyword arguments): Jozefowicz et al. 2015, Table 1. The paper's LSTM has no
#: peepholes; its ablations switch one gate off (the gate becomes the constant 1) or add 1 to the
#: forget-gate bias. Its GRU resets before the recurrent product (``reset_after=False``).
ARCHITECTURES: dict[str, tuple[type[RecurrentCell], dict]] = {
    "tanh": (SimpleCell, {"nonlinearity": "tanh"}),
    "lstm": (LSTMCell, {"peephole": False}),
    "lstm-f": (LSTMCell, {"peephole": False, "forget_gate": False}),
    "lstm-i": (LSTMCell, {"peephole": False, "input_gate": False}),
    "lstm-o": (LSTMCell, {"peephole": False, "output_gate": False}),
    "lstm-b": (LSTMCell, {"peephole": False, "forget_bias": 1.0}),
    "gru": (GRUCell, {"reset_after": False}),
    "mut1": (MUTCell, {"variant": "mut1"}),
    "mut2": (MUTCell, {"variant": "mut2"}),
    "mut3": (MUTCell, {"variant": "mut3"}),
}
#: How the paper writes each name.
TITLES = {
    "tanh": "Tanh",
    "lstm": "LSTM",
    "lstm-f": "LSTM-f",
    "lstm-i": "LSTM-i",
    "lstm-o": "LSTM-o",
    "lstm-b": "LSTM-b",
    "gru": "GRU",
    "mut1": "MUT1",
    "mut2": "MUT2",
    "mut3": "MUT3",
}


def zero_bias_init(hidden_size: int) -> Initializer:
    """Weights U(-1/sqrt(H), 1/sqrt(H)), biases 0: the unit scale that the search rescales.

    Jozefowicz et al. 2015 sample an initialisation scale s per run and draw the weights from
    U(-s/sqrt(H), s/sqrt(H)); multiplying each member's weights by its s gives exactly that.
    """
    bound = 1.0 / math.sqrt(hidden_size)

    def init(name: str, shape: tuple[int, ...], g: torch.Generator) -> Tensor:
        if name.startswith("bias"):
            return torch.zeros(shape)
        return (torch.rand(shape, generator=g) * 2 - 1) * bound

    return init


def make_architecture(name: str, input_size: int, hidden_size: int, **kwargs) -> RecurrentCell:
    """One of the ten cells of Table 1 by name (see :data:`rnnbook.cells.mut.ARCHITECTURES`)."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}: choose one of {', '.join(ARCHITECTURES)}")
    cls, fixed = ARCHITECTURES[name]
    return cls(input_size, hidden_size, **fixed, **kwargs)
