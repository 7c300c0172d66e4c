"""Lipton et al. (2015): the per-step factor of the Jacobian norm at initialisation, measured
over many seeds without training (the ``init_factors`` experiment).

It is the ``gradients`` experiment's first measurement on its own. A member's factor depends only
on its variant and seed, not on the other members of the stack (tested), so these runs and the
``gradients`` runs of the same variant and seed agree.
"""

from __future__ import annotations

import time
from dataclasses import replace

from rnnbook.experiments.jobs import Job, RunContext
from rnnbook.experiments.lipton2015.config import GradientConfig, _gradient_members
from rnnbook.experiments.lipton2015.train import _measure, build_gradient_model
from rnnbook.experiments.lipton2015.train_measures import decay_rate
from rnnbook.models import count_parameters
from rnnbook.results import RunRecord

__all__ = ["measure_init_factors"]


#: Seeds measured together: the Jacobians' memory grows with the stack (500 members of 64 units
#: need more than 20 GB), so stacks stay as small as the ``gradients`` experiment's.
SEEDS_PER_STACK = 5


def measure_init_factors(config: GradientConfig) -> list[dict[str, float]]:
    """Per member (every variant with every seed, variant by variant): the per-step factor at
    initialisation and, for the LSTM, the forget gates' carousel alone."""
    measured = {}
    for k in range(0, len(config.seeds), SEEDS_PER_STACK):
        part = replace(config, seeds=config.seeds[k : k + SEEDS_PER_STACK])
        model = build_gradient_model(part)
        init = _measure(model, part, part.model)
        for e, (value, seed) in enumerate(_gradient_members(part)):
            member = {
                "init_rate": decay_rate(init["mean"][e]),
                "variant": value,
                "parameters": count_parameters(model),
            }
            if config.model == "lstm":
                member["init_carousel_rate"] = 10 ** init["carousel_log10_rate"][e]
            measured[value, seed] = member
    return [measured[m] for m in _gradient_members(config)]


def _train_init_factors(job: Job, context: RunContext) -> list[RunRecord]:
    """Measure every member of ``job`` (minutes: 2 at `cpu`, about 20 at `long`; no checkpoint,
    a stopped job measures again from the start and gives the same numbers)."""
    started = time.perf_counter()
    members = measure_init_factors(job.config)
    wall = time.perf_counter() - started
    return [
        context.record(job, run_id, metrics=m, wall_time_s=wall, members=len(members))
        for run_id, m in zip(job.runs, members, strict=True)
    ]
