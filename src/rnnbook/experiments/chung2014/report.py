"""Chung et al. (2014): the tables, computed findings and figures of the chapter, from records."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnnbook.experiments.chung2014.config import (
    BL2012_RNN,
    BUDGET,
    BUDGET_VARIANTS,
    CHAPTER,
    DATASET_TITLES,
    DATASETS,
    EXPERIMENT,
    MODELS,
    PAPER_PARAMETERS,
    PAPER_TABLE2,
    configs,
)
from rnnbook.experiments.chung2014.train import parameter_counts
from rnnbook.profiles import config_dict
from rnnbook.results import RunRecord, Table, paper_vs_ours, settings_markdown
from rnnbook.results.lr_search import range_edges
from rnnbook.results.verdicts import Sample, compare

__all__ = [
    "averaging_table",
    "baseline_table",
    "budget_table",
    "config_table",
    "findings",
    "nll_samples",
    "parameter_table",
    "plot_budget",
    "plot_learning_curves",
    "prefer_full",
    "table",
    "test_means",
]


def table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Table 2, paper vs ours, train and test NLL per frame."""
    rows = paper_vs_ours(
        records,
        PAPER_TABLE2,
        metric="nll",
        splits=("train", "test"),
        chapter=CHAPTER,
        experiment=EXPERIMENT,
    )
    order = {d: k for k, d in enumerate(DATASETS)}
    models = {m: k for k, m in enumerate(MODELS)}
    rows.sort(
        key=lambda r: (
            r.profile,
            order.get(r.dataset, 99),
            r.split == "test",
            models.get(r.model, 99),
        )
    )
    return Table(rows, title)


def budget_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """The budget variants beside the paper's GRU on Nottingham (train and test NLL)."""
    paper = {}
    for v in BUDGET_VARIANTS:
        for split in ("train", "test"):
            paper[("nottingham", v, split)] = PAPER_TABLE2[("nottingham", "gru", split)]
    rows = paper_vs_ours(
        records,
        paper,
        metric="nll",
        splits=("train", "test"),
        model_of=lambda r: r.config["variant"],
        chapter=CHAPTER,
        experiment=BUDGET,
    )
    order = {v: k for k, v in enumerate(BUDGET_VARIANTS)}
    rows.sort(key=lambda r: (r.profile, r.split == "test", order.get(r.model, 99)))
    return Table(rows, title)


