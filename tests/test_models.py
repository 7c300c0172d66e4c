"""Sequence models: output shapes, parameter counts and the stacked readout."""

from __future__ import annotations

import pytest
import torch

from rnnbook.models import EnsembleLinear, RecurrentNetwork, count_parameters


@pytest.mark.parametrize("kind", ["simple", "gru", "lstm"])
@pytest.mark.parametrize("per_member_input", [False, True])
def test_output_shape(kind, per_member_input):
    """RecurrentNetwork maps (T, B, I) or (E, T, B, I) to (E, T, B, O), members first."""
    e, t, b, i, o = 3, 5, 2, 4, 6
    model = RecurrentNetwork(kind, i, 7, o, members=e, seeds=(1, 2, 3))
    x = torch.randn((e, t, b, i) if per_member_input else (t, b, i))
    y = model(x)
    assert y.shape == (e, t, b, o)
    assert torch.isfinite(y).all()


def test_member_of_network_equals_single_network():
    """Member e of a network seeded (4, 5) equals a one-member network seeded (5,): cell and
    readout alike."""
    x = torch.randn(6, 2, 3, dtype=torch.float64)
    stack = RecurrentNetwork("gru", 3, 4, 2, members=2, seeds=(4, 5)).double()
    single = RecurrentNetwork("gru", 3, 4, 2, members=1, seeds=(5,)).double()
    torch.testing.assert_close(stack(x)[1], single(x)[0], rtol=1e-13, atol=1e-13)
    assert not torch.allclose(stack(x)[0], stack(x)[1])


def test_count_parameters_tanh_100():
    """tanh RNN, 100 units, 88 inputs and 88 outputs (Chung et al. 2014, music).

    W: 88*100 = 8800, U: 100*100 = 10000, b: 100; readout 100*88 + 88 = 8888.
    Total 8800 + 10000 + 100 + 8888 = 27788, per member.
    """
    for members in (1, 3):
        model = RecurrentNetwork("simple", 88, 100, 88, members=members)
        assert count_parameters(model) == 27788


def test_count_parameters_gru_46():
    """GRU, 46 units, reset gate before the product (Chung et al. 2014).

    Three blocks (r, z, n), each 88*46 + 46*46 + 46 = 4048 + 2116 + 46 = 6210: 18630;
    readout 46*88 + 88 = 4136. Total 22766. reset_after adds b_hn: 46 more.
    """
    assert count_parameters(RecurrentNetwork("gru", 88, 46, 88)) == 22766
    assert count_parameters(RecurrentNetwork("gru", 88, 46, 88, reset_after=True)) == 22766 + 46


def test_count_parameters_lstm_36_peepholes():
    """LSTM, 36 units, with peepholes (Chung et al. 2014).

    Four blocks (i, f, g, o), each 88*36 + 36*36 + 36 = 3168 + 1296 + 36 = 4500: 18000;
    diagonal peepholes on i, f, o: 3*36 = 108; readout 36*88 + 88 = 3256. Total 21364.
    Without peepholes: 21256; without the output gate (and its peephole): 21364 - 4500 - 36.
    """
    assert count_parameters(RecurrentNetwork("lstm", 88, 36, 88, members=2)) == 21364
    assert count_parameters(RecurrentNetwork("lstm", 88, 36, 88, peephole=False)) == 21256
    no_o = RecurrentNetwork("lstm", 88, 36, 88, output_gate=False)
    assert count_parameters(no_o) == 21364 - 4500 - 36


def test_count_parameters_skips_frozen():
    """Only trainable parameters count."""
    model = RecurrentNetwork("simple", 88, 100, 88)
    model.readout.bias.requires_grad_(False)
    assert count_parameters(model) == 27788 - 88


def test_ensemble_linear_equals_per_member_affine():
    """EnsembleLinear: y[e] = x[e] @ W[e] + b[e] for every member, any leading shape."""
    lin = EnsembleLinear(5, 3, members=4, seeds=(0, 1, 2, 3)).double()
    x = torch.randn(4, 6, 2, 5, dtype=torch.float64)
    y = lin(x)
    assert y.shape == (4, 6, 2, 3)
    for e in range(4):
        expected = torch.einsum("tbi,io->tbo", x[e], lin.weight[e]) + lin.bias[e, 0]
        torch.testing.assert_close(y[e], expected, rtol=1e-13, atol=1e-13)


def test_ensemble_linear_init_per_member():
    """Member e is a one-member layer with seed seeds[e], drawn from U(-1/sqrt(in), 1/sqrt(in))."""
    stack = EnsembleLinear(16, 3, members=3, seeds=(7, 8, 9))
    single = EnsembleLinear(16, 3, members=1, seeds=(8,))
    assert torch.equal(stack.weight[1], single.weight[0])
    assert torch.equal(stack.bias[1], single.bias[0])
    assert not torch.equal(stack.weight[0], stack.weight[1])
    assert stack.weight.abs().max() <= 0.25
