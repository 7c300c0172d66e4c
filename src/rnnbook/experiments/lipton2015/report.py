"""Lipton et al. (2015): the paper-vs-ours tables and the computed findings of the chapter."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from rnnbook.data.copy import BITS
from rnnbook.experiments.lipton2015.config import (
    BRNN,
    BRNN_MODELS,
    CHAPTER,
    COPY,
    COPY_MODELS,
    EXPERIMENT_NAMES,
    GRADIENTS,
    INIT_FACTORS,
    TBPTT,
    CopyConfig,
    truncation_label,
    variant_label,
)
from rnnbook.experiments.lipton2015.config_profiles import JOBS
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
    "gradient_findings",
    "gradient_table",
    "init_factor_findings",
    "init_factor_table",
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


def _ok(records: Sequence[RunRecord], experiment: str | None = None) -> list[RunRecord]:
    """The runs that finished (not diverged), of one experiment if named."""
    return [r for r in records if r.status == "ok" and experiment in (None, r.experiment)]


def gradient_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Per-step factor of the Jacobian norm (fitted over the second half of the lags), at
    initialisation and after brief training.

    For a linear RNN the factor would be the spectral radius ρ of U (the review's ``|w|^(t-tau)``);
    tanh multiplies every step by derivatives of at most 1, so we expect about ρ or less. Along
    the LSTM's memory cell the carousel alone would give the rate of the most open forget gate
    (:func:`~rnnbook.experiments.lipton2015.train_measures.carousel_log10_rate`).
    """
    return Table(_factor_rows(records, GRADIENTS, ("init", "trained")), title, digits=3)


def _factor_rows(records: Sequence[RunRecord], experiment: str, splits: Sequence[str]) -> list:
    """The per-step factor rows of ``experiment``'s records, tanh first, one per split."""
    records = [r for r in records if r.experiment == experiment]
    rows = []
    for split in splits:
        rows += paper_vs_ours(
            records,
            {},
            metric="rate",
            splits=(split,),
            dataset_of=lambda r: "Jacobian norm, per-step factor",
            model_of=lambda r: variant_label(r.config["model"], r.metrics["variant"]),
            chapter=CHAPTER,
            experiment=experiment,
        )
    rows.sort(key=lambda r: (r.profile, r.model.split("-")[0] != "tanh", r.model, r.split))
    return rows


