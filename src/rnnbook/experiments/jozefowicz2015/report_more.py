"""Jozefowicz et al. (2015): the findings of the music, dropout and search experiments, and the
chapter's figures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnnbook.cells.mut import TITLES
from rnnbook.experiments import arch_search
from rnnbook.experiments.jozefowicz2015.config import (
    ARCHS,
    MUSIC_DATASETS,
    MUSIC_TITLES,
    PAPER_MUSIC,
    PAPER_TABLE1,
    PAPER_TABLE3,
    TABLE1_SEEDS,
    TASK_TITLES,
    TASKS,
)
from rnnbook.experiments.jozefowicz2015.config_more_seeds import TABLE1_MORE_SEEDS
from rnnbook.experiments.jozefowicz2015.report import (
    CELL_COLORS,
    accuracies,
    no_memory_baselines,
    ptb_unigram_baseline,
    rank_correlation,
    search_candidates,
)
from rnnbook.results import RunRecord
from rnnbook.results.lr_search import range_edges
from rnnbook.results.verdicts import samples_by

__all__ = [
    "dropout_findings",
    "music_findings",
    "plot_perplexity_curves",
    "plot_search",
    "plot_table1",
    "restack_findings",
    "search_accuracies",
    "search_findings",
]


def _spread(xs: Sequence[float], ys: Sequence[float], gap: float, reach: float) -> list[float]:
    """Label heights for points (x, y): at least ``gap`` apart where the points lie within
    ``reach`` of each other horizontally (labels of neighbours would overlap otherwise)."""
    placed: list[tuple[float, float]] = []
    tight = gap * (1 - 1e-6)  # py + gap - py may round to just under gap

    def clashes(x: float, y: float) -> list[float]:
        return [py for px, py in placed if abs(px - x) < reach and abs(py - y) < tight]

    for i in np.argsort(ys):
        y = ys[i]
        while near := clashes(xs[i], y):
            y = max(near) + gap
        placed.append((xs[i], y))
    heights = [0.0] * len(ys)
    for i, (_, y) in zip(np.argsort(ys), placed):
        heights[i] = y
    return heights


def plot_table1(records: Sequence[RunRecord], profile: str | None = None):
    """Ours against the paper's Table 1: one panel per task, one point per cell; with
    ``profile``, the task's no-memory baseline as a dotted line."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    acc = accuracies(records)
    baselines = no_memory_baselines(profile) if profile else {}
    fig, axes = plt.subplots(1, len(TASKS), figsize=(4.6 * len(TASKS), 4.6))
    for ax, task in zip(axes, TASKS):
        archs = [a for a in ARCHS if (task, a) in acc]
        x = [PAPER_TABLE1[(task, a, "test")] for a in archs]
        y = [acc[(task, a)] for a in archs]
        ax.scatter(x, y, c=[CELL_COLORS[a] for a in archs], s=22, zorder=3)
        lows = y + [baselines[task][0]] if task in baselines else y
        span_y = max(max(lows) - min(lows), 1e-3)
        span_x = max(max(x) - min(x), 1e-3)
        heights = _spread(x, y, gap=0.07 * span_y, reach=0.18 * span_x)
        for a, xi, yi, hi in zip(archs, x, y, heights):
            ax.annotate(
                TITLES[a],
                (xi, yi),
                xytext=(xi + 0.03 * span_x, hi),
                fontsize=7,
                va="center",
                arrowprops=dict(arrowstyle="-", lw=0.4, color="0.6") if hi != yi else None,
            )
        if task in baselines:
            base, name = baselines[task]
            ax.axhline(base, color="0.3", linestyle=":", linewidth=1.2, label=f"{name} (no memory)")
            # outside the panels: inside, it hid the GRU and MUT1 points
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
        ax.set_ylim(min(lows) - 0.08 * span_y, max(max(heights), max(lows)) + 0.1 * span_y)
        ax.set_xlim(min(x) - 0.06 * span_x, max(x) + 0.25 * span_x)
        ax.set_xlabel("paper: test accuracy")
        ax.set_ylabel("ours: test accuracy")
        ax.set_title(TASK_TITLES[task])
    fig.tight_layout()
    return fig


