"""Pascanu, Mikolov & Bengio (2013): what the chapter shows from its records.

Part of chapter ``pascanu2013`` (the experiments are in :mod:`rnnbook.experiments.pascanu2013`
and :mod:`rnnbook.experiments.pascanu2013_table`). Nothing here trains or changes a record:

- the settings of every job (:func:`config_table`);
- Figure 7 redrawn (:func:`plot_success`) and its claims checked (:func:`success_findings`);
- the gradient norms with and without clipping (:func:`plot_grad_norms`,
  :func:`grad_norm_summary`);
- length generalisation (:func:`plot_generalisation`, :func:`generalisation_findings`), with the
  error of a guess that ignores the input (:data:`CHANCE_ERROR`);
- the "steep wall" of a one-unit network (Sec. 3.2, Figure 6): :func:`one_unit_error`,
  :func:`wall_slope`, :func:`plot_error_surface`;
- the batched-training benchmark's results, when one has been run (:func:`benchmark_table`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from rnnbook.data.synthetic import TASKS
from rnnbook.experiments import pascanu2013_table
from rnnbook.experiments.pascanu2013 import (
    GENERALISATION,
    INIT_TITLES,
    INITS,
    METHOD_TITLES,
    METHODS,
    PAPER_GENERALISATION,
    SUCCESS,
    SUCCESS_ERROR,
    TABLE1,
    _method,
    generalisation_configs,
    success_configs,
)
from rnnbook.profiles import config_dict
from rnnbook.results import RunRecord, settings_markdown
from rnnbook.results.benchmarks import load_benchmarks

#: The test error of the best guess that ignores the inputs, per task: a constant class for the
#: class tasks (1 - 1/classes; 1/2 for random permutation, whose answer is 0 or 1), and for the
#: value tasks the constant that most often lands within 0.2 of the target (squared error 0.04).
#: Addition: the mean of two U[0, 1) values has a triangular density around 0.5, so the guess 0.5
#: misses with probability 2 P(mean < 0.3) = 2 (2 * 0.3^2) = 0.36. Multiplication: the product has
#: the decreasing density -ln p on (0, 1), so the best window is [0, 0.4] (the guess 0.2), missed
#: with probability 1 - (0.4 - 0.4 ln 0.4).
CHANCE_ERROR: dict[str, float] = {
    "temporal_order": 1 - 1 / 4,
    "temporal_order_3bit": 1 - 1 / 8,
    "permutation": 1 - 1 / 2,
    "addition": 2 * (2 * 0.3**2),
    "multiplication": 1 - (0.4 - 0.4 * math.log(0.4)),
}


# --- the settings of the jobs --------------------------------------------------------------------


def config_table(profile: str, experiment: str = SUCCESS) -> str:
    """Settings of every job of ``experiment`` in ``profile`` (Markdown): shared ones listed,
    the rest tabulated."""
    if experiment == TABLE1:
        rows = [config_dict(c) for c in pascanu2013_table.configs(profile)]
    elif experiment == SUCCESS:
        rows = [config_dict(c) for c in success_configs(profile)]
    else:
        rows = [config_dict(c) for c in generalisation_configs(profile)]
    return settings_markdown(rows)


# --- Figure 7 ------------------------------------------------------------------------------------


def success_rates(records: Sequence[RunRecord]) -> dict[tuple[str, str, int], tuple[float, int]]:
    """(init, method, length) -> (success rate, runs) from Figure 7 records."""
    groups: dict[tuple[str, str, int], list[float]] = {}
    for r in records:
        if r.experiment == SUCCESS:
            key = (r.config["init"], _method(r), r.config["length"])
            groups.setdefault(key, []).append(r.metrics["test_success"])
    return {k: (float(np.mean(v)), len(v)) for k, v in groups.items()}


def plot_success(records: Sequence[RunRecord]):
    """Figure 7 redrawn: success rate against length, one panel per initialisation. Lines that
    coincide are drawn slightly apart (by 0.012) so that each stays visible."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    rates = success_rates(records)
    runs = sorted({n for _, n in rates.values()})
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), sharex=True, sharey=True)
    for ax, init in zip(axes, INITS):
        for k, method in enumerate(METHODS):
            pts = sorted((n, v[0]) for (i, m, n), v in rates.items() if i == init and m == method)
            if pts:
                x, y = zip(*pts)
                offset = (k - 1) * 0.012  # keep overlapping lines apart
                ax.plot(
                    x,
                    [v + offset for v in y],
                    "o-",
                    label=METHOD_TITLES[method],
                    color=plots.color(method),
                )
        ax.set_title(f"{INIT_TITLES[init]} initialisation")
        ax.set_xlabel("sequence length")
        ax.set_ylim(-0.05, 1.05)
    seeds = f" ({'/'.join(map(str, runs))} seeds per point)" if runs else ""
    axes[0].set_ylabel("rate of success" + seeds)
    handles = {lab: h for ax in axes for h, lab in zip(*ax.get_legend_handles_labels())}
    if handles:
        axes[0].legend(handles.values(), handles.keys())
    fig.tight_layout()
    return fig


