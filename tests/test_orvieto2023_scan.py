"""The two scans of the LRU's linear recurrence (Orvieto et al. 2023, Sec. 2): the parallel
associative scan equals the loop, forward and backward, for every length and dtype."""

from __future__ import annotations

import pytest
import torch

from rnnbook.models.scan import auto_method, parallel_scan, scan, sequential_scan

LENGTHS = (1, 2, 3, 5, 7, 8, 13, 64, 100, 257)


def reference(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The recurrence written out, differentiated by autograd, in the inputs' dtype."""
    h = b[0]
    out = [h]
    for t in range(1, b.shape[0]):
        h = (a[0] if a.shape[0] == 1 else a[t]) * h + b[t]
        out.append(h)
    return torch.stack(out)


def inputs(length: int, dtype: torch.dtype, constant: bool, seed: int = 0, size=(2, 3, 5)):
    g = torch.Generator().manual_seed(seed + length)
    e, batch, n = size
    shape = (1 if constant else length, e, 1, n)
    radius = 0.3 + 0.69 * torch.rand(shape, generator=g, dtype=torch.float64)
    if dtype.is_complex:
        phase = 6.28 * torch.rand(shape, generator=g, dtype=torch.float64)
        a = torch.polar(radius, phase).to(dtype)
        b = torch.complex(
            torch.randn(length, e, batch, n, generator=g, dtype=torch.float64),
            torch.randn(length, e, batch, n, generator=g, dtype=torch.float64),
        ).to(dtype)
    else:
        a = (radius * torch.sign(torch.randn(shape, generator=g, dtype=torch.float64))).to(dtype)
        b = torch.randn(length, e, batch, n, generator=g, dtype=torch.float64).to(dtype)
    return a.requires_grad_(), b.requires_grad_()


def values_and_grads(fn, a, b, weights):
    h = fn(a, b)
    (ga, gb) = torch.autograd.grad((h * weights).real.sum(), (a, b), allow_unused=True)
    return h, (torch.zeros_like(a) if ga is None else ga), gb


@pytest.mark.parametrize("dtype", [torch.float32, torch.complex64])
@pytest.mark.parametrize("constant", [True, False], ids=["a(1)", "a(T)"])
@pytest.mark.parametrize("length", LENGTHS)
def test_parallel_equals_sequential_forward_and_backward(length, dtype, constant):
    a, b = inputs(length, dtype, constant)
    g = torch.Generator().manual_seed(7)
    weights = torch.randn(b.shape, generator=g).to(dtype)
    ref = values_and_grads(reference, a, b, weights)
    for fn in (sequential_scan, parallel_scan):
        got = values_and_grads(fn, a, b, weights)
        for x, y in zip(got, ref):
            torch.testing.assert_close(x, y, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
@pytest.mark.parametrize("constant", [True, False], ids=["a(1)", "a(T)"])
@pytest.mark.parametrize("fn", [sequential_scan, parallel_scan], ids=["sequential", "parallel"])
def test_gradcheck(fn, dtype, constant):
    a, b = inputs(7, dtype, constant, seed=3, size=(1, 2, 2))
    assert torch.autograd.gradcheck(fn, (a, b))


def test_time_invariant_and_expanded_coefficients_agree():
    a, b = inputs(11, torch.complex128, constant=True)
    expanded = a.detach().expand(11, *a.shape[1:]).clone()
    torch.testing.assert_close(parallel_scan(a, b), parallel_scan(expanded, b))


def test_known_values():
    """h_t = 0.5 h_{t-1} + 1 from h_1 = 1: 1, 1.5, 1.75, 1.875, 1.9375."""
    a = torch.full((1, 1), 0.5)
    b = torch.ones(5, 1)
    expected = torch.tensor([1.0, 1.5, 1.75, 1.875, 1.9375]).view(5, 1)
    torch.testing.assert_close(sequential_scan(a, b), expected)
    torch.testing.assert_close(parallel_scan(a, b), expected)


def test_a_broken_parallel_scan_would_be_caught():
    """Guard against a vacuous comparison: a wrong coefficient changes the result."""
    a, b = inputs(9, torch.float64, constant=True)
    assert not torch.allclose(parallel_scan(a * 0.9, b), sequential_scan(a, b))


def test_scan_dispatch_and_errors():
    a, b = inputs(6, torch.float64, constant=True)
    torch.testing.assert_close(scan(a, b, "parallel"), scan(a, b, "sequential"))
    assert auto_method("cpu", 4096) == "sequential"
    assert auto_method("cuda", 4096) == "parallel" and auto_method("cuda", 2) == "sequential"
    with pytest.raises(ValueError, match="'fast'.*sequential, parallel, auto"):
        scan(a, b, "fast")
    with pytest.raises(ValueError, match="time axis"):
        sequential_scan(a[:, 0], b)
    with pytest.raises(ValueError, match="non-empty"):
        parallel_scan(a, b[:0])
