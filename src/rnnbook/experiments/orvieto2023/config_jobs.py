"""Orvieto et al. (2023): the jobs of each experiment in a profile."""

from __future__ import annotations

from rnnbook.experiments.jobs import Job
from rnnbook.experiments.orvieto2023.config import (
    CHAPTER,
    LADDER_EXPERIMENT,
    PROFILES,
    SPEED_EXPERIMENT,
    TASKS_EXPERIMENT,
    LRUConfig,
    ladder_configs,
    speed_config,
    task_configs,
)
from rnnbook.profiles import check_profile

__all__ = ["ladder_jobs", "run_id", "speed_job", "speed_jobs", "task_jobs"]


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


def speed_jobs(profile: str) -> list[Job]:
    """The one job of the speed probe in ``profile`` (Table 4)."""
    if check_profile(profile) not in PROFILES or speed_config(profile) is None:
        return []
    return [speed_job(profile)]
