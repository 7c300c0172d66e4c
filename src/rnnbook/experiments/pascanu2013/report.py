"""Pascanu et al. (2013): what the chapter shows from its records. Nothing here trains or changes a
record: the settings of every job, Figure 7 redrawn and its claims checked, the gradient norms with
and without clipping, length generalisation with the error of a guess that ignores the input, and
the batched-training benchmark's results.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rnnbook.data.synthetic import TASKS
from rnnbook.experiments.pascanu2013.config import (
    CHAPTER,
    GENERALISATION_EXPERIMENTS,
    GENERALISATION_FIGURE7,
    INIT_TITLES,
    INITS,
    METHOD_TITLES,
    METHODS,
    PAPER_GENERALISATION,
    PAPER_SUCCESS,
    SUCCESS,
    SUCCESS_ERROR,
    TABLE1,
    generalisation_configs,
    success_configs,
)
from rnnbook.experiments.pascanu2013.config_seeds import FIGURE7_EXPERIMENTS
from rnnbook.experiments.pascanu2013.config_table1 import DATASET_TITLES
from rnnbook.experiments.pascanu2013.config_table1 import EXPERIMENT as TABLE1_EXPERIMENT
from rnnbook.experiments.pascanu2013.config_table1 import configs as table1_configs
from rnnbook.experiments.pascanu2013.report_table1 import table as table1_table
from rnnbook.profiles import config_dict
from rnnbook.results import RunRecord, Table, TableRow, settings_markdown
from rnnbook.results.benchmarks import load_benchmarks
from rnnbook.results.trajectory import trajectory_markdown

__all__ = [
    "trajectory_table",
    "CHANCE_ERROR",
    "benchmark_table",
    "config_table",
    "generalisation_findings",
    "generalisation_table",
    "grad_norm_summary",
    "success_findings",
    "success_rates",
    "success_table",
    "trained_on",
    "table",
]


def _method(r: RunRecord) -> str:
    return r.extra.get("method", "")


def success_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Figure 7 as rows: success rate over seeds per (length, initialisation, method)."""
    groups: dict[tuple[str, int, str, str], list[RunRecord]] = {}
    for r in records:
        if r.experiment not in FIGURE7_EXPERIMENTS:
            continue
        key = (r.profile, r.config["length"], r.config["init"], _method(r))
        groups.setdefault(key, []).append(r)
    profiles = sorted({k[0] for k in groups}) or ["-"]
    keys = set(groups) | {(p, n, i, m) for p in profiles for n, i, m in PAPER_SUCCESS}
    rows = []
    order = {m: k for k, m in enumerate(METHODS)}
    inits = {m: k for k, m in enumerate(INITS)}
    for profile, length, init, method in sorted(
        keys, key=lambda k: (k[0], inits.get(k[2], 9), k[1], order.get(k[3], 9))
    ):
        group = groups.get((profile, length, init, method), [])
        wins = [r.metrics["test_success"] for r in group]
        rows.append(
            TableRow(
                chapter=CHAPTER,
                experiment=SUCCESS,
                dataset=f"temporal order, length {length}",
                model=f"{METHOD_TITLES.get(method, method)}, {INIT_TITLES.get(init, init)}",
                metric="success rate",
                split="test",
                paper=PAPER_SUCCESS.get((length, init, method)),
                ours_mean=float(np.mean(wins)) if wins else None,
                ours_std=None,
                n=len(wins),
                profile=profile,
                device=", ".join(sorted({r.device for r in group})),
                commit=", ".join(sorted({r.commit for r in group})),
                stale=any(r.stale for r in group),
                code_changed=any(r.code_changed for r in group),
                failed=sum(r.status != "ok" for r in group),
                wall_time_s=max((r.wall_time_s for r in group), default=None),
            )
        )
    return Table(rows, title)


def trained_on(record: RunRecord) -> str:
    """``"trained on 50-200"``, with the settings where they are Figure 7's, not the appendix's."""
    c = record.config
    settings = ", Figure 7's settings" if record.experiment == GENERALISATION_FIGURE7 else ""
    return f"trained on {c['length']}-{c['max_length']}{settings}"


def generalisation_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Test error of each task's model at the training lengths and at each longer length."""
    rows = []
    for r in sorted(
        (r for r in records if r.experiment in GENERALISATION_EXPERIMENTS),
        key=lambda r: (r.profile, r.experiment, r.config["task"], r.config["max_length"], r.seed),
    ):
        c = r.config
        horizon = PAPER_GENERALISATION.get(c["task"])
        task = TASKS[c["task"]].title
        splits = [("train lengths", r.metrics["test_error"], None)] + [
            (f"length {n}", r.metrics.get(f"L{n}_error"), n) for n in c["test_lengths"]
        ]
        for split, value, n in splits:
            paper = 0.0 if horizon and n and n <= horizon else None
            rows.append(
                TableRow(
                    chapter=CHAPTER,
                    experiment=r.experiment,
                    dataset=f"{task} ({trained_on(r)})",
                    model=f"SGD-CR, smart tanh, seed {r.seed}",
                    metric="error rate",
                    split=split,
                    paper=paper,
                    ours_mean=value,
                    ours_std=None,
                    n=1,
                    profile=r.profile,
                    device=r.device,
                    commit=r.commit,
                    stale=r.stale,
                    code_changed=r.code_changed,
                    failed=int(r.status != "ok"),
                    wall_time_s=r.wall_time_s,
                )
            )
    return Table(rows, title, digits=3)


