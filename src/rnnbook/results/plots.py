"""Plot helpers with one consistent style for every chapter's figures."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

from rnnbook.results.records import repo_root

#: One colour per model family, the same in every chapter.
COLORS = {
    "tanh": "#7f7f7f",
    "simple": "#7f7f7f",
    "gru": "#1f77b4",
    "lstm": "#d62728",
    "sgd": "#7f7f7f",
    "sgd-c": "#1f77b4",
    "sgd-cr": "#2ca02c",
    "lru": "#9467bd",
}
STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    # readable when a three- or four-panel figure is scaled to the page's width
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 1.6,
}


def use_style() -> None:
    """Apply the book's matplotlib style."""
    plt.rcParams.update(STYLE)


def plain_log_axis(ax: plt.Axes, axis: str = "y") -> None:
    """A log scale labelled with plain numbers (4, 6, 10) rather than powers of ten."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    target.set_major_formatter(ticker.ScalarFormatter())
    target.set_minor_formatter(ticker.FormatStrFormatter("%g"))


def color(name: str) -> str | None:
    return COLORS.get(name.lower())


def figures_dir(chapter: str) -> Path:
    """``<repo>/book/figures/<chapter>``: figures are saved alongside the book."""
    path = repo_root() / "book" / "figures" / chapter
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(fig: plt.Figure, chapter: str, name: str) -> None:
    """Save ``fig`` as ``book/figures/<chapter>/<name>.png``.

    Returns nothing, so that a notebook cell ending in ``plots.save(...)`` shows no path of the
    build machine; :func:`figures_dir` says where the file is.
    """
    fig.savefig(figures_dir(chapter) / f"{name}.png", bbox_inches="tight")


def band(
    ax: plt.Axes,
    x: Sequence[float],
    runs: Sequence[Sequence[float]],
    label: str,
    color: str | None = None,
    linestyle: str = "-",
) -> None:
    """Mean of several runs as a line, their min-max range as a shaded band.

    Runs of different lengths (early stopping) are cut to the shortest.
    """
    n = min(len(r) for r in runs)
    y = np.asarray([r[:n] for r in runs], dtype=float)
    x = np.asarray(x[:n], dtype=float)
    (line,) = ax.plot(x, y.mean(0), label=label, color=color, linestyle=linestyle)
    if len(runs) > 1:
        ax.fill_between(x, y.min(0), y.max(0), color=line.get_color(), alpha=0.2, linewidth=0)
