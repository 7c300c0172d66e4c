"""Orvieto et al. (2023): the chapter's figures, drawn from records and data."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from rnnbook.cells.lru import LADDER
from rnnbook.data.pathfinder import PathfinderSpec
from rnnbook.experiments.orvieto2023.config import (
    LADDER_EXPERIMENT,
    LADDER_RUNGS,
    PAPER_LADDER,
    PAPER_SPEEDUP,
    SPEED_EXPERIMENT,
    STANDS_IN_FOR,
    TASK_TITLES,
    TASKS,
    TASKS_EXPERIMENT,
    TaskSpec,
)
from rnnbook.experiments.orvieto2023.data import load_task
from rnnbook.experiments.orvieto2023.report import _ok, accuracies
from rnnbook.experiments.orvieto2023.train_speed import SPEED_MODELS
from rnnbook.results import RunRecord

__all__ = [
    "plot_curves",
    "plot_eigenvalues",
    "plot_image_sequence",
    "plot_ladder",
    "plot_pathfinder_examples",
    "plot_speed",
]


def plot_ladder(records: Sequence[RunRecord], baselines: dict[str, dict[str, float]] | None = None):
    """Test accuracy of every rung per ladder task: bars for the mean over seeds, dots for the
    seeds, the number of diverged seeds (left out) written above the bar, the paper's value on
    the task each stands in for, and ``baselines`` (per task, label -> accuracy) as lines."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    acc = accuracies(records, LADDER_EXPERIMENT)
    failed = Counter(
        (r.config["data"]["task"], r.config["rung"])
        for r in records
        if r.experiment == LADDER_EXPERIMENT and r.status != "ok"
    )
    tasks = sorted({t for t, _ in acc})
    fig, axes = plt.subplots(1, max(1, len(tasks)), figsize=(5.2 * max(1, len(tasks)), 3.8))
    axes = np.atleast_1d(axes)
    x = np.arange(len(LADDER_RUNGS))
    for ax, task in zip(axes, tasks):
        values = [acc.get((task, r), []) for r in LADDER_RUNGS]
        means = [np.mean(v) if v else np.nan for v in values]
        ax.bar(x, means, color=plots.color("lru"), alpha=0.6, label="ours (mean)")
        for k, v in enumerate(values):
            ax.plot(
                [k] * len(v),
                v,
                "o",
                color="black",
                markersize=3.5,
                alpha=0.7,
                label="ours (one seed)" if k == 0 else None,
            )
            if failed[(task, LADDER_RUNGS[k])]:
                ax.annotate(
                    f"{failed[(task, LADDER_RUNGS[k])]} diverged",
                    (k, means[k]),
                    xytext=(0, 4),
                    textcoords="offset points",
                    ha="center",
                    fontsize=8,
                )
        lra = STANDS_IN_FOR[task]
        paper = [PAPER_LADDER[r].get(lra, np.nan) for r in LADDER_RUNGS]
        ax.plot(x, paper, "o--", color="grey", label=f"paper ({lra})")
        for name, value in (baselines or {}).get(task, {}).items():
            ax.axhline(value, color="black", linestyle=":", linewidth=1.0)
            ax.annotate(
                name,
                (x[-1] + 0.4, value),
                xytext=(0, 3),
                textcoords="offset points",
                ha="right",
                fontsize=8,
            )
        ax.set_xticks(x, [LADDER[r].name for r in LADDER_RUNGS], rotation=35, ha="right")
        ax.set_xlabel("recurrence (one change per step)")
        ax.set_ylabel("test accuracy (%)")
        ax.set_ylim(0, 100)
        ax.set_title(TASK_TITLES[task])
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def plot_eigenvalues(records: Sequence[RunRecord], task: str, rung: str = "lru"):
    """The eigenvalues ``lambda`` of every block of the first seed, at initialisation (the ring)
    and after training, in the complex plane with the unit circle."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    run = next(
        (r for r in _ok(records) if r.config["data"]["task"] == task and r.config["rung"] == rung),
        None,
    )
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 4.2), sharex=True, sharey=True)
    theta = np.linspace(0, 2 * np.pi, 400)
    for ax, key, title in zip(
        axes, ("eigenvalues_initial", "eigenvalues_final"), ("initialisation", "after training")
    ):
        ax.plot(np.cos(theta), np.sin(theta), color="grey", linewidth=0.8)
        if run is not None:
            for layer, values in enumerate(run.extra.get(key, [])):
                z = np.asarray(values)
                ax.scatter(z[:, 0], z[:, 1], s=6, label=f"block {layer + 1}")
        ax.set_aspect("equal")
        ax.set_xlabel("Re λ")
        ax.set_ylabel("Im λ")
        ax.set_title(f"{TASK_TITLES.get(task, task)}: {title}")
    if run is not None and run.extra.get("eigenvalues_initial"):
        axes[0].legend(markerscale=2)
    fig.tight_layout()
    return fig


def plot_curves(records: Sequence[RunRecord], experiment: str = TASKS_EXPERIMENT):
    """Validation accuracy against updates for every task (mean over seeds, band: their range)."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for task in TASKS:
        runs = [
            r
            for r in _ok(records)
            if r.experiment == experiment
            and r.config["data"]["task"] == task
            and r.config["rung"] == "lru"
        ]
        if runs:
            plots.band(
                ax,
                runs[0].curves["updates"],
                [r.curves["valid_accuracy"] for r in runs],
                TASK_TITLES[task],
            )
    ax.set_xlabel("updates")
    ax.set_ylabel("validation accuracy (%)")
    ax.set_title("The LRU on each task")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_speed(records: Sequence[RunRecord]):
    """Training steps per second against sequence length (left) and the speed-up over the tanh RNN
    measured in the same run (right), log-log."""
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    from rnnbook.results import plots

    plots.use_style()
    rows = [r for r in records if r.experiment == SPEED_EXPERIMENT and r.status == "ok"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 3.8))
    for model in SPEED_MODELS:
        pts = sorted(
            (
                r.metrics["length"],
                r.metrics["train_steps_per_s"],
                r.metrics.get("train_speedup_vs_tanh"),
            )
            for r in rows
            if r.extra["model"] == model
        )
        if not pts:
            continue
        n, rate, ratio = zip(*pts)
        style = "-" if model == "tanh" else ("--" if "sequential" in model else "-")
        color = plots.color("tanh") if model == "tanh" else plots.color("lru")
        left.plot(n, rate, style, marker="o", color=color, label=model)
        if model != "tanh" and None not in ratio:
            right.plot(n, ratio, style, marker="o", color=color, label=model)
    right.axhline(1.0, color="grey", linewidth=0.8)
    for k, ((task, n), ratio) in enumerate(sorted(PAPER_SPEEDUP.items(), key=lambda kv: kv[0][1])):
        right.plot(
            [n],
            [ratio],
            "*",
            markersize=11,
            color="black",
            label="paper, A100 (Table 4)" if k == 0 else None,
        )
        right.annotate(
            f"{task} {ratio:g}x",
            (n, ratio),
            textcoords="offset points",
            xytext=(-6, 6),
            ha="right",
            fontsize=9,
        )
    lengths = sorted({int(r.metrics["length"]) for r in rows} | {n for _, n in PAPER_SPEEDUP})
    for ax, label in ((left, "training steps per second"), (right, "speed-up over tanh RNN")):
        plots.plain_log_axis(ax, "x")
        plots.plain_log_axis(ax, "y")
        ax.set_xticks(lengths, [str(n) for n in lengths])
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_xlabel("sequence length")
        ax.set_ylabel(label)
        ax.legend()
    left.yaxis.set_minor_formatter(ticker.NullFormatter())  # two decades: the majors suffice
    device = rows[0].device if rows else ""
    fig.suptitle(f"Table 4 analogue on {device}" if device else "Table 4 analogue")
    fig.tight_layout()
    return fig


