"""MUT1-3 against float64 loops written from the paper's equations; the ten cells of Table 1.

Jozefowicz et al. 2015, Sec. 4 (MUT1-3) and Sec. 2 (LSTM, GRU). Each reference reads the named
weight blocks out of our documented parameter layout and computes one time step at a time, in
float64, exactly as the equations are printed (with ``h = h_{t-1}``).
"""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

from rnnbook.cells import GRUCell, LSTMCell, SimpleCell
from rnnbook.cells.mut import ARCHITECTURES, MUTCell, make_architecture, zero_bias_init
from rnnbook.models import unroll

H, T, B = 4, 5, 3


def sig(v: Tensor) -> Tensor:
    return 1.0 / (1.0 + torch.exp(-v))


def randn(*shape: int, seed: int) -> Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def blocks(w: Tensor, names: str) -> dict[str, Tensor]:
    n = w.shape[-1] // len(names)
    return {c: w[..., k * n : (k + 1) * n] for k, c in enumerate(names)}


def mut_reference(cell: MUTCell, x: Tensor, e: int) -> Tensor:
    """The equations of MUT1, MUT2, MUT3 (Sec. 4), for member ``e``; x (T, B, H)."""
    Wx = blocks(cell.weight_ih[e], cell.input_blocks)
    Wh = blocks(cell.weight_hh[e], cell.recurrent_blocks)
    b = blocks(cell.bias[e, 0], "zrh")
    h = torch.zeros(x.shape[1], cell.hidden_size, dtype=x.dtype)
    out = []
    for xt in x:
        if cell.variant == "mut1":
            z = sig(xt @ Wx["z"] + b["z"])
            r = sig(xt @ Wx["r"] + h @ Wh["r"] + b["r"])
            h = torch.tanh((r * h) @ Wh["h"] + torch.tanh(xt) + b["h"]) * z + h * (1 - z)
        elif cell.variant == "mut2":
            z = sig(xt @ Wx["z"] + h @ Wh["z"] + b["z"])
            r = sig(xt + h @ Wh["r"] + b["r"])
            h = torch.tanh((r * h) @ Wh["h"] + xt @ Wx["h"] + b["h"]) * z + h * (1 - z)
        else:
            z = sig(xt @ Wx["z"] + torch.tanh(h) @ Wh["z"] + b["z"])
            r = sig(xt @ Wx["r"] + h @ Wh["r"] + b["r"])
            h = torch.tanh((r * h) @ Wh["h"] + xt @ Wx["h"] + b["h"]) * z + h * (1 - z)
        out.append(h)
    return torch.stack(out)


def random_biases(cell) -> None:
    with torch.no_grad():
        cell.bias.copy_(randn(*cell.bias.shape, seed=99))


