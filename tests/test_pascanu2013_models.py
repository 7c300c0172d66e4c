"""The networks, initialisations and task losses of Pascanu et al. (2013, Sec. 4.1)."""

from __future__ import annotations

import math

import pytest
import torch

from rnnbook.cells.init import (
    INITS,
    nonlinearity_of,
    pascanu_init,
    sparse_spectral,
    spectral_radius,
)
from rnnbook.data.synthetic import TASKS
from rnnbook.models import unroll
from rnnbook.models.pascanu2013 import TaskRNN
from rnnbook.train.task_losses import next_symbol_nll, task_loss, task_mistakes


def test_smart_tanh_recurrent_matrix_is_sparse_with_radius_095():
    """15 non-zero incoming weights per unit (per column in the h @ U layout), spectral radius
    0.95; every member draws its own pattern."""
    w = sparse_spectral(50, torch.Generator().manual_seed(0))
    assert ((w != 0).sum(0) == 15).all()
    assert spectral_radius(w) == pytest.approx(0.95, abs=1e-5)
    other = sparse_spectral(50, torch.Generator().manual_seed(1))
    assert not torch.equal(w != 0, other != 0)
    dense = sparse_spectral(10, torch.Generator().manual_seed(0), incoming=15)
    assert (dense != 0).all() and spectral_radius(dense) == pytest.approx(0.95, abs=1e-5)


@pytest.mark.parametrize("init", list(INITS))
def test_initialisations_draw_the_stated_gaussians(init):
    """sigmoid: N(0, 0.01^2) everywhere; basic tanh: N(0, 0.1^2); smart tanh: N(0, 0.01^2) input
    and output weights; biases zero; the readout drawn like the input weights."""
    std = {"sigmoid": 0.01, "basic_tanh": 0.1, "smart_tanh": 0.01}[init]
    m = TaskRNN(
        100, 100, 100, nonlinearity=nonlinearity_of(init), init=pascanu_init(init), readout_std=std
    )
    assert m.nonlinearity == ("sigmoid" if init == "sigmoid" else "tanh")
    for w in (m.cell.weight_ih, m.readout.weight):
        assert w.std().item() == pytest.approx(std, rel=0.05)
        assert abs(w.mean().item()) < 3 * std / 100
    assert m.cell.bias.abs().max() == 0 and m.readout.bias.abs().max() == 0
    if init != "smart_tanh":
        assert m.cell.weight_hh.std().item() == pytest.approx(std, rel=0.05)
    with pytest.raises(ValueError, match="'xavier'"):
        pascanu_init("xavier")


def test_member_of_a_stack_equals_a_single_network():
    x = torch.randn(2, 9, 3, 6, dtype=torch.float64)  # per-member inputs (E, T, B, I)
    init = pascanu_init("smart_tanh")
    stack = TaskRNN(6, 50, 4, members=2, seeds=(4, 5), init=init, readout_std=0.01).double()
    single = TaskRNN(6, 50, 4, members=1, seeds=(5,), init=init, readout_std=0.01).double()
    torch.testing.assert_close(stack(x)[1], single(x[1:])[0], rtol=1e-13, atol=1e-13)
    assert not torch.allclose(stack.cell.weight_hh[0], stack.cell.weight_hh[1])


def test_states_are_the_unrolled_hidden_states_and_readouts_their_projection():
    m = TaskRNN(6, 7, 4, members=3, readout="all").double()
    x = torch.randn(5, 2, 6, dtype=torch.float64)
    states = m.states(x)
    hidden, _ = unroll(m.cell, x)
    torch.testing.assert_close(torch.stack(states, 1), hidden)
    torch.testing.assert_close(m(x), m.readout(hidden))
    last = TaskRNN(6, 7, 4, members=3, readout="last").double()
    last.load_state_dict(m.state_dict())
    torch.testing.assert_close(last(x), m(x)[:, -1])
    with pytest.raises(ValueError, match="'first'"):
        TaskRNN(6, 7, 4, readout="first")


def test_task_losses_on_hand_computed_cases():
    """Cross-entropy of the last step, squared error, and the per-sequence mistakes."""
    spec = TASKS["temporal_order"]
    logits = torch.tensor([[[0.0, 0.0, 0.0, 0.0], [2.0, 0.0, 0.0, 0.0]]])  # (E=1, B=2, K=4)
    targets = torch.tensor([1, 0])
    expected = (math.log(4) + (math.log(math.exp(2) + 3) - 2)) / 2
    assert task_loss(spec, logits, targets).item() == pytest.approx(expected)
    assert task_mistakes(spec, logits, targets).tolist() == [[True, False]]  # argmax 0 != 1

    add = TASKS["addition"]
    out = torch.tensor([[[0.5], [0.9]], [[0.1], [0.3]]])  # (E=2, B=2, 1)
    y = torch.tensor([[0.6, 0.6], [0.1, 0.6]])  # per member
    torch.testing.assert_close(
        task_loss(add, out, y), torch.tensor([(0.01 + 0.09) / 2, (0.0 + 0.09) / 2])
    )
    assert task_mistakes(add, out, torch.tensor([0.6, 0.5])).tolist() == [
        [False, True],  # 0.01 and 0.16 > 0.04
        [True, False],  # 0.25 and 0.04 (not above)
    ]

    mem = TASKS["memorisation"]
    logits = torch.zeros(1, 3, 2, 6)
    logits[0, :, :, 5] = 1.0  # predicts "blank" everywhere
    target = torch.full((3, 2), 5)
    target[2, 1] = 0  # sequence 1 has one non-blank step
    assert task_mistakes(mem, logits, target).tolist() == [[False, True]]


def test_next_symbol_nll_sums_the_scored_symbols():
    logits = torch.zeros(2, 3, 1, 4)  # uniform over 4 symbols
    targets = torch.zeros(3, 1, dtype=torch.int64)
    mask = torch.tensor([[True], [True], [False]])
    nll = next_symbol_nll(logits, targets, mask)
    torch.testing.assert_close(nll, torch.full((2,), 2 * math.log(4)))
