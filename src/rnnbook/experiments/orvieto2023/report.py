"""Orvieto et al. (2023): the paper-vs-ours tables and the computed findings of the chapter."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import torch

from rnnbook.cells.lru import LADDER
from rnnbook.data.listops import ListOpsSpec
from rnnbook.data.mnist import pooled_steps
from rnnbook.experiments.orvieto2023.config import (
    LADDER_EXPERIMENT,
    LADDER_RUNGS,
    PAPER_LADDER,
    PAPER_TABLE3,
    SPEED_EXPERIMENT,
    STANDS_IN_FOR,
    TASK_TITLES,
    TASKS,
    TASKS_EXPERIMENT,
    LRUConfig,
    TaskSpec,
)
from rnnbook.experiments.orvieto2023.data import TaskData, load_task
from rnnbook.experiments.orvieto2023.train import build_model
from rnnbook.experiments.orvieto2023.train_speed import SPEED_MODELS
from rnnbook.profiles import config_dict
from rnnbook.results import RunRecord, settings_markdown
from rnnbook.results.verdicts import Sample, compare

__all__ = [
    "SUBSTITUTE_CHANGES",
    "accuracies",
    "config_table",
    "dense_findings",
    "initial_spectral_radii",
    "ladder_findings",
    "ladder_steps",
    "listops_findings",
    "listops_operator_baseline",
    "scan_rounding",
    "speed_findings",
    "task_findings",
]


#: What each substitute changes with respect to the LRA task it stands in for.
SUBSTITUTE_CHANGES = {
    "smnist": "28 x 28 grey digits instead of 32 x 32 colour photographs; far easier",
    "psmnist": "grey digits, pixels in a fixed random order (dependencies span the whole sequence)",
    "sfmnist": "28 x 28 grey clothing images instead of colour photographs",
    "listops": "same rules, new samples (and, in the cpu profile, much shorter expressions)",
    "pathfinder": "same rules, new images, drawing parameters of our choosing",
}


def _ok(records: Sequence[RunRecord]) -> list[RunRecord]:
    return [r for r in records if r.status == "ok"]


def accuracies(
    records: Sequence[RunRecord], experiment: str, split: str = "test"
) -> dict[tuple[str, str], list[float]]:
    """Test accuracies (%) per (task, rung), one per seed, of one experiment's records."""
    out: dict[tuple[str, str], list[float]] = {}
    for r in _ok(records):
        if r.experiment == experiment:
            key = (r.config["data"]["task"], r.config["rung"])
            out.setdefault(key, []).append(r.metrics[f"{split}_accuracy"])
    return out


def ladder_steps(records: Sequence[RunRecord]) -> list[dict]:
    """Every step of the ladder on every task: the paper's change in accuracy on the task ours
    stands in for, ours (mean ± SD over seeds of both rungs), and whether the two agree in
    direction. Our change counts only where the book's rule decides it
    (:func:`rnnbook.results.verdicts.compare`); a paper change of less than 0.5 points counts as
    flat."""
    acc = accuracies(records, LADDER_EXPERIMENT)
    steps = []
    for task in sorted({t for t, _ in acc}):
        lra = STANDS_IN_FOR[task]
        for before, after in zip(LADDER_RUNGS, LADDER_RUNGS[1:]):
            if (task, before) not in acc or (task, after) not in acc:
                continue
            a, b = Sample.of(acc[(task, before)]), Sample.of(acc[(task, after)])
            ours = b.mean - a.mean
            p0, p1 = PAPER_LADDER[before].get(lra), PAPER_LADDER[after].get(lra)
            paper = None if p0 is None or p1 is None else p1 - p0
            ours_sign = compare(b, a, higher_is_better=True).sign  # the book's one rule
            paper_sign = None if paper is None else (0 if abs(paper) < 0.5 else int(np.sign(paper)))
            if paper_sign is None:
                verdict = "no paper value"
            elif ours_sign == paper_sign:
                verdict = "same direction" if paper_sign else "both flat"
            elif ours_sign == 0:
                verdict = "no clear change (paper: change)"
            elif paper_sign == 0:
                verdict = "change (paper: flat)"
            else:
                verdict = "opposite direction"
            steps.append(
                dict(
                    task=task,
                    lra=lra,
                    before=before,
                    after=after,
                    paper=paper,
                    ours=ours,
                    before_text=a.text(1),
                    after_text=b.text(1),
                    verdict=verdict,
                )
            )
    return steps