def plot_budget(records: Sequence[RunRecord]):
    """Validation NLL of each budget variant against updates and against epochs (mean, range)."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.8))
    for k, variant in enumerate(BUDGET_VARIANTS):
        runs = [r for r in _ok(records) if r.config["variant"] == variant]
        if not runs:
            continue
        color = f"C{k}"
        curves = [r.curves["valid_nll"] for r in runs]
        plots.band(axes[0], runs[0].curves["updates"], curves, variant, color)
        plots.band(axes[1], runs[0].curves["epoch"], curves, variant, color)
    paper = PAPER_TABLE2[("nottingham", "gru", "test")]
    for ax, label in zip(axes, ("updates", "epoch")):
        ax.axhline(paper, color="k", linestyle=":", linewidth=1, label="paper, GRU test")
        ax.set_xscale("log")
        plots.plain_log_axis(ax)
        ax.set_xlabel(label)
        ax.set_ylabel("validation NLL per frame (nats)")
    axes[0].set_title("Nottingham, GRU: against updates")
    axes[1].set_title("against epochs")
    axes[0].legend()
    fig.tight_layout()
    return fig


def parameter_table() -> str:
    """Table 1 of the paper next to our parameter counts (Markdown)."""
    ours = parameter_counts()
    lines = [
        "| model | units | paper: parameters | ours: parameters | ours / paper |",
        "|---|---|---|---|---|",
    ]
    for m, (_, units) in MODELS.items():
        lines.append(
            f"| {m} | {units} | ≈{PAPER_PARAMETERS[m]:,} | {ours[m]:,} | "
            f"{ours[m] / PAPER_PARAMETERS[m]:.2f} |"
        )
    return "\n".join(lines)


def config_table(profile: str) -> str:
    """Settings of every job of ``profile`` (Markdown): shared ones listed, the rest tabulated."""
    rows = [config_dict(c) for c in configs(profile)]
    return settings_markdown(rows)


def _ok(records: Sequence[RunRecord]) -> list[RunRecord]:
    return [r for r in records if r.status == "ok"]


def test_means(records: Sequence[RunRecord], split: str = "test") -> dict[tuple[str, str], float]:
    """Mean NLL over seeds per (data set, model)."""
    groups: dict[tuple[str, str], list[float]] = {}
    for r in _ok(records):
        groups.setdefault((r.config["dataset"], r.config["model"]), []).append(
            r.metrics[f"{split}_nll"]
        )
    return {k: float(np.mean(v)) for k, v in groups.items()}


def findings(records: Sequence[RunRecord]) -> str:
    """Per data set, the test NLLs (mean ± SD over seeds) and which differences the seeds decide
    (Sec. 5 of the paper: gated units beat tanh units; GRU and LSTM are close)."""
    samples = nll_samples(records)
    lines = []
    for ds in DATASETS:
        if not all((ds, m) in samples for m in MODELS):
            continue
        s = {m: samples[(ds, m)] for m in MODELS}
        said = []
        for gated in ("gru", "lstm"):
            c = compare(s[gated], s["tanh"], higher_is_better=False)
            said.append(f"{gated} vs tanh {_OUTCOME[c.sign]}")
        c = compare(s["gru"], s["lstm"], higher_is_better=False)
        said.append(f"GRU vs LSTM {_OUTCOME[c.sign]}")
        paper_best = min(MODELS, key=lambda m: PAPER_TABLE2[(ds, m, "test")])
        lines.append(
            f"- **{DATASET_TITLES[ds]}**: test NLL tanh {s['tanh'].text()}, GRU {s['gru'].text()}, "
            f"LSTM {s['lstm'].text()}; {'; '.join(said)} (paper's best: {paper_best})."
        )
    means = test_means(records)
    cells = [(k, v) for k, v in means.items() if (k[0], k[1], "test") in PAPER_TABLE2]
    within = sum(abs(v / PAPER_TABLE2[(ds, m, "test")] - 1) <= 0.10 for (ds, m), v in cells)
    if cells:
        lines.append(f"- {within} of {len(cells)} test cells lie within 10% of the paper's value.")
    return "\n".join(lines) if lines else "No complete set of records yet."


_OUTCOME = {1: "better (decided)", -1: "worse (decided)", 0: "not decided by the seeds"}


def lr_search_findings(records: Sequence[RunRecord]) -> str:
    """The learning rate each (data set, model) job chose on validation and whether any sits at
    an edge of its candidates (:func:`~rnnbook.results.lr_search.range_edges`), one line per set
    of candidates; empty where a single rate was given (nothing searched)."""
    names = {"tanh": "tanh", "gru": "GRU", "lstm": "LSTM"}
    by_candidates: dict[tuple[float, ...], dict[str, float]] = {}
    for r in sorted(_ok(records), key=lambda r: (r.config["dataset"], r.config["model"])):
        chosen = by_candidates.setdefault(tuple(r.config["lrs"]), {})
        chosen[f"{names[r.config['model']]} on {DATASET_TITLES[r.config['dataset']]}"] = r.metrics[
            "lr"
        ]
    lines = []
    for candidates, chosen in by_candidates.items():
        edges = range_edges(chosen, candidates)
        if edges:
            shown = ", ".join(f"{k} {v:.3g}" for k, v in chosen.items())
            lines.append(f"- Learning rates chosen on validation: {shown}. {edges}")
    return "\n".join(lines)


def nll_samples(records: Sequence[RunRecord], split: str = "test") -> dict[tuple[str, str], Sample]:
    """NLL per frame over seeds, per (data set, model), of the finished runs."""
    groups: dict[tuple[str, str], list[float]] = {}
    for r in _ok(records):
        groups.setdefault((r.config["dataset"], r.config["model"]), []).append(
            r.metrics[f"{split}_nll"]
        )
    return {k: Sample.of(v) for k, v in groups.items()}


def baseline_table(records: Sequence[RunRecord]) -> str:
    """Our best test NLL per data set beside the RNNs of Boulanger-Lewandowski et al. (2012)."""
    means = test_means(records)
    head = ["data set", "ours: best of tanh/GRU/LSTM", "Chung et al.: best", *BL2012_RNN]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for ds in DATASETS:
        ours = [(v, m) for (d, m), v in means.items() if d == ds]
        best = f"{min(ours)[0]:.2f} ({min(ours)[1]})" if ours else "–"
        paper = min(PAPER_TABLE2[(ds, m, "test")] for m in MODELS)
        lines.append(
            f"| {DATASET_TITLES[ds]} | {best} | {paper:.2f} | "
            + " | ".join(f"{BL2012_RNN[k][ds]:.2f}" for k in BL2012_RNN)
            + " |"
        )
    return "\n".join(lines)


def prefer_full(records: Sequence[RunRecord], full: Sequence[RunRecord]) -> list[RunRecord]:
    """The ``full`` records where a (data set, model) has them, ``records`` elsewhere."""
    done = {(r.config["dataset"], r.config["model"]) for r in _ok(full) if not r.stale}
    keep = [r for r in records if (r.config["dataset"], r.config["model"]) not in done]
    return [r for r in full if not r.stale] + keep


def averaging_table(records: Sequence[RunRecord]) -> str:
    """Test NLL averaged over frames (the tables) and over pieces, per data set and model.

    The two differ when long pieces are easier or harder than short ones; a paper that averaged
    per piece would report the second number.
    """
    lines = [
        "| data set | model | every frame weighs the same | every piece weighs the same |",
        "|---|---|---|---|",
    ]
    frames, pieces = test_means(records), {}
    for r in _ok(records):
        key = (r.config["dataset"], r.config["model"])
        pieces.setdefault(key, []).append(r.metrics["test_nll_seq_avg"])
    for ds in DATASETS:
        for m in MODELS:
            if (ds, m) in frames:
                per_piece = float(np.mean(pieces[(ds, m)]))
                lines.append(
                    f"| {DATASET_TITLES[ds]} | {m} | {frames[(ds, m)]:.2f} | {per_piece:.2f} |"
                )
    shifts = []
    for ds in DATASETS:
        d = [float(np.mean(pieces[(ds, m)])) - frames[(ds, m)] for m in MODELS if (ds, m) in frames]
        if d:
            shifts.append(f"{DATASET_TITLES[ds]} {min(d):+.2f} to {max(d):+.2f}")
    if shifts:
        lines += ["", "Per-piece minus per-frame average: " + "; ".join(shifts) + " nats."]
    return "\n".join(lines)


def plot_learning_curves(
    records: Sequence[RunRecord], datasets: Sequence[str] = ("nottingham", "musedata")
):
    """The paper's Figure 2 redrawn: training and validation NLL per frame of each model against
    epochs (top) and wall-clock seconds (bottom), log-scale, mean over seeds with their range.

    The training curve is the mean minibatch loss of each epoch, weight noise included; the
    validation curve is measured without noise after each epoch.
    """
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    fig, axes = plt.subplots(2, len(datasets), figsize=(4.2 * len(datasets), 6.4), squeeze=False)
    for col, ds in enumerate(datasets):
        for m in MODELS:
            runs = [r for r in _ok(records) if r.config["dataset"] == ds and r.config["model"] == m]
            if not runs:
                continue
            c = plots.color(m)
            for row, x_key in enumerate(("epoch", "wall_time_s")):
                ax = axes[row, col]
                x = runs[0].curves[x_key]
                plots.band(ax, x, [r.curves["train_loss"] for r in runs], f"{m} train", c, "--")
                plots.band(ax, x, [r.curves["valid_nll"] for r in runs], f"{m} valid", c)
        for row, label in enumerate(("epoch", "wall-clock time (s)")):
            ax = axes[row, col]
            plots.plain_log_axis(ax)
            ax.set_xlabel(label)
            ax.set_ylabel("NLL per frame (nats)")
            ax.set_title(f"{DATASET_TITLES[ds]}: against {label.split(' (')[0]}")
    axes[0, 0].legend(ncol=2)
    fig.tight_layout()
    return fig
