"""More seeds where 500 did not decide a claim: experiment ``init_factor_seeds``.

At `long`, ``init_factors`` measured the tanh RNN's per-step factor at initialisation over 500
seeds per spectral radius. At ρ = 1.1 the mean, 0.997 ± 0.038, was within two standard errors of
1, so "above a radius of 1 the gradient grows" stayed undecided there, and the page estimated that
about 600 seeds would decide it. Here that one variant is measured again at seeds 500 to 2,999, so
that with ``init_factors``' own it has 3,000: five times the estimate, a number fixed before
measuring. The measurement is ``init_factors``' (the same sizes, no updates); a member's factor
depends only on its variant and seed, so these seeds and ``init_factors``' pool into one sample.
The jobs hold 500 seeds each: a stopped job measures its 500 again, in a few minutes.
"""

from __future__ import annotations

from dataclasses import replace

from rnnbook.experiments.jobs import Job
from rnnbook.experiments.lipton2015.config import CHAPTER, GradientConfig
from rnnbook.experiments.lipton2015.config_profiles import gradient_runs, init_factor_configs
from rnnbook.profiles import check_profile

__all__ = ["INIT_FACTOR_SEEDS", "MORE_SEEDS", "more_seed_configs", "more_seed_jobs"]

INIT_FACTOR_SEEDS = "init_factor_seeds"

#: Per profile: the model family and variant that get more seeds, the seeds, and how many a job
#: measures.
MORE_SEEDS: dict[str, dict] = {
    "long": dict(model="tanh", variant=1.1, seeds=range(500, 3000), per_job=500),
}


def more_seed_configs(profile: str) -> list[GradientConfig]:
    """``init_factors``' config of the family ``MORE_SEEDS`` names in ``profile``, reduced to its
    one variant and split into jobs of ``per_job`` of the new seeds; none where it names none."""
    spec = MORE_SEEDS.get(check_profile(profile))
    if not spec:
        return []
    (base,) = [c for c in init_factor_configs(profile) if c.model == spec["model"]]
    seeds, step = tuple(spec["seeds"]), spec["per_job"]
    return [
        replace(base, variants=(spec["variant"],), seeds=seeds[k : k + step])
        for k in range(0, len(seeds), step)
    ]


def more_seed_jobs(profile: str) -> list[Job]:
    """One job per config of :func:`more_seed_configs`, keyed by its first seed; the runs are
    named as ``init_factors``' are."""
    return [
        Job(CHAPTER, INIT_FACTOR_SEEDS, profile, f"{c.model}-s{c.seeds[0]}", c, gradient_runs(c))
        for c in more_seed_configs(profile)
    ]
