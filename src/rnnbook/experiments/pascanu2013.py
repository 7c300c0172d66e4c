"""Pascanu, Mikolov & Bengio (2013): exploding and vanishing gradients, clipping and Omega.

Chapter ``pascanu2013`` of the book. Three experiments:

- ``success`` -- Figure 7: the rate of success on the temporal order problem against the
  sequence length, for SGD, SGD-C (gradient-norm clipping, Algorithm 1) and SGD-CR (clipping and
  the regulariser Omega, Eq. 9), with the sigmoid, basic-tanh and smart-tanh initialisations of
  Sec. 4.1; five seeds per point;
- ``generalisation`` -- Sec. 4.1: one SGD-CR model per task trained on sequences of random
  length, then tested on longer sequences than it ever saw;
- ``table1`` -- Table 1: polyphonic music and character-level Penn Treebank
  (:mod:`rnnbook.experiments.pascanu2013_table`).

A run *succeeds* when it makes mistakes on fewer than 1% of 10,000 freshly drawn test sequences
(Sec. 4.1). Training stops when a member makes no mistake on a fixed validation set (or at the
profile's update cap); the test set is drawn afterwards, from another stream.

The members of one job (the three methods times the seeds, at one length and initialisation)
train together in one stacked model: per-member clipping thresholds (``inf`` for SGD) and
regulariser weights (0 for SGD and SGD-C). A member sees the data of its seed only, so SGD,
SGD-C and SGD-CR with the same seed start from the same weights and see the same minibatches.

What the chapter shows from the records (figures, findings, the one-unit wall) is in
:mod:`rnnbook.experiments.pascanu2013_report`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from rnnbook.cells.init import READOUT_STD, nonlinearity_of, pascanu_init
from rnnbook.data.synthetic import TASKS, draw_length, generate, steps, task_spec
from rnnbook.experiments import pascanu2013_table
from rnnbook.experiments.jobs import Job, RunContext
from rnnbook.experiments.runner import Experiment
from rnnbook.models.pascanu2013 import TaskRNN
from rnnbook.profiles import check_profile
from rnnbook.results import RunRecord, Table, TableRow
from rnnbook.train import TrainConfig, fit
from rnnbook.train.regularizers import add_omega
from rnnbook.train.task_losses import task_loss, task_mistakes

CHAPTER = "pascanu2013"
SUCCESS = "success"
GENERALISATION = "generalisation"
TABLE1 = pascanu2013_table.EXPERIMENT
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


# --- the model, the data and one job -------------------------------------------------------------


def build_model(config: TaskRunConfig, members: Sequence[tuple[str, int]] | None = None) -> TaskRNN:
    """The paper's network for ``config.task`` with ``config.init``, one member per (method,
    seed): the same seed gives the same initial weights whatever the method."""
    members = members if members is not None else config.members()
    spec = task_spec(config.task)
    return TaskRNN(
        spec.inputs,
        spec.hidden,
        spec.outputs,
        members=len(members),
        seeds=[s for _, s in members],
        nonlinearity=nonlinearity_of(config.init),
        init=pascanu_init(config.init),
        readout_std=READOUT_STD[config.init],
        readout=spec.readout,
    )


class TaskData:
    """Minibatches, validation and test sets of one job, member by member.

    Everything a member sees is a function of its seed and of the config only: minibatch ``u`` of
    epoch ``k`` for seed ``s`` comes from ``default_rng([data_seed, s, 1, k])``; the lengths of
    the minibatches (shared by the members, since a stacked batch has one length) from
    ``default_rng([data_seed, 2, k])``. Validation and test sets use streams 3 and 4.
    """

    def __init__(self, config: TaskRunConfig, members: Sequence[tuple[str, int]], device) -> None:
        self.config, self.device = config, device
        self.seeds = [s for _, s in members]
        self.distinct = sorted(set(self.seeds))
        self.spec = task_spec(config.task)
        self.valid = self._fixed_set(3, config.n_valid, None)

    def _length(self, rng: np.random.Generator, nominal: int | None = None) -> int:
        c = self.config
        if nominal is None:
            nominal = int(rng.integers(c.length, c.max_length)) if c.max_length else c.length
        return draw_length(c.task, rng, nominal)

    def _stack(self, per_seed: dict[int, Tensor]) -> Tensor:
        return torch.stack([per_seed[s] for s in self.seeds]).to(self.device)

    def _draw(self, rngs: dict[int, np.random.Generator], batch: int, length: int):
        made = {s: generate(self.config.task, rngs[s], batch, length) for s in self.distinct}
        x = self._stack({s: b.inputs for s, b in made.items()})
        y = self._stack({s: b.targets for s, b in made.items()})
        return x, y

    def epoch(self, epoch: int) -> Iterator[tuple[Tensor, Tensor]]:
        """The ``eval_every`` minibatches of one epoch (a pure function of ``epoch``)."""
        c = self.config
        rngs = {s: np.random.default_rng([c.data_seed, s, 1, epoch]) for s in self.distinct}
        lengths = np.random.default_rng([c.data_seed, 2, epoch])
        for _ in range(c.eval_every):
            yield self._draw(rngs, c.batch_size, self._length(lengths))

    def _chunk(self, length: int) -> int:
        """Sequences per evaluation chunk: about 4M input values for the whole stack."""
        per = len(self.seeds) * steps(self.config.task, length) * self.spec.inputs
        return max(1, min(1000, 4_000_000 // per))

    def _fixed_set(self, stream: int, n: int, nominal: int | None) -> list[tuple[Tensor, Tensor]]:
        """``n`` sequences in chunks, each chunk with its own length (drawn as in training, or
        around ``nominal``)."""
        c = self.config
        rngs = {
            s: np.random.default_rng([c.data_seed, s, stream, nominal or 0]) for s in self.distinct
        }
        lengths = np.random.default_rng([c.data_seed, stream, nominal or 0])
        chunks, left = [], n
        while left > 0:
            length = self._length(lengths, nominal)
            size = min(left, self._chunk(nominal or c.max_length or c.length))
            chunks.append(self._draw(rngs, size, length))
            left -= size
        return chunks

    @torch.no_grad()
    def score(self, model: TaskRNN, chunks: list[tuple[Tensor, Tensor]]) -> dict[str, Tensor]:
        """Error rate (share of sequences with a mistake) and mean loss per member, (E,)."""
        mistakes = loss = None
        n = 0
        for x, y in chunks:
            out = model(x)
            wrong = task_mistakes(self.spec, out, y).sum(1).double()
            batch_loss = task_loss(self.spec, out, y).double() * y.shape[1]
            mistakes = wrong if mistakes is None else mistakes + wrong
            loss = batch_loss if loss is None else loss + batch_loss
            n += y.shape[1]
        return {"error": mistakes / n, "loss": loss / n}

    def evaluate(self, model: TaskRNN) -> dict[str, Tensor]:
        return self.score(model, self.valid)

    def test(self, model: TaskRNN, nominal: int | None = None) -> Tensor:
        """Error rate on ``n_test`` fresh sequences (at ``nominal`` length, or drawn as in
        training), per member."""
        chunks = self._fixed_set(4, self.config.n_test, nominal)
        return self.score(model, chunks)["error"]


def task_loss_fn(config: TaskRunConfig):
    """The loss handed to :func:`~rnnbook.train.loop.fit`: the task loss, plus ``alpha Omega``
    for SGD-CR members (:func:`~rnnbook.train.regularizers.add_omega`)."""
    spec = task_spec(config.task)
    alphas = config.alphas()
    nl = nonlinearity_of(config.init)

    def loss_fn(model: TaskRNN, batch: tuple[Tensor, Tensor]) -> Tensor:
        x, y = batch
        states = model.states(x)
        losses = task_loss(spec, model.read(states), y)
        if not bool((alphas > 0).any()):
            return losses
        params = [p for p in model.parameters() if p.requires_grad]
        a = alphas.to(losses.device)
        return add_omega(losses, params, states, model.weight_hh, a, nl)[0]

    return loss_fn


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


def train_task_job(job: Job, context: RunContext) -> list[RunRecord] | None:
    """Train one job's members together; one record per member, or ``None`` if paused."""
    config: TaskRunConfig = job.config
    members = config.members()
    model = build_model(config, members).to(context.device)
    data = TaskData(config, members, context.device)
    result = fit(
        model,
        data.epoch,
        task_loss_fn(config),
        data.evaluate,
        config.train_config(),
        seeds=[s for _, s in members],
        checkpoint=job.checkpoint_path(),
        time_budget_s=context.time_budget_s,
        progress=context.progress,
        desc=job.key,
        stop_below=config.stop_error,
    )
    if not result.finished:
        return None
    started = time.perf_counter()
    test_error = data.test(model).tolist()
    lengths = {n: data.test(model, n).tolist() for n in config.test_lengths}
    test_time = time.perf_counter() - started
    metrics, traces = [], []
    for i, (_, seed) in enumerate(members):
        solved = result.status[i] == "ok" and result.messages[i].startswith("reached")
        metrics.append(
            {
                "test_error": test_error[i],
                "test_success": float(result.status[i] == "ok" and test_error[i] < SUCCESS_ERROR),
                "valid_error": result.best_metric[i],
                "solved_update": result.best_epoch[i] * config.eval_every if solved else None,
                "updates": result.updates,
                **{f"L{n}_error": errs[i] for n, errs in lengths.items()},
            }
        )
        trace = {}
        if config.trace_norms and seed == min(config.seeds):  # the figure shows the first seed
            trace["grad_norm"] = [
                float(f"{v[i]:.4g}") for v in result.grad_norms[: config.trace_norms]
            ]
        traces.append(trace)
    return context.records(
        job,
        result,
        metrics,
        run_ids=[run_id(config, m, s) for m, s in members],
        curves=("updates", "wall_time_s", "train_loss", "valid_error")
        + ("grad_norm_max", "grad_norm_mean"),
        more_curves=traces,
        extra=[
            {"method": m, "init": config.init, "test_time_s": test_time} for m, _ in members
        ],
    )