def init_factor_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Per-step factor of the Jacobian norm at initialisation, mean and SD over many seeds."""
    return Table(_factor_rows(records, INIT_FACTORS, ("init",)), title, digits=3)


def init_factor_findings(records: Sequence[RunRecord]) -> str:
    """Per variant, the spread of the per-step factor at initialisation over seeds (Markdown):
    mean ± SD, the 10th to 90th percentile and how many seeds fall below 1; then how the means
    follow the spectral radius and the forget-gate bias, as :func:`gradient_findings` says it
    for the few seeds of the trained runs."""
    groups: dict[tuple[str, float], list[float]] = {}
    for r in _ok(records, INIT_FACTORS):
        groups.setdefault((r.config["model"], r.metrics["variant"]), []).append(
            r.metrics["init_rate"]
        )
    if not groups:
        return "No records of the factor at initialisation yet."
    lines = []
    for (model, value), rates in sorted(groups.items()):
        x = np.asarray(rates)
        sd = f" ± {x.std(ddof=1):.3f}" if len(x) > 1 else ""
        low, high = np.quantile(x, [0.1, 0.9])
        lines.append(
            f"- **{variant_label(model, value)}** (n = {len(x)}): {x.mean():.3f}{sd}, "
            f"10th to 90th percentile {low:.3f} to {high:.3f}; below 1 for {int((x < 1).sum())} "
            f"of {len(x)} seeds."
        )
    means = {k: float(np.mean(v)) for k, v in groups.items()}
    n = min(len(v) for v in groups.values())
    lines += _tanh_findings({v: m for (model, v), m in means.items() if model == "tanh"}, n)
    lines += _lstm_findings({v: m for (model, v), m in means.items() if model == "lstm"}, n)
    return "\n".join(lines)


def _tanh_findings(tanh: dict[float, float], seeds: int) -> list[str]:
    """How the tanh RNN's per-step factor at initialisation (means over ``seeds`` seeds) follows
    the spectral radius ρ."""
    if len(tanh) <= 1:
        return []
    lines = []
    radii = sorted(tanh)
    monotone = all(tanh[a] <= tanh[b] for a, b in zip(radii, radii[1:]))
    lines.append(
        f"- At initialisation the tanh RNN's factor (means over {seeds} seeds) "
        f"{'rises' if monotone else 'does not rise'} monotonically with the spectral radius "
        f"({', '.join(f'{tanh[v]:.2f}' for v in radii)} "
        f"for ρ = {', '.join(f'{v:g}' for v in radii)})."
    )
    below = [v for v in radii if v < 1]
    above = [v for v in radii if v > 1]
    if below:
        # rounded up, so that the bound stated is never tighter than the measurement
        gap = math.ceil(max(abs(tanh[v] - v) for v in below) * 100 - 1e-9) / 100
        lines.append(
            f"- Below ρ = 1 the factor is within {gap:.2f} of ρ: the review's "
            f"|w|^(t−τ) with |w| = ρ."
        )
    if above:
        grows = [v for v in above if tanh[v] > 1.01]
        top = f"{max(tanh[v] for v in above):.2f} (ρ = {', '.join(f'{v:g}' for v in above)})"
        if not grows:
            lines.append(
                f"- Above ρ = 1 the factor stays at or below {top}: tanh saturates and the norm "
                "does not grow like ρ^(t−τ)."
            )
        else:
            slower = ", more slowly than ρ^(t−τ)" if all(tanh[v] < v for v in grows) else ""
            lines.append(
                f"- Above ρ = 1 the factor reaches {top}: the norm grows for "
                f"ρ = {', '.join(f'{v:g}' for v in grows)}{slower}."
            )
    return lines


def _lstm_findings(lstm: dict[float, float], seeds: int) -> list[str]:
    """How the LSTM's per-step factor at initialisation (means over ``seeds`` seeds) follows the
    forget-gate bias."""
    if len(lstm) <= 1:
        return []
    biases = sorted(lstm)
    monotone = all(lstm[a] <= lstm[b] for a, b in zip(biases, biases[1:]))
    return [
        f"- Along the LSTM's memory cell the factor (means over {seeds} seeds) "
        f"{'rises' if monotone else 'does not rise'} with the forget-gate bias "
        f"({', '.join(f'{lstm[v]:.2f}' for v in biases)} "
        f"for b_f = {', '.join(f'{v:g}' for v in biases)})."
    ]


def gradient_findings(records: Sequence[RunRecord]) -> str:
    """The review's claims on the measured Jacobians (Markdown), computed from ``records``.

    Per variant: the per-step factor at initialisation and after training (means over seeds);
    then whether the tanh RNN's factor follows ρ below and above 1, whether the forget-gate bias
    sets the LSTM's factor, and whether training moves every factor towards 1."""
    ok = _ok(records, GRADIENTS)
    if not ok:
        return "No gradient records yet."
    groups: dict[tuple[str, float], list[RunRecord]] = {}
    for r in ok:
        groups.setdefault((r.config["model"], r.metrics["variant"]), []).append(r)

    def mean(rs: list[RunRecord], key: str) -> float:
        return float(np.mean([r.metrics[key] for r in rs]))

    lines = []
    for (model, value), rs in sorted(groups.items()):
        init, trained = mean(rs, "init_rate"), mean(rs, "trained_rate")
        lag = rs[0].curves["lag"][-1]
        norm_end = float(np.mean([r.curves["log10_norm_mean_init"][-1] for r in rs]))
        trend = "vanishing" if init < 0.99 else "growing" if init > 1.01 else "flat"
        line = (
            f"- **{variant_label(model, value)}** (n = {len(rs)}): per-step factor {init:.3f} at "
            f"initialisation ({trend}; norm at lag {lag} about 10^{norm_end:.0f}), "
            f"{trained:.3f} after training"
        )
        if model == "tanh":
            line += f"; a linear RNN with the same U would give ρ = {value:g}"
        else:
            line += (
                f"; the carousel alone (forget gates only) would give "
                f"{mean(rs, 'init_carousel_rate'):.3f}"
            )
        lines.append(line + ".")
    tanh = {v: mean(rs, "init_rate") for (m, v), rs in groups.items() if m == "tanh"}
    lstm = {v: mean(rs, "init_rate") for (m, v), rs in groups.items() if m == "lstm"}
    seeds = min(len(rs) for rs in groups.values())
    lines += _tanh_findings(tanh, seeds) + _lstm_findings(lstm, seeds)
    if lstm and tanh:
        # keeping a gradient means a factor near 1: above 1 it grows, below it vanishes
        best_lstm = min(lstm.values(), key=lambda f: abs(f - 1))
        best_tanh = min(tanh.values(), key=lambda f: abs(f - 1))
        closer = abs(best_lstm - 1) < abs(best_tanh - 1)
        lags = {r.config.get("lag") for rs in groups.values() for r in rs} - {None}
        over = ""
        if len(lags) == 1:
            lag = lags.pop()
            over = f"; over the lag of {lag} steps, x{best_lstm**lag:.3g} and x{best_tanh**lag:.3g}"
        lines.append(
            f"- The LSTM whose factor is nearest 1 ({best_lstm:.3f} per step) is "
            f"{'nearer' if closer else 'no nearer'} than the tanh RNN nearest 1 "
            f"({best_tanh:.3f}){over} (means over seeds; the verdicts say which differences the "
            "seeds decide)."
        )
    towards = [
        (m, v)
        for (m, v), rs in groups.items()
        if abs(mean(rs, "trained_rate") - 1) < abs(mean(rs, "init_rate") - 1)
    ]
    lines.append(
        f"- After training, {len(towards)} of {len(groups)} variants have a factor closer to 1 "
        "than at initialisation."
    )
    return "\n".join(lines)


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
    TBPTT: tbptt_table,
    BRNN: brnn_table,
    COPY: copy_table,
}


def table(records: Sequence[RunRecord], title: str = "") -> Table:
    """All of the chapter's rows, experiment by experiment."""
    rows = []
    for name in EXPERIMENT_NAMES:
        rows += TABLES[name]([r for r in records if r.experiment == name]).rows
    return Table(rows, title)


def config_table(profile: str, experiment: str) -> str:
    """Settings of every job of one experiment (Markdown): shared ones listed, others tabulated."""
    rows = [config_dict(j.config) for j in JOBS[experiment](profile)]
    return settings_markdown(rows)
