"""Pascanu et al. (2013): the chapter's figures, drawn from records -- Figure 7, the gradient norms
with and without clipping, and length generalisation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from rnnbook.data.synthetic import TASKS
from rnnbook.experiments.pascanu2013.config import (
    GENERALISATION_EXPERIMENTS,
    INIT_TITLES,
    INITS,
    METHOD_TITLES,
    METHODS,
    PAPER_SUCCESS,
    SUCCESS_ERROR,
)
from rnnbook.experiments.pascanu2013.config_seeds import FIGURE7_EXPERIMENTS
from rnnbook.experiments.pascanu2013.report import (
    CHANCE_ERROR,
    _method,
    _taken,
    _traced,
    success_rates,
)
from rnnbook.profiles import PROFILES
from rnnbook.results import RunRecord

__all__ = ["plot_generalisation", "plot_grad_norms", "plot_success"]


def plot_success(records: Sequence[RunRecord]):
    """Figure 7 redrawn: success rate against length, one panel per initialisation, ours (solid)
    beside the paper's claim at 50-200 (dashed, hollow: read from its text). Lines that coincide
    are drawn slightly apart (by 0.012) so that each stays visible."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    runs = sorted({n for _, n in success_rates(records).values()})
    profiles = sorted(
        {r.profile for r in records if r.experiment in FIGURE7_EXPERIMENTS}, key=PROFILES.index
    )
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2), sharex=True, sharey=True)
    for ax, init in zip(axes, INITS):
        for k, method in enumerate(METHODS):
            for j, profile in enumerate(profiles):  # one segment per budget, never joined
                rates = success_rates([r for r in records if r.profile == profile])
                pts = sorted(
                    (n, v[0]) for (i, m, n), v in rates.items() if i == init and m == method
                )
                if pts:
                    x, y = zip(*pts)
                    offset = (k - 1) * 0.012  # keep overlapping lines apart
                    ax.plot(
                        x,
                        [v + offset for v in y],
                        "-",
                        marker="os^"[j % 3],
                        label=f"{METHOD_TITLES[method]}, ours",
                        color=plots.color(method),
                    )
            paper = sorted(
                (n, v) for (n, i, m), v in PAPER_SUCCESS.items() if (i, m) == (init, method)
            )
            if paper:
                x, y = zip(*paper)
                offset = (k - 1) * 0.012
                ax.plot(
                    x,
                    [v + offset for v in y],
                    "--",
                    marker="o",
                    fillstyle="none",
                    color=plots.color(method),
                    alpha=0.6,
                    label=f"{METHOD_TITLES[method]}, paper",
                )
        ax.set_title(f"{INIT_TITLES[init]} initialisation")
        ax.set_xlabel("sequence length")
        ax.set_ylim(-0.05, 1.05)
    seeds = f" ({'/'.join(map(str, runs))} seeds per point)" if runs else ""
    budgets = []
    for j, profile in enumerate(profiles):
        done = [r for r in records if r.profile == profile and r.experiment in FIGURE7_EXPERIMENTS]
        most = max(r.metrics.get("updates", 0) for r in done)
        budgets.append(f"{'●■▲'[j % 3]} `{profile}`: at most {most:,} updates")
    if budgets:
        fig.suptitle("Ours by profile: " + "; ".join(budgets).replace("`", ""))
    axes[0].set_ylabel("rate of success" + seeds)
    handles = {lab: h for ax in axes for h, lab in zip(*ax.get_legend_handles_labels())}
    if handles:
        axes[0].legend(handles.values(), handles.keys())
    fig.tight_layout()
    return fig


def plot_grad_norms(records: Sequence[RunRecord], length: int | None = None):
    """The gradient norm of every update (before clipping) of the traced seed of each job at
    ``length`` (default: the longest): one row per initialisation, one column per method. SGD
    takes every step whole; SGD-C and SGD-CR rescale any step above the threshold (dashed)."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    runs = _traced(records)
    if length is None and runs:
        length = max(r.config["length"] for r in runs)
    runs = [r for r in runs if r.config["length"] == length]
    fig, axes = plt.subplots(len(INITS), 3, figsize=(11, 7.2), sharex=True, sharey=True)
    for row, init in enumerate(INITS):
        for col, method in enumerate(METHODS):
            ax = axes[row, col]
            for r in runs:
                if r.config["init"] != init or _method(r) != method:
                    continue
                norms = _taken(r)
                ax.plot(np.arange(1, len(norms) + 1), norms, lw=0.5, color=plots.color(method))
                ax.axhline(r.config["clip"], ls="--", color="k", lw=1, label="clipping threshold")
            ax.set_yscale("log")
            ax.set_title(f"{METHOD_TITLES[method]}, {INIT_TITLES[init]}", fontsize=9)
            if row == len(INITS) - 1:
                ax.set_xlabel("update")
            if col == 0:
                ax.set_ylabel("gradient norm")
    # the threshold's line, on the top-left panel even when that panel has no run (smoke)
    thresholds = [h for ax in axes.flat for h in ax.get_legend_handles_labels()[0]][:1]
    if thresholds:
        axes[0, 0].legend(thresholds, ["clipping threshold"], loc="upper right", fontsize=7)
    fig.suptitle(f"temporal order, length {length}: gradient norm before clipping, seed 0")
    fig.tight_layout()
    return fig


def plot_generalisation(records: Sequence[RunRecord]):
    """Test error against the test length of every generalisation model; the shaded band is
    the range of lengths it was trained on (a square: the error on fresh sequences of those
    lengths), the dotted lines the error of a guess that ignores the input
    (:data:`~rnnbook.experiments.pascanu2013.report.CHANCE_ERROR`)."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    runs = [r for r in records if r.experiment in GENERALISATION_EXPERIMENTS]
    fig, ax = plt.subplots(figsize=(5.6, 3.4))
    for r in runs:
        c = r.config
        xs = list(c["test_lengths"])
        ys = [100 * r.metrics[f"L{n}_error"] for n in xs]
        (line,) = ax.plot(xs, ys, "o-", label=f"{TASKS[c['task']].title}, seed {r.seed}")
        middle = math.sqrt(c["length"] * c["max_length"])  # the error at the training lengths
        ax.plot([middle], [100 * r.metrics["test_error"]], "s", color=line.get_color())
        chance = CHANCE_ERROR.get(c["task"])
        if chance is not None:
            ax.axhline(100 * chance, ls=":", lw=1, color=line.get_color())
    if runs:
        c = runs[0].config
        ax.axvspan(c["length"], c["max_length"], color="0.85", label="training lengths")
        ax.plot([], [], ls=":", color="0.4", label="guess ignoring the input")
    ax.axhline(100 * SUCCESS_ERROR, ls="--", color="k", lw=1, label="1% (success)")
    ax.set_xscale("log")
    ax.set_xlabel("test sequence length")
    ax.set_ylabel("test error (%)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
