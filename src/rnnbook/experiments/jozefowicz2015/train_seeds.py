"""Jozefowicz et al. (2015): Table 1's best setting of a (task, cell), retrained with several
seeds, one record per seed, so that the book's verdict rule has a spread to judge."""

from __future__ import annotations

from rnnbook.experiments.jobs import Job, RunContext
from rnnbook.experiments.jozefowicz2015.train import fit_table1
from rnnbook.models import count_parameters
from rnnbook.results import RunRecord

__all__ = ["train_table1_seeds_job"]

KEPT = ("valid_accuracy", "test_accuracy", "valid_nll", "test_nll", "test_perplexity")


def train_table1_seeds_job(job: Job, context: RunContext) -> list[RunRecord] | None:
    """Train the job's members (one setting, several seeds) together; one record per seed."""
    fitted = fit_table1(job, context)
    if fitted is None:
        return None
    result, _, members, model = fitted
    metrics = [
        {k: row[k] for k in KEPT}
        | {
            "init_scale": row["init_scale"],
            "lr": row["lr"],
            "clip": row["clip"],
            "best_epoch": row["best_epoch"],
            "epochs": result.epochs,
            "updates": result.updates,
            "parameters": count_parameters(model) // len(members),
        }
        for row in members
    ]
    return context.records(job, result, metrics, curves=("epoch", "wall_time_s", "train_loss"))