def ladder_findings(records: Sequence[RunRecord]) -> str:
    """The ladder's steps, paper vs ours, as a Markdown list (computed, not written by hand)."""
    steps = ladder_steps(records)
    if not steps:
        return "No ladder records yet."
    lines = []
    for s in steps:
        paper = "–" if s["paper"] is None else f"{s['paper']:+.1f}"
        lines.append(
            f"- **{TASK_TITLES[s['task']]}**, {LADDER[s['before']].title} → "
            f"{LADDER[s['after']].title}: ours {s['before_text']} → {s['after_text']}, "
            f"{s['ours']:+.1f} points; paper ({s['lra']}) {paper}: {s['verdict']}."
        )
    same = sum(s["verdict"] in ("same direction", "both flat") for s in steps)
    noise = sum(
        s["verdict"].startswith("no clear change") or s["verdict"] == "both flat" for s in steps
    )
    lines.append(
        f"- {same} of {len(steps)} steps agree with the paper in direction; in {noise} of the "
        f"{len(steps)} steps the seeds do not decide our change (within two standard errors "
        "of the difference, or one seed)."
    )
    failed = [r for r in records if r.experiment == LADDER_EXPERIMENT and r.status != "ok"]
    for r in failed:
        lines.append(
            f"- Left out of the means: {TASK_TITLES[r.config['data']['task']]}, "
            f"`{r.config['rung']}`, seed {r.seed} ({r.status}: {r.message})."
        )
    return "\n".join(lines)


def task_findings(records: Sequence[RunRecord]) -> str:
    """The LRU on each substitute next to the paper's LRU on the task it stands in for."""
    acc = accuracies(records, TASKS_EXPERIMENT)
    lines = []
    for task in TASKS:
        if (task, "lru") not in acc:
            continue
        sample = Sample.of(acc[(task, "lru")])
        lra = STANDS_IN_FOR[task]
        majority = [
            r.metrics["test_majority_accuracy"]
            for r in _ok(records)
            if r.experiment == TASKS_EXPERIMENT
            and r.config["data"]["task"] == task
            and "test_majority_accuracy" in r.metrics
        ]
        baseline = f"always the commonest class: {majority[0]:.1f}%" if majority else "no baseline"
        lines.append(
            f"- **{TASK_TITLES[task]}**: test accuracy (%) {sample.text(1)} ({baseline}); "
            f"the paper's LRU scores "
            f"{PAPER_TABLE3['LRU'][lra]:.1f}% on {lra}. Substitute: "
            f"{SUBSTITUTE_CHANGES[task]}."
        )
    return "\n".join(lines) if lines else "No task records yet."


def listops_operator_baseline(spec: TaskSpec) -> dict[str, float]:
    """Accuracy (%) on the validation and test sets of a rule that reads only the first token of
    an expression -- its outermost operator -- and answers the commonest training label for it.

    A network that has learnt nothing about the arguments scores about this much; a network that
    evaluates the expression scores far more.
    """
    data = load_task(spec)
    counts: dict[int, Counter] = {}
    for seq, label in zip(data.sequences["train"], data.labels["train"]):
        counts.setdefault(int(seq[0]), Counter())[int(label)] += 1
    overall = Counter(int(y) for y in data.labels["train"]).most_common(1)[0][0]
    rule = {op: c.most_common(1)[0][0] for op, c in counts.items()}
    return {
        split: 100.0
        * float(
            np.mean(
                [
                    rule.get(int(seq[0]), overall) == int(y)
                    for seq, y in zip(data.sequences[split], data.labels[split])
                ]
            )
        )
        for split in ("valid", "test")
    }


def _task_spec_of(record: RunRecord) -> TaskSpec:
    """The :class:`TaskSpec` a record was trained on, rebuilt from its config."""
    d = dict(record.config["data"])
    listops = d.pop("listops", None)
    d.pop("pathfinder", None)  # not needed by the diagnostics here
    return TaskSpec(**d, listops=ListOpsSpec(**listops) if listops else None)


def listops_findings(records: Sequence[RunRecord]) -> str:
    """Every ListOps result of ``records`` beside the first-operator rule on the same data
    (:func:`listops_operator_baseline`); empty when there is none."""
    runs = [r for r in _ok(records) if r.config["data"].get("task") == "listops"]
    if not runs or not runs[0].config["data"].get("listops"):
        return ""
    base = listops_operator_baseline(_task_spec_of(runs[0]))
    accs = [r.metrics["test_accuracy"] for r in runs]
    rungs = sorted({r.config["rung"] for r in runs}, key=list(LADDER).index)
    best = max(accs)
    verdict = (
        "no run does better than this rule"
        if best <= base["test"]
        else f"the best run beats this rule by {best - base['test']:.1f} points"
    )
    return (
        f"On the ListOps test set the {len(runs)} runs here ({', '.join(rungs)}) score "
        f"{min(accs):.1f}% to {best:.1f}%. A rule that reads only the outermost operator and "
        f"answers the commonest training label for it scores {base['test']:.1f}% on the same test "
        f"set ({base['valid']:.1f}% on the validation set): {verdict}."
    )


@torch.no_grad()
def initial_spectral_radii(config: LRUConfig) -> dict[int, list[float]]:
    """Per seed of ``config``, the largest modulus of an eigenvalue of each block's recurrence at
    initialisation (``A`` for the dense rungs, ``lambda`` for the diagonal ones), computed from
    the same initialisers as training, without training."""
    stub = TaskData(config.task, {}, {}, classes=2, input_size=1)
    out = {}
    for seed in config.seeds:
        model = build_model(config, stub, 1, [seed])
        radii = []
        for block in model.blocks:
            cell = block.recurrence.cells[0]
            if block.recurrence.diagonal:
                lam = cell.eigenvalues()[0]
            else:
                lam = torch.linalg.eigvals(cell.A[0].detach().double())
            radii.append(float(lam.abs().max()))
        out[seed] = radii
    return out


