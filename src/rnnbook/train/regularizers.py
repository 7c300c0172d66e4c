"""The vanishing-gradient regulariser Omega of Pascanu, Mikolov & Bengio (2013), Sec. 3.3.

With states ``h_k`` of a simple RNN ``h_{k+1} = f(h_k U + x_{k+1} W + b)`` (row vectors, the
layout of :class:`~rnnbook.cells.SimpleCell`) and the error signals ``g_{k+1} = dE/dh_{k+1}``
that backpropagation through time computes,

    Omega = sum_k ( || g_{k+1} dh_{k+1}/dh_k || / || g_{k+1} || - 1 )^2,
    g_{k+1} dh_{k+1}/dh_k = (g_{k+1} * f'(a_{k+1})) U^T,

Eq. (9) of the paper. It asks the Jacobian to preserve the norm of the error signal along the
direction in which the signal actually travels. As in the paper (Eq. 10), its gradient is the
*immediate* derivative with respect to ``U``: ``g_{k+1}`` and the states are held constant.

Two details follow the authors' code (github.com/pascanur/trainingRNNs, ``RNN.py``): the terms
are *averaged* over the time steps k and the examples of the minibatch rather than summed (so
the regulariser weight alpha does not scale with the length), and a pair whose error signal has
squared norm below ``bound`` (1e-20) is left out. The code compares *squared* norms; we use the
norms of Eq. (9).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

#: Pairs (k, example) whose error signal has a squared norm below this are left out.
BOUND = 1e-20


def activation_derivative(nonlinearity: str, h: Tensor) -> Tensor:
    """``f'(a)`` written in terms of the unit's output ``h = f(a)``."""
    if nonlinearity == "tanh":
        return 1.0 - h * h
    if nonlinearity == "sigmoid":
        return h * (1.0 - h)
    if nonlinearity == "relu":
        return (h > 0).to(h.dtype)
    raise ValueError(f"unknown nonlinearity {nonlinearity!r}: use tanh, sigmoid or relu")


def omega(
    weight_hh: Tensor,
    errors: Tensor,
    states: Tensor,
    nonlinearity: str,
    bound: float = BOUND,
) -> Tensor:
    """Omega per member, (E,): the mean over steps and examples of Eq. (9)'s terms.

    ``weight_hh`` (E, H, H) is ``U``; ``errors`` (E, T, B, H) are ``dE/dh_1 .. dE/dh_T``; ``states``
    (E, T, B, H) are ``h_1 .. h_T``. Term k (k = 0 .. T-1) measures the step from ``h_k`` to
    ``h_{k+1}``, the first from the initial state. Differentiating the result differentiates only
    through ``weight_hh``: ``errors`` and ``states`` are detached here.
    """
    e, t, b, n_h = errors.shape
    g = errors.detach()
    scaled = (g * activation_derivative(nonlinearity, states.detach())).reshape(e, t * b, n_h)
    back = torch.bmm(scaled, weight_hh.transpose(1, 2)).reshape(e, t, b, n_h)
    g_sq = g.pow(2).sum(-1)
    valid = g_sq >= bound
    ratio = torch.linalg.vector_norm(back, dim=-1) / torch.where(valid, g_sq, 1.0).sqrt()
    terms = torch.where(valid, (ratio - 1.0) ** 2, torch.zeros_like(ratio))
    return terms.sum((1, 2)) / valid.sum((1, 2)).clamp_min(1).to(terms.dtype)


def add_omega(
    task_losses: Tensor,
    params: Sequence[Tensor],
    states: Sequence[Tensor],
    weight_hh: Tensor,
    alpha: Tensor,
    nonlinearity: str,
    bound: float = BOUND,
) -> tuple[Tensor, Tensor]:
    """The loss to hand to :func:`~rnnbook.train.loop.fit` for SGD-CR, ``E + alpha Omega``;
    and Omega.

    One backward pass through time gives both the gradient of ``E`` with respect to ``params``
    and the error signals ``dE/dh_k`` (the gradient with respect to each state in ``states``, the
    tensors the forward pass produced). The returned loss has the value of ``E`` (per member,
    (E,)) and the gradient ``dE/dparams + alpha d+Omega/dU``: a linear surrogate carries the
    first, ``alpha * (Omega - Omega.detach())`` the second, so backpropagation through time is not
    run a second time. ``alpha`` (E,) is each member's weight (0 for SGD and SGD-C).
    """
    params = list(params)
    grads = torch.autograd.grad(task_losses.sum(), [*params, *states], allow_unused=True)
    param_grads, errors = grads[: len(params)], grads[len(params) :]
    errors = torch.stack(
        [torch.zeros_like(s) if g is None else g for g, s in zip(errors, states)], dim=1
    )
    h = torch.stack([s.detach() for s in states], dim=1)
    reg = omega(weight_hh, errors, h, nonlinearity, bound)
    linear = task_losses.new_zeros(task_losses.shape)
    for p, g in zip(params, param_grads):
        if g is not None:
            linear = linear + (p * g).flatten(1).sum(1)
    alpha = alpha.to(reg.dtype)
    surrogate = task_losses.detach() + (linear - linear.detach()) + alpha * (reg - reg.detach())
    return surrogate, reg.detach()
