"""The chrono initialisation: gate biases that give each unit a memory of up to ``t_max`` steps
from the first update, so a gradient crosses 100 steps where the default biases lose it."""

from __future__ import annotations

import math

import pytest
import torch

from rnnbook.cells.chrono import chrono_init_
from rnnbook.cells.mut import make_architecture
from rnnbook.models.recurrent import unroll


def _blocks(cell, names: str) -> dict[str, torch.Tensor]:
    n_h = cell.hidden_size
    return {b: cell.bias[..., k * n_h : (k + 1) * n_h].clone() for k, b in enumerate(names)}


def test_the_lstm_forget_bias_is_a_log_time_scale_and_the_input_bias_its_negative():
    cell = make_architecture("lstm", 3, 50, members=2, seeds=[4, 5])
    before = _blocks(cell, "ifgo")
    chrono_init_(cell, 100, [4, 5])
    after = _blocks(cell, "ifgo")
    f = after["f"]
    assert f.min() >= 0 and f.max() <= math.log(99)  # T in [1, t_max - 1]
    assert f.std() > 0.5  # time scales spread over the range, not one value
    torch.testing.assert_close(after["i"], -f)
    for b in "go":
        torch.testing.assert_close(after[b], before[b])
    one = make_architecture("lstm", 3, 50, members=1, seeds=[5])
    chrono_init_(one, 100, [5])
    torch.testing.assert_close(one.bias[0], cell.bias[1])  # member e is its own seed's cell


def test_the_gru_update_gate_starts_mostly_closed():
    cell = make_architecture("gru", 3, 50, seeds=[0])
    before = _blocks(cell, "rzn")
    chrono_init_(cell, 100)
    after = _blocks(cell, "rzn")
    keep = 1 - torch.sigmoid(after["z"])  # h_t = (1 - z) h_{t-1} + z h~
    assert keep.min() >= 0.5 - 1e-6 and keep.max() <= 99 / 100 + 1e-6
    torch.testing.assert_close(after["r"], before["r"])
    torch.testing.assert_close(after["n"], before["n"])


@pytest.mark.parametrize("name", ["lstm", "gru"])
def test_a_gradient_crosses_100_steps_with_chrono_and_vanishes_without(name):
    def first_step_gradient(chrono: bool) -> float:
        cell = make_architecture(name, 8, 32, seeds=[0])
        if chrono:
            chrono_init_(cell, 100)
        x = torch.randn(100, 4, 8, generator=torch.Generator().manual_seed(0), requires_grad=True)
        hidden, _ = unroll(cell, x)
        hidden[:, -1].sum().backward()  # the last step's state, back to the first input
        return x.grad[0].norm().item()

    assert first_step_gradient(False) < 1e-12  # sigma(0)^100: forgotten
    assert first_step_gradient(True) > 1e-4


def test_chrono_refuses_a_cell_without_a_gate_that_keeps_the_state_and_a_short_range():
    for name in ("tanh", "lstm-f", "mut1"):
        with pytest.raises(ValueError, match="chrono needs an LSTM with input and forget gates"):
            chrono_init_(make_architecture(name, 4, 4), 100)
    with pytest.raises(ValueError, match="t_max 2 must exceed 2"):
        chrono_init_(make_architecture("lstm", 3, 4), 2)
