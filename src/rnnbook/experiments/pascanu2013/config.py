"""Pascanu, Mikolov & Bengio (2013), chapter ``pascanu2013``: the synthetic-task experiments'
numbers, configurations and jobs.

- ``success`` -- Figure 7: the rate of success on the temporal order problem against the
  sequence length, for SGD, SGD-C (gradient-norm clipping, Algorithm 1) and SGD-CR (clipping and
  the regulariser Omega, Eq. 9), with the sigmoid, basic-tanh and smart-tanh initialisations of
  Sec. 4.1; five seeds per point;
- ``generalisation`` -- Sec. 4.1: one SGD-CR model per task trained on sequences of random
  length, then tested on longer sequences than it ever saw;
- ``generalisation_figure7`` -- the same at Figure 7's settings, on the paper's lengths 50-200
  and on 50-100 (``long``: where the appendix's settings learned nothing in 50,000 updates).

A run *succeeds* when it makes mistakes on fewer than 1% of 10,000 freshly drawn test sequences
(Sec. 4.1). Training stops when a member makes no mistake on a fixed validation set (or at the
profile's update cap); the test set is drawn afterwards, from another stream. Table 1 is in
:mod:`rnnbook.experiments.pascanu2013.config_table1`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from rnnbook.data.synthetic import TASKS, task_spec
from rnnbook.experiments.jobs import Job
from rnnbook.experiments.pascanu2013.config_table1 import EXPERIMENT as TABLE1_NAME
from rnnbook.profiles import check_profile
from rnnbook.train import TrainConfig

__all__ = [
    "CHAPTER",
    "FIGURE7",
    "GENERALISATION",
    "GENERALISATION_EXPERIMENTS",
    "GENERALISATION_FIGURE7",
    "GENERALISATION_FIGURE7_PROFILES",
    "GENERALISATION_PROFILES",
    "INITS",
    "INIT_TITLES",
    "METHODS",
    "METHOD_TITLES",
    "PAPER_GENERALISATION",
    "PAPER_SUCCESS",
    "SUCCESS",
    "SUCCESS_ERROR",
    "SUCCESS_PROFILES",
    "TABLE1",
    "TASK_SETTINGS",
    "TaskRunConfig",
    "VERSION",
    "generalisation_configs",
    "generalisation_figure7_jobs",
    "generalisation_jobs",
    "run_id",
    "success_configs",
    "success_jobs",
    "task_job",
]


CHAPTER = "pascanu2013"


SUCCESS = "success"


GENERALISATION = "generalisation"
GENERALISATION_FIGURE7 = "generalisation_figure7"
#: Both generalisation experiments: the appendix's settings per task, and Figure 7's.
GENERALISATION_EXPERIMENTS = (GENERALISATION, GENERALISATION_FIGURE7)


TABLE1 = TABLE1_NAME


#: Bumped whenever a change to this code changes results: records of older versions become stale.
VERSION = 2


METHODS = ("sgd", "sgd-c", "sgd-cr")


METHOD_TITLES = {"sgd": "SGD", "sgd-c": "SGD-C", "sgd-cr": "SGD-CR"}


INITS = ("sigmoid", "basic_tanh", "smart_tanh")


INIT_TITLES = {"sigmoid": "sigmoid", "basic_tanh": "basic tanh", "smart_tanh": "smart tanh"}


#: A run succeeds below this error rate on the test sequences (Sec. 4.1).
SUCCESS_ERROR = 0.01


#: Figure 7 (temporal order), as stated in the text of Sec. 4.1 (arXiv:1211.5063v2 and the ICML
#: version): SGD and SGD-C fail beyond short lengths with the sigmoid and basic-tanh
#: initialisations, SGD-CR succeeds up to length 200. The figure itself gives no numbers: these
#: are the text's claims written as success rates (0 = every run fails, 1 = every run succeeds),
#: for the lengths of the figure; no value is claimed for SGD and SGD-C with smart tanh.
PAPER_SUCCESS: dict[tuple[int, str, str], float] = {}


for _length in (50, 100, 150, 200):
    for _init in INITS:
        PAPER_SUCCESS[(_length, _init, "sgd-cr")] = 1.0
        if _init != "smart_tanh":
            PAPER_SUCCESS[(_length, _init, "sgd")] = 0.0
            PAPER_SUCCESS[(_length, _init, "sgd-c")] = 0.0


#: Sec. 4.1, generalisation: models trained on lengths 50-200 make no mistakes on temporal order
#: up to length 5000 and generalise on addition and multiplication up to length 500.
PAPER_GENERALISATION = {"temporal_order": 5000, "addition": 500, "multiplication": 500}


@dataclass(frozen=True)
class TaskRunConfig:
    """One job: the members ``methods x seeds`` on one task, length range and initialisation.

    Minibatch lengths are ``length`` (or drawn from ``[length, max_length)`` when ``max_length``
    is set), extended by up to 10% for addition and multiplication
    (:func:`~rnnbook.data.synthetic.draw_length`). Every ``eval_every`` updates the members are
    scored on ``n_valid`` fixed validation sequences; a member stops once it makes no mistake on
    them (``stop_error``; the authors' code stops at no mistake on 10,000 fresh sequences); at
    most ``max_updates`` updates. ``test_lengths`` (the nominal lengths to test at, besides the
    training range) serve the generalisation experiment.
    """

    task: str
    length: int
    init: str
    methods: tuple[str, ...]
    seeds: tuple[int, ...]
    max_length: int | None = None
    lr: float = 0.01
    clip: float = 1.0
    alpha: float = 4.0
    batch_size: int = 20
    max_updates: int = 5_000_000
    eval_every: int = 1000
    n_valid: int = 1000
    n_test: int = 10_000
    test_lengths: tuple[int, ...] = ()
    stop_error: float = 1e-6
    trace_norms: int = 0
    data_seed: int = 0
    version: int = VERSION

    def members(self) -> list[tuple[str, int]]:
        """(method, seed) of every member, methods outermost."""
        return [(m, s) for m in self.methods for s in self.seeds]

    @property
    def hidden(self) -> int:
        return task_spec(self.task).hidden

    @property
    def key(self) -> str:
        span = f"{self.length}-{self.max_length}" if self.max_length else f"{self.length}"
        return f"{self.task}-L{span}-{self.init}"

    def train_config(self) -> TrainConfig:
        clip = tuple(None if m == "sgd" else self.clip for m, _ in self.members())
        return TrainConfig(
            optimizer="sgd",
            lr=self.lr,
            clip_norm=clip,
            max_epochs=math.ceil(self.max_updates / self.eval_every),
            max_updates=self.max_updates,
            patience=None,
            monitor="error",
            grad_norm_every=1 if self.trace_norms else 0,
        )

    def alphas(self) -> Tensor:
        return torch.tensor([self.alpha if m == "sgd-cr" else 0.0 for m, _ in self.members()])


def _check(values: Sequence[str], allowed: Sequence[str], what: str) -> None:
    for v in values:
        if v not in allowed:
            raise ValueError(f"unknown {what} {v!r}: choose from {', '.join(allowed)}")


def run_id(config: TaskRunConfig, method: str, seed: int) -> str:
    return f"{config.key}-{method}-s{seed}"


def task_job(experiment: str, profile: str, config: TaskRunConfig) -> Job:
    return Job(
        CHAPTER,
        experiment,
        profile,
        config.key,
        config,
        {run_id(config, m, s): s for m, s in config.members()},
    )


#: Figure 7 per profile. ``full`` is the paper's protocol; ``cpu`` the same sweep at lengths a CPU
#: reaches in minutes, with an update cap; ``smoke`` checks the pipeline.
SUCCESS_PROFILES: dict[str, dict] = {
    "smoke": dict(
        lengths=(10,),
        inits=("smart_tanh",),
        seeds=(0,),
        max_updates=30,
        eval_every=10,
        n_valid=50,
        n_test=200,
        trace_norms=30,
    ),
    "cpu": dict(
        lengths=(10, 20, 30, 40),
        inits=INITS,
        seeds=(0, 1, 2, 3, 4),
        max_updates=5000,
        eval_every=250,
        n_valid=500,
        n_test=10_000,
        trace_norms=2000,
    ),
    # the paper's lengths 50-200 on one CPU core per job: 50,000 updates or until solved; at 150
    # and 200 only the tanh initialisations (the sigmoid failed all 15 runs at 100, and a job at
    # 200 costs about 95 minutes of one core)
    "long": dict(
        lengths=(50, 100),
        inits=INITS,
        tanh_only_lengths=(150, 200),
        seeds=(0, 1, 2, 3, 4),
        max_updates=50_000,
        eval_every=1000,
        n_valid=1000,
        n_test=10_000,
        trace_norms=0,
    ),
    "full": dict(
        lengths=(50, 100, 150, 200),
        inits=INITS,
        seeds=(0, 1, 2, 3, 4),
        max_updates=5_000_000,
        eval_every=1000,
        n_valid=1000,
        n_test=10_000,
        trace_norms=0,
    ),
}


#: Figure 7's settings (Sec. 4.1): SGD at learning rate 0.01, minibatches of 20, clipping at 1,
#: regulariser weight 4.
FIGURE7 = dict(lr=0.01, clip=1.0, alpha=4.0, batch_size=20)


def success_configs(
    profile: str, lengths: Sequence[int] | None = None, inits: Sequence[str] | None = None
) -> list[TaskRunConfig]:
    """The jobs of Figure 7 in ``profile``: one per (length, initialisation)."""
    check_profile(profile)
    if profile not in SUCCESS_PROFILES:
        return []
    spec = dict(SUCCESS_PROFILES[profile])
    all_lengths, all_inits = spec.pop("lengths"), spec.pop("inits")
    tanh_only = spec.pop("tanh_only_lengths", ())
    _check(inits or (), INITS, "initialisation")
    out = []
    for init in inits or all_inits:
        extra = tanh_only if init.endswith("tanh") else ()
        for length in lengths or (*all_lengths, *extra):
            out.append(
                TaskRunConfig(
                    task="temporal_order",
                    length=length,
                    init=init,
                    methods=METHODS,
                    **FIGURE7,
                    **spec,
                )
            )
    return out


#: Sec. 4.1 and Appendix: per task, the settings of the runs on random lengths 50-200. The
#: appendix gives temporal order (lr 0.001, alpha 2, clip 6) and addition (lr 0.01, alpha 0.5,
#: clip 6); the others use the defaults of the authors' code (lr 0.01, alpha 2, clip 1).
TASK_SETTINGS: dict[str, dict] = {
    "temporal_order": dict(lr=0.001, alpha=2.0, clip=6.0),
    "addition": dict(lr=0.01, alpha=0.5, clip=6.0),
    "multiplication": dict(lr=0.01, alpha=2.0, clip=1.0),
    "temporal_order_3bit": dict(lr=0.01, alpha=2.0, clip=1.0),
    "memorisation": dict(lr=0.01, alpha=2.0, clip=1.0),
    "permutation": dict(lr=0.01, alpha=2.0, clip=1.0),
}


GENERALISATION_PROFILES: dict[str, dict] = {
    "smoke": dict(
        tasks=("temporal_order",),
        length=10,
        max_length=20,
        seeds=(0,),
        settings="figure7",
        max_updates=20,
        eval_every=10,
        n_valid=50,
        n_test=100,
        test_lengths=(40,),
    ),
    # a CPU budget: shorter training lengths (10-40), Figure 7's settings for every task
    "cpu": dict(
        tasks=("temporal_order", "addition"),
        length=10,
        max_length=40,
        seeds=(0,),
        settings="figure7",
        max_updates=10_000,
        eval_every=250,
        n_valid=500,
        n_test=2000,
        test_lengths=(50, 100, 200, 500, 1000),
    ),
    # the paper's training lengths 50-200 and settings, 50,000 updates or until solved
    "long": dict(
        tasks=("temporal_order", "addition", "multiplication", "memorisation"),
        length=50,
        max_length=200,
        seeds=(0, 1, 2),
        settings="appendix",
        max_updates=50_000,
        eval_every=1000,
        n_valid=1000,
        n_test=2000,
        test_lengths=(50, 100, 200, 500, 1000, 5000),
    ),
    "full": dict(
        tasks=(
            "temporal_order",
            "addition",
            "multiplication",
            "temporal_order_3bit",
            "memorisation",
            "permutation",
        ),
        length=50,
        max_length=200,
        seeds=(0, 1, 2, 3, 4),
        settings="appendix",
        max_updates=5_000_000,
        eval_every=1000,
        n_valid=1000,
        n_test=10_000,
        test_lengths=(50, 100, 200, 500, 1000, 2000, 5000),
    ),
}


#: The generalisation experiment at Figure 7's settings (lr 0.01, clip 1, alpha 4): in `long`
#: these solve temporal order at the fixed lengths 50 and 100 (smart tanh, SGD-CR, 5 of 5 seeds),
#: while the appendix's (lr 0.001 for temporal order) learned no length in 50-200 in 50,000
#: updates. Trained on the paper's 50-200, and on 50-100, the widest range that the fixed-length
#: runs show training; about 15 minutes of one core per job of 3 seeds, less where the seeds
#: solve their lengths early.
GENERALISATION_FIGURE7_PROFILES: dict[str, dict] = {
    "smoke": GENERALISATION_PROFILES["smoke"],
    "long": dict(
        GENERALISATION_PROFILES["long"],
        tasks=("temporal_order", "addition"),
        ranges=((50, 100), (50, 200)),
        settings="figure7",
    ),
}


def generalisation_configs(
    profile: str, tasks: Sequence[str] | None = None, *, figure7: bool = False
) -> list[TaskRunConfig]:
    """One job per task (and training range): SGD-CR with the smart-tanh initialisation, trained
    on random lengths; ``figure7``: the jobs of ``generalisation_figure7``."""
    check_profile(profile)
    profiles = GENERALISATION_FIGURE7_PROFILES if figure7 else GENERALISATION_PROFILES
    if profile not in profiles:
        return []
    spec = dict(profiles[profile])
    all_tasks, settings = spec.pop("tasks"), spec.pop("settings")
    ranges = spec.pop("ranges", ((spec.pop("length"), spec.pop("max_length")),))
    _check(tasks or (), list(TASKS), "task")
    out = []
    for task in tasks or all_tasks:
        hyper = TASK_SETTINGS[task] if settings == "appendix" else FIGURE7
        for length, max_length in ranges:
            out.append(
                TaskRunConfig(
                    task=task,
                    length=length,
                    max_length=max_length,
                    init="smart_tanh",
                    methods=("sgd-cr",),
                    **{k: v for k, v in hyper.items() if k != "batch_size"},
                    **spec,
                )
            )
    return out


def success_jobs(profile: str) -> list[Job]:
    """The jobs of Figure 7 in ``profile``."""
    return [task_job(SUCCESS, profile, c) for c in success_configs(profile)]


def generalisation_jobs(profile: str) -> list[Job]:
    """The jobs of the generalisation experiment in ``profile``."""
    return [task_job(GENERALISATION, profile, c) for c in generalisation_configs(profile)]


def generalisation_figure7_jobs(profile: str) -> list[Job]:
    """The jobs of the generalisation experiment at Figure 7's settings in ``profile``."""
    configs = generalisation_configs(profile, figure7=True)
    return [task_job(GENERALISATION_FIGURE7, profile, c) for c in configs]
