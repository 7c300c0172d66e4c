"""Pascanu et al. (2013), Table 1: the paper-vs-ours table, its computed findings and the curves."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from rnnbook.experiments.pascanu2013.config_table1 import (
    CHAPTER,
    DATASET_TITLES,
    DATASETS,
    EXPERIMENT,
    METHODS,
    MUSIC,
    PAPER_TABLE1,
)
from rnnbook.results import RunRecord, Table, paper_vs_ours
from rnnbook.results.verdicts import Sample, compare

__all__ = ["MARKERS", "findings", "plot_curves", "table"]


def table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Table 1, paper (ICML version) vs ours, train and test; music in nats per frame, PTB in
    bits per character."""
    records = [r for r in records if r.experiment == EXPERIMENT]
    rows = []
    for metric, names in (("nll", MUSIC), ("bpc", ("ptb",))):
        paper = {k: v for k, v in PAPER_TABLE1.items() if k[0] in names}
        rows += paper_vs_ours(
            [r for r in records if r.config["dataset"] in names],
            paper,
            metric=metric,
            splits=("train", "test"),
            model_of=lambda r: r.extra.get("method", ""),
            chapter=CHAPTER,
            experiment=EXPERIMENT,
        )
    order = {d: k for k, d in enumerate(DATASETS)}
    methods = {m: k for k, m in enumerate(METHODS)}
    rows.sort(
        key=lambda r: (
            r.profile,
            order.get(r.dataset, 9),
            r.split == "test",
            methods.get(r.model, 9),
        )
    )
    return Table(rows, title)


_SAID = {1: "helps (decided)", -1: "hurts (decided)", 0: "not decided by the seeds"}


def findings(records: Sequence[RunRecord]) -> str:
    """Table 1's claims checked on ``records`` (Markdown bullets): clipping helps (SGD-C beats
    SGD), the regulariser helps further (SGD-CR beats SGD-C) on the test sets."""
    groups: dict[tuple[str, str, str], list[float]] = {}
    for r in records:
        if r.experiment != EXPERIMENT or r.status != "ok":
            continue
        metric = r.extra.get("metric", "nll")
        for split in ("train", "test"):
            key = (r.config["dataset"], r.extra.get("method", ""), split)
            groups.setdefault(key, []).append(r.metrics[f"{split}_{metric}"])
    means = {k: float(np.mean(v)) for k, v in groups.items()}
    lines = []
    for ds in DATASETS:
        test = {m: Sample.of(groups.get((ds, m, "test"), [])) for m in METHODS}
        if any(not v.n for v in test.values()):
            continue
        unit = "bits/char" if ds == "ptb" else "nats/frame"
        clip = compare(test["sgd-c"], test["sgd"], higher_is_better=False)
        reg = compare(test["sgd-cr"], test["sgd-c"], higher_is_better=False)
        lines.append(
            f"- **{DATASET_TITLES[ds]}** (test, {unit}): SGD {test['sgd'].text()}, SGD-C "
            f"{test['sgd-c'].text()}, SGD-CR {test['sgd-cr'].text()}; clipping: "
            f"{_SAID[clip.sign]}; the regulariser on top: {_SAID[reg.sign]}."
        )
    cells = [(k, v) for k, v in means.items() if k in PAPER_TABLE1 and k[2] == "test"]
    within = sum(abs(v / PAPER_TABLE1[k] - 1) <= 0.10 for k, v in cells)
    if cells:
        lines.append(f"- {within} of {len(cells)} test cells lie within 10% of the paper's value.")
    failed = [r.run_id for r in records if r.experiment == EXPERIMENT and r.status != "ok"]
    if failed:
        lines.append(f"- Diverged (not averaged): {', '.join(failed)}.")
    return "\n".join(lines) if lines else "No complete set of Table 1 records yet."


#: Marker and size per method in :func:`plot_curves`: SGD and SGD-C coincide whenever no
#: gradient reaches the threshold, so the later marker is drawn smaller, inside the earlier.
MARKERS = {"sgd": ("o", 7), "sgd-c": ("s", 5), "sgd-cr": ("^", 4)}


def plot_curves(records: Sequence[RunRecord]):
    """Validation error per epoch, one panel per data set (two by two, readable at the page's
    width): NLL in nats per frame for music, bits per character for PTB as in the table."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from rnnbook.results import plots

    plots.use_style()
    fig, grid = plt.subplots(2, 2, figsize=(10, 6.6))
    axes = grid.ravel()
    for ax, ds in zip(axes, DATASETS):
        scale = 1 / math.log(2) if ds == "ptb" else 1.0  # nats -> bits for characters
        epochs = [0]
        for r in records:
            if r.experiment == EXPERIMENT and r.config["dataset"] == ds:
                method = r.extra.get("method", "")
                marker, size = MARKERS.get(method, ("o", 5))
                epochs += r.curves["epoch"]
                ax.plot(
                    r.curves["epoch"],
                    [v * scale for v in r.curves["valid_nll"]],
                    marker=marker,
                    ms=size,
                    label=method.upper(),
                    color=plots.color(method),
                )
        ax.set_title(DATASET_TITLES[ds])
        ax.set_xlabel("epoch")
        unit = "bits per character" if ds == "ptb" else "NLL, nats per frame"
        ax.set_ylabel(f"validation {unit}")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        if max(epochs) <= 1:  # one evaluation: one tick, not a crowd of fractional ones
            ax.set_xlim(0.5, 1.5)
            ax.set_xticks([1])
    handles = {lab: h for ax in axes for h, lab in zip(*ax.get_legend_handles_labels())}
    labels = [m.upper() for m in METHODS if m.upper() in handles]
    if labels:
        axes[0].legend([handles[lab] for lab in labels], labels)
    fig.tight_layout()
    return fig
