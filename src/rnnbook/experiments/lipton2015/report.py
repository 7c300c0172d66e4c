"""Lipton et al. (2015): the paper-vs-ours tables and the computed findings of the chapter (those of
the gradients through time in :mod:`~rnnbook.experiments.lipton2015.report_gradients`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnnbook.data.copy import BITS
from rnnbook.experiments.lipton2015.config import (
    BRNN,
    BRNN_MODELS,
    CHAPTER,
    COPY,
    COPY_MODELS,
    GRADIENTS,
    INIT_FACTORS,
    TBPTT,
    CopyConfig,
    truncation_label,
)
from rnnbook.experiments.lipton2015.config_profiles import JOBS
from rnnbook.experiments.lipton2015.config_seeds import INIT_FACTOR_SEEDS
from rnnbook.experiments.lipton2015.report_gradients import (
    _ok,
    gradient_table,
    init_factor_seeds_table,
    init_factor_table,
)
from rnnbook.profiles import config_dict
from rnnbook.results import RunRecord, Table, paper_vs_ours, settings_markdown

__all__ = [
    "COPY_COLORS",
    "COPY_TITLES",
    "TABLES",
    "brnn_findings",
    "brnn_table",
    "chance_bit_errors",
    "config_table",
    "copy_findings",
    "copy_table",
    "table",
    "tbptt_findings",
    "tbptt_table",
]


COPY_COLORS = {"ntm-ff": "#9467bd", "ntm-lstm": "#2ca02c", "lstm": "#d62728"}


COPY_TITLES = {
    "ntm-ff": "NTM (feed-forward controller)",
    "ntm-lstm": "NTM (LSTM controller)",
    "lstm": "LSTM",
}


def tbptt_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Test accuracy at the recall step for every lag and truncation window."""
    records = [r for r in records if r.experiment == TBPTT]
    rows = paper_vs_ours(
        records,
        {},
        metric="accuracy",
        splits=("test",),
        dataset_of=lambda r: f"delayed recall, lag {r.config['lag']}",
        model_of=lambda r: f"{r.config['cell'].upper()}, {truncation_label(r.metrics['window'])}",
        chapter=CHAPTER,
        experiment=TBPTT,
    )

    def window(row):
        tail = row.model.rsplit("k=", 1)
        return int(tail[1]) if len(tail) == 2 else 10**9

    rows.sort(key=lambda r: (r.profile, int(r.dataset.rsplit(" ", 1)[1]), window(r)))
    return Table(rows, title)


def tbptt_findings(records: Sequence[RunRecord]) -> str:
    """Does learning break down once the lag exceeds the truncation window? (Markdown)"""
    ok = _ok(records, TBPTT)
    if not ok:
        return "No truncated-BPTT records yet."
    groups: dict[tuple[int, int | None], list[float]] = {}
    for r in ok:
        groups.setdefault((r.config["lag"], r.metrics["window"]), []).append(
            r.metrics["test_accuracy"]
        )
    chance = ok[0].metrics["chance"]
    lines = [f"Chance is {chance:.3f}; 'learned' below means a test accuracy above 0.9."]
    for lag in sorted({g[0] for g in groups}):
        short = [k for (lg, k) in groups if lg == lag and k is not None and k <= lag]
        long = [k for (lg, k) in groups if lg == lag and (k is None or k > lag)]

        def describe_group(ks, lag=lag):
            return ", ".join(
                f"{truncation_label(k)}: {np.mean(groups[(lag, k)]):.2f}"
                for k in sorted(ks, key=lambda k: 10**9 if k is None else k)
            )

        learned_short = [k for k in short if np.mean(groups[(lag, k)]) > 0.9]
        learned_long = [k for k in long if np.mean(groups[(lag, k)]) > 0.9]
        lines.append(
            f"- **lag {lag}**: windows no longer than the lag ({describe_group(short) or 'none'}) "
            f"— {len(learned_short)} of {len(short)} learned; windows longer than the lag "
            f"({describe_group(long)}) — {len(learned_long)} of {len(long)} learned."
        )
    return "\n".join(lines)


def brnn_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Test accuracy per step of the forward, backward and bidirectional RNNs."""
    records = [r for r in records if r.experiment == BRNN]
    rows = paper_vs_ours(
        records,
        {},
        metric="accuracy",
        splits=("test",),
        dataset_of=lambda r: (
            f"y_t = max(x_t-{r.config['offset']}, x_t+{r.config['offset']}), "
            f"K={r.config['symbols']}"
        ),
        chapter=CHAPTER,
        experiment=BRNN,
    )
    order = {m: k for k, m in enumerate(BRNN_MODELS)}
    rows.sort(key=lambda r: (r.profile, order.get(r.model, 9)))
    return Table(rows, title)


def brnn_findings(records: Sequence[RunRecord]) -> str:
    """Each model's accuracy against the best any one-sided model can do (Markdown)."""
    ok = _ok(records, BRNN)
    if not ok:
        return "No BRNN records yet."
    bound, majority = ok[0].metrics["one_sided_bound"], ok[0].metrics["majority"]
    lines = [
        f"A model that sees only one side of step t can be right at most {bound:.3f} of the "
        f"time; always answering the most frequent label scores {majority:.3f}."
    ]
    for m in BRNN_MODELS:
        accs = [r.metrics["test_accuracy"] for r in ok if r.config["model"] == m]
        if accs:
            mean = float(np.mean(accs))
            rel = "above" if mean > bound + 0.01 else "at or below"
            lines.append(
                f"- **{m}**: test accuracy {mean:.3f} (n = {len(accs)}), {rel} the one-sided bound."
            )
    return "\n".join(lines)