def restack_findings(records: Sequence[RunRecord]) -> str:
    """The runs ``table1_more_seeds`` shares with ``table1_seeds`` (the same profile, cell and
    seed, trained in stacks of two sizes): how far apart their test accuracies are; empty where
    they share none."""

    def key(r: RunRecord) -> tuple:
        return r.profile, r.config["task"], r.config["arch"], r.seed

    def usable(experiment: str) -> list[RunRecord]:
        return [
            r for r in records if r.experiment == experiment and r.status == "ok" and not r.stale
        ]

    few = {key(r): r for r in usable(TABLE1_SEEDS)}
    pairs = [(few[key(r)], r) for r in usable(TABLE1_MORE_SEEDS) if key(r) in few]
    if not pairs:
        return ""
    gaps = [abs(b.metrics["test_accuracy"] - a.metrics["test_accuracy"]) for a, b in pairs]
    a, b = pairs[int(np.argmax(gaps))]
    return (
        f"The {len(pairs)} runs `table1_more_seeds` shares with `table1_seeds` (same cell, data "
        "and seed, trained again in the larger stack) do not reproduce their numbers: test "
        f"accuracy moved by {np.mean(gaps):.3f} on average, at most {max(gaps):.3f} "
        f"({a.config['arch']} on {a.config['task']}, seed {a.seed}: "
        f"{a.metrics['test_accuracy']:.3f} → {b.metrics['test_accuracy']:.3f}). The members of "
        "a stack train independently, but a stack of another size rounds its batched arithmetic "
        f"differently, and {b.metrics['updates']:,} updates carry such differences on. The "
        "verdicts take the larger stack's runs in place of the smaller's, never both.\n"
    )


def music_findings(records: Sequence[RunRecord]) -> str:
    """Our test NLL per data set, best first, beside the paper's three cells, and whether the
    paper's ordering MUT1 < LSTM-b < LSTM holds pair by pair (Markdown)."""
    lines = []
    for ds in MUSIC_DATASETS:
        ours = {
            r.config["arch"]: r.metrics["test_nll"]
            for r in records
            if r.config["dataset"] == ds and r.status == "ok" and "test_nll" in r.metrics
        }
        if not ours:
            continue
        paper = {a: v for (d, a, _), v in PAPER_MUSIC.items() if d == ds}
        order = " < ".join(f"{TITLES[a]} {ours[a]:.2f}" for a in sorted(ours, key=ours.get))
        porder = " < ".join(f"{TITLES[a]} {paper[a]:.2f}" for a in sorted(paper, key=paper.get))
        pairs = [
            (a, b)
            for a, b in (("mut1", "lstm"), ("mut1", "lstm-b"), ("lstm-b", "lstm"))
            if a in ours and b in ours
        ]
        held = [f"{TITLES[a]} < {TITLES[b]}" for a, b in pairs if ours[a] < ours[b]]
        failed = [f"{TITLES[a]} < {TITLES[b]}" for a, b in pairs if ours[a] >= ours[b]]
        verdict = (
            (f" Of the paper's orderings, holds: {', '.join(held)}" if held else "")
            + ("; " if held and failed else " Of the paper's orderings, " if failed else "")
            + (f"does not hold: {', '.join(failed)}" if failed else "")
        )
        lines.append(f"- **{MUSIC_TITLES[ds]}**: ours {order}; paper {porder}.{verdict}.")
    return "\n".join(lines) if lines else "No records yet."


