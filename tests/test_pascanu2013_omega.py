"""The regulariser Omega (Pascanu et al. 2013, Eq. 9) and its gradient (Eq. 10), against a slow
reference written from the equations: explicit Jacobians, one step and one example at a time,
in float64; and the SGD-CR loss against two separate backward passes."""

from __future__ import annotations

import pytest
import torch

from rnnbook.cells.init import pascanu_init
from rnnbook.data.synthetic import TASKS, generate
from rnnbook.models.pascanu2013 import TaskRNN
from rnnbook.train.regularizers import activation_derivative, add_omega, omega
from rnnbook.train.task_losses import task_loss

E, T, B, H = 2, 6, 3, 4


# tiny models: one thread (two threads on a busy machine wait on each other)
pytestmark = pytest.mark.usefixtures("one_thread")


def model(nonlinearity="tanh", members=E, seeds=(0, 1)):
    init = pascanu_init("basic_tanh")  # N(0, 0.1): small but not tiny Jacobians
    m = TaskRNN(6, H, 4, members=members, seeds=seeds, nonlinearity=nonlinearity, init=init)
    with torch.no_grad():  # larger weights, so that the Jacobians are far from the identity
        m.cell.weight_hh.mul_(8.0)
    return m.double()


def batch(seed=0):
    import numpy as np

    b = generate("temporal_order", np.random.default_rng(seed), B, T + 4)
    return b.inputs[:T].double(), b.targets


def slow_omega(weight_hh, errors, states, nonlinearity):
    """Eq. (9) term by term: J_k[i, j] = dh_{k+1, j} / dh_{k, i} = U[i, j] f'(a_{k+1, j}), built
    as a matrix; the signal one step back is J_k g_{k+1}; the terms are averaged over (k, b)."""
    out = []
    for e in range(weight_hh.shape[0]):
        terms = []
        for k in range(errors.shape[1]):
            for b in range(errors.shape[2]):
                g, h = errors[e, k, b], states[e, k, b]
                d = 1 - h**2 if nonlinearity == "tanh" else h * (1 - h)
                jac = weight_hh[e] * d[None, :]
                back = jac @ g
                terms.append((back.norm() / g.norm() - 1) ** 2)
        out.append(torch.stack(terms).mean())
    return torch.stack(out)


def errors_and_states(m, x, y):
    states = m.states(x)
    loss = task_loss(TASKS["temporal_order"], m.read(states), y)
    errors = torch.autograd.grad(loss.sum(), states, retain_graph=True)
    return loss, torch.stack(errors, 1), torch.stack([s.detach() for s in states], 1)


