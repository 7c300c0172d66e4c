"""Recurrent cells, one per paper's equations.

Every cell holds the weights of ``members`` independent networks stacked on a leading axis, so
several seeds or learning rates train in one process with one batched matrix product per step.
Shapes, with E members, batch B and H hidden units:

- ``weight_ih``: (E, input_size, G*H), the input weights of the G gate blocks side by side;
- ``weight_hh``: (E, H, G*H), the recurrent weights;
- ``bias``: (E, 1, G*H).

A cell computes the input projection of a whole sequence at once (:meth:`RecurrentCell.project`)
and then advances one time step at a time (:meth:`RecurrentCell.step`);
:func:`rnnbook.models.unroll` runs the loop. Initialisers are small pure functions of a shape
and a generator; each chapter says which one its paper used.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import torch
from torch import Tensor, nn

State = tuple[Tensor, ...]
#: An initialiser: (parameter name, shape of one member, generator) -> tensor.
Initializer = Callable[[str, tuple[int, ...], torch.Generator], Tensor]


# --- initialisers -------------------------------------------------------------------------------


def uniform_init(bound: float) -> Initializer:
    """U(-bound, bound) for every parameter (PyTorch's default for its RNNs uses 1/sqrt(H))."""

    def init(name: str, shape: tuple[int, ...], g: torch.Generator) -> Tensor:
        return (torch.rand(shape, generator=g) * 2 - 1) * bound

    return init


def gaussian_init(std: float, bias: float = 0.0) -> Initializer:
    """N(0, std^2) weights, constant biases (Pascanu et al. 2013, Sec. 4: std 0.01 or 0.1)."""

    def init(name: str, shape: tuple[int, ...], g: torch.Generator) -> Tensor:
        if name.startswith("bias"):
            return torch.full(shape, float(bias))
        return torch.randn(shape, generator=g) * std

    return init


# --- base class ---------------------------------------------------------------------------------


def member_seeds(seeds: Iterable[int] | None, members: int) -> list[int]:
    """The seed of each stacked member (default ``0 .. members - 1``); an error when the number of
    seeds given is not ``members``."""
    out = list(seeds) if seeds is not None else list(range(members))
    if len(out) != members:
        raise ValueError(f"{len(out)} seeds given for {members} members")
    return out


def check_sequence_input(x: Tensor, input_size: int, members: int) -> None:
    """Refuse a sequence that is neither (T, B, I), shared by all members, nor (E, T, B, I)."""
    if (
        x.dim() not in (3, 4)
        or x.shape[-1] != input_size
        or (x.dim() == 4 and x.shape[0] != members)
    ):
        raise ValueError(
            f"expected input of shape (T, B, {input_size}) or "
            f"({members}, T, B, {input_size}), got {tuple(x.shape)}"
        )


class RecurrentCell(nn.Module):
    """Common machinery: stacked parameters, seeded initialisation, the input projection.

    Subclasses set ``gates`` (the number of H-wide blocks) and implement :meth:`step`.
    """

    gates: int = 1
    state_size: int = 1  # tensors in the state tuple

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        members: int = 1,
        seeds: Sequence[int] | None = None,
        init: Initializer | None = None,
    ) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.members = input_size, hidden_size, members
        gh = self.gates * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(members, input_size, gh))
        self.weight_hh = nn.Parameter(torch.empty(members, hidden_size, gh))
        self.bias = nn.Parameter(torch.empty(members, 1, gh))
        self._init = init or uniform_init(1.0 / math.sqrt(hidden_size))
        self._seeds = tuple(member_seeds(seeds, members))

    def _post_init(self) -> None:
        """Called by subclasses once all parameters exist."""
        self.reset_parameters(self._seeds)

    @torch.no_grad()
    def reset_parameters(self, seeds: Sequence[int]) -> None:
        """Initialise member ``e`` from its own generator seeded with ``seeds[e]``.

        Member ``e`` of a stacked cell therefore equals a one-member cell built with ``seeds[e]``.
        """
        for e, seed in enumerate(member_seeds(seeds, self.members)):
            g = torch.Generator().manual_seed(int(seed))
            for name, p in self.named_parameters(recurse=False):
                p[e].copy_(self._init(name, tuple(p.shape[1:]), g))
            self._init_member(e, g)

    def _init_member(self, e: int, g: torch.Generator) -> None:
        """Hook for cell-specific initialisation (e.g. a forget-gate bias)."""

    def project(self, x: Tensor) -> Tensor:
        """Input projection of a whole sequence: ``x @ W_ih + b`` for every time step at once.

        ``x`` is (T, B, I), shared by all members, or (E, T, B, I); the result is (T, E, B, G*H),
        contiguous in time so that :func:`torch.unbind` gives cheap per-step slices.
        """
        check_sequence_input(x, self.input_size, self.members)
        if x.dim() == 3:
            t, b, i = x.shape
            xw = torch.matmul(x.reshape(1, t * b, i), self.weight_ih) + self.bias
        else:
            e, t, b, i = x.shape
            xw = torch.baddbmm(self.bias, x.reshape(e, t * b, i), self.weight_ih)
        return xw.view(self.members, t, b, -1).transpose(0, 1).contiguous()

    def initial_state(self, batch: int) -> State:
        """Zeros: ``h_0 = 0`` (and ``c_0 = 0``)."""
        z = self.weight_hh.new_zeros(self.members, batch, self.hidden_size)
        return tuple(z for _ in range(self.state_size))

    def step(self, xw: Tensor, state: State) -> State:
        """Advance one time step from the projected input ``xw`` (E, B, G*H)."""
        raise NotImplementedError

    @staticmethod
    def output(state: State) -> Tensor:
        """The hidden state h_t seen by the layers above."""
        return state[0]

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, members={self.members}"


