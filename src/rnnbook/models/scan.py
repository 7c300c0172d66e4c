"""Two ways to compute the linear recurrence ``h_t = a_t * h_{t-1} + b_t`` (with ``h_0 = 0``).

Orvieto et al. (2023, Sec. 2 and Appendix A) compute the LRU with a *parallel associative scan*:
the pairs ``(a_t, b_t)`` compose under

    (a, b) o (a', b') = (a' a, a' b + b'),

an associative operation, so all prefixes are found in ``O(log T)`` parallel steps instead of
``T`` sequential ones (Blelloch 1990). This module holds both computations:

- :func:`sequential_scan` -- the loop, one step per time step;
- :func:`parallel_scan` -- the work-efficient (odd/even) associative scan of depth ``2 log2 T``,
  any length (not only powers of two);
- :func:`scan` -- picks one by name, or the faster for the device (``"auto"``).

Both are differentiable, real or complex. Their backward pass is the same recurrence run
backwards in time, computed by the same method: with ``G_t = dL/dh_t`` accumulated from the end,

    G_t = g_t + conj(a_{t+1}) G_{t+1},   dL/db_t = G_t,   dL/da_t = G_t conj(h_{t-1}),

(PyTorch's convention for complex gradients), so neither stores a graph of T steps: the loop
costs two passes of T cheap steps, the parallel scan two scans of depth ``O(log T)``.

Time is the first axis: ``b`` is (T, ...); ``a`` is (T, ...) or (1, ...) when it does not depend on
time (the LRU's ``lambda``), and broadcasts against ``b``.
"""

from __future__ import annotations

import torch
from torch import Tensor

SCANS = ("sequential", "parallel", "auto")

#: From this many steps on, ``scan(method="auto")`` uses the parallel scan (``None``: never).
#: Measured with ``benchmarks/lru_speed.py`` (the chapter's section on speed): on a CPU the loop
#: is faster at every length we tried, since each of its steps is one cheap element-wise product
#: while the parallel scan does about twice the arithmetic and copies its halves at every level
#: (``benchmarks/scan.py`` agrees). On a GPU the loop pays kernel launches at every step, so the
#: parallel scan is expected to win from short lengths on; the threshold of 8 is that expectation,
#: not yet a measurement: no GPU run is recorded.
AUTO_PARALLEL_FROM: dict[str, int | None] = {"cpu": None, "cuda": 8}


def _check(a: Tensor, b: Tensor) -> None:
    if b.dim() < 1 or b.shape[0] == 0:
        raise ValueError(f"b must have a non-empty time axis first, got shape {tuple(b.shape)}")
    if a.dim() != b.dim() or a.shape[0] not in (1, b.shape[0]):
        raise ValueError(
            f"a must have b's rank with a time axis of 1 or {b.shape[0]}: "
            f"got a {tuple(a.shape)}, b {tuple(b.shape)}"
        )


# --- the two forward computations (no autograd graph) -------------------------------------------


def _loop(a: Tensor, b: Tensor) -> Tensor:
    shape = torch.broadcast_shapes(a.shape[1:], b.shape[1:])
    out = b.new_empty((b.shape[0], *shape))
    out[0] = b[0]
    constant = a.shape[0] == 1
    for t in range(1, b.shape[0]):
        torch.addcmul(b[t], a[0] if constant else a[t], out[t - 1], out=out[t])
    return out


def _interleave(even: Tensor, odd: Tensor) -> Tensor:
    """``[e0, o0, e1, o1, ...]`` along the time axis; ``even`` may be one longer than ``odd``."""
    n = odd.shape[0]
    paired = torch.stack((even[:n], odd), dim=1).flatten(0, 1)
    return torch.cat((paired, even[n:]), dim=0) if even.shape[0] > n else paired


