"""The Neural Turing Machine (Graves et al. 2014, Sec. 3): every addressing step against a case
computed by hand, then the cell against a float64 loop written from the equations, gradcheck,
and stacked members against single ones."""

from __future__ import annotations

import math

import pytest
import torch

from rnnbook.cells.ntm import (
    NTMCell,
    address,
    content_weights,
    cosine_similarity,
    interpolate,
    read_memory,
    sharpen,
    shift_weights,
    write_memory,
)
from rnnbook.models import RecurrentNetwork, unroll

D = torch.float64


def t(*rows) -> torch.Tensor:
    """``t([[1, 2]])`` is (1, 2); ``t([1, 2], [3, 4])`` is (2, 2); ``t(1, 2)`` is (2,)."""
    return torch.tensor(rows[0] if len(rows) == 1 else rows, dtype=D)


# --- addressing, by hand ------------------------------------------------------------------------

MEMORY = t([1.0, 0.0], [0.0, 2.0], [-3.0, 0.0])  # rows at 0°, 90° and 180° from the key (1, 0)


def test_cosine_similarity_by_hand():
    """k = (1, 0) against rows (1, 0), (0, 2), (-3, 0): cosines 1, 0, -1 (lengths do not matter)."""
    sim = cosine_similarity(t([[1.0, 0.0]]), MEMORY)
    torch.testing.assert_close(sim, t([[1.0, 0.0, -1.0]]), atol=1e-7, rtol=0)


def test_content_weights_by_hand():
    """Eq. (5) with β = ln 2: weights ∝ exp(β (1, 0, -1)) = (2, 1, 1/2), so (4, 2, 1) / 7.
    β = 0 gives the uniform weighting whatever the key."""
    w = content_weights(t([[1.0, 0.0]]), t([[math.log(2.0)]]), MEMORY)
    torch.testing.assert_close(w, t([[4 / 7, 2 / 7, 1 / 7]]), atol=1e-7, rtol=0)
    w0 = content_weights(t([[0.3, -2.0]]), t([[0.0]]), MEMORY)
    torch.testing.assert_close(w0, torch.full((1, 3), 1 / 3, dtype=D))


def test_content_weights_of_a_zero_key_or_row_are_finite():
    """An all-zero key has similarity 0 with every row (the eps in the denominator), not NaN."""
    w = content_weights(t([[0.0, 0.0]]), t([[5.0]]), MEMORY)
    torch.testing.assert_close(w, torch.full((1, 3), 1 / 3, dtype=D))


def test_interpolation_by_hand():
    """Eq. (7): η = 0.25 between w_c = (1, 0, 0) and w_prev = (0, 0, 1) gives (0.25, 0, 0.75)."""
    w = interpolate(t([[1.0, 0.0, 0.0]]), t([[0.0, 0.0, 1.0]]), t([[0.25]]))
    torch.testing.assert_close(w, t([[0.25, 0.0, 0.75]]))


def test_shift_moves_focus_forward_and_wraps_around():
    """Eq. (8) with s = (s_-1, s_0, s_+1) = (0, 0, 1): the focus moves from row i to i+1 mod N;
    (1, 0, 0) gives the reverse move; the last row wraps around to row 0."""
    w = t([[0.0, 1.0, 0.0, 0.0, 0.0]])
    torch.testing.assert_close(shift_weights(w, t([[0.0, 0.0, 1.0]])), t([[0, 0, 1.0, 0, 0]]))
    torch.testing.assert_close(shift_weights(w, t([[1.0, 0.0, 0.0]])), t([[1.0, 0, 0, 0, 0]]))
    last = t([[0.0, 0.0, 0.0, 0.0, 1.0]])
    torch.testing.assert_close(shift_weights(last, t([[0.0, 0.0, 1.0]])), t([[1.0, 0, 0, 0, 0]]))


