"""Lipton et al. (2015): the chapter's figures, drawn from records."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnnbook.experiments.lipton2015.config import (
    BRNN,
    BRNN_MODELS,
    COPY,
    COPY_MODELS,
    GRADIENT_MODELS,
    GRADIENTS,
    TBPTT,
    truncation_label,
)
from rnnbook.experiments.lipton2015.report import COPY_COLORS, COPY_TITLES, _ok, chance_bit_errors
from rnnbook.experiments.lipton2015.report_gradients import init_factors_by_variant
from rnnbook.results import RunRecord

__all__ = [
    "plot_copy",
    "plot_gradients",
    "plot_head_trace",
    "plot_init_factors",
    "plot_training_curves",
]


def plot_gradients(records: Sequence[RunRecord], tag: str = "init"):
    """Mean log10 spectral norm of the Jacobian against the lag t - tau (one line per variant,
    mean over seeds; band: 10th-90th percentile over sequences of the first seed).

    Dashed: the simple law of the review, ``rate^(t - tau)``, with rate the spectral radius ρ
    (tanh) or the carousel's own rate (LSTM,
    :func:`~rnnbook.experiments.lipton2015.train_measures.carousel_log10_rate`), drawn within the
    range of the measured curves."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6), sharey=True)
    ok = _ok(records, GRADIENTS)
    for ax, model in zip(axes, GRADIENT_MODELS):
        runs = [r for r in ok if r.config["model"] == model]
        values = sorted({r.metrics["variant"] for r in runs})
        cmap = plt.get_cmap("viridis")
        references = []
        for k, v in enumerate(values):
            rs = [r for r in runs if r.metrics["variant"] == v]
            lag = rs[0].curves["lag"]
            mean = np.mean([r.curves[f"log10_norm_mean_{tag}"] for r in rs], 0)
            color = cmap(k / max(1, len(values) - 1))
            label = f"ρ = {v:g}" if model == "tanh" else f"forget bias {v:g}"
            ax.plot(lag, mean, color=color, label=label)
            ax.fill_between(
                lag,
                rs[0].curves[f"log10_norm_p10_{tag}"],
                rs[0].curves[f"log10_norm_p90_{tag}"],
                color=color,
                alpha=0.15,
                linewidth=0,
            )
            rate = (
                v if model == "tanh" else np.mean([r.metrics[f"{tag}_carousel_rate"] for r in rs])
            )
            references.append((np.asarray(lag) * np.log10(rate), color))
        low, high = ax.get_ylim()
        for y, color in references:
            ax.plot(lag, y, color=color, linestyle="--", linewidth=1)
        ax.set_ylim(low, high)
        law = "ρ^(t−τ)" if model == "tanh" else "carousel alone"
        ax.plot([], [], color="0.4", linestyle="--", linewidth=1, label=f"dashed: {law}")
        ax.set_xlabel("lag t − τ (steps)")
        what = "‖∂h_t/∂h_τ‖₂" if model == "tanh" else "‖∂s_t/∂s_τ‖₂ (memory cell)"
        ax.set_title(f"{'tanh RNN' if model == 'tanh' else 'LSTM'}: {what}, {tag}")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("log10 of the spectral norm")
    fig.tight_layout()
    return fig


