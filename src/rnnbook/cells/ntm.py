"""The Neural Turing Machine of Graves, Wayne & Danihelka (2014, arXiv:1410.5401), as a cell.

The addressing mechanism (Sec. 3.3 of the paper) is written as small pure functions, each one
equation, so that each can be tested against a hand-computed case:

- :func:`content_weights` -- focusing by content, Eqs. (5)-(6): a softmax over rows of the key
  strength times the cosine similarity between the key and each memory row;
- :func:`interpolate` -- the interpolation gate, Eq. (7);
- :func:`shift_weights` -- the rotational shift, a circular convolution, Eq. (8);
- :func:`sharpen` -- Eq. (9);
- :func:`read_memory` and :func:`write_memory` -- Eqs. (2)-(4): a weighted read; erase, then add.

:class:`NTMCell` couples them to a controller (an LSTM, :class:`~rnnbook.cells.LSTMCell` without
peepholes, or a feed-forward layer) and follows the protocol of the other cells
(:meth:`~NTMCell.project`, :meth:`~NTMCell.step`, :meth:`~NTMCell.output`), so that
:func:`rnnbook.models.unroll` and :class:`rnnbook.models.RecurrentNetwork` run it unchanged.
Every parameter has the member axis E first; the memory state is (E, B, N, M).

Shapes of the addressing functions, for any leading batch axes ``...`` (here (E, B)) and K heads:
memory (..., N, M); key (..., K, M); scalars per head (β, η, γ) (..., K, 1); shift weighting
(..., K, 2R+1) over the shifts -R..R; weightings (..., K, N).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnbook.cells.core import LSTMCell, State, check_sequence_input, member_seeds

#: Added to the product of norms in the cosine similarity (as the reference implementation of
#: Collier & Beel 2018), so that an all-zero key or row gives similarity 0, not NaN.
COSINE_EPS = 1e-8
#: Floor of the shifted weighting before sharpening: ``0 ** gamma`` has a NaN derivative in gamma.
SHARPEN_FLOOR = 1e-30
CONTROLLERS = ("lstm", "feedforward")


# --- addressing (Graves et al. 2014, Sec. 3.3) --------------------------------------------------


def cosine_similarity(key: Tensor, memory: Tensor, eps: float = COSINE_EPS) -> Tensor:
    """Eq. (6): ``K[k, M(i)] = k . M(i) / (|k| |M(i)| + eps)``, every head and row: (..., K, N)."""
    dot = torch.matmul(key, memory.transpose(-1, -2))
    norms = torch.linalg.vector_norm(key, dim=-1, keepdim=True) * torch.linalg.vector_norm(
        memory, dim=-1
    ).unsqueeze(-2)
    return dot / (norms + eps)


def content_weights(key: Tensor, beta: Tensor, memory: Tensor) -> Tensor:
    """Eq. (5): ``w_c(i) = exp(β K[k, M(i)]) / sum_j exp(β K[k, M(j)])``, (..., K, N)."""
    return torch.softmax(beta * cosine_similarity(key, memory), dim=-1)


def interpolate(w_content: Tensor, w_prev: Tensor, gate: Tensor) -> Tensor:
    """Eq. (7): ``w_g = η w_c + (1 - η) w_{t-1}``; η = 1 keeps the content weighting."""
    return torch.lerp(w_prev, w_content, gate)


def shift_weights(w: Tensor, shift: Tensor) -> Tensor:
    """Eq. (8), circular convolution: ``w~(i) = sum_j w(j) s((i - j) mod N)``.

    ``shift`` (..., K, 2R+1) weights the shifts -R, ..., R; a shift of +1 moves the focus from row
    i to row i+1 (mod N).
    """
    n, span = w.shape[-1], shift.shape[-1]
    r = span // 2
    if span % 2 != 1 or span > n:
        raise ValueError(f"a shift weighting needs an odd length at most N={n}, got {span}")
    padded = torch.cat([w[..., n - r :], w, w[..., :r]], dim=-1) if r else w
    windows = padded.unfold(-1, span, 1)  # (..., N, 2R+1): windows[i, m] = w(i - R + m)
    return torch.matmul(windows, shift.flip(-1).unsqueeze(-1)).squeeze(-1)


def sharpen(w: Tensor, gamma: Tensor) -> Tensor:
    """Eq. (9): ``w(i) = w~(i)^γ / sum_j w~(j)^γ`` with γ >= 1."""
    powered = w.clamp_min(SHARPEN_FLOOR).pow(gamma)
    return powered / powered.sum(-1, keepdim=True)


def address(
    memory: Tensor,
    w_prev: Tensor,
    key: Tensor,
    beta: Tensor,
    gate: Tensor,
    shift: Tensor,
    gamma: Tensor,
) -> Tensor:
    """Fig. 2 of the paper: content, interpolation, shift, sharpening, in that order."""
    w = interpolate(content_weights(key, beta, memory), w_prev, gate)
    return sharpen(shift_weights(w, shift), gamma)


def read_memory(memory: Tensor, w: Tensor) -> Tensor:
    """Eq. (2): ``r = sum_i w(i) M(i)``; w (..., K, N) and memory (..., N, M) give (..., K, M)."""
    return torch.matmul(w, memory)


def write_memory(memory: Tensor, w: Tensor, erase: Tensor, add: Tensor) -> Tensor:
    """Eqs. (3)-(4), for K write heads: ``M~(i) = M(i) prod_k (1 - w_k(i) e_k)``, then
    ``M(i) = M~(i) + sum_k w_k(i) a_k``. w (..., K, N); erase and add (..., K, M)."""
    for k in range(w.shape[-2]):
        memory = memory * (1 - w[..., k, :, None] * erase[..., k, None, :])
    return memory + torch.matmul(w.transpose(-1, -2), add)


# --- the cell -----------------------------------------------------------------------------------


class NTMCell(nn.Module):
    """A Neural Turing Machine with ``read_heads`` read and ``write_heads`` write heads.

    At each step the controller sees the input and the previous read vectors, and emits for each
    head a key k (tanh), a key strength β (softplus), an interpolation gate η (sigmoid), a shift
    weighting over -R..R (softmax) and a sharpening exponent γ (1 + softplus); each write head also
    emits an erase vector (sigmoid) and an add vector (tanh). The paper leaves these activations
    open; ours are those of Collier & Beel (2018), whose implementation trains reliably, and so is
    the clipping of the controller's head parameters to [-clip, clip]. The write heads address and
    change the memory first; the read heads then read the memory of the same step (Eq. 2 reads
    ``M_t``). The cell's output (:meth:`output`) is the controller output and the read vectors.

    Initial state: memory rows filled with the constant ``memory_init`` (1e-6: Collier & Beel's
    finding that small constants train fastest), every head focused on row 0, read vectors zero.
    The paper does not give its own.

    Parameters per member (E first): the controller's (an :class:`~rnnbook.cells.LSTMCell` over
    the input and the read vectors, or a feed-forward tanh layer ``weight_ff``, ``bias_ff``), and
    ``weight_heads`` (E, H, P), ``bias_heads`` (E, 1, P) mapping the controller output to the P
    head parameters. Member e equals a one-member cell built with ``seeds[e]``.
    """

    state_size = 6  # h, c, memory, read vectors, read weightings, write weightings

    def __init__(
        self,
        input_size: int,
        controller_size: int = 100,
        memory_rows: int = 128,
        memory_width: int = 20,
        read_heads: int = 1,
        write_heads: int = 1,
        shift_range: int = 1,
        controller: str = "lstm",
        members: int = 1,
        seeds: Sequence[int] | None = None,
        clip: float | None = 20.0,
        memory_init: float = 1e-6,
    ) -> None:
        super().__init__()
        if controller not in CONTROLLERS:
            raise ValueError(
                f"unknown controller {controller!r}: choose one of {', '.join(CONTROLLERS)}"
            )
        if 2 * shift_range + 1 > memory_rows:
            raise ValueError(f"shift range {shift_range} needs at least {2 * shift_range + 1} rows")
        self.input_size, self.members = input_size, members
        self.controller_kind, self.controller_size = controller, controller_size
        self.rows, self.width = memory_rows, memory_width
        self.read_heads, self.write_heads, self.shift_range = read_heads, write_heads, shift_range
        self.clip, self.memory_init = clip, memory_init
        self._seeds = tuple(member_seeds(seeds, members))
        ctrl_in = input_size + read_heads * memory_width
        if controller == "lstm":
            self.controller = LSTMCell(
                ctrl_in, controller_size, peephole=False, members=members, seeds=self._seeds
            )
        else:
            self.weight_ff = nn.Parameter(torch.empty(members, ctrl_in, controller_size))
            self.bias_ff = nn.Parameter(torch.empty(members, 1, controller_size))
        self.head_size = memory_width + 3 + (2 * shift_range + 1)  # k, β, η, s, γ
        n_params = (read_heads + write_heads) * self.head_size + 2 * write_heads * memory_width
        self.weight_heads = nn.Parameter(torch.empty(members, controller_size, n_params))
        self.bias_heads = nn.Parameter(torch.empty(members, 1, n_params))
        self.reset_parameters(self._seeds)

    @property
    def hidden_size(self) -> int:
        """Width of :meth:`output`: the controller output and every read vector."""
        return self.controller_size + self.read_heads * self.width

    @torch.no_grad()
    def reset_parameters(self, seeds: Sequence[int]) -> None:
        """U(-1/sqrt(fan_in), 1/sqrt(fan_in)) per member from its own generator (the LSTM
        controller initialises itself from the same seeds, on its own stream)."""
        fan_in = {"weight_heads": self.controller_size, "bias_heads": self.controller_size}
        fan_in["weight_ff"] = fan_in["bias_ff"] = self.input_size + self.read_heads * self.width
        for e, seed in enumerate(seeds):
            g = torch.Generator().manual_seed(int(seed) + 15_485_863)
            for name, p in self.named_parameters(recurse=False):
                bound = 1.0 / math.sqrt(fan_in[name])
                p[e].copy_((torch.rand(p.shape[1:], generator=g) * 2 - 1) * bound)

    def _controller_weights(self) -> tuple[Tensor, Tensor]:
        """The controller's input weights (E, I + R*M, G*H) and bias (E, 1, G*H)."""
        if self.controller_kind == "lstm":
            return self.controller.weight_ih, self.controller.bias
        return self.weight_ff, self.bias_ff

    def project(self, x: Tensor) -> Tensor:
        """The controller's input projection of the whole sequence (the read vectors are added
        step by step): (T, B, I) or (E, T, B, I) -> (T, E, B, G*H)."""
        check_sequence_input(x, self.input_size, self.members)
        weight, bias = self._controller_weights()
        w_x = weight[:, : self.input_size]
        if x.dim() == 3:
            t, b, _ = x.shape
            xw = torch.matmul(x.reshape(1, t * b, -1), w_x) + bias
        else:
            e, t, b, _ = x.shape
            xw = torch.baddbmm(bias, x.reshape(e, t * b, -1), w_x)
        return xw.view(self.members, t, b, -1).transpose(0, 1).contiguous()

    def initial_state(self, batch: int) -> State:
        """(h, c, memory, reads, read weightings, write weightings): zeros, a constant memory,
        every head on row 0."""
        ref = self.weight_heads
        e, n, m = self.members, self.rows, self.width
        h = ref.new_zeros(e, batch, self.controller_size)
        memory = ref.new_full((e, batch, n, m), self.memory_init)
        reads = ref.new_zeros(e, batch, self.read_heads * m)
        focus = ref.new_zeros(n)
        focus[0] = 1.0
        w_read = focus.expand(e, batch, self.read_heads, n)
        w_write = focus.expand(e, batch, self.write_heads, n)
        return (h, h, memory, reads, w_read, w_write)

    def _head_parameters(self, p: Tensor, heads: int) -> tuple[Tensor, ...]:
        """Split (E, B, heads*head_size) into k, β, η, s, γ with their activations."""
        p = p.unflatten(-1, (heads, self.head_size))
        m = self.width
        key = torch.tanh(p[..., :m])
        beta = F.softplus(p[..., m : m + 1])
        gate = torch.sigmoid(p[..., m + 1 : m + 2])
        shift = torch.softmax(p[..., m + 2 : -1], dim=-1)
        gamma = 1 + F.softplus(p[..., -1:])
        return key, beta, gate, shift, gamma

    def step(self, xw: Tensor, state: State) -> State:
        """One step: controller, write heads (address M_{t-1}, erase, add), read heads (address
        and read M_t)."""
        h, c, memory, reads, w_read, w_write = state
        weight, _ = self._controller_weights()
        pre = torch.baddbmm(xw, reads, weight[:, self.input_size :])
        if self.controller_kind == "lstm":
            h, c = self.controller.step(pre, (h, c))
        else:
            h = torch.tanh(pre)
        p = torch.baddbmm(self.bias_heads, h, self.weight_heads)
        if self.clip is not None:
            p = p.clamp(-self.clip, self.clip)
        n_r, n_w, m = self.read_heads, self.write_heads, self.width
        split = (n_r * self.head_size, n_w * self.head_size, n_w * 2 * m)
        p_read, p_write, p_erase_add = p.split(split, dim=-1)
        erase_add = p_erase_add.unflatten(-1, (n_w, 2 * m))
        erase, add = torch.sigmoid(erase_add[..., :m]), torch.tanh(erase_add[..., m:])
        w_write = address(memory, w_write, *self._head_parameters(p_write, n_w))
        memory = write_memory(memory, w_write, erase, add)
        w_read = address(memory, w_read, *self._head_parameters(p_read, n_r))
        reads = read_memory(memory, w_read).flatten(-2)
        return (h, c, memory, reads, w_read, w_write)

    def output(self, state: State) -> Tensor:
        """The controller output and the read vectors, (E, B, H + R*M)."""
        return torch.cat([state[0], state[3]], dim=-1)

    def extra_repr(self) -> str:
        return (
            f"{self.input_size}, controller={self.controller_kind}({self.controller_size}), "
            f"memory={self.rows}x{self.width}, heads=(read {self.read_heads}, write "
            f"{self.write_heads}), shifts=±{self.shift_range}, members={self.members}"
        )
