"""More seeds where three did not decide a claim of Table 1: experiment ``table1_more_seeds``.

At `long`, three seeds per cell decided "removing the output gate hurts least" in three of its
four comparisons. On arithmetic the LSTM without an output gate (0.148 ± 0.007) and the one
without an input gate (0.143 ± 0.005) were within noise, and the page estimated that about 13
seeds a side would decide. Here both cells train 26 seeds, twice the estimate, a number fixed
before measuring. Each job is the cell's ``table1_seeds`` job (its best setting as searched,
data seed 1) with 26 members instead of 3: seeds 100 to 125, the first three being
``table1_seeds``' own seeds, trained again in the larger stack. At smoke size they give the same
numbers; at `long` they do not (a stack of another size rounds differently, and 10,000 updates
carry that on), and the chapter says by how much. The claims take these runs in place of
``table1_seeds``' for the cells they cover, never both.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rnnbook.experiments.jobs import Job
from rnnbook.experiments.jozefowicz2015.config import CHAPTER
from rnnbook.experiments.jozefowicz2015.config_profiles import table1_seed_jobs
from rnnbook.profiles import check_profile

__all__ = ["MORE_SEEDS", "TABLE1_MORE_SEEDS", "more_seed_jobs"]

TABLE1_MORE_SEEDS = "table1_more_seeds"

#: Per profile: the (task, cell) pairs that get more seeds, and how many seeds each then has.
MORE_SEEDS: dict[str, dict] = {
    "long": dict(cells=(("arithmetic", "lstm-i"), ("arithmetic", "lstm-o")), seeds=26),
}


def more_seed_jobs(profile: str, root: Path | None = None) -> list[Job]:
    """The ``table1_seeds`` jobs of the cells ``MORE_SEEDS`` names in ``profile``, with that many
    members; none for a cell whose search is not recorded yet."""
    spec = MORE_SEEDS.get(check_profile(profile))
    if not spec:
        return []
    out = []
    for job in table1_seed_jobs(profile, root):
        if (job.config.task, job.config.arch) not in spec["cells"]:
            continue
        config = replace(job.config, hyperparameters=job.config.hyperparameters[:1] * spec["seeds"])
        runs = {f"{job.key}-s{s}": s for s in config.member_seeds()}
        out.append(Job(CHAPTER, TABLE1_MORE_SEEDS, profile, job.key, config, runs))
    return out
