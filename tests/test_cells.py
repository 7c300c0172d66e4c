"""The recurrent cells against PyTorch's own RNNs and against the papers' equations.

Each test names the identity it checks. Where PyTorch has a twin (``nn.LSTM`` without peepholes,
``nn.GRU``, ``nn.RNN``) we copy its weights into our stacked layout and demand the same numbers in
float64; where it has none (the GRU of Chung et al. 2014, the peephole LSTM of Graves 2013, the
gate ablations of Jozefowicz et al. 2015) we compare with a slow reference written from the
equations, one unit at a time.
"""

from __future__ import annotations

import math
import re

import pytest
import torch
from torch import Tensor, nn

from rnnbook.cells import GRUCell, LSTMCell, SimpleCell, make_cell, uniform_init
from rnnbook.models import unroll

I, H, T, B = 3, 4, 5, 2


def sig(v: Tensor) -> Tensor:
    return 1.0 / (1.0 + torch.exp(-v))


def blocks(weight: Tensor, names: str) -> dict[str, Tensor]:
    """Split one member's (.., G*H) weight into its named H-wide gate blocks (documented order)."""
    h = weight.shape[-1] // len(names)
    return {n: weight[..., k * h : (k + 1) * h] for k, n in enumerate(names)}


def randn(*shape: int, seed: int) -> Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# --- PyTorch twins ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lstm_without_peepholes_equals_torch_lstm(seed):
    """``LSTMCell(peephole=False)`` is ``nn.LSTM``: W = W_ih^T, U = W_hh^T, b = b_ih + b_hh.

    Outputs h_1..h_T, the final (h_T, c_T) from a non-zero initial state, and d(loss)/dx agree.
    """
    torch.manual_seed(seed)
    ref = nn.LSTM(I, H).double()
    cell = LSTMCell(I, H, peephole=False).double()
    with torch.no_grad():
        cell.weight_ih[0] = ref.weight_ih_l0.T
        cell.weight_hh[0] = ref.weight_hh_l0.T
        cell.bias[0, 0] = ref.bias_ih_l0 + ref.bias_hh_l0
    x = randn(T, B, I, seed=10 + seed).requires_grad_()
    h0, c0 = randn(1, B, H, seed=20 + seed), randn(1, B, H, seed=30 + seed)
    out_ref, (h_ref, c_ref) = ref(x, (h0, c0))
    out, (h, c) = unroll(cell, x, (h0, c0))
    torch.testing.assert_close(out[0], out_ref, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(h, h_ref, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(c, c_ref, rtol=1e-12, atol=1e-12)
    w = randn(T, B, H, seed=40 + seed)
    (g_ref,) = torch.autograd.grad((out_ref * w).sum(), x)
    (g,) = torch.autograd.grad((out[0] * w).sum(), x)
    torch.testing.assert_close(g, g_ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gru_reset_after_equals_torch_gru(seed):
    """``GRUCell(reset_after=True)`` is ``nn.GRU`` up to the sign convention of the update gate.

    Ours: h = (1 - z) h_prev + z n; PyTorch: h = (1 - z') n + z' h_prev, so z = 1 - z' =
    s(-a'): the z block is copied with its sign flipped (weights and summed biases); b_hn sits
    inside the reset product and goes to ``bias_hn``; b_in stays in ``bias``.
    """
    torch.manual_seed(seed)
    ref = nn.GRU(I, H).double()
    cell = GRUCell(I, H, reset_after=True).double()
    sign = torch.ones(3 * H, dtype=torch.float64)
    sign[H : 2 * H] = -1
    with torch.no_grad():
        b_ih, b_hh = ref.bias_ih_l0, ref.bias_hh_l0
        cell.weight_ih[0] = ref.weight_ih_l0.T * sign
        cell.weight_hh[0] = ref.weight_hh_l0.T * sign
        cell.bias[0, 0] = torch.cat([b_ih[: 2 * H] + b_hh[: 2 * H], b_ih[2 * H :]]) * sign
        cell.bias_hn[0, 0] = b_hh[2 * H :]
    x = randn(T, B, I, seed=10 + seed).requires_grad_()
    h0 = randn(1, B, H, seed=20 + seed)
    out_ref, h_ref = ref(x, h0)
    out, (h,) = unroll(cell, x, (h0,))
    torch.testing.assert_close(out[0], out_ref, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(h, h_ref, rtol=1e-12, atol=1e-12)
    w = randn(T, B, H, seed=40 + seed)
    (g_ref,) = torch.autograd.grad((out_ref * w).sum(), x)
    (g,) = torch.autograd.grad((out[0] * w).sum(), x)
    torch.testing.assert_close(g, g_ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_simple_cell_equals_torch_rnn(nonlinearity):
    """``SimpleCell(g)`` is ``nn.RNN(nonlinearity=g)``:
    h_t = g(x W_ih^T + h W_hh^T + b_ih + b_hh)."""
    torch.manual_seed(3)
    ref = nn.RNN(I, H, nonlinearity=nonlinearity).double()
    cell = SimpleCell(I, H, nonlinearity=nonlinearity).double()
    with torch.no_grad():
        cell.weight_ih[0] = ref.weight_ih_l0.T
        cell.weight_hh[0] = ref.weight_hh_l0.T
        cell.bias[0, 0] = ref.bias_ih_l0 + ref.bias_hh_l0
    x = randn(T, B, I, seed=4).requires_grad_()
    out_ref, h_ref = ref(x)
    out, (h,) = unroll(cell, x)
    torch.testing.assert_close(out[0], out_ref, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(h, h_ref, rtol=1e-12, atol=1e-12)
    if nonlinearity == "relu":  # the test is only meaningful if some units are clipped at 0
        assert (out_ref == 0).any() and (out_ref > 0).any()
    (g_ref,) = torch.autograd.grad(out_ref.sum(), x)
    (g,) = torch.autograd.grad(out[0].sum(), x)
    torch.testing.assert_close(g, g_ref, rtol=1e-12, atol=1e-12)


# --- slow references from the papers' equations ---------------------------------------------


def dot(v: Tensor, w: Tensor) -> Tensor:
    """One unit's pre-activation: sum_k v_k w_k for every batch row (v: (B, K), w: (K,))."""
    return (v * w).sum(-1)


def gru_chung_reference(cell: GRUCell, x: Tensor, e: int) -> Tensor:
    """Chung et al. 2014, Eqs. (5)-(8), unit j at a time, for member ``e``.

    r_j = s([W_r x]_j + [U_r h]_j + b_rj), z_j = s([W_z x]_j + [U_z h]_j + b_zj),
    h~_j = tanh([W x]_j + [U (r * h)]_j + b_j), h_j <- (1 - z_j) h_j + z_j h~_j.
    """
    W, U, b = (blocks(p[e], "rzn") for p in (cell.weight_ih, cell.weight_hh, cell.bias))
    h = torch.zeros(x.shape[1], cell.hidden_size, dtype=x.dtype)
    outs = []
    for x_t in x:
        r = torch.stack(
            [
                sig(dot(x_t, W["r"][:, j]) + dot(h, U["r"][:, j]) + b["r"][0, j])
                for j in range(cell.hidden_size)
            ],
            -1,
        )
        z = torch.stack(
            [
                sig(dot(x_t, W["z"][:, j]) + dot(h, U["z"][:, j]) + b["z"][0, j])
                for j in range(cell.hidden_size)
            ],
            -1,
        )
        cand = torch.stack(
            [
                torch.tanh(dot(x_t, W["n"][:, j]) + dot(r * h, U["n"][:, j]) + b["n"][0, j])
                for j in range(cell.hidden_size)
            ],
            -1,
        )
        h = (1 - z) * h + z * cand
        outs.append(h)
    return torch.stack(outs)


def lstm_reference(
    cell: LSTMCell,
    x: Tensor,
    e: int,
    gates: str = "ifo",
    peephole: bool = True,
    o_peeps_new: bool = True,
) -> tuple[Tensor, Tensor]:
    """Graves 2013 (Eqs. 7-11) with the gates not in ``gates`` replaced by the constant 1.

    i = s(W_i x + U_i h + v_i * c_{t-1} + b_i), f = s(W_f x + U_f h + v_f * c_{t-1} + b_f),
    c_t = f c_{t-1} + i tanh(W_c x + U_c h + b_c), o = s(W_o x + U_o h + v_o * c_t + b_o),
    h_t = o tanh(c_t). ``o_peeps_new=False`` makes o peep at c_{t-1} (a wrong variant).
    """
    names = "".join(n for n in "ifgo" if n == "g" or n in gates)
    W, U, b = (blocks(p[e], names) for p in (cell.weight_ih, cell.weight_hh, cell.bias))
    V = blocks(cell.weight_peephole[e], names.replace("g", "")) if peephole else {}
    n_h = cell.hidden_size
    h = torch.zeros(x.shape[1], n_h, dtype=x.dtype)
    c = torch.zeros_like(h)
    outs = []

    def pre(name, j, x_t, h, c_peep):
        a = dot(x_t, W[name][:, j]) + dot(h, U[name][:, j]) + b[name][0, j]
        return a + V[name][0, j] * c_peep[:, j] if name in V else a

    def gate(name, x_t, h, c_peep):
        if name not in gates:
            return torch.ones_like(h)
        return torch.stack([sig(pre(name, j, x_t, h, c_peep)) for j in range(n_h)], -1)

    for x_t in x:
        i, f = gate("i", x_t, h, c), gate("f", x_t, h, c)
        g = torch.stack([torch.tanh(pre("g", j, x_t, h, c)) for j in range(n_h)], -1)
        c_new = f * c + i * g
        o = gate("o", x_t, h, c_new if o_peeps_new else c)
        h, c = o * torch.tanh(c_new), c_new
        outs.append(h)
    return torch.stack(outs), c


def test_gru_chung_2014_equals_reference():
    """``GRUCell(reset_after=False)``: candidate tanh(W x + U (r * h)), every member, float64."""
    cell = GRUCell(I, H, members=2, seeds=(1, 2), init=uniform_init(0.8)).double()
    x = randn(T, B, I, seed=5)
    out, _ = unroll(cell, x)
    for e in range(2):
        torch.testing.assert_close(out[e], gru_chung_reference(cell, x, e), rtol=1e-12, atol=1e-12)


def test_gru_reset_before_and_after_differ():
    """The two candidates tanh(W x + U(r*h)) and tanh(W x + r*(U h)) are different functions.

    Guards the reference test above against a cell that silently ignores ``reset_after``.
    """
    a = GRUCell(I, H, seeds=(1,), init=uniform_init(0.8)).double()
    b = GRUCell(I, H, seeds=(1,), init=uniform_init(0.8), reset_after=True).double()
    with torch.no_grad():
        b.bias_hn.zero_()
    x = randn(T, B, I, seed=5)
    assert (unroll(a, x)[0] - unroll(b, x)[0]).abs().max() > 1e-3


def test_peephole_lstm_equals_graves_2013():
    """Peepholes: i and f look at c_{t-1}, o looks at c_t; outputs and final cell agree."""
    cell = LSTMCell(I, H, members=2, seeds=(3, 4), init=uniform_init(0.8)).double()
    x = randn(T, B, I, seed=6)
    out, (_, c) = unroll(cell, x)
    for e in range(2):
        h_ref, c_ref = lstm_reference(cell, x, e)
        torch.testing.assert_close(out[e], h_ref, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(c[e], c_ref, rtol=1e-12, atol=1e-12)
    wrong, _ = lstm_reference(cell, x, 0, o_peeps_new=False)
    assert (out[0] - wrong).abs().max() > 1e-4  # the test can tell c_t from c_{t-1}


@pytest.mark.parametrize("peephole", [True, False])
@pytest.mark.parametrize("off", ["input_gate", "forget_gate", "output_gate"])
def test_lstm_gate_ablations_equal_reference(off, peephole):
    """A switched-off gate is the constant 1 (Jozefowicz et al. 2015, LSTM-i/-f/-o).

    No-input-gate: c = f c + g; no-forget-gate: c = c + i g; no-output-gate: h = tanh(c). The cell
    also has one H-wide block (and one peephole block) fewer.
    """
    cell = LSTMCell(
        I, H, seeds=(7,), init=uniform_init(0.8), peephole=peephole, **{off: False}
    ).double()
    assert cell.weight_ih.shape[-1] == 3 * H
    if peephole:
        assert cell.weight_peephole.shape[-1] == 2 * H
    gates = "ifo".replace(off[0], "")
    x = randn(T, B, I, seed=8)
    out, (_, c) = unroll(cell, x)
    h_ref, c_ref = lstm_reference(cell, x, 0, gates=gates, peephole=peephole)
    torch.testing.assert_close(out[0], h_ref, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(c[0], c_ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("input_gate", [True, False])
def test_forget_bias_adds_one_to_the_forget_block(input_gate):
    """``forget_bias=1`` gives b_f = (its initial value) + 1 and leaves every other number equal."""
    kw = dict(seeds=(3, 9), members=2, input_gate=input_gate)
    plain = LSTMCell(I, H, **kw)
    biased = LSTMCell(I, H, forget_bias=1.0, **kw)
    k = 1 if input_gate else 0  # the slot of the f block in (i, f, g, o) without the gates off
    f = slice(k * H, (k + 1) * H)
    torch.testing.assert_close(biased.bias[..., f], plain.bias[..., f] + 1.0, rtol=0, atol=1e-7)
    rest = torch.ones(biased.bias.shape[-1], dtype=torch.bool)
    rest[f] = False
    assert torch.equal(biased.bias[..., rest], plain.bias[..., rest])
    for name in ("weight_ih", "weight_hh", "weight_peephole"):
        assert torch.equal(getattr(biased, name), getattr(plain, name))


def test_forget_bias_without_forget_gate_is_rejected():
    """A forget bias needs a forget gate to act on."""
    with pytest.raises(ValueError, match="forget"):
        LSTMCell(I, H, forget_gate=False, forget_bias=1.0)


# --- gradients -------------------------------------------------------------------------------

CELL_KINDS = [
    ("simple", {"nonlinearity": "tanh"}),
    ("simple", {"nonlinearity": "sigmoid"}),
    ("gru", {"reset_after": False}),
    ("gru", {"reset_after": True}),
    ("lstm", {"peephole": True}),
    ("lstm", {"peephole": False}),
    ("lstm", {"peephole": True, "input_gate": False, "forget_bias": 1.0}),
]


class _Unrolled(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.cell = cell

    def forward(self, x):
        out, state = unroll(self.cell, x)
        return (out, *state)


@pytest.mark.parametrize(("kind", "kwargs"), CELL_KINDS)
def test_gradcheck_through_unroll(kind, kwargs):
    """Backpropagation through time equals finite differences, w.r.t. x and every parameter.

    Two members, outputs and final state. gradcheck's fast mode compares u^T J v for random u, v
    (any wrong entry of J shows up with probability 1) at a tenth of the full Jacobian's cost."""
    cell = make_cell(kind, 2, 3, members=2, seeds=(0, 1), **kwargs).double()
    wrapper = _Unrolled(cell)
    names = [n for n, _ in wrapper.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_() for p in wrapper.parameters())
    x = randn(3, 2, 2, seed=11).requires_grad_()

    def f(x, *ps):
        return torch.func.functional_call(wrapper, dict(zip(names, ps, strict=True)), (x,))

    assert torch.autograd.gradcheck(f, (x, *params), eps=1e-6, atol=1e-6, fast_mode=True)


# --- members ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "kwargs"), CELL_KINDS)
def test_member_of_stack_equals_single_cell(kind, kwargs):
    """Member e of a cell built with seeds (5, 6, 7) *is* a one-member cell built with (6,)."""
    stack = make_cell(kind, I, H, members=3, seeds=(5, 6, 7), **kwargs).double()
    single = make_cell(kind, I, H, members=1, seeds=(6,), **kwargs).double()
    for (name, p), q in zip(stack.named_parameters(), single.parameters(), strict=True):
        assert torch.equal(p[1], q[0]), name
    assert not torch.equal(stack.weight_hh[0], stack.weight_hh[1])  # seeds really differ
    x = randn(T, B, I, seed=12)
    torch.testing.assert_close(
        unroll(stack, x)[0][1], unroll(single, x)[0][0], rtol=1e-13, atol=1e-13
    )


def test_per_member_inputs():
    """Inputs (E, T, B, I): member e sees only x[e], as a one-member cell fed x[e] does."""
    stack = LSTMCell(I, H, members=3, seeds=(5, 6, 7)).double()
    x = randn(3, T, B, I, seed=13)
    out, (h, c) = unroll(stack, x)
    assert out.shape == (3, T, B, H)
    for e, seed in enumerate((5, 6, 7)):
        single = LSTMCell(I, H, seeds=(seed,)).double()
        o1, (h1, c1) = unroll(single, x[e])
        torch.testing.assert_close(out[e], o1[0], rtol=1e-13, atol=1e-13)
        torch.testing.assert_close(c[e], c1[0], rtol=1e-13, atol=1e-13)


def test_initialiser_is_uniform_with_bound_one_over_sqrt_h():
    """The default initialiser draws from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch's RNNs."""
    cell = SimpleCell(50, 64, members=2)
    bound = 1 / math.sqrt(64)
    w = cell.weight_hh
    assert w.abs().max() <= bound
    assert w.abs().max() > 0.95 * bound


# --- bad input -------------------------------------------------------------------------------


def test_unknown_nonlinearity_is_named():
    """A misspelt nonlinearity is a ValueError that quotes it."""
    with pytest.raises(ValueError, match="softsign"):
        SimpleCell(I, H, nonlinearity="softsign")


def test_unknown_cell_kind_is_named():
    """``make_cell`` with an unknown kind is a ValueError that quotes it."""
    with pytest.raises(ValueError, match="mgu"):
        make_cell("mgu", I, H)


@pytest.mark.parametrize("shape", [(T, I), (T, B, I + 1), (2, T, B, I), (3, T, B, I + 2)])
def test_wrong_input_shape_is_named(shape):
    """x must be (T, B, I) or (E, T, B, I); anything else is a ValueError quoting its shape."""
    cell = GRUCell(I, H, members=3)
    with pytest.raises(ValueError, match=str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")):
        unroll(cell, torch.zeros(shape))


def test_wrong_seed_count():
    """One seed per member: a mismatch is a ValueError that says both numbers."""
    with pytest.raises(ValueError, match="2 seeds given for 3 members"):
        SimpleCell(I, H, members=3, seeds=(1, 2))


@pytest.mark.parametrize("shape", [(5, 2, 4), (2, 5, 2, 3), (5, 3), (1, 3, 5, 2, 3)], ids=str)
def test_every_cell_refuses_a_sequence_of_the_wrong_shape_naming_it(shape):
    """Input size 3, 3 members: only (T, B, 3) and (3, T, B, 3) are sequences."""
    from rnnbook.cells import MUTCell
    from rnnbook.cells.graph import GraphCell, gru_graph
    from rnnbook.cells.ntm import NTMCell

    cells = [
        GRUCell(3, 4, members=3),
        MUTCell(3, 3, variant="mut1", members=3),
        GraphCell(gru_graph(), 3, 3, members=3),
        NTMCell(3, 4, memory_rows=5, memory_width=2, members=3),
    ]
    x = torch.zeros(shape)
    for cell in cells:
        with pytest.raises(ValueError, match=rf"\(3, T, B, 3\), got {re.escape(str(shape))}"):
            cell.project(x)


def test_member_seeds_default_to_the_member_index_and_must_match_in_number():
    from rnnbook.cells.core import member_seeds

    assert member_seeds(None, 3) == [0, 1, 2]
    assert member_seeds((7, 9), 2) == [7, 9]
    with pytest.raises(ValueError, match="1 seeds given for 2 members"):
        member_seeds([4], 2)
