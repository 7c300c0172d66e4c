"""Pascanu et al. (2013), Sec. 3.2 and Figure 6: the "steep wall" of a one-unit network."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

__all__ = ["one_unit_error", "one_unit_slice", "plot_error_surface", "wall_slope"]


def one_unit_error(
    w: Tensor, b: Tensor, steps: int, x0: float = 0.5, target: float = 0.7
) -> Tensor:
    """``E = (x_T - target)^2`` for the one-unit network ``x_t = w sigmoid(x_{t-1}) + b``,
    ``x_0 = x0``, elementwise over tensors of weights and biases (the model of the paper's
    Figure 6; the start, target and length are our choice)."""
    x = torch.full_like(w, x0)
    for _ in range(steps):
        x = w * torch.sigmoid(x) + b
    return (x - target) ** 2


def _cut(w: float, lo: float, hi: float, points: int, steps: int):
    b = torch.linspace(lo, hi, points, dtype=torch.float64, requires_grad=True)
    e = one_unit_error(torch.full_like(b, w), b, steps)
    (g,) = torch.autograd.grad(e.sum(), b)
    return b.detach(), e.detach(), g.abs()


def one_unit_slice(
    w: float = 8.0, b_range=(-6.0, -2.0), points: int = 40_001, steps=(10, 20, 50)
) -> dict[int, dict[str, np.ndarray]]:
    """The error and ``|dE/db|`` on an even grid along a line of fixed ``w`` through the wall,
    per length. Beyond about 15 steps the wall is narrower than the grid's spacing: its slope is
    :func:`wall_slope`'s to find."""
    out = {}
    for t in steps:
        b, e, g = _cut(w, *b_range, points, t)
        out[t] = {"b": b.numpy(), "error": e.numpy(), "grad": g.numpy()}
    return out


def wall_slope(
    steps: int,
    w: float = 8.0,
    b_range=(-6.0, -2.0),
    points: int = 401,
    rounds: int = 40,
) -> tuple[float, float]:
    """The steepest ``|dE/db|`` along the line of fixed ``w`` and where it is. The wall can be
    far narrower than any even grid (about ``1 / slope`` wide), so the grid is narrowed around
    the largest jump of ``E`` between neighbouring points until no jump is above 1/1000 of the
    first grid's largest (the wall is resolved) or the points reach float64's spacing.
    Returns ``(slope, b)``."""
    lo, hi = b_range
    best, where, height = 0.0, lo, None
    for _ in range(rounds):
        b, e, g = _cut(w, lo, hi, points, steps)
        i = int(torch.argmax(torch.nan_to_num(g)))
        if float(g[i]) > best:
            best, where = float(g[i]), float(b[i])
        jumps = (e[1:] - e[:-1]).abs()
        j = int(torch.argmax(jumps))
        height = float(jumps[j]) if height is None else height
        if float(jumps[j]) <= 1e-3 * height:
            break
        lo, hi = float(b[max(j - 1, 0)]), float(b[min(j + 2, points - 1)])
        if hi - lo <= points * np.spacing(abs(lo)):
            break
    return best, where


def plot_error_surface(
    length: int = 20,
    w_range=(4.0, 12.0),
    b_range=(-8.0, 0.0),
    lengths: Sequence[int] = tuple(range(2, 51, 2)),
):
    """Left: E over (w, b) for one length: a narrow valley flanked by a wall, where x_T jumps
    from one attractor of the map to the other (the red line is the cut of the middle panel).
    Middle: E along w = 8 for several lengths. Right: the steepest ``|dE/db|`` on that cut
    (:func:`wall_slope`) against the length, beside its median over the cut: the wall's slope
    grows exponentially with the length while the rest of the surface does not change. An SGD
    step taken on the wall moves the parameters by the learning rate times that slope; a
    clipped step by at most the learning rate times the threshold."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    w, b = torch.meshgrid(
        torch.linspace(*w_range, 300, dtype=torch.float64),
        torch.linspace(*b_range, 300, dtype=torch.float64),
        indexing="ij",
    )
    e = one_unit_error(w, b, length).numpy()
    fig, axes = plt.subplots(1, 3, figsize=(12.5, 3.8))
    axes[0].remove()
    surface = fig.add_subplot(1, 3, 1, projection="3d")
    surface.plot_surface(
        w.numpy(), b.numpy(), e.clip(max=40), cmap="viridis", linewidth=0, rstride=2, cstride=2
    )
    surface.plot([8.0, 8.0], list(b_range), [0.0, 0.0], color="r", lw=1)
    surface.set_xlabel("recurrent weight w")
    surface.set_ylabel("bias b")
    surface.set_zlabel("error (cut at 40)")
    surface.set_title(f"error surface, T = {length}")
    cut = one_unit_slice()
    for k, (t, d) in enumerate(cut.items()):
        axes[1].plot(d["b"], d["error"], label=f"T = {t}", lw=1.6 - 0.4 * k)
    axes[1].set_yscale("log")
    axes[1].set_xlabel("bias b (w = 8)")
    axes[1].set_ylabel("error")
    axes[1].set_title("a cut through the wall")
    axes[1].legend()
    steep = [wall_slope(t)[0] for t in lengths]
    typical = [float(np.median(_cut(8.0, -6.0, -2.0, 2001, t)[2])) for t in lengths]
    axes[2].plot(lengths, steep, "o-", ms=3, label="steepest, on the wall")
    axes[2].plot(lengths, typical, "s-", ms=3, label="median over the cut")
    axes[2].axhline(1.0, color="k", ls="--", lw=1, label="a clipping threshold (1)")
    axes[2].set_yscale("log")
    axes[2].set_xlabel("length T")
    axes[2].set_ylabel("|dE/db| along w = 8")
    axes[2].set_title("the slope of the wall")
    axes[2].legend()
    fig.tight_layout()
    return fig