def success_findings(records: Sequence[RunRecord]) -> str:
    """Figure 7's claims checked on ``records`` (Markdown bullets)."""
    rates = success_rates(records)
    if not rates:
        return "No Figure 7 records yet."
    lines = []
    lengths = sorted({n for _, _, n in rates})
    for init in INITS:
        parts = []
        for method in METHODS:
            row = [rates.get((init, method, n)) for n in lengths]
            if all(v is None for v in row):
                continue
            shown = ", ".join(f"{n}: {v[0]:.0%}" for n, v in zip(lengths, row) if v is not None)
            parts.append(f"{METHOD_TITLES[method]} ({shown})")
        if parts:
            lines.append(f"- **{INIT_TITLES[init]}** — success rate by length: " + "; ".join(parts))
    paired = {}
    for r in records:
        if r.experiment == SUCCESS:
            key = (r.config["init"], r.config["length"], r.seed)
            paired.setdefault(key, {})[_method(r)] = r.metrics["test_success"] > 0
    c_fail = [v for v in paired.values() if "sgd-c" in v and "sgd-cr" in v and not v["sgd-c"]]
    rescued = sum(v["sgd-cr"] for v in c_fail)
    c_ok = [v for v in paired.values() if "sgd-c" in v and "sgd-cr" in v and v["sgd-c"]]
    lost = sum(not v["sgd-cr"] for v in c_ok)
    lines.append(
        f"- Paired by seed (same initial weights, same minibatches): of the {len(c_fail)} runs "
        f"where SGD-C failed, SGD-CR succeeded in {rescued}; of the {len(c_ok)} where SGD-C "
        f"succeeded, SGD-CR failed in {lost}."
    )
    wins = {m: sum(rates[k][0] * rates[k][1] for k in rates if k[1] == m) for m in METHODS}
    runs = {m: sum(rates[k][1] for k in rates if k[1] == m) for m in METHODS}
    lines.append(
        "- Successful runs over the whole sweep: "
        + ", ".join(f"{METHOD_TITLES[m]} {wins[m]:.0f} of {runs[m]}" for m in METHODS if runs[m])
        + "."
    )
    solved = {}
    for r in records:
        if r.experiment == SUCCESS and r.metrics.get("solved_update") is not None:
            solved.setdefault(_method(r), []).append(r.metrics["solved_update"])
    if solved:
        lines.append(
            "- Median updates to reach no validation mistake, among the runs that did: "
            + ", ".join(
                f"{METHOD_TITLES[m]} {int(np.median(solved[m]))} ({len(solved[m])} runs)"
                for m in METHODS
                if m in solved
            )
            + "."
        )
    longest = max(lengths)
    cr = [rates[(i, "sgd-cr", longest)][0] for i in INITS if (i, "sgd-cr", longest) in rates]
    others = [
        rates[(i, m, longest)][0]
        for i in ("sigmoid", "basic_tanh")
        for m in ("sgd", "sgd-c")
        if (i, m, longest) in rates
    ]
    if cr and others:
        verdict = (
            "reproduces"
            if min(cr) > max(others) or (max(cr) == 1.0 and max(others) == 0.0)
            else "does not reproduce"
        )
        lines.append(
            f"- At the longest length run here ({longest}), SGD-CR's success rate per "
            f"initialisation is {', '.join(f'{v:.0%}' for v in cr)}, while SGD and SGD-C with the "
            f"sigmoid and basic-tanh initialisations reach at most {max(others):.0%}: this "
            f"{verdict} the paper's ordering (its lengths are 50-200)."
        )
    return "\n".join(lines)