def test_step_jacobian_is_the_one_omega_uses():
    """The Jacobian of one real step, h_{k+1} = tanh(h_k U + x W + b), taken by autograd, is
    U diag(f'(a_{k+1})) in our row layout: the matrix both Omegas are built from."""
    m = model()
    x, _ = batch()
    states = m.states(x)
    xw = m.cell.project(x)
    e, k = 1, 3
    h_k = states[k - 1][e, 0].detach()

    def step(h):
        return torch.tanh(xw[k, e, 0] + h @ m.cell.weight_hh[e])

    jac = torch.autograd.functional.jacobian(step, h_k)  # jac[j, i] = dh_{k+1,j} / dh_{k,i}
    h_next = states[k][e, 0].detach()
    expected = m.cell.weight_hh[e].detach() * activation_derivative("tanh", h_next)[None, :]
    torch.testing.assert_close(jac.T, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("nonlinearity", ["tanh", "sigmoid"])
def test_omega_equals_the_slow_reference(nonlinearity):
    m = model(nonlinearity)
    x, y = batch()
    _, errors, states = errors_and_states(m, x, y)
    fast = omega(m.cell.weight_hh, errors, states, nonlinearity)
    slow = slow_omega(m.cell.weight_hh, errors, states, nonlinearity)
    torch.testing.assert_close(fast, slow, rtol=1e-12, atol=1e-14)
    assert (fast > 1e-3).all()  # not a vacuous zero


def test_omega_gradient_holds_the_error_signal_and_states_constant():
    """d+Omega/dU (Eq. 10): differentiate the slow reference with g and h fixed; the fast one
    gives the same gradient, and ``gradcheck`` confirms it in float64."""
    m = model()
    x, y = batch(1)
    _, errors, states = errors_and_states(m, x, y)
    u = m.cell.weight_hh.detach().clone().requires_grad_()
    (g_fast,) = torch.autograd.grad(omega(u, errors, states, "tanh").sum(), u)
    (g_slow,) = torch.autograd.grad(slow_omega(u, errors, states, "tanh").sum(), u)
    torch.testing.assert_close(g_fast, g_slow, rtol=1e-10, atol=1e-12)
    assert g_fast.abs().max() > 1e-4
    assert torch.autograd.gradcheck(lambda w: omega(w, errors, states, "tanh"), (u,))


def test_omega_is_zero_for_an_orthogonal_linear_step():
    """A linear unit with an orthogonal U preserves every error signal's norm: Omega = 0; scaling
    U by 2 doubles every norm: every term is (2 - 1)^2 = 1."""
    q, _ = torch.linalg.qr(torch.randn(H, H, dtype=torch.float64))
    u = q[None]
    g = torch.randn(1, T, B, H, dtype=torch.float64)
    h = torch.zeros_like(g)
    assert omega(u, g, h, "relu").item() == 1.0  # relu'(0) = 0: every signal dies, each term 1
    linear_h = torch.ones_like(g)  # relu'(1) = 1: a linear step
    assert omega(u, g, linear_h, "relu").item() == pytest.approx(0.0, abs=1e-24)
    assert omega(2 * u, g, linear_h, "relu").item() == pytest.approx(1.0, abs=1e-12)


def test_vanished_error_signals_are_left_out():
    """Pairs whose error signal is (numerically) zero do not count, as in the authors' code; a
    member with no pair left has Omega 0 and a finite gradient."""
    u = torch.eye(H, dtype=torch.float64)[None].repeat(2, 1, 1).requires_grad_()
    g = torch.randn(2, T, B, H, dtype=torch.float64)
    g[0, :2] = 0.0  # member 0: the first two steps carry no error
    g[1] = 0.0  # member 1: nothing at all
    h = torch.full_like(g, 0.5)
    reg = omega(2 * u, g, h, "tanh")
    expected = omega(2 * u[:1], g[:1, 2:], h[:1, 2:], "tanh")
    torch.testing.assert_close(reg[0], expected[0])
    assert reg[1].item() == 0.0
    (grad,) = torch.autograd.grad(reg.sum(), u)
    assert torch.isfinite(grad).all() and grad[1].abs().max() == 0


def test_sgd_cr_loss_has_the_task_value_and_the_regularised_gradient():
    """``add_omega`` runs BPTT once; its loss has the value E and the gradient
    dE/dtheta + alpha d+Omega/dU, member by member (alpha = 0 leaves the plain gradient)."""
    m = model()
    x, y = batch(2)
    alpha = torch.tensor([0.0, 3.0], dtype=torch.float64)
    params = list(m.parameters())

    loss, errors, states = errors_and_states(m, x, y)
    plain = torch.autograd.grad(loss.sum(), params)
    reg = omega(m.cell.weight_hh, errors, states, "tanh")
    (d_reg,) = torch.autograd.grad((alpha * reg).sum(), m.cell.weight_hh)

    st = m.states(x)
    task = task_loss(TASKS["temporal_order"], m.read(st), y)
    total, reported = add_omega(task, params, st, m.cell.weight_hh, alpha, "tanh")
    torch.testing.assert_close(total, task.detach())
    torch.testing.assert_close(reported, reg.detach())
    grads = torch.autograd.grad(total.sum(), params)
    for p, g, g0 in zip(params, grads, plain):
        expected = g0 + d_reg if p is m.cell.weight_hh else g0
        torch.testing.assert_close(g, expected, rtol=1e-10, atol=1e-12)
    assert not torch.allclose(grads[1][1], plain[1][1])  # member 1's U feels Omega
    torch.testing.assert_close(grads[1][0], plain[1][0])  # member 0's does not