def plot_init_factors(records: Sequence[RunRecord]):
    """The per-step factor at initialisation of every seed, one column of points per variant
    (spread sideways to be seen), its median as a bar, and the factor 1 that keeps a gradient."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    groups = init_factors_by_variant(records)
    keys = sorted(groups, key=lambda k: (GRADIENT_MODELS.index(k[0]), k[1]))
    fig, ax = plt.subplots(figsize=(8, 3.8))
    rng = np.random.default_rng(0)  # the sideways spread only
    for x, key in enumerate(keys):
        y = np.asarray(groups[key])
        color = "#1f77b4" if key[0] == "tanh" else "#2ca02c"
        ax.scatter(x + rng.uniform(-0.25, 0.25, len(y)), y, s=6, alpha=0.5, color=color)
        ax.plot([x - 0.3, x + 0.3], [np.median(y)] * 2, color="black", linewidth=1.5)
    ax.axhline(1.0, color="0.4", linestyle="--", linewidth=1, label="1: the gradient kept")
    ax.set_xticks(range(len(keys)))
    names = [f"tanh\nρ = {v:g}" if m == "tanh" else f"LSTM\nb_f = {v:g}" for m, v in keys]
    ax.set_xticklabels(names)
    counts = sorted({len(v) for v in groups.values()}) or [0]
    n = f"{counts[0]:,}" if len(counts) == 1 else f"{counts[0]:,} to {counts[-1]:,}"
    ax.set_ylabel("per-step factor at initialisation")
    ax.set_title(f"The per-step factor of the Jacobian norm, {n} seeds per variant")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_training_curves(records: Sequence[RunRecord]):
    """Validation accuracy against updates: one panel per lag of the truncated-BPTT experiment
    (one line per window) and one for the BRNN experiment (one line per model); mean over seeds,
    band their range."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    ok = _ok(records)
    panels: list[tuple[str, dict[str, list[RunRecord]]]] = []
    for lag in sorted({r.config["lag"] for r in ok if r.experiment == TBPTT}):
        lines: dict[str, list[RunRecord]] = {}
        runs = [r for r in ok if r.experiment == TBPTT and r.config["lag"] == lag]
        for r in sorted(runs, key=lambda r: r.metrics["window"] or 10**9):
            lines.setdefault(truncation_label(r.metrics["window"]), []).append(r)
        panels.append((f"Truncated BPTT, lag {lag}", lines))
    brnn = {
        m: [r for r in ok if r.experiment == BRNN and r.config["model"] == m] for m in BRNN_MODELS
    }
    if any(brnn.values()):
        panels.append(("Labelling with future context", {k: v for k, v in brnn.items() if v}))
    fig, axes = plt.subplots(1, max(1, len(panels)), figsize=(4.2 * max(1, len(panels)), 3.4))
    axes = np.atleast_1d(axes)
    cmap = plt.get_cmap("viridis")
    for ax, (title, lines) in zip(axes, panels):
        for k, (label, rs) in enumerate(lines.items()):
            color = cmap(k / max(1, len(lines) - 1))
            plots.band(
                ax, rs[0].curves["updates"], [r.curves["valid_accuracy"] for r in rs], label, color
            )
        ax.set_xlabel("updates")
        ax.set_ylabel("validation accuracy")
        ax.set_title(title)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_copy(records: Sequence[RunRecord]):
    """Copy task against sequence length: bit errors per sequence (left; log scale, plus one, with
    the chance level dashed), the share of sequences copied without error (middle), and the
    validation bit errors during training (right); mean over seeds and their range."""
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    from rnnbook.results import plots

    plots.use_style()
    fig, (ax, ax_p, ax2) = plt.subplots(1, 3, figsize=(14, 3.8))
    ok = _ok(records, COPY)
    for m in COPY_MODELS:
        rs = [r for r in ok if r.config["model"] == m]
        if not rs:
            continue
        lengths = rs[0].config["test_lengths"]
        errs = [[r.metrics[f"L{n}_bit_errors"] + 1 for n in lengths] for r in rs]
        plots.band(ax, lengths, errs, COPY_TITLES[m], COPY_COLORS[m])
        perfect = [[r.metrics[f"L{n}_perfect"] for n in lengths] for r in rs]
        plots.band(ax_p, lengths, perfect, COPY_TITLES[m], COPY_COLORS[m])
        plots.band(
            ax2,
            rs[0].curves["updates"],
            [r.curves["valid_bit_errors"] for r in rs],
            COPY_TITLES[m],
            COPY_COLORS[m],
        )
    if ok:
        lengths = sorted({n for r in ok for n in r.config["test_lengths"]})
        ax.plot(
            lengths,
            [chance_bit_errors(n) + 1 for n in lengths],
            color="0.4",
            linestyle="--",
            linewidth=1,
            label="chance (half the bits)",
        )
        for a in (ax, ax_p):
            a.axvspan(
                ok[0].config["train_min"],
                ok[0].config["train_max"],
                color="0.88",
                zorder=0,
                label="training lengths",
            )
    plots.plain_log_axis(ax)
    ax.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 3.0)))
    ax.yaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_xlabel("sequence length")
    ax.set_ylabel("bit errors per sequence + 1")
    ax.set_title("Errors against length")
    ax.legend(fontsize=7)
    ax_p.set_ylim(-0.03, 1.03)
    ax_p.set_xlabel("sequence length")
    ax_p.set_ylabel("share copied without error")
    ax_p.set_title("Perfect copies against length")
    ax2.set_xlabel("updates")
    ax2.set_ylabel("validation bit errors per sequence")
    ax2.set_title("Validation on the training lengths")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_head_trace(records: Sequence[RunRecord]):
    """Each NTM's write and read focus (row of largest weight) at each step of copying one
    length-20 sequence, first seed; marker size is that row's weight (Graves et al. 2014, Fig. 6,
    reduced to the focus). One panel per NTM model recorded."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    ok = [r for r in _ok(records, COPY) if "head_trace_length20" in r.extra]
    models = [m for m in COPY_MODELS if any(r.config["model"] == m for r in ok)]
    fig, axes = plt.subplots(1, max(1, len(models)), figsize=(5 * max(1, len(models)), 3.4))
    axes = np.atleast_1d(axes)
    for ax, m in zip(axes, models):
        tr = next(r for r in ok if r.config["model"] == m).extra["head_trace_length20"]
        steps = np.arange(len(tr["write_row"]))
        ax.scatter(steps, tr["write_row"], s=4 + 30 * np.asarray(tr["write_weight"]), label="write")
        ax.scatter(
            steps,
            tr["read_row"],
            s=4 + 30 * np.asarray(tr["read_weight"]),
            marker="x",
            label="read",
        )
        ax.axvline(20, color="0.5", linestyle=":", label="delimiter")
        ax.set_title(f"{COPY_TITLES[m]}: heads while copying 20 vectors")
        ax.legend(fontsize=7)
    for ax in axes:
        ax.set_xlabel("time step")
        ax.set_ylabel("memory row in focus")
    fig.tight_layout()
    return fig
