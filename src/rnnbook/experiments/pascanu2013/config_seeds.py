"""Figure 7 with more seeds where five did not decide a claim: experiment ``success_seeds``.

At `long`, five seeds per point decided "SGD-CR succeeds more often than SGD-C" in three of the
four tanh cells. At length 50 with the smart-tanh initialisation SGD-C succeeded in 4 runs of 5
and SGD-CR in 5 of 5, a difference within noise; the page estimated that about 21 seeds a side
would decide it. This experiment takes that cell to 42 seeds a side, twice the estimate, a number
fixed before measuring. It trains SGD-C and SGD-CR only, with Figure 7's config and new seeds, in
blocks that each fit one core in under an hour. A member's weights and data streams depend on its
own seed, so these runs pool with the ``success`` runs of the same cell as further draws of the
same protocol.
"""

from __future__ import annotations

import dataclasses

from rnnbook.experiments.jobs import Job
from rnnbook.experiments.pascanu2013.config import (
    CHAPTER,
    SUCCESS,
    TaskRunConfig,
    run_id,
    success_configs,
)
from rnnbook.profiles import check_profile

__all__ = [
    "FIGURE7_EXPERIMENTS",
    "SEEDS_PROFILES",
    "SUCCESS_SEEDS",
    "seeds_configs",
    "seeds_jobs",
]

SUCCESS_SEEDS = "success_seeds"
#: The experiments whose runs Figure 7's tables, figure and claims pool, cell by cell.
FIGURE7_EXPERIMENTS = (SUCCESS, SUCCESS_SEEDS)

#: Per profile: the Figure 7 cells (length, initialisation) that get more seeds, the methods
#: compared there, and the blocks of seeds (one job each).
SEEDS_PROFILES: dict[str, dict] = {
    "smoke": dict(cells=((10, "smart_tanh"),), methods=("sgd-c", "sgd-cr"), blocks=((1, 2),)),
    "long": dict(
        cells=((50, "smart_tanh"),),
        methods=("sgd-c", "sgd-cr"),
        blocks=(tuple(range(5, 24)), tuple(range(24, 42))),
    ),
}


def seeds_configs(profile: str) -> list[TaskRunConfig]:
    """One config per cell and block of seeds: Figure 7's config of ``profile`` for that cell,
    with the block's seeds and the compared methods only."""
    check_profile(profile)
    if profile not in SEEDS_PROFILES:
        return []
    spec = SEEDS_PROFILES[profile]
    out = []
    for length, init in spec["cells"]:
        (base,) = success_configs(profile, [length], [init])
        for seeds in spec["blocks"]:
            out.append(dataclasses.replace(base, methods=spec["methods"], seeds=seeds))
    return out


def seeds_jobs(profile: str) -> list[Job]:
    """The jobs of ``success_seeds`` in ``profile``, keyed by cell and first and last seed."""
    return [
        Job(
            CHAPTER,
            SUCCESS_SEEDS,
            profile,
            f"{c.key}-s{c.seeds[0]}-{c.seeds[-1]}",
            c,
            {run_id(c, m, s): s for m, s in c.members()},
        )
        for c in seeds_configs(profile)
    ]
