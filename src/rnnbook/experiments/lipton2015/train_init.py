"""Lipton et al. (2015): the per-step factor of the Jacobian norm at initialisation, measured
over many seeds without training (the ``init_factors`` experiment).

It is the ``gradients`` experiment's first measurement on its own. A member's factor depends only
on its variant and seed, not on the other members of the stack (tested), so these runs and the
``gradients`` runs of the same variant and seed agree.
"""

from __future__ import annotations

import time

from rnnbook.experiments.jobs import Job, RunContext
from rnnbook.experiments.lipton2015.config import GradientConfig, _gradient_members
from rnnbook.experiments.lipton2015.train import _measure, build_gradient_model
from rnnbook.experiments.lipton2015.train_measures import decay_rate
from rnnbook.models import count_parameters
from rnnbook.results import RunRecord

__all__ = ["measure_init_factors"]


def measure_init_factors(config: GradientConfig) -> list[dict[str, float]]:
    """Per member (variant and seed, in :func:`_gradient_members` order): the per-step factor at
    initialisation and, for the LSTM, the forget gates' carousel alone."""
    model = build_gradient_model(config)
    init = _measure(model, config, config.model)
    out = []
    for e, (value, _) in enumerate(_gradient_members(config)):
        member = {
            "init_rate": decay_rate(init["mean"][e]),
            "variant": value,
            "parameters": count_parameters(model),
        }
        if config.model == "lstm":
            member["init_carousel_rate"] = 10 ** init["carousel_log10_rate"][e]
        out.append(member)
    return out


def _train_init_factors(job: Job, context: RunContext) -> list[RunRecord]:
    """Measure every member of ``job`` (seconds to minutes: nothing to pause or resume)."""
    started = time.perf_counter()
    members = measure_init_factors(job.config)
    wall = time.perf_counter() - started
    return [
        context.record(job, run_id, metrics=m, wall_time_s=wall, members=len(members))
        for run_id, m in zip(job.runs, members, strict=True)
    ]
