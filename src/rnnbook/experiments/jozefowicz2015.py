"""Jozefowicz, Zaremba & Sutskever (2015): an empirical exploration of recurrent architectures.

Chapter ``jozefowicz2015`` of the book. Four experiments:

- ``table1``: the ten cells of Table 1 (tanh, LSTM and its four ablations, GRU, MUT1-3) on the
  arithmetic, XML and Penn Treebank tasks; each (cell, task) pair is a random hyperparameter search
  in the spirit of Sec. 3.4 (initialisation scale, learning rate, clipping threshold), whose
  settings train side by side as stacked members; the best on validation accuracy is reported.
- ``music``: negative log-likelihood per frame on Nottingham and Piano-midi (Sec. 4, Table 2).
- ``ptb_dropout``: word-level Penn Treebank perplexity with dropout (Sec. 4, Table 3).
- ``search``: the architecture search itself, small but real (Sec. 3): mutation of computation
  graphs, the memorisation filter, scoring against the GRU (:mod:`rnnbook.experiments.arch_search`).

Training follows the paper's language-model setup (after Zaremba et al. 2014): plain SGD, gradient
norm clipping, minibatches of 20 contiguous streams unrolled 35 steps with the state carried across
minibatches, the loss summed over the 35 steps and averaged over the batch.

Every configuration a table cell comes from is in :data:`PROFILES` and the ``*_configs`` functions.
What one job does with its configuration is in :mod:`rnnbook.experiments.jozefowicz2015_train`;
the findings, figures and baselines that the notebooks show are in
:mod:`rnnbook.experiments.jozefowicz2015_report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rnnbook.cells.mut import ARCHITECTURES
from rnnbook.experiments import arch_search
from rnnbook.experiments.jobs import Job
from rnnbook.experiments.jozefowicz2015_lm import TASKS, StreamData, sample_hyperparameters
from rnnbook.experiments.jozefowicz2015_train import (
    train_music_job,
    train_ptb_dropout_job,
    train_search_job,
    train_table1_job,
)
from rnnbook.experiments.runner import Experiment
from rnnbook.profiles import check_profile
from rnnbook.results import (
    RunRecord,
    Table,
    TableRow,
    paper_vs_ours,
)
from rnnbook.train import TrainConfig

CHAPTER = "jozefowicz2015"
#: Bumped whenever a change to this code changes results: records of older versions become stale.
VERSION = 1

ARCHS: tuple[str, ...] = tuple(ARCHITECTURES)
TASK_TITLES = {
    "arithmetic": "Arithmetic",
    "xml": "XML",
    "ptb": "PTB",
    "memorization": "Memorisation",
}

#: Table 1 of the paper (ICML 2015, PMLR 37), best next-step accuracy: (task, cell, "test") -> v.
PAPER_TABLE1: dict[tuple[str, str, str], float] = {}
for _arch, _values in {
    "tanh": (0.2950, 0.3210, 0.0878),
    "lstm": (0.8922, 0.4254, 0.0891),
    "lstm-f": (0.2934, 0.2339, 0.0881),
    "lstm-i": (0.7514, 0.4141, 0.0866),
    "lstm-o": (0.8670, 0.4212, 0.0893),
    "lstm-b": (0.9024, 0.4441, 0.0895),
    "gru": (0.8962, 0.4604, 0.0907),
    "mut1": (0.9210, 0.4753, 0.0897),
    "mut2": (0.8972, 0.4729, 0.0904),
    "mut3": (0.9072, 0.4650, 0.0916),
}.items():
    for _task, _v in zip(TASKS, _values):
        PAPER_TABLE1[(_task, _arch, "test")] = _v

#: Music, NLL per frame (nats) of the paper's Table 2 for the three cells given in our source.
#: Read from the machine-written summary of the paper (not checked against the paper's own text,
#: which we could not reach): treat as indicative.
PAPER_MUSIC: dict[tuple[str, str, str], float] = {
    ("nottingham", "lstm", "test"): 3.492,
    ("nottingham", "mut1", "test"): 3.254,
    ("nottingham", "lstm-b", "test"): 3.419,
    ("piano", "lstm", "test"): 6.866,
    ("piano", "mut1", "test"): 6.792,
    ("piano", "lstm-b", "test"): 6.820,
}
#: Nottingham with dropout, same source.
PAPER_MUSIC_DROPOUT = {"lstm": 3.403, "mut1": 3.376, "lstm-b": 3.345}

#: Table 3: test perplexity on PTB with dropout, models of about 20M parameters.
PAPER_TABLE3: dict[tuple[str, str, str], float] = {
    ("ptb", a, "test"): v
    for a, v in {
        "lstm-b": 79.8,
        "lstm": 81.4,
        "lstm-o": 82.3,
        "mut3": 89.5,
        "gru": 91.7,
        "tanh": 97.7,
        "lstm-f": 100.8,
    }.items()
}

# --- Table 1 ------------------------------------------------------------------------------------

TABLE1 = "table1"


@dataclass(frozen=True)
class Table1Config:
    """One (task, cell) job: ``hyperparameters`` lists (init scale, learning rate, clipping
    threshold) settings that train together as members (seeds ``seed * 100 + k``); each trains
    for ``epochs`` epochs of ``train_tokens`` tokens and keeps its best validation accuracy."""

    task: str
    arch: str
    hidden: int
    layers: int
    hyperparameters: tuple[tuple[float, float, float], ...]
    epochs: int
    train_tokens: int | None
    eval_tokens: int | None
    batch_size: int = 20
    unroll: int = 35
    max_digits: int = 8
    seed: int = 0
    version: int = VERSION

    def data(self) -> StreamData:
        return StreamData(
            self.task, self.train_tokens, self.eval_tokens, self.seed, self.max_digits
        )

    def member_seeds(self) -> tuple[int, ...]:
        return tuple(self.seed * 100 + k for k in range(len(self.hyperparameters)))

    def train_config(self) -> TrainConfig:
        return TrainConfig(
            optimizer="sgd",
            lr=tuple(h[1] for h in self.hyperparameters),
            clip_norm=tuple(h[2] for h in self.hyperparameters),
            max_epochs=self.epochs,
            patience=None,
            monitor="error",
        )


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
    for task in tasks or TASKS:
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


# --- music (Table 2) ----------------------------------------------------------------------------

MUSIC = "music"
MUSIC_DATASETS = ("nottingham", "piano")
MUSIC_TITLES = {"nottingham": "Nottingham", "piano": "Piano-midi"}


@dataclass(frozen=True)
class MusicConfig:
    """One (data set, cell) job: settings stacked as members; SGD on minibatches of
    ``batch_size`` pieces, cut into segments of at most ``max_length`` frames for training (all of
    each piece is used; evaluation reads whole pieces), the loss summed over the frames and
    averaged over the pieces as in the language-model tasks."""

    dataset: str
    arch: str
    hidden: int
    hyperparameters: tuple[tuple[float, float, float], ...]
    epochs: int
    max_sequences: int | None
    max_length: int | None
    batch_size: int = 20
    seed: int = 0
    version: int = VERSION

    def member_seeds(self) -> tuple[int, ...]:
        return tuple(self.seed * 100 + k for k in range(len(self.hyperparameters)))


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


# --- PTB with dropout (Table 3) -----------------------------------------------------------------

PTB_DROPOUT = "ptb_dropout"


@dataclass(frozen=True)
class DropoutConfig:
    """One cell on word-level PTB with dropout on the non-recurrent connections (Zaremba et al.
    2014, "medium": 2 x 650 units, dropout 0.5, SGD with rate 1 decayed, clipping at 5, weights
    U(-0.05, 0.05)). Our learning rate decays along a cosine instead of by 1/1.2 per epoch."""

    arch: str
    hidden: int
    layers: int
    dropout: float
    epochs: int
    train_tokens: int | None
    eval_tokens: int | None
    lr: float = 1.0
    clip: float = 5.0
    init_bound: float = 0.05
    batch_size: int = 20
    unroll: int = 35
    seed: int = 0
    version: int = VERSION


def ptb_dropout_configs(profile: str, archs: Sequence[str] | None = None) -> list[DropoutConfig]:
    spec = dict(_spec(profile, PTB_DROPOUT))
    default_archs = spec.pop("archs")
    out = []
    for arch in archs or default_archs:
        if arch not in ARCHITECTURES:
            raise ValueError(f"unknown architecture {arch!r}: choose one of {', '.join(ARCHS)}")
        out.append(DropoutConfig(arch, **spec))
    return out


def ptb_dropout_jobs(profile: str, archs: Sequence[str] | None = None) -> list[Job]:
    if not defined(profile, PTB_DROPOUT):
        return []
    return [
        _job(PTB_DROPOUT, profile, f"ptb-{c.arch}", c) for c in ptb_dropout_configs(profile, archs)
    ]


# --- the architecture search --------------------------------------------------------------------

SEARCH = "search"


@dataclass(frozen=True)
class SearchTask:
    task: str
    epochs: int
    train_tokens: int
    eval_tokens: int


@dataclass(frozen=True)
class SearchConfig:
    """The search's sizes (see :class:`rnnbook.experiments.arch_search.SearchSettings`), the
    network every candidate is tried in, the memorisation filter and the tasks it is scored on.
    Every candidate trains ``settings`` hyperparameter settings as stacked members per task."""

    hidden: int
    settings: int
    generations: int
    children: int
    keep: int
    memorization: SearchTask
    tasks: tuple[SearchTask, ...]
    max_digits: int
    mutation_rate: float = 0.1
    filter_fraction: float = 0.75
    batch_size: int = 20
    unroll: int = 35
    seed: int = 0
    version: int = VERSION


def search_config(profile: str) -> SearchConfig:
    spec = dict(_spec(profile, SEARCH))
    memo = SearchTask("memorization", **spec.pop("memorization"))
    tasks = tuple(SearchTask(t, **v) for t, v in spec.pop("tasks").items())
    return SearchConfig(memorization=memo, tasks=tasks, **spec)


def search_jobs(profile: str) -> list[Job]:
    if not defined(profile, SEARCH):
        return []
    return [_job(SEARCH, profile, "search", search_config(profile))]


def search_candidates(record: RunRecord) -> list[arch_search.Candidate]:
    return [arch_search.Candidate(**c) for c in record.extra["candidates"]]


# --- tables -------------------------------------------------------------------------------------


def _sorted_rows(rows: list[TableRow], datasets: Sequence[str]) -> list[TableRow]:
    ds = {d: k for k, d in enumerate(datasets)}
    arch = {a: k for k, a in enumerate(ARCHS)}
    return sorted(rows, key=lambda r: (r.profile, ds.get(r.dataset, 99), arch.get(r.model, 99)))


def table1(records: Sequence[RunRecord], title: str = "") -> Table:
    """Table 1, paper vs ours: test next-step accuracy of the best setting per (task, cell)."""
    rows = paper_vs_ours(
        records,
        PAPER_TABLE1,
        metric="accuracy",
        splits=("test",),
        dataset_of=lambda r: r.config["task"],
        model_of=lambda r: r.config["arch"],
        chapter=CHAPTER,
        experiment=TABLE1,
    )
    return Table(_sorted_rows(rows, TASKS), title, digits=4)  # the paper prints four digits


def music_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Music (Table 2), paper vs ours: test NLL per frame of the best setting."""
    rows = paper_vs_ours(
        records,
        PAPER_MUSIC,
        metric="nll",
        splits=("test",),
        chapter=CHAPTER,
        experiment=MUSIC,
        model_of=lambda r: r.config["arch"],
    )
    return Table(_sorted_rows(rows, MUSIC_DATASETS), title)