def copy_table(records: Sequence[RunRecord], title: str = "", metric: str = "bit_errors") -> Table:
    """Bit errors per sequence (or ``perfect``: the share copied without error) by test length,
    each profile at its own test lengths."""
    records = [r for r in records if r.experiment == COPY]
    rows = []
    for profile in sorted({r.profile for r in records}) or ["-"]:
        mine = [r for r in records if r.profile == profile]
        lengths = sorted(
            {n for r in mine for n in r.config["test_lengths"]}
            or set(CopyConfig("ntm-ff", (0,)).test_lengths)
        )
        rows += paper_vs_ours(
            mine,
            {},
            metric=metric,
            splits=tuple(f"L{n}" for n in lengths),
            dataset_of=lambda r: (
                f"copy, trained on {r.config['train_min']}-{r.config['train_max']}"
            ),
            chapter=CHAPTER,
            experiment=COPY,
        )
    order = {m: k for k, m in enumerate(COPY_MODELS)}
    rows.sort(key=lambda r: (r.profile, order.get(r.model, 9), int(r.split[1:])))
    return Table(rows, title)


def chance_bit_errors(length: int) -> float:
    """Expected wrong bits of a copy of ``length`` vectors that ignores the input: every bit is
    a fair coin, so half of the ``BITS * length`` bits are wrong whatever is guessed."""
    return BITS * length / 2


def copy_findings(records: Sequence[RunRecord]) -> str:
    """The generalisation claim, stated from our numbers (Markdown).

    Per model (means over seeds): bit errors per sequence and the share of sequences copied
    without error at every test length; the longest length with under 1% wrong bits and the
    longest at which at least half the sequences are copied perfectly. Then, beyond the training
    lengths: where each model is no better than guessing (at least 90% of the chance errors of
    :func:`chance_bit_errors`), and where an NTM beats the LSTM by more than a tenth of chance."""
    ok = _ok(records, COPY)
    if not ok:
        return "No copy-task records yet."
    train_max = ok[0].config["train_max"]
    lengths = ok[0].config["test_lengths"]
    errs: dict[str, dict[int, float]] = {}
    lines = [
        f"Trained on lengths {ok[0].config['train_min']}-{train_max}. A copy that ignores its "
        f"input gets half the bits wrong: {BITS // 2} per vector, "
        f"{chance_bit_errors(max(lengths)):.0f} at length {max(lengths)}."
    ]
    for m in COPY_MODELS:
        rs = [r for r in ok if r.config["model"] == m]
        if not rs:
            continue
        errs[m] = {n: float(np.mean([r.metrics[f"L{n}_bit_errors"] for r in rs])) for n in lengths}
        perfect = {n: float(np.mean([r.metrics[f"L{n}_perfect"] for r in rs])) for n in lengths}
        good = [n for n in lengths if errs[m][n] < 0.01 * BITS * n]
        half = [n for n in lengths if perfect[n] >= 0.5]
        valid = [r.metrics["valid_bit_errors"] for r in rs if "valid_bit_errors" in r.metrics]
        updates = rs[0].metrics.get("updates")
        lines.append(
            f"- **{COPY_TITLES[m]}** (n = {len(rs)} seeds"
            + (f", {updates:,} updates" if updates else "")
            + "): "
            + (
                f"validation bit errors on the training lengths {np.mean(valid):.2f} per sequence; "
                if valid
                else ""
            )
            + "test bit errors per sequence "
            + ", ".join(f"{errs[m][n]:.1f} at {n}" for n in lengths)
            + "; share copied perfectly "
            + ", ".join(f"{perfect[n]:.2f} at {n}" for n in lengths)
            + ". Longest test length with under 1% wrong bits: "
            + (
                f"{max(good)} ({max(good) / train_max:.1f}× the longest training length)"
                if good
                else "none"
            )
            + "; longest with at least half the sequences copied perfectly: "
            + (f"{max(half)} ({max(half) / train_max:.1f}×)." if half else "none.")
        )
    beyond = [n for n in lengths if n > train_max]
    for m, e in errs.items():
        at_chance = [n for n in beyond if e[n] >= 0.9 * chance_bit_errors(n)]
        if at_chance:
            lines.append(
                f"- The {COPY_TITLES[m]} is no better than guessing (at least 90% of the chance "
                f"errors) at {len(at_chance)} of {len(beyond)} lengths beyond training "
                f"({', '.join(map(str, at_chance))})."
            )
    for m in (m for m in errs if m != "lstm" and "lstm" in errs):
        wins = [n for n in beyond if errs["lstm"][n] - errs[m][n] > 0.1 * chance_bit_errors(n)]
        lines.append(
            f"- Beyond the training lengths the {COPY_TITLES[m]} makes fewer bit errors than the "
            f"LSTM, by more than a tenth of chance, at {len(wins)} of {len(beyond)} test lengths "
            f"({', '.join(str(n) for n in wins) or 'none'})."
        )
    return "\n".join(lines)


TABLES = {
    GRADIENTS: gradient_table,
    INIT_FACTORS: init_factor_table,
    INIT_FACTOR_SEEDS: init_factor_seeds_table,
    TBPTT: tbptt_table,
    BRNN: brnn_table,
    COPY: copy_table,
}


def table(records: Sequence[RunRecord], title: str = "") -> Table:
    """All of the chapter's rows, experiment by experiment."""
    rows = []
    for name in TABLES:
        rows += TABLES[name]([r for r in records if r.experiment == name]).rows
    return Table(rows, title)


def config_table(profile: str, experiment: str) -> str:
    """Settings of every job of one experiment (Markdown): shared ones listed, others tabulated."""
    rows = [config_dict(j.config) for j in JOBS[experiment](profile)]
    return settings_markdown(rows)
