"""Orvieto et al. (2023): the configurations and jobs of each experiment in a profile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rnnbook.cells.lru import LADDER
from rnnbook.experiments.jobs import Job
from rnnbook.experiments.orvieto2023.config import (
    CHAPTER,
    LADDER_EXPERIMENT,
    LADDER_RUNGS,
    PROFILES,
    RESOLUTION_EXPERIMENT,
    SPEED_EXPERIMENT,
    TASKS,
    TASKS_EXPERIMENT,
    LRUConfig,
    SpeedConfig,
    TaskSpec,
    _paper_hyper,
)
from rnnbook.profiles import check_profile

__all__ = [
    "FULL_IMAGE_EPOCHS",
    "RESOLUTION_SIDE",
    "ladder_configs",
    "ladder_jobs",
    "resolution_configs",
    "resolution_jobs",
    "run_id",
    "speed_config",
    "speed_job",
    "speed_jobs",
    "task_configs",
    "task_jobs",
]

#: In ``full`` the image tasks train for the paper's sCIFAR schedule in *epochs* (180k updates of
#: 50 images = 180 passes over CIFAR's 50,000), since our training sets differ in size.
FULL_IMAGE_EPOCHS = 180


def _config(profile: str, task: str, rung: str, extra: dict | None = None) -> LRUConfig:
    spec = PROFILES[check_profile(profile)]
    if task not in spec["data"]:
        raise ValueError(
            f"task {task!r} is not in the {profile} profile: choose one of "
            f"{', '.join(spec['data'])}"
        )
    settings = _paper_hyper(task)
    settings.update(spec["model"])
    if task in spec.get("updates", {}):  # a task whose steps cost more gets fewer of them
        settings["updates"] = spec["updates"][task]
    settings.update(extra or {})
    data = spec["data"][task]
    if profile == "full" and task in ("smnist", "psmnist", "sfmnist"):
        n_train = data.n_train or (8000 if task != "sfmnist" else 55_000)
        settings["updates"] = FULL_IMAGE_EPOCHS * n_train // settings["batch_size"]
    return LRUConfig(data=data, rung=rung, **settings)


def task_configs(profile: str, tasks: Sequence[str] | None = None) -> list[LRUConfig]:
    """The LRU on each task of ``profile`` (Table 3)."""
    chosen = PROFILES[check_profile(profile)]["tasks"] if tasks is None else tasks
    for t in chosen:
        if t not in TASKS:
            raise ValueError(f"unknown task {t!r}: choose one of {', '.join(TASKS)}")
    return [_config(profile, t, "lru") for t in chosen]


def ladder_configs(
    profile: str, tasks: Sequence[str] | None = None, rungs: Sequence[str] | None = None
) -> list[LRUConfig]:
    """Every rung of the ladder on each ladder task of ``profile`` (Tables 1-3); a task that the
    profile's ``ladder_rungs`` names climbs only the rungs it lists."""
    spec = PROFILES[check_profile(profile)]
    chosen = spec["ladder_tasks"] if tasks is None else tasks
    for r in rungs or ():
        if r not in LADDER:
            raise ValueError(f"unknown ladder model {r!r}: choose one of {', '.join(LADDER)}")
    only = spec.get("ladder_rungs", {})
    return [
        _config(profile, t, r, spec["ladder_model"])
        for t in chosen
        for r in rungs or LADDER_RUNGS
        if r in only.get(t, LADDER_RUNGS)
    ]


def speed_config(profile: str) -> SpeedConfig | None:
    """The speed probe of ``profile`` (Table 4), or ``None`` where the profile has none."""
    return PROFILES[check_profile(profile)].get("speed")


#: Pathfinder at the LRA's resolution: 32 x 32 pixels, 1,024 steps, drawn by the same rules as
#: the 16 x 16 set of the profile's Table 3 (``smoke``: 12 -> 24 pixels, to test the pipeline).
#: In ``long`` one job per seed, each about 2 h of one core (0.57 s per update measured with
#: three jobs on two cores; 3 seeds stacked cost 3.0 s); ``--time-budget`` splits a job.
RESOLUTION_SIDE = {"smoke": 24, "long": 32}


def run_id(config: LRUConfig, seed: int) -> str:
    """``"<task>-<rung>-s<seed>"``."""
    return f"{config.task}-{config.rung}-s{seed}"


def _job(experiment: str, profile: str, config: LRUConfig) -> Job:
    return Job(
        CHAPTER,
        experiment,
        profile,
        f"{config.task}-{config.rung}",
        config,
        {run_id(config, s): s for s in config.seeds},
    )


def speed_job(profile: str) -> Job:
    """The one job of the speed probe: every model at every length, in one process."""
    config = speed_config(profile)
    runs = {f"{m}-L{n}": 0 for n in config.lengths for m in config.models}
    return Job(CHAPTER, SPEED_EXPERIMENT, profile, "speed", config, runs)


def task_jobs(profile: str) -> list[Job]:
    """The LRU on every task of ``profile`` (Table 3)."""
    if check_profile(profile) not in PROFILES:
        return []
    return [_job(TASKS_EXPERIMENT, profile, c) for c in task_configs(profile)]


def ladder_jobs(profile: str) -> list[Job]:
    """Every rung on every ladder task of ``profile`` (Tables 1-3)."""
    if check_profile(profile) not in PROFILES:
        return []
    return [_job(LADDER_EXPERIMENT, profile, c) for c in ladder_configs(profile)]


def resolution_configs(profile: str) -> list[LRUConfig]:
    """The LRU on Pathfinder at :data:`RESOLUTION_SIDE`, otherwise as in the profile's Table 3
    (Table 9's settings for Pathfinder), one config per seed; none where the profile has none."""
    side = RESOLUTION_SIDE.get(check_profile(profile))
    if side is None:
        return []
    (base,) = task_configs(profile, ["pathfinder"])
    spec = base.data.pathfinder.scaled(side)
    data = TaskSpec(
        "pathfinder", n_train=base.data.n_train, n_eval=base.data.n_eval, pathfinder=spec
    )
    return [replace(base, data=data, seeds=(s,)) for s in base.seeds]


def resolution_jobs(profile: str) -> list[Job]:
    """One job per seed of Pathfinder at the higher resolution (``pathfinder32-s0``, ...)."""
    return [
        Job(
            CHAPTER,
            RESOLUTION_EXPERIMENT,
            profile,
            f"pathfinder{c.data.pathfinder.size}-s{c.seeds[0]}",
            c,
            {run_id(c, c.seeds[0]): c.seeds[0]},
        )
        for c in resolution_configs(profile)
    ]


def speed_jobs(profile: str) -> list[Job]:
    """The one job of the speed probe in ``profile`` (Table 4)."""
    if check_profile(profile) not in PROFILES or speed_config(profile) is None:
        return []
    return [speed_job(profile)]