def ptb_dropout_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Table 3, paper vs ours: test perplexity on PTB with dropout."""
    rows = paper_vs_ours(
        records,
        PAPER_TABLE3,
        metric="perplexity",
        splits=("test",),
        dataset_of=lambda r: "ptb",
        model_of=lambda r: r.config["arch"],
        chapter=CHAPTER,
        experiment=PTB_DROPOUT,
    )
    order = {a: k for k, (_, a, _) in enumerate(PAPER_TABLE3)}
    return Table(sorted(rows, key=lambda r: (r.profile, order.get(r.model, 99))), title)


#: The paper's own min-over-tasks score of its three mutants against the GRU, from Table 1.
PAPER_SCORES = {
    a: min(PAPER_TABLE1[(t, a, "test")] / PAPER_TABLE1[(t, "gru", "test")] for t in TASKS)
    for a in ("gru", "lstm", "mut1", "mut2", "mut3")
}


def search_table(records: Sequence[RunRecord], title: str = "", top: int = 8) -> Table:
    """The search's leaderboard: the score (min over tasks of accuracy / GRU's) of the references
    (always) and of the ``top`` best candidates found, best first; the paper's column holds its
    scores of LSTM and GRU."""
    rows = []
    for r in records:
        board = arch_search.leaderboard(search_candidates(r), top=len(r.extra["candidates"]))
        found = [c for c in board if c.generation > 0][:top]
        for c in sorted(found + [c for c in board if c.generation == 0], key=lambda c: -c.score):
            rows.append(
                TableRow(
                    chapter=CHAPTER,
                    experiment=SEARCH,
                    dataset="search",
                    model=c.name,
                    metric="score",
                    split="valid",
                    paper=PAPER_SCORES.get(c.name),
                    ours_mean=c.score,
                    ours_std=None,
                    n=1,
                    profile=r.profile,
                    device=r.device,
                    commit=r.commit,
                    stale=r.stale,
                    code_changed=r.code_changed,
                    wall_time_s=c.seconds,
                )
            )
    return Table(rows, title, digits=3)


TABLE1_EXPERIMENT = Experiment(
    CHAPTER,
    TABLE1,
    "Table 1: next-step accuracy of ten cells on arithmetic, XML and Penn Treebank",
    jobs=table1_jobs,
    train=train_table1_job,
    table=table1,
)
MUSIC_EXPERIMENT = Experiment(
    CHAPTER,
    MUSIC,
    "Table 2: NLL per frame on Nottingham and Piano-midi",
    jobs=music_jobs,
    train=train_music_job,
    table=music_table,
)
PTB_DROPOUT_EXPERIMENT = Experiment(
    CHAPTER,
    PTB_DROPOUT,
    "Table 3: Penn Treebank perplexity with dropout",
    jobs=ptb_dropout_jobs,
    train=train_ptb_dropout_job,
    table=ptb_dropout_table,
)
SEARCH_EXPERIMENT = Experiment(
    CHAPTER,
    SEARCH,
    "Sec. 3: a small architecture search over mutated GRU/LSTM graphs",
    jobs=search_jobs,
    train=train_search_job,
    table=search_table,
)
EXPERIMENTS = [TABLE1_EXPERIMENT, MUSIC_EXPERIMENT, PTB_DROPOUT_EXPERIMENT, SEARCH_EXPERIMENT]