def table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Every row of the chapter: Table 1, then the success rates, then generalisation."""
    parts = [
        table1_table([r for r in records if r.experiment == TABLE1]),
        success_table([r for r in records if r.experiment in FIGURE7_EXPERIMENTS]),
        generalisation_table(records),
    ]
    return Table([row for t in parts for row in t.rows], title)


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


def config_table(profile: str, experiment: str = SUCCESS) -> str:
    """Settings of every job of ``experiment`` in ``profile`` (Markdown): shared ones listed,
    the rest tabulated."""
    if experiment == TABLE1:
        rows = [config_dict(c) for c in table1_configs(profile)]
    elif experiment == SUCCESS:
        rows = [config_dict(c) for c in success_configs(profile)]
    else:
        rows = [config_dict(c) for c in generalisation_configs(profile)]
    return settings_markdown(rows)


def success_rates(records: Sequence[RunRecord]) -> dict[tuple[str, str, int], tuple[float, int]]:
    """(init, method, length) -> (success rate, runs) from Figure 7 records."""
    groups: dict[tuple[str, str, int], list[float]] = {}
    for r in records:
        if r.experiment in FIGURE7_EXPERIMENTS:
            key = (r.config["init"], _method(r), r.config["length"])
            groups.setdefault(key, []).append(r.metrics["test_success"])
    return {k: (float(np.mean(v)), len(v)) for k, v in groups.items()}


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
        if r.experiment in FIGURE7_EXPERIMENTS:
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
        if r.experiment in FIGURE7_EXPERIMENTS and r.metrics.get("solved_update") is not None:
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
    return "\n".join(lines)


def _traced(records: Sequence[RunRecord]) -> list[RunRecord]:
    return [r for r in records if r.experiment in FIGURE7_EXPERIMENTS and "grad_norm" in r.curves]


def _taken(r: RunRecord) -> np.ndarray:
    """The gradient norms of the updates a member took: a member that has stopped (solved) is
    traced as 0 for the rest of its job."""
    norms = np.asarray(r.curves["grad_norm"], dtype=float)
    return norms[norms > 0]


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


def generalisation_findings(records: Sequence[RunRecord]) -> str:
    """For each generalisation model: solved or not, the longest test length below 1%, and the
    error of a guess that ignores the input."""
    lines = []
    for r in records:
        if r.experiment not in GENERALISATION_EXPERIMENTS:
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
            f"- **{TASKS[c['task']].title}**, seed {r.seed}, {trained_on(r)} for "
            f"{r.metrics['updates']} updates: test error "
            f"{r.metrics['test_error']:.2%} at the training lengths; {reach}{paper}.{baseline}"
        )
    return "\n".join(lines) if lines else "No generalisation records yet."


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


def trajectory_table(records: Sequence[RunRecord]) -> str:
    """What a rerun should see on its way (Markdown): per job and method, the mean validation
    error over seeds after 10% and 50% of the update budget, and the job's milliseconds per
    update on its recording device (all members stacked, evaluation included); for Table 1, the
    validation NLL after 10% and 50% of the epochs, and the milliseconds per epoch."""
    tasks = [r for r in records if r.experiment != TABLE1_EXPERIMENT]
    table1 = [r for r in records if r.experiment == TABLE1_EXPERIMENT]
    parts = [_task_trajectory(tasks)] if tasks else []
    if table1:
        groups: dict[str, list[RunRecord]] = {}
        for r in sorted(table1, key=lambda r: r.run_id):
            title = DATASET_TITLES[r.config["dataset"]]
            method = METHOD_TITLES.get(_method(r), _method(r))
            groups.setdefault(f"Table 1, {title}, {method}", []).append(r)
        parts.append(
            trajectory_markdown(
                groups,
                budget=lambda r: r.config["max_epochs"],
                metric="valid_nll",
                step="epoch",
                label="validation NLL",
            )
        )
    return "\n\n".join(parts)


def _task_trajectory(records: Sequence[RunRecord]) -> str:
    groups: dict[str, list[RunRecord]] = {}
    for r in sorted(records, key=lambda r: r.run_id):
        c = r.config
        span = f"{c['length']}-{c['max_length']}" if c.get("max_length") else f"{c['length']}"
        name = (
            f"{TASKS[c['task']].title}, length {span}, {INIT_TITLES.get(c['init'], c['init'])}, "
            f"{METHOD_TITLES.get(_method(r), _method(r))}"
        )
        if r.experiment == GENERALISATION_FIGURE7:
            name += ", Figure 7's settings"
        groups.setdefault(name, []).append(r)
    return trajectory_markdown(
        groups, budget=lambda r: r.config["max_updates"], metric="valid_error"
    )