def _tree(a: Tensor, b: Tensor) -> Tensor:
    """One level combines neighbours, ``(a_{2k}, b_{2k}) o (a_{2k+1}, b_{2k+1})``, halving the
    length; the half-length problem, solved recursively, gives every odd-indexed state; the
    even-indexed ones follow in one step, ``h_{2k} = a_{2k} h_{2k-1} + b_{2k}``. With an odd length
    the last element is even-indexed and filled in by that step, so any length works."""
    t = b.shape[0]
    if t == 1:
        return b
    n = t // 2
    if a.shape[0] == 1:  # time-invariant: a^2, a^4, ... instead of T-long products
        a_odd = a_even = a
        a_pair = a * a
    else:
        a_odd, a_even = a[1 : 2 * n : 2], a[2::2]
        a_pair = a_odd * a[0 : 2 * n : 2]
    b_pair = a_odd * b[0 : 2 * n : 2] + b[1 : 2 * n : 2]
    h_odd = _tree(a_pair, b_pair)  # h_1, h_3, ..., h_{2n-1}
    h_even = torch.cat((b[:1], a_even * h_odd[: (t - 1) // 2] + b[2::2]), 0)
    return _interleave(h_even, h_odd)


_FORWARD = {"sequential": _loop, "parallel": _tree}


# --- autograd: the backward pass is the reversed recurrence ---------------------------------------


def _loop_backward(a: Tensor, grad_h: Tensor) -> Tensor:
    """``G_t = g_t + conj(a_{t+1}) G_{t+1}`` from the last step back to the first."""
    a = a.conj().resolve_conj()
    out = torch.empty_like(grad_h)
    out[-1] = grad_h[-1]
    constant = a.shape[0] == 1
    for t in range(grad_h.shape[0] - 2, -1, -1):
        torch.addcmul(grad_h[t], a[0] if constant else a[t + 1], out[t + 1], out=out[t])
    return out


def _tree_backward(a: Tensor, grad_h: Tensor) -> Tensor:
    """The same reversed recurrence by the associative scan: in reversed time step ``s`` has the
    coefficient ``conj(a_{T-s})``."""
    a = a.conj().resolve_conj()
    if a.shape[0] > 1:
        flipped = a.flip(0)
        a = torch.cat((flipped[:1], flipped[:-1]), 0)  # step 0 has no predecessor: unused
    return _tree(a, grad_h.flip(0)).flip(0)


_BACKWARD = {"sequential": _loop_backward, "parallel": _tree_backward}


class _LinearRecurrence(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a: Tensor, b: Tensor, method: str) -> Tensor:
        h = _FORWARD[method](a, b)
        ctx.save_for_backward(a, h)
        ctx.method = method
        ctx.b_shape, ctx.b_dtype = b.shape, b.dtype
        return h

    @staticmethod
    def backward(ctx, grad_h: Tensor):
        a, h = ctx.saved_tensors
        grad = _BACKWARD[ctx.method](a, grad_h.contiguous())  # G_t
        grad_a = None
        if ctx.needs_input_grad[0]:
            g_a = grad[1:] * h[:-1].conj().resolve_conj()
            if a.shape[0] == 1:
                g_a = g_a.sum(0, keepdim=True)
            else:
                g_a = torch.cat((torch.zeros_like(g_a[:1]), g_a), 0)
            if not a.is_complex() and g_a.is_complex():
                g_a = g_a.real
            grad_a = g_a.sum_to_size(a.shape)
        grad_b = None
        if ctx.needs_input_grad[1]:
            grad_b = grad if not (grad.is_complex() and not ctx.b_dtype.is_complex) else grad.real
            grad_b = grad_b.sum_to_size(ctx.b_shape)
        return grad_a, grad_b, None


def _run(a: Tensor, b: Tensor, method: str) -> Tensor:
    _check(a, b)
    if a.is_complex() != b.is_complex():
        common = torch.promote_types(a.dtype, b.dtype)
        a, b = a.to(common), b.to(common)
    return _LinearRecurrence.apply(a, b, method)


def sequential_scan(a: Tensor, b: Tensor) -> Tensor:
    """``h_t = a_t * h_{t-1} + b_t`` one step at a time, ``h_0 = 0``; returns all ``h_t`` (T, ...).

    The reference computation; its backward pass is the same loop run from the end.
    """
    return _run(a, b, "sequential")


def parallel_scan(a: Tensor, b: Tensor) -> Tensor:
    """The associative scan of ``h_t = a_t * h_{t-1} + b_t`` (``h_0 = 0``), depth ``O(log T)``.

    Work-efficient (``O(T)`` operations, the odd/even recursion of Blelloch 1990) and valid for
    every length; equal to :func:`sequential_scan` up to rounding, forward and backward.
    """
    return _run(a, b, "parallel")


def auto_method(device: torch.device | str, length: int) -> str:
    """The faster correct scan for ``device`` and a sequence of ``length`` steps."""
    threshold = AUTO_PARALLEL_FROM.get(torch.device(device).type, AUTO_PARALLEL_FROM["cuda"])
    return "parallel" if threshold is not None and length >= threshold else "sequential"


def scan(a: Tensor, b: Tensor, method: str = "auto") -> Tensor:
    """``h_t = a_t * h_{t-1} + b_t`` with ``method`` ``"sequential"``, ``"parallel"`` or
    ``"auto"`` (:func:`auto_method`)."""
    if method == "auto":
        method = auto_method(b.device, b.shape[0])
    if method not in _FORWARD:
        raise ValueError(f"unknown scan {method!r}: choose one of {', '.join(SCANS)}")
    return _run(a, b, method)
