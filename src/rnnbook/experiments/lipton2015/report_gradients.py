"""Lipton et al. (2015): the gradients through time, tabulated and stated from the records: the
per-step factor of the Jacobian norm in the ``gradients`` runs (few seeds, trained briefly) and in
the ``init_factors`` runs (many seeds, at initialisation)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from rnnbook.experiments.lipton2015.config import CHAPTER, GRADIENTS, INIT_FACTORS, variant_label
from rnnbook.experiments.lipton2015.config_seeds import INIT_FACTOR_SEEDS
from rnnbook.results import RunRecord, Table, paper_vs_ours

__all__ = [
    "gradient_findings",
    "gradient_table",
    "FACTOR_EXPERIMENTS",
    "init_factor_findings",
    "init_factor_seeds_table",
    "init_factor_table",
    "init_factors_by_variant",
]

#: The experiments that measure the factor at initialisation: their runs pool into one sample.
FACTOR_EXPERIMENTS = (INIT_FACTORS, INIT_FACTOR_SEEDS)


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


def init_factor_seeds_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """The same factor over the seeds that ``init_factor_seeds`` adds, on their own."""
    return Table(_factor_rows(records, INIT_FACTOR_SEEDS, ("init",)), title, digits=3)


def init_factors_by_variant(records: Sequence[RunRecord]) -> dict[tuple[str, float], list[float]]:
    """The per-step factors at initialisation of the finished runs of the experiments that
    measure them (``init_factors`` with the seeds ``init_factor_seeds`` adds), by (model,
    variant)."""
    groups: dict[tuple[str, float], list[float]] = {}
    for r in _ok(records):
        if r.experiment in FACTOR_EXPERIMENTS:
            key = (r.config["model"], r.metrics["variant"])
            groups.setdefault(key, []).append(r.metrics["init_rate"])
    return groups


def init_factor_findings(records: Sequence[RunRecord]) -> str:
    """Per variant, the spread of the per-step factor at initialisation over seeds (Markdown):
    mean ± SD, the 10th to 90th percentile and how many seeds fall below 1; then how the means
    follow the spectral radius and the forget-gate bias, as :func:`gradient_findings` says it
    for the few seeds of the trained runs."""
    groups = init_factors_by_variant(records)
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