@pytest.mark.parametrize("variant", ["mut1", "mut2", "mut3"])
def test_mut_equals_its_equations(variant):
    cell = MUTCell(H, H, members=2, seeds=(3, 4), variant=variant).double()
    random_biases(cell)
    x = randn(T, B, H, seed=1)
    out, (h,) = unroll(cell, x)
    for e in range(2):
        ref = mut_reference(cell, x, e)
        torch.testing.assert_close(out[e], ref, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(h, out[:, -1])


def test_mut_parameter_counts_follow_the_equations():
    """MUT1: W_xz, W_xr, W_hr, W_hh; MUT2: W_xz, W_hz, W_hr, W_hh, W_xh; MUT3: all six."""
    counts = {
        v: sum(p[0].numel() for p in MUTCell(H, H, variant=v).parameters())
        for v in ("mut1", "mut2", "mut3")
    }
    assert counts == {
        "mut1": 4 * H * H + 3 * H,
        "mut2": 5 * H * H + 3 * H,
        "mut3": 6 * H * H + 3 * H,
    }


class Unrolled(torch.nn.Module):
    """``unroll`` as a module, so that gradcheck can vary the cell's parameters."""

    def __init__(self, cell) -> None:
        super().__init__()
        self.cell = cell

    def forward(self, x: Tensor) -> Tensor:
        return unroll(self.cell, x)[0]


def gradcheck_cell(cell, x: Tensor) -> None:
    """d(outputs)/d(inputs) and d(outputs)/d(every parameter) against finite differences."""
    module = Unrolled(cell)
    names = [n for n, _ in module.named_parameters()]
    values = tuple(p.detach().clone().requires_grad_() for p in module.parameters())

    def f(inputs, *params):
        return torch.func.functional_call(module, dict(zip(names, params)), (inputs,))

    assert torch.autograd.gradcheck(f, (x.requires_grad_(), *values))


@pytest.mark.parametrize("variant", ["mut1", "mut2", "mut3"])
def test_mut_gradcheck(variant):
    cell = MUTCell(3, 3, members=2, seeds=(0, 1), variant=variant).double()
    gradcheck_cell(cell, randn(3, 2, 3, seed=5))


@pytest.mark.parametrize("variant", ["mut1", "mut2", "mut3"])
def test_member_of_stack_equals_single_mut(variant):
    stack = MUTCell(H, H, members=3, seeds=(7, 8, 9), variant=variant)
    single = MUTCell(H, H, members=1, seeds=(8,), variant=variant)
    x = torch.randn(T, B, H)
    torch.testing.assert_close(unroll(stack, x)[0][1], unroll(single, x)[0][0])


def test_mut_per_member_inputs():
    cell = MUTCell(H, H, members=2, seeds=(0, 1), variant="mut2").double()
    x = randn(2, T, B, H, seed=3)
    out, _ = unroll(cell, x)
    for e in range(2):
        torch.testing.assert_close(out[e], mut_reference(cell, x[e], e), rtol=1e-12, atol=1e-12)


def test_mut_errors_name_the_bad_value():
    with pytest.raises(ValueError, match="'mut4'.*mut1, mut2, mut3"):
        MUTCell(H, H, variant="mut4")
    with pytest.raises(ValueError, match="input_size == hidden_size.*3 and 4"):
        MUTCell(3, 4, variant="mut1")
    MUTCell(3, 4, variant="mut3")  # MUT3 weighs every input term: any input size works
    with pytest.raises(ValueError, match=r"\(T, B, 4\)"):
        unroll(MUTCell(H, H), torch.randn(T, B, 5))


def test_the_ten_cells_of_table1():
    """The registry builds what Table 1 names: peephole-free LSTMs with the right gates off."""
    assert list(ARCHITECTURES) == [
        "tanh",
        "lstm",
        "lstm-f",
        "lstm-i",
        "lstm-o",
        "lstm-b",
        "gru",
        "mut1",
        "mut2",
        "mut3",
    ]
    cells = {a: make_architecture(a, H, H, init=zero_bias_init(H)) for a in ARCHITECTURES}
    assert isinstance(cells["tanh"], SimpleCell) and cells["tanh"].nonlinearity == "tanh"
    assert isinstance(cells["gru"], GRUCell) and not cells["gru"].reset_after
    for a, gates in {"lstm": "ifgo", "lstm-f": "igo", "lstm-i": "fgo", "lstm-o": "ifg"}.items():
        assert isinstance(cells[a], LSTMCell) and "".join(cells[a].blocks) == gates
        assert not cells[a].peephole and not hasattr(cells[a], "weight_peephole")
    b = cells["lstm-b"]
    f = blocks(b.bias[0, 0], "ifgo")
    assert torch.equal(f["f"], torch.ones(H)) and torch.equal(f["i"], torch.zeros(H))
    assert torch.equal(cells["lstm"].bias, torch.zeros_like(cells["lstm"].bias))
    with pytest.raises(ValueError, match="'lstm-x'"):
        make_architecture("lstm-x", H, H)


def test_lstm_is_the_papers_lstm():
    """``lstm``: c = f c + i j, h = tanh(c) o, with sigmoid gates j, f, o and a tanh candidate i."""
    cell = make_architecture("lstm", H, H).double()
    random_biases(cell)
    W, U, b = (blocks(p[0], "ifgo") for p in (cell.weight_ih, cell.weight_hh, cell.bias))
    x = randn(T, B, H, seed=2)
    h = c = torch.zeros(B, H, dtype=torch.float64)
    ref = []
    for xt in x:
        cand = torch.tanh(xt @ W["g"] + h @ U["g"] + b["g"][0])  # the paper's i_t
        j = sig(xt @ W["i"] + h @ U["i"] + b["i"][0])  # the paper's input gate j_t
        f = sig(xt @ W["f"] + h @ U["f"] + b["f"][0])
        o = sig(xt @ W["o"] + h @ U["o"] + b["o"][0])
        c = c * f + cand * j
        h = torch.tanh(c) * o
        ref.append(h)
    torch.testing.assert_close(unroll(cell, x)[0][0], torch.stack(ref), rtol=1e-12, atol=1e-12)


def test_zero_bias_init_bounds():
    cell = MUTCell(H, 64, variant="mut3", init=zero_bias_init(64))
    assert cell.weight_hh.abs().max() <= 1 / 8 and cell.weight_hh.abs().max() > 0.1
    assert torch.equal(cell.bias, torch.zeros_like(cell.bias))