# --- profiles ------------------------------------------------------------------------------------

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
    # the paper's lengths 50 and 100 on one CPU core per job: 50,000 updates or until solved
    "long": dict(
        lengths=(50, 100),
        inits=INITS,
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
    _check(inits or (), INITS, "initialisation")
    out = []
    for init in inits or all_inits:
        for length in lengths or all_lengths:
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


def generalisation_configs(profile: str, tasks: Sequence[str] | None = None) -> list[TaskRunConfig]:
    """One job per task: SGD-CR with the smart-tanh initialisation, trained on random lengths."""
    check_profile(profile)
    if profile not in GENERALISATION_PROFILES:
        return []
    spec = dict(GENERALISATION_PROFILES[profile])
    all_tasks, settings = spec.pop("tasks"), spec.pop("settings")
    _check(tasks or (), list(TASKS), "task")
    out = []
    for task in tasks or all_tasks:
        hyper = TASK_SETTINGS[task] if settings == "appendix" else FIGURE7
        out.append(
            TaskRunConfig(
                task=task,
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


def _method(r: RunRecord) -> str:
    return r.extra.get("method", "")


def success_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Figure 7 as rows: success rate over seeds per (length, initialisation, method)."""
    groups: dict[tuple[str, int, str, str], list[RunRecord]] = {}
    for r in records:
        if r.experiment != SUCCESS:
            continue
        key = (r.profile, r.config["length"], r.config["init"], _method(r))
        groups.setdefault(key, []).append(r)
    profiles = sorted({k[0] for k in groups}) or ["-"]
    keys = set(groups) | {(p, n, i, m) for p in profiles for n, i, m in PAPER_SUCCESS}
    rows = []
    order = {m: k for k, m in enumerate(METHODS)}
    inits = {m: k for k, m in enumerate(INITS)}
    for profile, length, init, method in sorted(
        keys, key=lambda k: (k[0], inits.get(k[2], 9), k[1], order.get(k[3], 9))
    ):
        group = groups.get((profile, length, init, method), [])
        wins = [r.metrics["test_success"] for r in group]
        rows.append(
            TableRow(
                chapter=CHAPTER,
                experiment=SUCCESS,
                dataset=f"temporal order, length {length}",
                model=f"{METHOD_TITLES.get(method, method)}, {INIT_TITLES.get(init, init)}",
                metric="success rate",
                split="test",
                paper=PAPER_SUCCESS.get((length, init, method)),
                ours_mean=float(np.mean(wins)) if wins else None,
                ours_std=None,
                n=len(wins),
                profile=profile,
                device=", ".join(sorted({r.device for r in group})),
                commit=", ".join(sorted({r.commit for r in group})),
                stale=any(r.stale for r in group),
                code_changed=any(r.code_changed for r in group),
                failed=sum(r.status != "ok" for r in group),
                wall_time_s=max((r.wall_time_s for r in group), default=None),
            )
        )
    return Table(rows, title)


def generalisation_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Test error of each task's model at the training lengths and at each longer length."""
    rows = []
    for r in sorted(
        (r for r in records if r.experiment == GENERALISATION),
        key=lambda r: (r.profile, r.config["task"], r.seed),
    ):
        c = r.config
        horizon = PAPER_GENERALISATION.get(c["task"])
        task = TASKS[c["task"]].title
        splits = [("train lengths", r.metrics["test_error"], None)] + [
            (f"length {n}", r.metrics.get(f"L{n}_error"), n) for n in c["test_lengths"]
        ]
        for split, value, n in splits:
            paper = 0.0 if horizon and n and n <= horizon else None
            rows.append(
                TableRow(
                    chapter=CHAPTER,
                    experiment=GENERALISATION,
                    dataset=f"{task} (trained on {c['length']}-{c['max_length']})",
                    model=f"SGD-CR, smart tanh, seed {r.seed}",
                    metric="error rate",
                    split=split,
                    paper=paper,
                    ours_mean=value,
                    ours_std=None,
                    n=1,
                    profile=r.profile,
                    device=r.device,
                    commit=r.commit,
                    stale=r.stale,
                    code_changed=r.code_changed,
                    failed=int(r.status != "ok"),
                    wall_time_s=r.wall_time_s,
                )
            )
    return Table(rows, title, digits=3)


def table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Every row of the chapter: Table 1, then the success rates, then generalisation."""
    parts = [
        pascanu2013_table.table([r for r in records if r.experiment == TABLE1]),
        success_table([r for r in records if r.experiment == SUCCESS]),
        generalisation_table(records),
    ]
    return Table([row for t in parts for row in t.rows], title)


SUCCESS_EXPERIMENT = Experiment(
    CHAPTER,
    SUCCESS,
    "Figure 7: success rate on temporal order against length, SGD / SGD-C / SGD-CR",
    jobs=success_jobs,
    train=train_task_job,
    table=success_table,
)
GENERALISATION_EXPERIMENT = Experiment(
    CHAPTER,
    GENERALISATION,
    "Sec. 4.1: SGD-CR models trained on random lengths, tested on longer sequences",
    jobs=generalisation_jobs,
    train=train_task_job,
    table=generalisation_table,
)
EXPERIMENTS = [pascanu2013_table.TABLE1_EXPERIMENT, SUCCESS_EXPERIMENT, GENERALISATION_EXPERIMENT]