def plot_pathfinder_examples(spec: PathfinderSpec, n: int = 8, seed: int = 0):
    """``n`` generated Pathfinder images, labels alternating (1: the markers are joined)."""
    import matplotlib.pyplot as plt

    from rnnbook.data.pathfinder import draw_image

    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(1, n, figsize=(1.6 * n, 1.9))
    for k, ax in enumerate(np.atleast_1d(axes)):
        label = (k + 1) % 2
        ax.imshow(draw_image(spec, label, rng), cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"label {label}")
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_image_sequence(task: str = "psmnist", pool: int = 2, index: int = 0):
    """One image of an image task and the sequence the network reads (its pixel values)."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    data = load_task(TaskSpec(task, pool=pool, n_train=index + 1, n_eval=1))
    seq = data.sequences["train"][index, :, 0]
    side = int(round(math.sqrt(len(seq))))
    fig, (a, b) = plt.subplots(1, 2, figsize=(9.0, 2.6), gridspec_kw={"width_ratios": [1, 4]})
    raster = load_task(
        TaskSpec("smnist" if task == "psmnist" else task, pool=pool, n_train=index + 1, n_eval=1)
    ).sequences["train"][index, :, 0]
    a.imshow(raster.reshape(side, side), cmap="gray")
    a.set_title(f"label {data.labels['train'][index]}")
    a.axis("off")
    b.plot(seq, linewidth=0.8)
    b.set_xlabel("time step")
    b.set_ylabel("input (standardised)")
    b.set_title(f"{TASK_TITLES[task]}: {len(seq)} steps")
    fig.tight_layout()
    return fig