# --- gradient norms with and without clipping ----------------------------------------------------


def _traced(records: Sequence[RunRecord]) -> list[RunRecord]:
    return [r for r in records if r.experiment == SUCCESS and "grad_norm" in r.curves]


def _taken(r: RunRecord) -> np.ndarray:
    """The gradient norms of the updates a member took: a member that has stopped (solved) is
    traced as 0 for the rest of its job."""
    norms = np.asarray(r.curves["grad_norm"], dtype=float)
    return norms[norms > 0]


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
    axes[0, 0].legend(loc="upper right", fontsize=7)
    fig.suptitle(f"temporal order, length {length}: gradient norm before clipping, seed 0")
    fig.tight_layout()
    return fig


def grad_norm_summary(records: Sequence[RunRecord]) -> str:
    """Per job: the largest gradient norm of the traced seed, and the share of its updates whose
    norm exceeded the clipping threshold (for SGD-C and SGD-CR: the share that was clipped), as
    a Markdown table followed by computed findings."""
    runs = _traced(records)
    if not runs:
        return "No gradient-norm traces recorded."
    cells: dict[tuple[str, int], dict[str, tuple[float, float, int]]] = {}
    for r in runs:
        norms = _taken(r)
        if len(norms):
            above = float(np.mean(norms > r.config["clip"]))
            cells.setdefault((r.config["init"], r.config["length"]), {})[_method(r)] = (
                float(norms.max()),
                above,
                len(norms),
            )
    head = (
        "| initialisation | length | "
        + " | ".join(f"{METHOD_TITLES[m]}: largest norm, share above threshold" for m in METHODS)
        + " |\n|---|---|"
        + "---|" * len(METHODS)
    )
    order = {i: k for k, i in enumerate(INITS)}
    body = []
    for (init, length), per in sorted(cells.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        shown = [
            f"{per[m][0]:.3g}, {per[m][1]:.0%} of {per[m][2]}" if m in per else "–" for m in METHODS
        ]
        body.append(f"| {INIT_TITLES[init]} | {length} | " + " | ".join(shown) + " |")
    sgd = {k: v["sgd"] for k, v in cells.items() if "sgd" in v}
    exploded = [k for k, v in sgd.items() if v[0] > 10 * runs[0].config["clip"]]
    biggest = max(sgd, key=lambda k: sgd[k][0]) if sgd else None
    lines = [head, *body, ""]
    if biggest:
        lines.append(
            f"- SGD's gradient norm exceeded ten times the threshold in {len(exploded)} of the "
            f"{len(sgd)} traced jobs; the largest, {sgd[biggest][0]:.3g}, came with the "
            f"{INIT_TITLES[biggest[0]]} initialisation at length {biggest[1]}."
        )
    cr = [v["sgd-cr"][1] for v in cells.values() if "sgd-cr" in v]
    c = [v["sgd-c"][1] for v in cells.values() if "sgd-c" in v]
    if cr and c:
        lines.append(
            f"- Share of updates clipped, median over jobs: SGD-C {np.median(c):.0%}, SGD-CR "
            f"{np.median(cr):.0%} (its gradient includes that of alpha Omega)."
        )
    return "\n".join(lines)


# --- generalisation ------------------------------------------------------------------------------


def plot_generalisation(records: Sequence[RunRecord]):
    """Test error against the test length of every generalisation model; the shaded band is
    the range of lengths it was trained on (a square: the error on fresh sequences of those
    lengths), the dotted lines the error of a guess that ignores the input
    (:data:`CHANCE_ERROR`)."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    runs = [r for r in records if r.experiment == GENERALISATION]
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


def generalisation_findings(records: Sequence[RunRecord]) -> str:
    """For each generalisation model: solved or not, the longest test length below 1%, and the
    error of a guess that ignores the input."""
    lines = []
    for r in records:
        if r.experiment != GENERALISATION:
            continue
        c = r.config
        good = [n for n in c["test_lengths"] if r.metrics[f"L{n}_error"] < SUCCESS_ERROR]
        longest = max(good) if good else None
        reach = (
            f"errors below 1% up to length {longest}"
            if longest
            else "no tested length below 1% error"
        )
        horizon = PAPER_GENERALISATION.get(c["task"])
        paper = f" (paper: up to {horizon})" if horizon else ""
        errors = [r.metrics[f"L{n}_error"] for n in c["test_lengths"]]
        chance = CHANCE_ERROR.get(c["task"])
        baseline = (
            f" Beyond the training lengths the error lies between {min(errors):.1%} and "
            f"{max(errors):.1%}; a guess that ignores the input errs on {chance:.1%}."
            if chance is not None and errors
            else ""
        )
        lines.append(
            f"- **{TASKS[c['task']].title}**, seed {r.seed}, trained on lengths "
            f"{c['length']}-{c['max_length']} for {r.metrics['updates']} updates: test error "
            f"{r.metrics['test_error']:.2%} at the training lengths; {reach}{paper}.{baseline}"
        )
    return "\n".join(lines) if lines else "No generalisation records yet."


# --- the steep wall: a one-unit RNN (Sec. 3.2, Figure 6) ----------------------------------------


def one_unit_error(
    w: Tensor, b: Tensor, steps: int, x0: float = 0.5, target: float = 0.7
) -> Tensor:
    """``E = (x_T - target)^2`` for the one-unit network ``x_t = w sigmoid(x_{t-1}) + b``,
    ``x_0 = x0``, elementwise over tensors of weights and biases (the model of the paper's
    Figure 6; the start, target and length are our choice)."""
    x = torch.full_like(w, x0)
    for _ in range(steps):
        x = w * torch.sigmoid(x) + b
    return (x - target) ** 2


def _cut(w: float, lo: float, hi: float, points: int, steps: int):
    b = torch.linspace(lo, hi, points, dtype=torch.float64, requires_grad=True)
    e = one_unit_error(torch.full_like(b, w), b, steps)
    (g,) = torch.autograd.grad(e.sum(), b)
    return b.detach(), e.detach(), g.abs()


def one_unit_slice(
    w: float = 8.0, b_range=(-6.0, -2.0), points: int = 40_001, steps=(10, 20, 50)
) -> dict[int, dict[str, np.ndarray]]:
    """The error and ``|dE/db|`` on an even grid along a line of fixed ``w`` through the wall,
    per length. Beyond about 15 steps the wall is narrower than the grid's spacing: its slope is
    :func:`wall_slope`'s to find."""
    out = {}
    for t in steps:
        b, e, g = _cut(w, *b_range, points, t)
        out[t] = {"b": b.numpy(), "error": e.numpy(), "grad": g.numpy()}
    return out


def wall_slope(
    steps: int,
    w: float = 8.0,
    b_range=(-6.0, -2.0),
    points: int = 401,
    rounds: int = 40,
) -> tuple[float, float]:
    """The steepest ``|dE/db|`` along the line of fixed ``w`` and where it is. The wall can be
    far narrower than any even grid (about ``1 / slope`` wide), so the grid is narrowed around
    the largest jump of ``E`` between neighbouring points until no jump is above 1/1000 of the
    first grid's largest (the wall is resolved) or the points reach float64's spacing.
    Returns ``(slope, b)``."""
    lo, hi = b_range
    best, where, height = 0.0, lo, None
    for _ in range(rounds):
        b, e, g = _cut(w, lo, hi, points, steps)
        i = int(torch.argmax(torch.nan_to_num(g)))
        if float(g[i]) > best:
            best, where = float(g[i]), float(b[i])
        jumps = (e[1:] - e[:-1]).abs()
        j = int(torch.argmax(jumps))
        height = float(jumps[j]) if height is None else height
        if float(jumps[j]) <= 1e-3 * height:
            break
        lo, hi = float(b[max(j - 1, 0)]), float(b[min(j + 2, points - 1)])
        if hi - lo <= points * np.spacing(abs(lo)):
            break
    return best, where


def plot_error_surface(
    length: int = 20,
    w_range=(4.0, 12.0),
    b_range=(-8.0, 0.0),
    lengths: Sequence[int] = tuple(range(2, 51, 2)),
):
    """Left: E over (w, b) for one length: a narrow valley flanked by a wall, where x_T jumps
    from one attractor of the map to the other (the red line is the cut of the middle panel).
    Middle: E along w = 8 for several lengths. Right: the steepest ``|dE/db|`` on that cut
    (:func:`wall_slope`) against the length, beside its median over the cut: the wall's slope
    grows exponentially with the length while the rest of the surface does not change. An SGD
    step taken on the wall moves the parameters by the learning rate times that slope; a
    clipped step by at most the learning rate times the threshold."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    w, b = torch.meshgrid(
        torch.linspace(*w_range, 300, dtype=torch.float64),
        torch.linspace(*b_range, 300, dtype=torch.float64),
        indexing="ij",
    )
    e = one_unit_error(w, b, length).numpy()
    fig, axes = plt.subplots(1, 3, figsize=(12.5, 3.8))
    axes[0].remove()
    surface = fig.add_subplot(1, 3, 1, projection="3d")
    surface.plot_surface(
        w.numpy(), b.numpy(), e.clip(max=40), cmap="viridis", linewidth=0, rstride=2, cstride=2
    )
    surface.plot([8.0, 8.0], list(b_range), [0.0, 0.0], color="r", lw=1)
    surface.set_xlabel("recurrent weight w")
    surface.set_ylabel("bias b")
    surface.set_zlabel("error (cut at 40)")
    surface.set_title(f"error surface, T = {length}")
    cut = one_unit_slice()
    for k, (t, d) in enumerate(cut.items()):
        axes[1].plot(d["b"], d["error"], label=f"T = {t}", lw=1.6 - 0.4 * k)
    axes[1].set_yscale("log")
    axes[1].set_xlabel("bias b (w = 8)")
    axes[1].set_ylabel("error")
    axes[1].set_title("a cut through the wall")
    axes[1].legend()
    steep = [wall_slope(t)[0] for t in lengths]
    typical = [float(np.median(_cut(8.0, -6.0, -2.0, 2001, t)[2])) for t in lengths]
    axes[2].plot(lengths, steep, "o-", ms=3, label="steepest, on the wall")
    axes[2].plot(lengths, typical, "s-", ms=3, label="median over the cut")
    axes[2].axhline(1.0, color="k", ls="--", lw=1, label="a clipping threshold (1)")
    axes[2].set_yscale("log")
    axes[2].set_xlabel("length T")
    axes[2].set_ylabel("|dE/db| along w = 8")
    axes[2].set_title("the slope of the wall")
    axes[2].legend()
    fig.tight_layout()
    return fig


# --- the batched-training benchmark --------------------------------------------------------------


def benchmark_table(directory: Path | None = None) -> str:
    """The recorded runs of ``benchmarks/batched_training.py``
    (:func:`rnnbook.results.benchmarks.load_benchmarks`): runs per second, stacked and one at a
    time, per device (Markdown)."""
    results = load_benchmarks(directory)["batched_training"]
    if not results:
        return (
            "No benchmark results yet: `python benchmarks/batched_training.py` writes them to "
            "`benchmarks/results/`."
        )
    head = (
        "| device | length | updates | members | runs/s, stacked | runs/s, one at a time | "
        "ratio | ms per update by stacked members |\n|---|---|---|---|---|---|---|---|"
    )
    body = []
    for r in results:
        per = ", ".join(
            f"{n}: {1000 * s:.1f}" for n, s in r.get("seconds_per_update_by_members", {}).items()
        )
        body.append(
            f"| {r['device']} | {r['length']} | {r['updates']} | {r['members']} | "
            f"{r['runs_per_s_stacked']:.3g} | {r['runs_per_s_one_at_a_time']:.3g} | "
            f"{r['speedup']:.2f} | {per} |"
        )
    return "\n".join([head, *body])
