"""Orvieto et al. (2023): the paper's claims, each with a verdict computed from the records, and the
chapter page's generated results section."""

from __future__ import annotations

from collections.abc import Sequence

from rnnbook.experiments.orvieto2023.config import (
    LADDER_EXPERIMENT,
    LADDER_RUNGS,
    PAPER_SPEEDUP,
    RESOLUTION_EXPERIMENT,
    SPEED_EXPERIMENT,
    TASKS_EXPERIMENT,
)
from rnnbook.experiments.orvieto2023.config_jobs import ladder_configs
from rnnbook.experiments.orvieto2023.report import (
    dense_findings,
    ladder_findings,
    listops_findings,
    speed_findings,
    task_findings,
)
from rnnbook.experiments.orvieto2023.report_tables import (
    ladder_table,
    resolution_table,
    tasks_table,
)
from rnnbook.results import RunRecord
from rnnbook.results.tables import configured_cells_of, profile_grids
from rnnbook.results.trajectory import long_trajectory
from rnnbook.results.verdicts import (
    Claim,
    by_profile_strongest_first,
    compare,
    judge,
    samples_by,
    strongest,
    unresolved,
    verdict_box,
)

__all__ = ["claims", "results_page"]

LADDER_SOURCE = "Tables 1-3 and Sec. 3, arXiv:2303.06349v1"
SPEED_SOURCE = "Table 4, arXiv:2303.06349v1 (A100)"
TO_DECIDE = (
    "training sets as large as the paper's and at least 20,000 updates per run, 3 seeds (the "
    "`long` plan: about 8 core-hours for the two ladder tasks)"
)


def _by_rung(runs: Sequence[RunRecord]) -> dict:
    return samples_by(
        runs,
        lambda r: (r.config["data"]["task"], r.config["rung"]),
        lambda r: r.metrics["test_accuracy"],
    )


def _ladder(records: Sequence[RunRecord], better: str, worse: str) -> tuple[str, dict]:
    """The strongest profile that can decide the comparison on some task (two finished seeds of
    each rung; a rung whose seeds diverged cannot), and its samples by (task, rung)."""

    def both(runs: list[RunRecord]) -> bool:
        s = _by_rung(runs)
        return any(
            r == better and (t, worse) in s and s[(t, r)].n >= 2 and s[(t, worse)].n >= 2
            for t, r in s
        )

    ladder = [r for r in records if r.experiment == LADDER_EXPERIMENT]
    profile, runs = strongest(ladder, both)
    return profile, _by_rung(runs)


def _versus(s, tasks, better: str, worse: str) -> tuple[list, str]:
    comps = [compare(s[(t, better)], s[(t, worse)], True) for t in tasks]
    shown = "; ".join(
        f"{t}: {better} {s[(t, better)].text(1)}, {worse} {s[(t, worse)].text(1)}" for t in tasks
    )
    return comps, shown


def _ladder_claims(records: Sequence[RunRecord]) -> list[Claim]:
    texts = (
        ("The LRU beats a tanh RNN of the same shape on long-range tasks", "lru", "tanh"),
        (
            "A linear recurrence alone (no nonlinearity) beats a tanh RNN",
            "dense",
            "tanh",
        ),
        ("A diagonal complex recurrence beats the dense linear one", "real_im", "dense"),
        (
            "The LRU's last steps (exponential parameterisation made stable, ring initialisation, "
            "normalisation) improve on the plain diagonal complex recurrence",
            "lru",
            "real_im",
        ),
    )
    out = []
    for text, better, worse in texts:
        profile, s = _ladder(records, better, worse)
        tasks = sorted({t for t, r in s if r == better and (t, worse) in s})
        if not tasks:
            out.append(unresolved(text, LADDER_SOURCE, "Not recorded yet.", TO_DECIDE))
            continue
        comps, shown = _versus(s, tasks, better, worse)
        evidence = f"Test accuracy (%) {shown}."
        out.append(judge(text, LADDER_SOURCE, comps, evidence, profile, TO_DECIDE))
    return out