def dropout_findings(records: Sequence[RunRecord]) -> str:
    """Table 3's ranking (lower perplexity first) beside ours; whether the paper's two claims hold
    (with dropout an LSTM variant is best, removing the forget gate costs the most); and which
    cells beat a model without context on the same test words (Markdown)."""
    ok = [r for r in records if r.status == "ok" and "test_perplexity" in r.metrics]
    by_arch = samples_by(ok, lambda r: r.config["arch"], lambda r: r.metrics["test_perplexity"])
    ours = {a: s.mean for a, s in by_arch.items()}  # the mean over seeds where there are several
    if len(ours) < 2:
        return "No complete set of records yet."
    paper = {a: v for (_, a, _), v in PAPER_TABLE3.items() if a in ours}
    order = " < ".join(f"{TITLES[a]} {ours[a]:.1f}" for a in sorted(ours, key=ours.get))
    porder = " < ".join(f"{TITLES[a]} {paper[a]:.1f}" for a in sorted(paper, key=paper.get))
    best = min(ours, key=ours.get)
    kind = "an LSTM variant" if best.startswith("lstm") else "not an LSTM variant"
    lines = [
        f"- Ours: {order}.",
        f"- Paper: {porder}.",
        f"- Best cell: {TITLES[best]} ({kind}; paper: LSTM-b)."
        + (
            f" Spearman rank correlation with the paper {rank_correlation(ours, paper):+.2f}."
            if len(paper) >= 3
            else ""
        ),
    ]
    if "lstm-f" in ours and "lstm" in ours:
        worst = max(ours, key=ours.get)
        lines.append(
            f"- Without the forget gate the LSTM's perplexity goes from {ours['lstm']:.1f} to "
            f"{ours['lstm-f']:.1f}; the worst cell is {TITLES[worst]} (paper: LSTM-f)."
        )
    eval_tokens = {r.config.get("eval_tokens") for r in ok}
    if len(eval_tokens) == 1:
        n = eval_tokens.pop()
        base = ptb_unigram_baseline(n)
        better = [TITLES[a] for a in sorted(ours, key=ours.get) if ours[a] < base["perplexity"]]
        const = list(
            dict.fromkeys(
                TITLES[r.config["arch"]]
                for r in ok
                if abs(r.metrics.get("test_accuracy", -1) - base["accuracy"]) < 5e-4
            )
        )
        where = f"the first {n} test words" if n else "the test words"
        lines.append(
            f"- A model without context, the unigram distribution of the training words, has "
            f"perplexity {base['perplexity']:.1f} on {where}; "
            + (f"better than it: {', '.join(better)}." if better else "no cell is better.")
            + (
                f' Test accuracy equal to always predicting "the" ({base["accuracy"]:.4f}): '
                f"{', '.join(const)}."
                if const
                else ""
            )
        )
    rates = {TITLES[r.config["arch"]]: r.metrics["lr"] for r in ok if "lr" in r.metrics}
    if rates:
        candidates = ok[0].config.get("lrs", ())
        tried = ", ".join(f"{x:g}" for x in candidates)
        lines.append(
            f"- Learning rate chosen on validation after one epoch of each candidate ({tried}): "
            + ", ".join(f"{a} {lr:g}" for a, lr in rates.items())
            + f". {range_edges(rates, candidates)}".rstrip()
        )
    return "\n".join(lines)