def dense_findings(records: Sequence[RunRecord], configs: Sequence[LRUConfig]) -> str:
    """The linear dense rung, seed by seed: the largest eigenvalue modulus of ``A`` in each block
    at initialisation beside the run's outcome. A modulus above 1 grows like ``r^T`` over a
    sequence of T steps in a linear recurrence; tanh bounds the state of the nonlinear rung."""
    lines = []
    for config in configs:
        if config.rung != "dense":
            continue
        radii = initial_spectral_radii(config)
        runs = {
            r.seed: r
            for r in records
            if r.experiment == LADDER_EXPERIMENT
            and r.config["data"]["task"] == config.task
            and r.config["rung"] == "dense"
        }
        for seed, values in radii.items():
            r = runs.get(seed)
            outcome = "not run" if r is None else f"test accuracy {r.metrics['test_accuracy']:.1f}%"
            if r is not None and r.status != "ok":
                outcome += f" ({r.status})"
            growth = ""
            if config.data.listops is None and config.data.pathfinder is None:  # 28 x 28 images
                steps = pooled_steps(config.data.pool)
                growth = f" (largest r^T over the {steps} steps: {max(values) ** steps:.2g})"
            lines.append(
                f"- {TASK_TITLES[config.task]}, seed {seed}: largest |eigenvalue| of A per block "
                f"{', '.join(f'{v:.3f}' for v in values)}{growth}; {outcome}."
            )
    return "\n".join(lines)


def scan_rounding(length: int = 1000, state: int = 64, radius: float = 0.999, seed: int = 0):
    """Largest error (relative to ``max(|h_t|, 1)``) of the loop and of the parallel scan in
    complex64 against the same recurrence computed by the loop in complex128, and between the
    two; one sequence with eigenvalues of modulus ``radius``."""
    from rnnbook.models.scan import parallel_scan, sequential_scan

    g = torch.Generator().manual_seed(seed)
    lam = torch.polar(radius * torch.ones(1, state), 0.1 * torch.randn(1, state, generator=g))
    bu = torch.randn(length, state, dtype=torch.complex64, generator=g)
    exact = sequential_scan(lam.to(torch.complex128), bu.to(torch.complex128))
    scale = exact.abs().clamp_min(1.0)
    loop, tree = sequential_scan(lam, bu), parallel_scan(lam, bu)

    def err(x: torch.Tensor, y: torch.Tensor) -> float:
        return float(((x.to(torch.complex128) - y) / scale).abs().max())

    return {
        "loop": err(loop, exact),
        "parallel": err(tree, exact),
        "parallel_vs_loop": err(tree, loop.to(torch.complex128)),
    }


def speed_findings(records: Sequence[RunRecord]) -> str:
    """Steps per second and speed-ups measured in one run, per length (Markdown)."""
    rows = [r for r in records if r.experiment == SPEED_EXPERIMENT and r.status == "ok"]
    if not rows:
        return "No speed records yet."
    by_len: dict[int, dict[str, float]] = {}
    for r in rows:
        by_len.setdefault(int(r.metrics["length"]), {})[r.extra["model"]] = r.metrics[
            "train_steps_per_s"
        ]
    lines = [f"Device: {rows[0].device}."]
    for n in sorted(by_len):
        v = by_len[n]
        parts = [f"{m} {v[m]:.2f}" for m in SPEED_MODELS if m in v]
        fastest = max((m for m in v if m.startswith("lru")), key=v.get, default=None)
        ratio = (
            f"; the faster LRU ({fastest}) is {v[fastest] / v['tanh']:.1f}x the tanh RNN"
            if (fastest and "tanh" in v)
            else ""
        )
        lines.append(f"- length {n}: steps/s {', '.join(parts)}{ratio}.")
    bandwidth = rows[0].extra.get("scan_bandwidth") or {}
    for n, b in sorted(bandwidth.items(), key=lambda kv: int(kv[0])):
        lines.append(
            f"- scan alone at length {n}: parallel {b['parallel_gb_per_s']:.2f} GB/s "
            f"({b['parallel_ms']:.1f} ms), loop {b['sequential_gb_per_s']:.2f} GB/s "
            f"({b['sequential_ms']:.1f} ms) of least traffic."
        )
    return "\n".join(lines)


def config_table(configs: Sequence[LRUConfig]) -> str:
    """Settings of a list of jobs (Markdown): shared ones listed, the varying ones tabulated."""
    rows = []
    for c in configs:
        d = config_dict(c)
        data = d.pop("data")
        d["task"] = data["task"]
        d["pool"] = data["pool"]
        for name in ("listops", "pathfinder"):
            if data[name]:
                d[name] = ", ".join(f"{k}={v}" for k, v in data[name].items() if k != "seed")
        rows.append(d)
    return settings_markdown(rows)