# --- the cells ----------------------------------------------------------------------------------

_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
}


class SimpleCell(RecurrentCell):
    """The simple ("vanilla") RNN: ``h_t = g(W x_t + U h_{t-1} + b)``.

    Chung et al. 2014, Eq. (1) with g = tanh; Pascanu et al. 2013 also use g = sigmoid.
    """

    gates = 1

    def __init__(self, *args, nonlinearity: str = "tanh", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if nonlinearity not in _ACTIVATIONS:
            raise ValueError(
                f"unknown nonlinearity {nonlinearity!r}: use one of {sorted(_ACTIVATIONS)}"
            )
        self.nonlinearity = nonlinearity
        self._g = _ACTIVATIONS[nonlinearity]
        self._post_init()

    def step(self, xw: Tensor, state: State) -> State:
        return (self._g(torch.baddbmm(xw, state[0], self.weight_hh)),)


class GRUCell(RecurrentCell):
    """Gated recurrent unit, Chung et al. 2014, Eqs. (5)-(8).

    ``r = s(W_r x + U_r h)``, ``z = s(W_z x + U_z h)``,
    ``h~ = tanh(W x + U (r * h))``, ``h_t = (1 - z) h_{t-1} + z h~``.

    With ``reset_after=True`` the candidate is ``tanh(W x + r * (U h + b_hn))`` instead: the form of
    Cho et al. (2014, arXiv:1409.1259) and of :class:`torch.nn.GRU` (footnote 1 of Chung et al.).
    Gate blocks are ordered (r, z, n) as in :class:`torch.nn.GRU`.
    """

    gates = 3

    def __init__(self, *args, reset_after: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reset_after = reset_after
        if reset_after:
            self.bias_hn = nn.Parameter(torch.empty(self.members, 1, self.hidden_size))
        self._post_init()

    def step(self, xw: Tensor, state: State) -> State:
        h, n_h = state[0], self.hidden_size
        u = self.weight_hh
        rz = torch.sigmoid(torch.baddbmm(xw[..., : 2 * n_h], h, u[..., : 2 * n_h]))
        r, z = rz[..., :n_h], rz[..., n_h:]
        if self.reset_after:
            n = torch.tanh(
                xw[..., 2 * n_h :] + r * torch.baddbmm(self.bias_hn, h, u[..., 2 * n_h :])
            )
        else:
            n = torch.tanh(torch.baddbmm(xw[..., 2 * n_h :], r * h, u[..., 2 * n_h :]))
        return (torch.lerp(h, n, z),)


class LSTMCell(RecurrentCell):
    """Long short-term memory with optional peepholes and switchable gates.

    Graves (2013) form used by Chung et al. 2014, Eqs. (2)-(4), with diagonal peepholes V:
    ``i = s(W_i x + U_i h + V_i c_{t-1})``, ``f = s(W_f x + U_f h + V_f c_{t-1})``,
    ``c_t = f c_{t-1} + i tanh(W_c x + U_c h)``, ``o = s(W_o x + U_o h + V_o c_t)``,
    ``h_t = o tanh(c_t)``.

    ``peephole=False`` gives the form of :class:`torch.nn.LSTM`. A gate switched off
    (``input_gate``, ``forget_gate``, ``output_gate``) is the constant 1, as in the LSTM-i/-f/-o
    ablations of Jozefowicz et al. 2015; ``forget_bias`` adds a constant to the forget-gate bias at
    initialisation (their LSTM-b uses 1). Blocks are ordered (i, f, g, o) as in
    :class:`torch.nn.LSTM`, leaving out the gates that are off.
    """

    state_size = 2

    def __init__(
        self,
        *args,
        peephole: bool = True,
        input_gate: bool = True,
        forget_gate: bool = True,
        output_gate: bool = True,
        forget_bias: float = 0.0,
        **kwargs,
    ) -> None:
        self.blocks = [
            b for b, on in zip("ifgo", (input_gate, forget_gate, True, output_gate)) if on
        ]
        self.gates = len(self.blocks)
        super().__init__(*args, **kwargs)
        if forget_bias and not forget_gate:
            raise ValueError("forget_bias needs the forget gate")
        self.peephole, self.forget_bias = peephole, forget_bias
        self._slot = {b: k for k, b in enumerate(self.blocks)}
        self._peeps = [b for b in self.blocks if b != "g"]  # gates with a peephole
        if peephole:
            self.weight_peephole = nn.Parameter(
                torch.empty(self.members, 1, len(self._peeps) * self.hidden_size)
            )
        self._post_init()

    @torch.no_grad()
    def _init_member(self, e: int, g: torch.Generator) -> None:
        if self.forget_bias:
            k, n_h = self._slot["f"], self.hidden_size
            self.bias[e, :, k * n_h : (k + 1) * n_h] += self.forget_bias

    def step(self, xw: Tensor, state: State) -> State:
        h, c = state
        n_h = self.hidden_size
        a = dict(zip(self.blocks, torch.baddbmm(xw, h, self.weight_hh).split(n_h, -1)))
        if self.peephole:  # a gate's pre-activation plus its peephole: addcmul(a, v, c) = a + v * c
            v = dict(zip(self._peeps, self.weight_peephole.split(n_h, -1)))
            for name in self._peeps:
                if name != "o":
                    a[name] = torch.addcmul(a[name], v[name], c)
        c_new = torch.tanh(a["g"])
        if "i" in a:
            c_new = torch.sigmoid(a["i"]) * c_new
        c_new = c_new + (torch.sigmoid(a["f"]) * c if "f" in a else c)
        h_new = torch.tanh(c_new)
        if "o" in a:
            pre = torch.addcmul(a["o"], v["o"], c_new) if self.peephole else a["o"]
            h_new = torch.sigmoid(pre) * h_new
        return (h_new, c_new)


CELLS: dict[str, type[RecurrentCell]] = {"simple": SimpleCell, "gru": GRUCell, "lstm": LSTMCell}


def make_cell(kind: str, input_size: int, hidden_size: int, **kwargs) -> RecurrentCell:
    """Build a cell by name: ``simple`` (with ``nonlinearity``), ``gru`` or ``lstm``."""
    if kind not in CELLS:
        raise ValueError(f"unknown cell {kind!r}: choose one of {', '.join(CELLS)}")
    return CELLS[kind](input_size, hidden_size, **kwargs)