def plot_perplexity_curves(records: Sequence[RunRecord]):
    """Validation perplexity against the training words seen, one line per cell, with the
    validation perplexity of the training unigram distribution for scale."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    eval_tokens, xlabel = None, "epoch"
    for r in sorted(records, key=lambda r: ARCHS.index(r.config["arch"])):
        curve = r.curves.get("valid_perplexity", [])
        if not curve:
            continue
        arch, per_epoch = r.config["arch"], r.config.get("train_tokens")
        eval_tokens = r.config.get("eval_tokens")
        seen = [e * per_epoch for e in r.curves["epoch"]] if per_epoch else r.curves["epoch"]
        style = "-" if arch.startswith("lstm") else "--"
        ax.plot(
            seen, curve, marker="o", linestyle=style, label=TITLES[arch], color=CELL_COLORS[arch]
        )
        xlabel = "training words seen" if per_epoch else xlabel
    if records:
        unigram = ptb_unigram_baseline(eval_tokens, "valid")["perplexity"]
        label = f"unigram, no context ({unigram:.0f} on these validation words)"
        ax.axhline(unigram, color="0.3", linestyle=":", label=label)
        ax.set_xlabel(xlabel)
    plots.plain_log_axis(ax)
    ax.set_ylabel("validation perplexity")
    ax.legend(ncol=2)
    fig.tight_layout()
    return fig


def search_accuracies(record: RunRecord, top: int = 6) -> str:
    """The memorisation accuracy and the per-task accuracies behind the best ``top`` scores, and
    those of the references (Markdown)."""
    cands = search_candidates(record)
    board = arch_search.leaderboard(cands, top=len(cands))
    shown = [c for c in board if c.generation > 0][:top] + [c for c in board if c.generation == 0]
    shown.sort(key=lambda c: -c.score)
    tasks = list(board[0].accuracy)
    lines = [
        "| cell | parent | memorisation | " + " | ".join(tasks) + " | score |",
        "|---" * (len(tasks) + 4) + "|",
    ]
    for c in shown:
        accs = " | ".join(f"{c.accuracy[t]:.3f}" for t in tasks)
        lines.append(
            f"| {c.name} | {c.parent or '-'} | {c.memorization:.3f} | {accs} | {c.score:.3f} |"
        )
    return "\n".join(lines)


def search_findings(record: RunRecord) -> str:
    """What the search found, in numbers (Markdown): how many candidates passed the filter and
    where its threshold lay, how many beat the GRU and by how much beside the GRU's own rerun,
    and which task decided the scores."""
    m, config = record.metrics, record.config
    cands = search_candidates(record)
    gru = next(c for c in cands if c.name == "gru")
    children = [c for c in cands if c.generation > 0]
    failed = [c for c in children if c.status == "failed filter"]
    scored = [c for c in children if c.score is not None]
    noise = abs(1 - m["gru_rerun_score"])
    near = [c for c in scored if abs(c.score - 1) <= noise]
    threshold = config["filter_fraction"] * gru.memorization
    deciding = {t: 0 for t in gru.accuracy}
    for c in scored:
        ratios = {t: c.accuracy[t] / gru.accuracy[t] for t in gru.accuracy if gru.accuracy[t] > 0}
        deciding[min(ratios, key=ratios.get)] += 1
    learnt = [c for c in scored if c.score > 0] or [gru]
    ranges = {
        t: (min(c.accuracy[t] for c in learnt), max(c.accuracy[t] for c in learnt))
        for t in gru.accuracy
    }
    lines = [
        f"- {m['candidates']} candidates were drawn; {m['passed_filter']} passed the memorisation "
        f"filter and were scored. The filter's threshold was {threshold:.3f} "
        f"({config['filter_fraction']:.0%} of the GRU's {gru.memorization:.3f}); "
        f"{sum(c.memorization == 0 for c in failed)} of the {len(failed)} that failed it scored "
        "0 there (every setting diverged).",
        f"- {m['beat_gru']} of them scored above the GRU (score > 1); the best scored "
        f"{m['best_score']:.3f} ({m['best']}); the LSTM scored {m['lstm_score']:.3f}.",
        f"- The GRU trained again with other seeds scores {m['gru_rerun_score']:.3f}: a score "
        f"differs from 1 by about {noise:.3f} by chance alone at this budget; {len(near)} of the "
        f"{len(scored)} scored candidates lie that close to 1.",
        "- The task with the lowest ratio, which sets the score: "
        + ", ".join(f"{t} for {n} candidates" for t, n in deciding.items())
        + ". Accuracies of the candidates that learnt at all (score > 0): "
        + "; ".join(f"{t} {lo:.3f} to {hi:.3f}" for t, (lo, hi) in ranges.items())
        + ".",
    ]
    return "\n".join(lines)


def plot_search(record: RunRecord):
    """Every candidate's score against its generation (those that failed the filter have no
    score and are drawn below the axis), with the references as horizontal lines."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from rnnbook.results import plots

    plots.use_style()
    cands = search_candidates(record)
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    scored = [(c.generation, c.score) for c in cands if c.generation and c.score is not None]
    failed = [(c.generation, -0.08) for c in cands if c.generation and c.score is None]
    if scored:
        ax.scatter(*zip(*scored), color="#1f77b4", s=18, label="candidate, scored", zorder=3)
    if failed:
        ax.scatter(
            *zip(*failed), color="#d62728", marker="x", s=18, label="failed the filter (no score)"
        )
    refs = {"gru": ("#1f77b4", "--"), "gru-rerun": ("#17becf", ":"), "lstm": ("#d62728", "--")}
    for c in cands:
        if c.generation == 0:
            color, style = refs.get(c.name, ("0.5", "-."))
            label = {"gru-rerun": "GRU, other seeds"}.get(c.name, c.name.upper())
            ax.axhline(c.score, color=color, linestyle=style, label=f"{label} ({c.score:.2f})")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("generation")
    ax.set_ylabel("score: min over tasks of accuracy / GRU's")
    ax.legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    return fig