def test_shift_by_hand_with_a_spread_kernel():
    """w = (0.5, 0.5, 0, 0), s = (0.1, 0.6, 0.3) over shifts (-1, 0, +1):
    w~(i) = sum_j w(j) s((i - j) mod 4):
    w~(0) = 0.5*0.6 + 0.5*0.1 = 0.35, w~(1) = 0.5*0.3 + 0.5*0.6 = 0.45, w~(2) = 0.5*0.3 = 0.15,
    w~(3) = 0.5*0.1 = 0.05 (row 0 moved back by one wraps to row 3). The mass is kept."""
    got = shift_weights(t([[0.5, 0.5, 0.0, 0.0]]), t([[0.1, 0.6, 0.3]]))
    torch.testing.assert_close(got, t([[0.35, 0.45, 0.15, 0.05]]))


def test_shift_equals_the_definition_for_two_step_shifts():
    """A shift range of 2 (five shifts) against the sum of Eq. (8) written out, random cases."""
    g = torch.Generator().manual_seed(0)
    w = torch.softmax(torch.randn(3, 7, generator=g, dtype=D), -1)
    s = torch.softmax(torch.randn(3, 5, generator=g, dtype=D), -1)
    want = torch.zeros_like(w)
    for i in range(7):
        for j in range(7):
            d = (i - j) % 7
            d = d if d <= 2 else d - 7  # the shift from j to i, in -3..3
            if -2 <= d <= 2:
                want[:, i] += w[:, j] * s[:, d + 2]
    torch.testing.assert_close(shift_weights(w, s), want)


def test_shift_rejects_an_even_kernel():
    with pytest.raises(ValueError, match="odd length"):
        shift_weights(t([[1.0, 0.0, 0.0, 0.0]]), t([[0.5, 0.5]]))


def test_sharpening_by_hand():
    """Eq. (9): (0.2, 0.8) with γ = 2 gives (0.04, 0.64) / 0.68; γ = 1 changes nothing."""
    w = t([[0.2, 0.8]])
    torch.testing.assert_close(sharpen(w, t([[2.0]])), t([[0.04 / 0.68, 0.64 / 0.68]]))
    torch.testing.assert_close(sharpen(w, t([[1.0]])), w)


def test_sharpening_of_exact_zeros_has_finite_gradients():
    """0^γ has a NaN derivative in γ; the floor keeps the gradient finite."""
    gamma = t([[3.0]]).requires_grad_()
    w = t([[0.0, 0.3, 0.7]]).requires_grad_()
    sharpen(w, gamma)[0, 1].backward()
    assert torch.isfinite(gamma.grad).all() and torch.isfinite(w.grad).all()


def test_address_pipeline_by_hand():
    """Content (β = ln 2 -> (4, 2, 1)/7), gate η = 1/2 with w_prev = (0, 0, 1) ->
    (2/7, 1/7, 1/2 + 1/14); shift +1 with certainty -> (4/7, 2/7, 1/7); γ = 1."""
    w = address(
        MEMORY,
        t([[0.0, 0.0, 1.0]]),
        t([[1.0, 0.0]]),
        t([[math.log(2.0)]]),
        t([[0.5]]),
        t([[0.0, 0.0, 1.0]]),
        t([[1.0]]),
    )
    torch.testing.assert_close(w, t([[4 / 7, 2 / 7, 1 / 7]]), atol=1e-7, rtol=0)


def test_read_by_hand():
    """Eq. (2): weights (0.5, 0.25, 0.25) over rows (1, 0), (0, 2), (-3, 0) read (-0.25, 0.5)."""
    r = read_memory(MEMORY, t([[0.5, 0.25, 0.25]]))
    torch.testing.assert_close(r, t([[-0.25, 0.5]]))


