"""The chapter's table of cells by tasks (metric ± SD and rank), the rank heatmap, the learning
curves per task and the parameter table."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnnbook.experiments.comparison.config import (
    CELL_TITLES,
    CHAPTER,
    GRID,
    TASKS,
    grid_configs,
)
from rnnbook.experiments.comparison.train import build_model
from rnnbook.experiments.lipton2015.report import chance_bit_errors
from rnnbook.models import count_parameters
from rnnbook.results import RunRecord
from rnnbook.results.tables import Table, core_hours, paper_vs_ours, provenance
from rnnbook.results.verdicts import Sample, samples_by, strongest

__all__ = [
    "columns",
    "grid_markdown",
    "grid_table",
    "metric_digits",
    "parameter_markdown",
    "plot_curves",
    "plot_ranks",
    "ranks",
]


def columns(records: Sequence[RunRecord]) -> list[tuple[str, str]]:
    """The table's columns, (task, split), in the order of ``TASKS``: each task's test set,
    and the copy task's longer test lengths after it."""
    splits: dict[str, set[str]] = {}
    for r in records:
        found = (k[: -len("_metric")] for k in r.metrics if k.endswith("_metric"))
        splits.setdefault(r.config["task"], set()).update(k for k in found if k.startswith("test"))
    out = []
    for task in TASKS:
        found = splits.get(task, set())
        longer = sorted((s for s in found if s != "test"), key=lambda s: int(s.split("_L")[1]))
        out += [(task, s) for s in ("test", *longer) if s in found]
    return out


def column_title(records: Sequence[RunRecord], task: str, split: str) -> str:
    """``copy (L40)`` for a longer test, else the task's title (the copy task's training length
    named)."""
    info = TASKS[task]
    if split.startswith("test_L"):
        return f"{info.title} (L{split.split('_L')[1]})"
    if task == "copy":
        return f"{info.title} (L{'/'.join(str(n) for n in _trained_lengths(records, task))})"
    return info.title


def _trained_lengths(records: Sequence[RunRecord], task: str) -> list[int]:
    """The training lengths of ``task`` among ``records``, shortest first."""
    return sorted({r.config["size"]["length"] for r in records if r.config["task"] == task})


def _samples(records: Sequence[RunRecord]) -> dict[tuple[str, str, str], Sample]:
    """(task, split, cell) -> the seeds' test metric."""
    out = {}
    for task, split in columns(records):
        runs = [r for r in records if r.config["task"] == task]
        key = f"{split}_metric"
        by_cell = samples_by(runs, lambda r: r.config["cell"], lambda r, k=key: r.metrics.get(k))
        out.update({(task, split, c): s for c, s in by_cell.items() if s.n})
    return out


def ranks(records: Sequence[RunRecord]) -> dict[tuple[str, str], dict[str, float]]:
    """Per column, each cell's rank by its mean (1 = best; ties share the mean of their ranks)."""
    samples = _samples(records)
    out = {}
    for task, split in columns(records):
        means = {c: s.mean for (t, sp, c), s in samples.items() if (t, sp) == (task, split)}
        sign = -1.0 if TASKS[task].higher_is_better else 1.0
        ordered = sorted(means, key=lambda c: sign * means[c])
        rank: dict[str, float] = {}
        for c in ordered:
            tied = [d for d in ordered if means[d] == means[c]]
            first = ordered.index(tied[0]) + 1
            rank[c] = first + (len(tied) - 1) / 2
        out[(task, split)] = rank
    return out


def _cells(records: Sequence[RunRecord]) -> list[str]:
    present = {r.config["cell"] for r in records}
    return [c for c in CELL_TITLES if c in present]


def _chosen(records: Sequence[RunRecord], profile: str | None) -> tuple[str, list[RunRecord]]:
    """``profile``'s finished runs, or (``None``) those of the strongest profile recorded."""
    grid = [r for r in records if r.experiment == GRID]
    if profile is None:
        return strongest(grid)
    return profile, [r for r in grid if r.profile == profile and r.status == "ok"]


def grid_markdown(records: Sequence[RunRecord], profile: str | None = None) -> str:
    """The chapter's table from ``profile`` (default: the strongest recorded): a row per cell, a
    column per task, ``mean ± SD (rank)`` in each, the best of each column in bold; provenance
    once."""
    profile, runs = _chosen(records, profile)
    if not runs:
        return "No runs recorded yet."
    cols = columns(runs)
    samples, rank = _samples(runs), ranks(runs)
    head = "| cell | " + " | ".join(column_title(runs, t, s) for t, s in cols) + " | mean rank |"
    metrics = "| | " + " | ".join(TASKS[t].metric for t, _ in cols) + " | |"
    lines = [head, "|---" * (len(cols) + 2) + "|", metrics]
    for cell in _cells(runs):
        texts, own = [], []
        for t, s in cols:
            sample = samples.get((t, s, cell))
            if sample is None:
                texts.append("–")
                continue
            r = rank[(t, s)][cell]
            own.append(r)
            text = f"{sample.text(metric_digits(t))} ({r:g})"
            best = r == min(rank[(t, s)].values())  # the best, or tied for it
            texts.append(f"**{text}**" if best else text)
        mean_rank = f"{np.mean(own):.1f}" if len(own) == len(cols) else "–"  # on every task
        lines.append(f"| {CELL_TITLES[cell]} | " + " | ".join(texts) + f" | {mean_rank} |")
    rows = grid_table(runs).rows
    note = f"{provenance(rows)[:-1]}; {core_hours(runs):.1f} core-hours in all."
    return "\n".join(lines) + f"\n\n{_copy_chance(runs, cols)}{note}\n"


