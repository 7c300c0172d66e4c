"""Jozefowicz et al. (2015): the settings of every job per profile, and the jobs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from rnnbook.cells.mut import ARCHITECTURES
from rnnbook.experiments.jobs import Job
from rnnbook.experiments.jozefowicz2015.config import (
    ARCHS,
    CHAPTER,
    MUSIC,
    MUSIC_DATASETS,
    PAPER_TABLE3,
    PTB_DROPOUT,
    SEARCH,
    TABLE1,
    TABLE1_SEEDS,
    TASKS,
    DropoutConfig,
    MusicConfig,
    SearchConfig,
    SearchedDropoutConfig,
    SearchTask,
    Table1Config,
    sample_hyperparameters,
)
from rnnbook.profiles import check_profile
from rnnbook.results import load_records

__all__ = [
    "LRS_DROPOUT",
    "JOBS",
    "PROFILES",
    "defined",
    "music_configs",
    "music_jobs",
    "ptb_dropout_configs",
    "ptb_dropout_jobs",
    "search_config",
    "search_jobs",
    "table1_configs",
    "table1_jobs",
    "table1_seed_jobs",
]


#: Table 3's candidate learning rates (SGD), tried per cell for one epoch: the LSTM's rate of 1
#: (Zaremba et al.'s) and two below it, where a tanh RNN trains.
LRS_DROPOUT = (1.0, 0.3, 0.1)

#: Per profile: shared settings, the number of hyperparameter settings per job, and per-task
#: overrides (epochs, tokens per epoch, tokens per evaluation split).
PROFILES: dict[str, dict] = {
    # seconds: a few hundred tokens, two settings, tiny networks; checks the pipeline only
    "smoke": dict(
        table1=dict(
            hidden=16,
            layers=1,
            settings=2,
            tasks={
                "arithmetic": dict(epochs=1, train_tokens=1_400, eval_tokens=1_400),
                "xml": dict(epochs=1, train_tokens=1_400, eval_tokens=1_400),
                "ptb": dict(epochs=1, train_tokens=1_400, eval_tokens=1_400),
            },
            archs=ARCHS,
        ),
        music=dict(
            hidden=16, settings=2, epochs=1, max_sequences=6, max_length=40, archs=("lstm", "mut1")
        ),
        ptb_dropout=dict(
            hidden=16,
            layers=1,
            dropout=0.2,
            epochs=1,
            train_tokens=1_400,
            eval_tokens=1_400,
            archs=("lstm", "gru"),
            lrs=(1.0, 0.1),
        ),
        search=dict(
            hidden=16,
            settings=1,
            generations=1,
            children=2,
            keep=4,
            memorization=dict(epochs=1, train_tokens=2_800, eval_tokens=1_400),
            tasks={
                "arithmetic": dict(epochs=1, train_tokens=1_400, eval_tokens=1_400),
                "xml": dict(epochs=1, train_tokens=1_400, eval_tokens=1_400),
            },
            max_digits=3,
        ),
    ),
    # about 15-20 minutes for the chapter on two cores: small networks, short training
    "cpu": dict(
        table1=dict(
            hidden=64,
            layers=1,
            settings=4,
            tasks={
                "arithmetic": dict(
                    epochs=7, train_tokens=140_000, eval_tokens=14_000, max_digits=3
                ),
                "xml": dict(epochs=8, train_tokens=105_000, eval_tokens=14_000),
                "ptb": dict(epochs=2, train_tokens=35_000, eval_tokens=14_000, settings=2),
            },
            archs=ARCHS,
        ),
        music=dict(
            hidden=64,
            settings=3,
            epochs=10,
            max_sequences=None,
            max_length=100,
            archs=("lstm", "lstm-b", "gru", "mut1"),
        ),
        ptb_dropout=dict(
            hidden=64,
            layers=2,
            dropout=0.2,
            epochs=2,
            train_tokens=70_000,
            eval_tokens=14_000,
            archs=tuple(a for _, a, _ in PAPER_TABLE3),
            lrs=LRS_DROPOUT,
        ),
        search=dict(
            hidden=32,
            settings=2,
            generations=4,
            children=8,
            keep=6,
            memorization=dict(epochs=3, train_tokens=21_000, eval_tokens=2_800),
            tasks={
                "arithmetic": dict(epochs=4, train_tokens=28_000, eval_tokens=4_200),
                "xml": dict(epochs=3, train_tokens=28_000, eval_tokens=4_200),
            },
            max_digits=2,
        ),
    ),
    # hours on a CPU: Table 1's arithmetic at the paper's 8 digits and XML, every cell searched
    # over 8 settings of the paper's ranges for 10,000 updates each (20 tokens x 35 steps per
    # update); measured while the other core trained: about 55 ms (tanh) to 210 ms (LSTM) of one
    # core per update of the 8 stacked settings, so 10-35 minutes per job, 6-7 core-hours in all
    "long": dict(
        table1=dict(
            hidden=128,
            layers=1,
            settings=8,
            tasks={
                "arithmetic": dict(
                    epochs=20, train_tokens=350_000, eval_tokens=35_000, max_digits=8
                ),
                "xml": dict(epochs=20, train_tokens=350_000, eval_tokens=35_000),
            },
            archs=ARCHS,
            reseed=3,  # then the best setting of each cell trains with three seeds
        ),
        # Table 3's seven cells at one common size on the whole of PTB, the same 7,968 updates
        # (6 epochs) each after a one-epoch search of the learning rate; the LSTM and the tanh RNN
        # with three seeds, for the verdict. Measured with one other job beside: 21 min (LSTM)
        # and 16 min (tanh) for the 6 epochs, about half an hour a run with the search, 5-6
        # core-hours in all
        ptb_dropout=dict(
            hidden=200,
            layers=2,
            dropout=0.2,
            epochs=6,
            train_tokens=None,
            eval_tokens=None,
            archs=tuple(a for _, a, _ in PAPER_TABLE3),
            seeds={"lstm": (0, 1, 2), "tanh": (0, 1, 2)},
            lrs=LRS_DROPOUT,
        ),
        # the search with 128 candidates (8 generations of 16 children) on the paper's 8-digit
        # arithmetic and XML, 1,000 updates per task and candidate; measured while two other jobs
        # trained: 200 s for the references and 4 candidates, so about an hour of one core
        search=dict(
            hidden=64,
            settings=2,
            generations=8,
            children=16,
            keep=16,
            memorization=dict(epochs=3, train_tokens=70_000, eval_tokens=7_000),
            tasks={
                "arithmetic": dict(epochs=4, train_tokens=175_000, eval_tokens=17_500),
                "xml": dict(epochs=4, train_tokens=175_000, eval_tokens=17_500),
            },
            max_digits=8,
        ),
    ),
    # the paper's scale, for a GPU: wider networks, 2 layers, 20 settings per (task, cell)
    "full": dict(
        table1=dict(
            hidden=256,
            layers=2,
            settings=20,
            tasks={
                "arithmetic": dict(epochs=30, train_tokens=1_000_000, eval_tokens=100_000),
                "xml": dict(epochs=30, train_tokens=1_000_000, eval_tokens=100_000),
                "ptb": dict(epochs=13, train_tokens=None, eval_tokens=None),
            },
            archs=ARCHS,
        ),
        music=dict(
            hidden=256, settings=10, epochs=100, max_sequences=None, max_length=None, archs=ARCHS
        ),
        ptb_dropout=dict(
            hidden=650,
            layers=2,
            dropout=0.5,
            epochs=39,
            train_tokens=None,
            eval_tokens=None,
            archs=tuple(a for _, a, _ in PAPER_TABLE3),
            lrs=LRS_DROPOUT,
        ),
        search=dict(
            hidden=128,
            settings=4,
            generations=20,
            children=16,
            keep=50,
            memorization=dict(epochs=2, train_tokens=200_000, eval_tokens=20_000),
            tasks={
                "arithmetic": dict(epochs=5, train_tokens=400_000, eval_tokens=40_000),
                "xml": dict(epochs=5, train_tokens=400_000, eval_tokens=40_000),
                "ptb": dict(epochs=2, train_tokens=400_000, eval_tokens=40_000),
            },
            max_digits=8,
        ),
    ),
}


def _spec(profile: str, experiment: str) -> dict:
    check_profile(profile)
    return PROFILES[profile][experiment]


def table1_configs(
    profile: str, tasks: Sequence[str] | None = None, archs: Sequence[str] | None = None
) -> list[Table1Config]:
    """The jobs of Table 1 in ``profile``; every cell of a task shares the same settings."""
    spec = _spec(profile, TABLE1)
    out = []
    for task in tasks or tuple(spec["tasks"]):
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}: choose one of {', '.join(TASKS)}")
        task_spec = dict(spec["tasks"][task])
        n_settings = task_spec.pop("settings", spec["settings"])
        hps = sample_hyperparameters(n_settings, seed=2015 + TASKS.index(task))
        for arch in archs or spec["archs"]:
            if arch not in ARCHITECTURES:
                raise ValueError(f"unknown architecture {arch!r}: choose one of {', '.join(ARCHS)}")
            out.append(
                Table1Config(
                    task=task,
                    arch=arch,
                    hidden=spec["hidden"],
                    layers=spec["layers"],
                    hyperparameters=hps,
                    **task_spec,
                )
            )
    return out


def _job(experiment: str, profile: str, key: str, config, seed: int = 0) -> Job:
    return Job(CHAPTER, experiment, profile, key, config, {key: seed})


def defined(profile: str, experiment: str) -> bool:
    """Whether ``profile`` has settings for ``experiment`` (``long`` is not defined for all)."""
    return experiment in PROFILES.get(check_profile(profile), {})


def table1_jobs(
    profile: str, tasks: Sequence[str] | None = None, archs: Sequence[str] | None = None
) -> list[Job]:
    if not defined(profile, TABLE1):
        return []
    return [
        _job(TABLE1, profile, f"{c.task}-{c.arch}", c, c.seed)
        for c in table1_configs(profile, tasks, archs)
    ]


def table1_seed_jobs(profile: str, root: Path | None = None) -> list[Job]:
    """Where ``profile`` asks for it (``reseed``), each (task, cell)'s best setting as recorded
    by Table 1's search, retrained with that many seeds (members ``100 + k``, data seed 1): the
    seeds that the verdicts need. A cell without an up-to-date search record has no job yet."""
    n = PROFILES.get(check_profile(profile), {}).get(TABLE1, {}).get("reseed")
    if not n:
        return []
    found = {r.run_id: r for r in load_records(CHAPTER, TABLE1, profile, root) if r.status == "ok"}
    out = []
    for job in table1_jobs(profile):
        best = found.get(job.key)
        if best is None or best.config_hash != job.run_hash(job.key) or "lr" not in best.metrics:
            continue
        setting = (best.metrics["init_scale"], best.metrics["lr"], best.metrics["clip"])
        config = replace(job.config, hyperparameters=(setting,) * n, seed=1)
        runs = {f"{job.key}-s{s}": s for s in config.member_seeds()}
        out.append(Job(CHAPTER, TABLE1_SEEDS, profile, job.key, config, runs))
    return out


def music_configs(
    profile: str, datasets: Sequence[str] | None = None, archs: Sequence[str] | None = None
) -> list[MusicConfig]:
    spec = dict(_spec(profile, MUSIC))
    hps = sample_hyperparameters(spec.pop("settings"), seed=2015 + 10)
    default_archs = spec.pop("archs")
    out = []
    for ds in datasets or MUSIC_DATASETS:
        if ds not in MUSIC_DATASETS:
            raise ValueError(f"unknown data set {ds!r}: choose one of {', '.join(MUSIC_DATASETS)}")
        for arch in archs or default_archs:
            if arch not in ARCHITECTURES:
                raise ValueError(f"unknown architecture {arch!r}: choose one of {', '.join(ARCHS)}")
            out.append(MusicConfig(ds, arch, hyperparameters=hps, **spec))
    return out


def music_jobs(profile: str, **kwargs) -> list[Job]:
    if not defined(profile, MUSIC):
        return []
    return [
        _job(MUSIC, profile, f"{c.dataset}-{c.arch}", c) for c in music_configs(profile, **kwargs)
    ]


def ptb_dropout_configs(profile: str, archs: Sequence[str] | None = None) -> list[DropoutConfig]:
    """Every cell of Table 3 in ``profile``, once per seed (seed 0 unless ``seeds`` names more)."""
    spec = dict(_spec(profile, PTB_DROPOUT))
    default_archs = spec.pop("archs")
    seeds = spec.pop("seeds", {})
    out = []
    for arch in archs or default_archs:
        if arch not in ARCHITECTURES:
            raise ValueError(f"unknown architecture {arch!r}: choose one of {', '.join(ARCHS)}")
        kind = SearchedDropoutConfig if "lrs" in spec else DropoutConfig
        out.extend(kind(arch, seed=s, **spec) for s in seeds.get(arch, (0,)))
    return out


def ptb_dropout_jobs(profile: str, archs: Sequence[str] | None = None) -> list[Job]:
    if not defined(profile, PTB_DROPOUT):
        return []
    return [
        _job(PTB_DROPOUT, profile, f"ptb-{c.arch}" + (f"-s{c.seed}" if c.seed else ""), c, c.seed)
        for c in ptb_dropout_configs(profile, archs)
    ]


def search_config(profile: str) -> SearchConfig:
    spec = dict(_spec(profile, SEARCH))
    memo = SearchTask("memorization", **spec.pop("memorization"))
    tasks = tuple(SearchTask(t, **v) for t, v in spec.pop("tasks").items())
    return SearchConfig(memorization=memo, tasks=tasks, **spec)


def search_jobs(profile: str) -> list[Job]:
    if not defined(profile, SEARCH):
        return []
    return [_job(SEARCH, profile, "search", search_config(profile))]


#: The jobs of each experiment, by name.
JOBS = {
    TABLE1: table1_jobs,
    TABLE1_SEEDS: table1_seed_jobs,
    MUSIC: music_jobs,
    PTB_DROPOUT: ptb_dropout_jobs,
    SEARCH: search_jobs,
}