def test_write_by_hand():
    """Eqs. (3)-(4) with w = (1, 0.5, 0), e = (1, 0), a = (7, 1):
    row 0 loses its first entry and gains a: (0, 0) + (7, 1) = (7, 1);
    row 1: (0 * (1 - 0.5), 2) + 0.5 (7, 1) = (3.5, 2.5); row 2 untouched."""
    m = write_memory(MEMORY, t([[1.0, 0.5, 0.0]]), t([[1.0, 0.0]]), t([[7.0, 1.0]]))
    torch.testing.assert_close(m, t([7.0, 1.0], [3.5, 2.5], [-3.0, 0.0]))


def test_two_write_heads_multiply_erasures_and_sum_additions():
    """Graves et al.: erasures of several heads commute (they multiply), additions sum."""
    w = t([[1.0, 0.0, 0.0], [0.5, 0.0, 0.0]])
    e = t([[0.5, 0.0], [1.0, 0.0]])
    a = t([[1.0, 0.0], [0.0, 2.0]])
    m = write_memory(MEMORY, w, e, a)
    # row 0: first entry 1 * (1 - 0.5) * (1 - 0.5) = 0.25, plus 1; second 0 + 0.5 * 2 = 1
    torch.testing.assert_close(m[0], t(1.25, 1.0))
    torch.testing.assert_close(m[1:], MEMORY[1:])


# --- the cell -----------------------------------------------------------------------------------


def _reference_step(cell: NTMCell, e: int, x: torch.Tensor, state):
    """One member, one sequence, written from the equations with explicit loops over rows."""
    h, c, mem, reads, w_r, w_w = state
    m = cell.width
    inp = torch.cat([x, reads])
    if cell.controller_kind == "lstm":
        a = inp @ cell.controller.weight_ih[e] + h @ cell.controller.weight_hh[e]
        a = a + cell.controller.bias[e, 0]
        i, f, g, o = a.split(cell.controller_size)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
    else:
        h = torch.tanh(inp @ cell.weight_ff[e] + cell.bias_ff[e, 0])
    p = (h @ cell.weight_heads[e] + cell.bias_heads[e, 0]).clamp(-cell.clip, cell.clip)
    size = cell.head_size

    def head(q, w_prev, memory):
        k = torch.tanh(q[:m])
        beta = torch.log1p(torch.exp(q[m]))
        gate = torch.sigmoid(q[m + 1])
        s = torch.softmax(q[m + 2 : size - 1], 0)
        gamma = 1 + torch.log1p(torch.exp(q[size - 1]))
        n = memory.shape[0]
        sims = torch.stack([k @ memory[i] / (k.norm() * memory[i].norm() + 1e-8) for i in range(n)])
        wc = torch.softmax(beta * sims, 0)
        wg = gate * wc + (1 - gate) * w_prev
        rng = (len(s) - 1) // 2
        ws = torch.stack(
            [
                sum(wg[j] * s[(i - j) % n + rng] for j in range(n) if (i - j) % n <= rng)
                + sum(wg[j] * s[(i - j) % n - n + rng] for j in range(n) if (i - j) % n >= n - rng)
                for i in range(n)
            ]
        )
        ws = ws**gamma
        return ws / ws.sum()

    q_w = p[size : 2 * size]
    erase = torch.sigmoid(p[2 * size : 2 * size + m])
    add = torch.tanh(p[2 * size + m : 2 * size + 2 * m])
    w_w = head(q_w, w_w[0], mem)
    mem = torch.stack([mem[i] * (1 - w_w[i] * erase) + w_w[i] * add for i in range(mem.shape[0])])
    w_r = head(p[:size], w_r[0], mem)
    reads = w_r @ mem
    return h, c, mem, reads, w_r[None], w_w[None]


