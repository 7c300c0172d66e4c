"""The LRU layer and the deep network of Orvieto et al. (2023), against float64 loops written from
the paper's equations; initialisers against their stated laws; stacked members; optimiser groups."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rnnbook.cells.lru import (
    LADDER,
    DenseCell,
    LRUCell,
    gamma_log_init,
    get_rung,
    ring_uniform,
)
from rnnbook.models.lru import DeepRecurrentClassifier, RecurrentLayer
from rnnbook.models.scan import scan


def test_ring_initialisation_is_uniform_on_the_ring():
    """Lemma 3.2: |lambda|^2 uniform on [r_min^2, r_max^2], phase uniform on [0, max_phase]."""
    g = torch.Generator().manual_seed(0)
    nu, theta = ring_uniform(200_000, 0.4, 0.9, math.pi / 3, g)
    r2 = torch.exp(-2 * nu).numpy()
    assert r2.min() >= 0.4**2 - 1e-12 and r2.max() <= 0.9**2 + 1e-12
    u = (r2 - 0.16) / (0.81 - 0.16)  # uniform on [0, 1] if the law is right
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    # the radius itself is *not* uniform: more mass at large radii (area)
    assert np.median(np.sqrt(r2)) > (0.4 + 0.9) / 2
    th = theta.numpy()
    assert th.min() >= 0 and th.max() <= math.pi / 3
    assert abs(th.mean() - math.pi / 6) < 0.01


def test_ring_rejects_bad_radii():
    g = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match="r_min"):
        ring_uniform(4, 0.9, 0.5, 1.0, g)
    with pytest.raises(ValueError, match="max_phase"):
        ring_uniform(4, 0.1, 0.5, 0.0, g)


def test_gamma_normalises_the_state_and_is_finite_near_the_circle():
    nu = torch.tensor([0.1, 1e-3, 1e-8], dtype=torch.float64)
    naive = torch.log(torch.sqrt(1 - torch.exp(-nu) ** 2))
    torch.testing.assert_close(gamma_log_init(nu)[:2], naive[:2])
    assert torch.isfinite(gamma_log_init(nu)).all()


def test_stable_exponential_parameterisation_is_stable_whatever_the_parameters():
    cell = LRUCell(3, 50, members=2, seeds=(0, 1))
    with torch.no_grad():
        cell.nu_log.normal_(0, 10)
        cell.theta_log.normal_(0, 10)
    assert (cell.eigenvalues().abs() <= 1).all()  # < 1 exactly; float32 may round up to 1
    assert (cell.double().eigenvalues().abs()[cell.nu_log > -30] < 1).all()
    plain = LRUCell(3, 50, param="exp")
    with torch.no_grad():
        plain.nu.fill_(-0.1)  # nu < 0: outside the unit circle
    assert (plain.eigenvalues().abs() > 1).all()


def test_every_parameterisation_starts_from_the_same_eigenvalues():
    """The ladder changes one thing at a time: same seed, same initial lambda, B, C and D."""
    cells = [
        LRUCell(4, 16, seeds=(5,), param=p, r_min=0.5, r_max=0.95)
        for p in ("real_im", "exp", "stable_exp")
    ]
    first = cells[0].eigenvalues()
    for cell in cells[1:]:
        torch.testing.assert_close(cell.eigenvalues(), first, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(cell.B_re, cells[0].B_re)
        torch.testing.assert_close(cell.C_im, cells[0].C_im)


def lru_reference(cell: LRUCell, u: np.ndarray, member: int = 0) -> np.ndarray:
    """Eq. (7), a float64 loop: h_t = lambda h_{t-1} + gamma (B u_t), y_t = Re(C h_t) + D u_t."""
    lam = cell.eigenvalues()[member].detach().to(torch.complex128).numpy()
    gamma = cell.gamma()[member].detach().double().numpy()
    b = (cell.B_re[member] + 1j * cell.B_im[member]).detach().to(torch.complex128).numpy()
    c = (cell.C_re[member] + 1j * cell.C_im[member]).detach().to(torch.complex128).numpy()
    d = cell.D[member, 0].detach().double().numpy()
    h = np.zeros((u.shape[1], cell.state_size), dtype=complex)
    out = []
    for u_t in u:  # (B, H)
        h = lam * h + gamma * (u_t @ b)
        out.append((h @ c).real + d * u_t)
    return np.stack(out)


@pytest.mark.parametrize("param", ["stable_exp", "exp", "real_im"])
@pytest.mark.parametrize("scan", ["sequential", "parallel"])
def test_lru_layer_matches_the_equations(param, scan):
    layer = RecurrentLayer("lru", 6, 8, 2, (3, 4), r_min=0.8, r_max=0.99, scan_method=scan)
    if param != "stable_exp":
        layer = RecurrentLayer(
            {"exp": "exp", "real_im": "real_im"}[param], 6, 8, 2, (3, 4), scan_method=scan
        )
    u = torch.randn(2, 11, 3, 6, generator=torch.Generator().manual_seed(1))
    y = layer(u)
    for e in range(2):
        expected = lru_reference(layer.cells[0], u[e].double().numpy(), e)
        np.testing.assert_allclose(y[e].detach().numpy(), expected, rtol=1e-4, atol=1e-4)


def test_dense_tanh_layer_matches_the_equations():
    layer = RecurrentLayer("tanh", 5, 7, 1, (2,))
    cell: DenseCell = layer.cells[0]
    with torch.no_grad():
        cell.bias.normal_()
    u = torch.randn(1, 9, 4, 5, generator=torch.Generator().manual_seed(2))
    a, b, bias = (p[0].detach().double().numpy() for p in (cell.A, cell.B, cell.bias))
    c, d = cell.C[0].detach().double().numpy(), cell.D[0, 0].detach().double().numpy()
    h = np.zeros((4, 7))
    expected = []
    for u_t in u[0].double().numpy():
        h = np.tanh(h @ a + u_t @ b + bias)
        expected.append(h @ c + d * u_t)
    np.testing.assert_allclose(layer(u)[0].detach().numpy(), np.stack(expected), atol=1e-5)


def test_lru_layer_gradcheck():
    layer = RecurrentLayer("lru", 2, 3, 1, (0,), r_min=0.5, r_max=0.9).double()
    u = torch.randn(1, 5, 2, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(layer, (u,))
    params = [p for p in layer.parameters()]
    out = layer(u.detach()).sum()
    assert all(g is not None and torch.isfinite(g).all() for g in torch.autograd.grad(out, params))


def test_gamma_keeps_the_state_at_the_input_scale():
    """Sec. 3.4: for white-noise input, E|h_t|^2 -> E|Bu|^2 / (1 - |lambda|^2); gamma undoes it."""
    torch.manual_seed(0)
    u = torch.randn(1, 3000, 64, 4)
    for normalise in (True, False):
        cell = LRUCell(4, 32, param="stable_exp", normalise=normalise, r_min=0.99, r_max=0.999)
        h = scan(cell.eigenvalues().view(1, 1, 1, 32), cell.project(u), "sequential")
        power = h[1000:].abs().pow(2).mean((0, 1, 2)).squeeze()  # per state, after burn-in
        bu = cell.project(u) / cell.gamma().view(1, 1, 1, 32)
        ratio = power / bu.abs().pow(2).mean((0, 1, 2)).squeeze()
        if normalise:
            assert 0.6 < ratio.median() < 1.5
        else:
            assert ratio.median() > 30  # 1 / (1 - r^2) is 50 to 500 on this ring


def test_bidirectional_layer_sees_the_future_and_the_causal_one_does_not():
    u = torch.randn(1, 8, 2, 3, requires_grad=True)
    for bidirectional in (False, True):
        layer = RecurrentLayer("lru", 3, 4, 1, (0,), bidirectional=bidirectional)
        (grad,) = torch.autograd.grad(layer(u)[0, 0].sum(), u)
        future = grad[0, 1:].abs().sum().item()
        assert (future > 0) == bidirectional


def test_padding_does_not_change_the_real_steps():
    model = DeepRecurrentClassifier(
        10, 8, 8, 2, vocab=16, members=1, seeds=(0,), bidirectional=True
    ).eval()
    tokens = torch.randint(1, 16, (5, 1))
    padded = torch.cat((tokens, torch.randint(1, 16, (4, 1))))  # junk after the end
    mask = torch.zeros(9, 1, dtype=torch.bool)
    mask[:5] = True
    torch.testing.assert_close(model(tokens), model(padded, mask), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("rung", ["lru", "tanh", "real_im"])
def test_stacked_member_equals_a_single_model(rung):
    kwargs = dict(classes=10, width=8, state=6, depth=2, rung=rung, input_size=1, dropout=0.1)
    stacked = DeepRecurrentClassifier(members=3, seeds=(4, 5, 6), **kwargs).eval()
    single = DeepRecurrentClassifier(members=1, seeds=(5,), **kwargs).eval()
    x = torch.randn(12, 3, 1)
    torch.testing.assert_close(stacked(x)[1], single(x)[0], rtol=1e-5, atol=1e-6)
    assert not torch.allclose(stacked(x)[0], stacked(x)[1])


def test_optimizer_groups_put_the_recurrent_parameters_apart():
    model = DeepRecurrentClassifier(10, 8, 6, 2, input_size=1, lr_factor=0.25)
    recurrent, rest = model.optimizer_groups(weight_decay=0.05)
    names = {id(p): n for n, p in model.named_parameters()}
    rec_names = sorted(names[id(p)].rsplit(".", 1)[-1] for p in recurrent["params"])
    assert rec_names == sorted(["nu_log", "theta_log", "gamma_log", "B_re", "B_im"] * 2)
    assert recurrent["lr_scale"] == 0.25 and recurrent["weight_decay"] == 0.0
    assert rest["lr_scale"] == 1.0 and rest["weight_decay"] == 0.05
    assert {"C_re", "C_im", "D"} <= {names[id(p)].rsplit(".", 1)[-1] for p in rest["params"]}
    together = [id(p) for g in (recurrent, rest) for p in g["params"]]
    assert sorted(together) == sorted(id(p) for p in model.parameters())


def test_the_group_learning_rates_reach_the_optimiser():
    """One AdamW step moves each coordinate by about lr * lr_scale (Adam's first step)."""
    from rnnbook.train.optim import make_optimizer, parameter_groups

    model = DeepRecurrentClassifier(10, 8, 6, 1, input_size=1, lr_factor=0.1)
    opt = make_optimizer("adamw", parameter_groups(model, 0.0))
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    model(torch.randn(7, 4, 1)).sum().backward()
    opt.step()
    step = {n: (p.detach() - before[n]).abs().max().item() for n, p in model.named_parameters()}
    assert step["blocks.0.recurrence.cells.0.nu_log"] == pytest.approx(0.1, rel=1e-3)
    assert step["blocks.0.recurrence.cells.0.C_re"] == pytest.approx(1.0, rel=1e-3)


def test_ladder_names_and_errors():
    assert list(LADDER)[1:] == ["tanh", "dense", "real_im", "exp", "stable_exp", "ring", "lru"]
    assert get_rung("lru").normalise and not get_rung("ring").normalise
    with pytest.raises(ValueError, match="'gru'.*tanh"):
        get_rung("gru")
    with pytest.raises(ValueError, match="'polar'"):
        LRUCell(2, 2, param="polar")
    with pytest.raises(ValueError, match="exactly one"):
        DeepRecurrentClassifier(10, 4, 4, 1)
