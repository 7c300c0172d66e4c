"""How big each experiment is in a profile: jobs, runs and the training budget of a job.

Read from the configurations themselves, so the table on the "Running at the paper's scale" page
never drifts from the code. A job's budget is its update cap where its config has one
(``max_updates`` or ``updates``), else its epoch cap (``max_epochs`` or ``epochs``).
"""

from __future__ import annotations

from typing import Any

from rnnbook.experiments.jobs import Job
from rnnbook.experiments.runner import Experiment

_UPDATES = ("max_updates", "updates")
_EPOCHS = ("max_epochs", "epochs", "generations")


def _budget(job: Job) -> tuple[str, int] | None:
    for unit, names in (("updates", _UPDATES), ("epochs", _EPOCHS)):
        for name in names:
            value = getattr(job.config, name, None)
            if isinstance(value, int) and not isinstance(value, bool):
                return unit if name != "generations" else "generations", value
    return None


def experiment_size(experiment: Experiment, profile: str) -> dict[str, Any]:
    """Jobs, runs (one per record) and the largest budget of a job in ``profile``."""
    jobs = experiment.jobs_of(profile)
    budgets = [b for b in (_budget(j) for j in jobs) if b is not None]
    unit = budgets[0][0] if budgets else ""
    return {
        "experiment": experiment.id,
        "jobs": len(jobs),
        "runs": sum(len(j.runs) for j in jobs),
        "budget": max((v for u, v in budgets if u == unit), default=None),
        "unit": unit,
    }


def sizes_markdown(experiments: list[Experiment], profile: str) -> str:
    """One row per experiment with jobs in ``profile`` (Markdown)."""
    lines = [
        f"| experiment | jobs | runs | largest budget of a job ({profile}) |",
        "|---|---|---|---|",
    ]
    for e in experiments:
        size = experiment_size(e, profile)
        if not size["jobs"]:
            continue
        budget = f"{size['budget']:,} {size['unit']}" if size["budget"] is not None else "–"
        lines.append(f"| `{e.id}` | {size['jobs']} | {size['runs']} | {budget} |")
    return "\n".join(lines)