@pytest.mark.parametrize("controller", ["lstm", "feedforward"])
def test_cell_equals_a_loop_written_from_the_equations(controller):
    """Four steps of a 2-member NTM (memory 6 x 3, shifts -1..1) against the reference loop,
    for every member and every sequence of the batch: outputs and the memory."""
    cell = NTMCell(2, 5, 6, 3, controller=controller, members=2, seeds=(3, 4)).double()
    with torch.no_grad():  # large head parameters exercise the clipping and every activation
        cell.weight_heads.mul_(8.0)
    x = torch.randn(4, 3, 2, dtype=D, generator=torch.Generator().manual_seed(1))
    out, final = unroll(cell, x)
    for e in range(2):
        for b in range(3):
            st = cell.initial_state(3)
            state = (
                st[0][e, b],
                st[1][e, b],
                st[2][e, b],
                st[3][e, b],
                st[4][e, b],
                st[5][e, b],
            )
            for step in range(4):
                state = _reference_step(cell, e, x[step, b], state)
                want = torch.cat([state[0], state[3]])
                torch.testing.assert_close(out[e, step, b], want, rtol=1e-10, atol=1e-10)
            torch.testing.assert_close(final[2][e, b], state[2], rtol=1e-10, atol=1e-10)


def test_cell_gradcheck():
    """Gradients through three steps of the whole machine (memory 4 x 2, both controllers),
    with respect to the input and every parameter, match finite differences."""
    from torch.func import functional_call

    for controller in ("lstm", "feedforward"):
        cell = NTMCell(2, 3, 4, 2, controller=controller, members=2, seeds=(0, 1)).double()
        names = [n for n, _ in cell.named_parameters()]
        x = torch.randn(3, 2, 2, dtype=D, generator=torch.Generator().manual_seed(5))

        def run(x, *params, cell=cell, names=names):
            return functional_call(cell, dict(zip(names, params)), (x,), strict=True)

        params = tuple(p.detach().clone().requires_grad_() for p in cell.parameters())
        cell.forward = lambda x, cell=cell: unroll(cell, x)[0]  # what functional_call runs
        assert torch.autograd.gradcheck(
            run, (x.requires_grad_(), *params), eps=1e-6, atol=1e-6, fast_mode=True
        )


def test_member_of_stack_equals_single_network():
    """Member 1 of an NTM network seeded (7, 8) equals a one-member network seeded (8,)."""
    x = torch.randn(5, 2, 3, dtype=D)

    def net(seeds):
        cell = NTMCell(3, 4, 8, 3, members=len(seeds), seeds=seeds)
        return RecurrentNetwork(cell, 3, cell.hidden_size, 2, members=len(seeds), seeds=seeds)

    stack, single = net((7, 8)).double(), net((8,)).double()
    torch.testing.assert_close(stack(x)[1], single(x)[0], rtol=1e-12, atol=1e-12)
    assert not torch.allclose(stack(x)[0], stack(x)[1])


def test_parameter_count_of_graves_copy_configuration():
    """LSTM controller of 100 units over 9 inputs + one 20-wide read vector; one read and one
    write head on a 128 x 20 memory with shifts -1..1: each head emits k (20), β, η, γ and three
    shift weights (26), the write head also e and a (40): 92 head parameters.
    Controller 4 * ((29 + 100) * 100 + 100) = 52,000; heads 100 * 92 + 92 = 9,292;
    readout (100 + 20) * 8 + 8 = 968. Graves et al. (Table 2) report 67,561 for theirs."""
    from rnnbook.models import count_parameters

    cell = NTMCell(9, 100, 128, 20)
    net = RecurrentNetwork(cell, 9, cell.hidden_size, 8)
    assert count_parameters(net) == 52_000 + 9_292 + 968


def test_bad_names_and_sizes_are_refused():
    with pytest.raises(ValueError, match="'gru'.*lstm, feedforward"):
        NTMCell(2, 3, controller="gru")
    with pytest.raises(ValueError, match="shift range 2"):
        NTMCell(2, 3, memory_rows=4, shift_range=2)
    with pytest.raises(ValueError, match="expected input"):
        NTMCell(2, 3, 8, 2).project(torch.zeros(4, 1, 5))