def _speed_claim(records: Sequence[RunRecord]) -> Claim:
    text = "The LRU trains several times faster than a tanh RNN on long sequences (8x to 29x)"
    profile, runs = strongest([r for r in records if r.experiment == SPEED_EXPERIMENT])
    ratios = samples_by(
        [r for r in runs if "train_speedup_vs_tanh" in r.metrics],
        lambda r: int(r.metrics["length"]),
        lambda r: r.metrics["train_speedup_vs_tanh"],
    )
    paper = ", ".join(f"{v:g}x ({task}, L = {n})" for (task, n), v in PAPER_SPEEDUP.items())
    if not ratios:
        return unresolved(text, SPEED_SOURCE, "Not recorded yet.", "the `cpu` profile")
    shown = ", ".join(f"L = {n}: {ratios[n].mean:.2f}x" for n in sorted(ratios))
    devices = ", ".join(sorted({r.device for r in runs}))
    return unresolved(
        text,
        SPEED_SOURCE,
        f"Ratios only (steps per second, LRU over tanh, same device): ours on {devices} "
        f"{shown}; the paper's {paper}. One timing per length, on a different device.",
        "repeated timings on a GPU with a parallel scan, the paper's setting (minutes of an H100)",
        profile,
    )


def claims(records: Sequence[RunRecord]) -> list[Claim]:
    """The ladder's main steps, the LRU against where the ladder starts and against its
    middle rung, and the speed-up."""
    return [*_ladder_claims(records), _speed_claim(records)]


def _table3_rows(records: Sequence[RunRecord]) -> list:
    """Table 3's rows: the tasks at 16 x 16 and Pathfinder at the LRA's 32 x 32."""
    tasks = [r for r in records if r.experiment == TASKS_EXPERIMENT]
    larger = [r for r in records if r.experiment == RESOLUTION_EXPERIMENT]
    return [*tasks_table(tasks).rows, *resolution_table(larger).rows]


def results_page(
    records: Sequence[RunRecord], configured: Sequence[RunRecord] | None = None
) -> str:
    """The chapter page's results, every number from the records; with ``configured`` (the
    placeholders of every configured run) a grid's cell that a profile leaves out shows "–"."""
    parts = [verdict_box(claims(records), label="orvieto2023-verdicts")]
    tasks = [r for r in records if r.experiment == TASKS_EXPERIMENT]
    ladder = [r for r in records if r.experiment == LADDER_EXPERIMENT]
    larger = [r for r in records if r.experiment == RESOLUTION_EXPERIMENT]
    table3 = configured_cells_of(_table3_rows, configured)
    title = "Table 3 (LRU), test accuracy (%)"
    grids = profile_grids(_table3_rows(records), title, transpose=True, digits=1, configured=table3)
    parts.append(grids)
    for profile, runs in by_profile_strongest_first(tasks):
        parts.append(
            f"Tasks, profile `{profile}`:\n\n{task_findings(runs)}\n\n{listops_findings(runs)}\n"
        )
    for profile, runs in by_profile_strongest_first(larger):
        side = runs[0].config["data"]["pathfinder"]["size"]
        parts.append(
            f"Pathfinder at {side} x {side}, profile `{profile}`:\n\n{task_findings(runs)}\n"
        )
    rows = sorted(
        ladder_table(ladder).rows,
        key=lambda r: LADDER_RUNGS.index(r.model) if r.model in LADDER_RUNGS else 99,
    )
    rungs = configured_cells_of(lambda rs: ladder_table(rs).rows, configured)
    parts.append(profile_grids(rows, "The ladder, test accuracy (%)", digits=1, configured=rungs))
    for profile, runs in by_profile_strongest_first(ladder):
        parts.append(f"Ladder, profile `{profile}`:\n\n{ladder_findings(runs)}\n")
        dense = dense_findings(runs, ladder_configs(profile, rungs=("dense",)))
        if dense:
            parts.append(
                f"The linear dense rung at initialisation, profile `{profile}` (in a linear "
                f"recurrence a state grows like r^T over T steps when r > 1):\n\n{dense}\n"
            )
    speed = [r for r in records if r.experiment == SPEED_EXPERIMENT]
    for profile, runs in by_profile_strongest_first(speed):
        parts.append(f"Speed, profile `{profile}`:\n\n{speed_findings(runs)}\n")
    parts.append(
        long_trajectory(
            [*tasks, *larger, *(r for r in ladder if "shared_with" not in r.extra)],  # each once
            lambda r: (
                f"{r.experiment} {r.config['data']['task']}-{r.config['rung']} (`{r.profile}`)"
            ),
            "Expected trajectory of the long and full runs",
            budget=lambda r: r.config["updates"],
            metric="valid_accuracy",
            label="validation accuracy (%)",
            digits=1,
        )
    )
    return "\n".join(parts)