def _copy_chance(runs: Sequence[RunRecord], cols: Sequence[tuple[str, str]]) -> str:
    """The copy columns' scale: the wrong bits of a copy that ignores its input (empty when the
    table has no copy column)."""
    lengths = []
    for task, split in cols:
        if task == "copy":
            lengths += (
                [int(split.split("_L")[1])] if "_L" in split else _trained_lengths(runs, task)
            )
    if not lengths:
        return ""
    at = ", ".join(f"{chance_bit_errors(n):g} at L{n}" for n in lengths)
    return f"On copy, a copy that ignores its input gets half the bits wrong: {at}. "


def metric_digits(task: str) -> int:
    """Decimals of ``task``'s metric: 1 for a percentage, else 2."""
    return 1 if TASKS[task].metric.endswith("(%)") else 2


def grid_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Every (task, cell, split) row with mean ± SD over seeds, per profile (the CLI's rows)."""
    rows = []
    for task, split in columns(records):
        runs = [r for r in records if r.config["task"] == task]
        rows += paper_vs_ours(
            runs,
            {},
            metric="metric",
            splits=(split,),
            dataset_of=lambda r, s=split, rs=runs: column_title(rs, r.config["task"], s),
            model_of=lambda r: CELL_TITLES[r.config["cell"]],
            chapter=CHAPTER,
            experiment=runs[0].experiment,  # the grid or its budget check
        )
    return Table(rows, title, digits=2)


def parameter_markdown(profile: str) -> str:
    """Each cell's width and parameter count (one network) on each task of ``profile``: the one
    budget, met within a few percent."""
    configs = grid_configs(profile)
    if not configs:
        return f"No `{profile}` profile."
    tasks = list(dict.fromkeys(c.task for c in configs))
    cells = list(dict.fromkeys(c.cell for c in configs))
    found = {}
    for c in configs:
        model = build_model(c)
        found[(c.task, c.cell)] = (model.width, count_parameters(model))
    head = "| cell | " + " | ".join(TASKS[t].title for t in tasks) + " |"
    lines = [head, "|---" * (len(tasks) + 1) + "|"]
    for cell in cells:
        row = []
        for t in tasks:
            size = found.get((t, cell))  # none where the cell does not run
            row.append("–" if size is None else f"{size[1]:,} ({size[0]})")
        lines.append(f"| {CELL_TITLES[cell]} | " + " | ".join(row) + " |")
    budget = configs[0].budget
    return "\n".join(lines) + f"\n\nParameters (width) per network; the budget is {budget:,}.\n"


def plot_ranks(records: Sequence[RunRecord], profile: str | None = None):
    """Heatmap of the ranks (cells by task columns) of ``profile`` (default: the strongest)."""
    import matplotlib.pyplot as plt

    _, runs = _chosen(records, profile)
    cols, rank, cells = columns(runs), ranks(runs), _cells(runs)
    grid = np.array([[rank[col].get(c, np.nan) for col in cols] for c in cells])
    fig, ax = plt.subplots(figsize=(1.1 * len(cols) + 2, 0.45 * len(cells) + 1.5))
    im = ax.imshow(grid, cmap="viridis_r", aspect="auto", vmin=1, vmax=max(len(cells), 2))
    for i in range(len(cells)):
        for j in range(len(cols)):
            if np.isfinite(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:g}", ha="center", va="center", fontsize=9, color="w")
    ax.set_xticks(range(len(cols)), [column_title(runs, t, s) for t, s in cols], rotation=35)
    ax.set_yticks(range(len(cells)), [CELL_TITLES[c] for c in cells])
    ax.set_title("Rank of each cell on each task (1 = best)")
    fig.colorbar(im, ax=ax, label="rank")
    fig.tight_layout()
    return fig


def _style(cell: str) -> dict:
    """A colour of its own for each of the eleven cells; the LSTM's ablations dashed."""
    import matplotlib.pyplot as plt

    k = list(CELL_TITLES).index(cell)
    dashed = cell in ("lstm-f", "lstm-i", "lstm-o")
    return {"color": plt.get_cmap("tab20")(2 * k % 20 + (k >= 10)), "ls": "--" if dashed else "-"}


def plot_curves(records: Sequence[RunRecord], profile: str | None = None):
    """Validation metric against updates, one panel per task, one line per cell (mean over the
    seeds at the chosen learning rate), of ``profile`` (default: the strongest)."""
    import matplotlib.pyplot as plt

    _, runs = _chosen(records, profile)
    tasks = list(dict.fromkeys(t for t, _ in columns(runs)))
    ncols = min(4, max(len(tasks), 1))
    nrows = -(-len(tasks) // ncols) or 1
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.9 * nrows), squeeze=False)
    for ax, task in zip(axes.flat, tasks):
        for cell in _cells(runs):
            mine = [r for r in runs if (r.config["task"], r.config["cell"]) == (task, cell)]
            curves = [r.curves.get("valid_metric") for r in mine if r.curves.get("valid_metric")]
            if not curves:
                continue
            n = min(len(c) for c in curves)
            mean = np.mean([c[:n] for c in curves], 0)
            ax.plot(mine[0].curves["updates"][:n], mean, label=CELL_TITLES[cell], **_style(cell))
        ax.set_title(TASKS[task].title)
        ax.set_xlabel("updates")
        ax.set_ylabel(f"validation {TASKS[task].metric}")
    for ax in list(axes.flat)[len(tasks) :]:
        ax.axis("off")
    lines = {}  # every cell once, the NTM of the copy panel included
    for ax in axes.flat:
        lines.update(zip(*reversed(ax.get_legend_handles_labels())))
    labels = [CELL_TITLES[c] for c in _cells(runs) if CELL_TITLES[c] in lines]
    handles = [lines[label] for label in labels]
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig
