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
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import partial

import numpy as np
import torch

from rnnbook.cells.graph import Graph, gru_graph, lstm_graph
from rnnbook.cells.mut import ARCHITECTURES, TITLES
from rnnbook.data import length_bucketed_order, load_polyphonic, pad_next_step, sorted_batches
from rnnbook.data.ptb import WORD_VOCABULARY as PTB_VOCAB
from rnnbook.device import default_device, describe
from rnnbook.experiments import arch_search
from rnnbook.experiments.common import Experiment, Job, default_workers, execute
from rnnbook.experiments.jozefowicz2015_lm import (
    TASKS,
    StreamData,
    build_model,
    evaluate_stream,
    fit_streams,
    sample_hyperparameters,
    task_tokens,
    vocab_size,
)
from rnnbook.models import count_parameters
from rnnbook.profiles import check_profile, config_dict
from rnnbook.results import (
    RunRecord,
    Table,
    TableRow,
    git_commit,
    load_records,
    mark_stale,
    paper_vs_ours,
)
from rnnbook.train import TrainConfig, fit
from rnnbook.train.metrics import evaluate_bernoulli_nll, frame_nll

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


def table1_jobs(
    profile: str, tasks: Sequence[str] | None = None, archs: Sequence[str] | None = None
) -> list[Job]:
    return [
        _job(TABLE1, profile, f"{c.task}-{c.arch}", c, c.seed)
        for c in table1_configs(profile, tasks, archs)
    ]


def _member_table(result, metrics: dict[str, dict], hps: Sequence) -> list[dict]:
    rows = []
    for k, hp in enumerate(hps):
        row = {"init_scale": hp[0], "lr": hp[1], "clip": hp[2], "status": result.status[k]}
        row["best_epoch"] = result.best_epoch[k]
        for split, values in metrics.items():
            for name, v in values.items():
                row[f"{split}_{name}"] = float(v[k])
        rows.append(row)
    return rows


def _best_member(result, valid_error: torch.Tensor) -> int:
    ok = [k for k, s in enumerate(result.status) if s == "ok" and math.isfinite(valid_error[k])]
    if not ok:
        return -1
    return min(ok, key=lambda k: float(valid_error[k]))


def train_table1_job(
    job: Job,
    *,
    progress: bool | None = None,
    time_budget_s: float | None = None,
    device: torch.device | None = None,
) -> list[RunRecord] | None:
    """Train every hyperparameter setting of one (task, cell) job; record the best on validation."""
    config: Table1Config = job.config
    commit = git_commit()
    device = device or default_device()
    torch.manual_seed(config.seed)  # dropout-free, but keep any randomness reproducible
    model = build_model(
        config.arch,
        vocab_size(config.task),
        config.hidden,
        layers=config.layers,
        seeds=config.member_seeds(),
        scales=[h[0] for h in config.hyperparameters],
    ).to(device)
    result, evals = fit_streams(
        model,
        config.data(),
        config.train_config(),
        batch_size=config.batch_size,
        unroll=config.unroll,
        seeds=config.member_seeds(),
        device=device,
        checkpoint=job.checkpoint_path(),
        progress=progress,
        time_budget_s=time_budget_s,
        desc=job.key,
    )
    if not result.finished:
        return None
    model.eval()
    metrics = {s: evaluate_stream(model, c) for s, c in evals.items()}
    best = _best_member(result, metrics["valid"]["error"])
    members = _member_table(result, metrics, config.hyperparameters)
    record = job.record(
        job.key,
        metrics=(
            {
                f"{s}_{m}": members[best][f"{s}_{m}"]
                for s in ("valid", "test")
                for m in ("accuracy", "nll", "perplexity")
            }
            | {
                "best_member": best,
                "init_scale": config.hyperparameters[best][0],
                "lr": config.hyperparameters[best][1],
                "clip": config.hyperparameters[best][2],
                "epochs": result.epochs,
                "updates": result.updates,
                "parameters": count_parameters(model),
            }
            if best >= 0
            else {"epochs": result.epochs, "updates": result.updates}
        ),
        curves={
            "epoch": result.curves["epoch"],
            "wall_time_s": result.curves["wall_time_s"],
            "valid_accuracy": [[1 - v for v in row] for row in result.curves["valid_error"]],
            "train_loss": result.curves["train_loss"],
        },
        status="ok" if best >= 0 else "diverged",
        message="" if best >= 0 else "; ".join(m for m in result.messages if m),
        device=describe(device),
        wall_time_s=result.wall_time_s,
        commit=commit,
        extra={"members": members, "settings_trained_together": len(config.hyperparameters)},
    )
    job.checkpoint_path().unlink(missing_ok=True)
    return [record]


# --- music (Table 2) ----------------------------------------------------------------------------

MUSIC = "music"
MUSIC_DATASETS = ("nottingham", "piano")
MUSIC_TITLES = {"nottingham": "Nottingham", "piano": "Piano-midi"}
NOTES = 88


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
    return [
        _job(MUSIC, profile, f"{c.dataset}-{c.arch}", c) for c in music_configs(profile, **kwargs)
    ]


def _music_splits(config: MusicConfig) -> dict[str, list[np.ndarray]]:
    rolls = load_polyphonic(config.dataset)
    out = {}
    for name in ("train", "valid", "test"):
        seqs = rolls.split(name)[: config.max_sequences]
        if name == "train" and config.max_length is not None:
            n = config.max_length
            seqs = [s[k : k + n + 1] for s in seqs for k in range(0, len(s) - 1, n)]
        out[name] = [s for s in seqs if len(s) >= 2]
    return out


def music_loss(model, batch) -> torch.Tensor:
    """Each member's NLL summed over the frames of a piece and averaged over the pieces, (E,)."""
    nll = frame_nll(model(batch.inputs), batch.targets)
    return torch.where(batch.mask.bool(), nll, nll.new_zeros(())).sum(1).mean(1)


def train_music_job(
    job: Job,
    *,
    progress: bool | None = None,
    time_budget_s: float | None = None,
    device: torch.device | None = None,
) -> list[RunRecord] | None:
    config: MusicConfig = job.config
    commit = git_commit()
    device = device or default_device()
    splits = _music_splits(config)
    evals = {k: [b.to(device) for b in sorted_batches(v)] for k, v in splits.items()}
    hps = config.hyperparameters
    model = build_model(
        config.arch,
        None,
        config.hidden,
        input_size=NOTES,
        output_size=NOTES,
        seeds=config.member_seeds(),
        scales=[h[0] for h in hps],
    ).to(device)

    def batches(epoch: int):
        lengths = [len(s) for s in splits["train"]]
        for idx in length_bucketed_order(
            lengths, config.batch_size, seed=config.seed * 1009 + epoch
        ):
            yield pad_next_step([splits["train"][i] for i in idx]).to(device)

    result = fit(
        model,
        batches,
        music_loss,
        lambda m: evaluate_bernoulli_nll(m, evals["valid"]),
        TrainConfig(
            optimizer="sgd",
            lr=tuple(h[1] for h in hps),
            clip_norm=tuple(h[2] for h in hps),
            max_epochs=config.epochs,
            patience=None,
            monitor="nll",
        ),
        seeds=config.member_seeds(),
        checkpoint=job.checkpoint_path(),
        time_budget_s=time_budget_s,
        progress=progress,
        desc=job.key,
    )
    if not result.finished:
        return None
    final = {k: evaluate_bernoulli_nll(model, b) for k, b in evals.items()}
    members = _member_table(result, {k: {"nll": v["nll"]} for k, v in final.items()}, hps)
    best = _best_member(result, final["valid"]["nll"])
    metrics = {"epochs": result.epochs, "updates": result.updates}
    if best >= 0:
        metrics |= {f"{s}_nll": members[best][f"{s}_nll"] for s in ("train", "valid", "test")}
        metrics |= {"best_member": best, "lr": hps[best][1], "parameters": count_parameters(model)}
    record = job.record(
        job.key,
        metrics=metrics,
        curves={"epoch": result.curves["epoch"], "valid_nll": result.curves["valid_nll"]},
        status="ok" if best >= 0 else "diverged",
        device=describe(device),
        wall_time_s=result.wall_time_s,
        commit=commit,
        extra={"members": members},
    )
    job.checkpoint_path().unlink(missing_ok=True)
    return [record]


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
    return [
        _job(PTB_DROPOUT, profile, f"ptb-{c.arch}", c) for c in ptb_dropout_configs(profile, archs)
    ]


def train_ptb_dropout_job(
    job: Job,
    *,
    progress: bool | None = None,
    time_budget_s: float | None = None,
    device: torch.device | None = None,
) -> list[RunRecord] | None:
    config: DropoutConfig = job.config
    commit = git_commit()
    device = device or default_device()
    torch.manual_seed(config.seed)  # the dropout masks
    data = StreamData("ptb", config.train_tokens, config.eval_tokens, config.seed)
    n_train = len(task_tokens(data, "train")[0])
    updates = config.epochs * math.ceil((n_train // config.batch_size - 1) / config.unroll)
    model = build_model(
        config.arch,
        PTB_VOCAB,
        config.hidden,
        layers=config.layers,
        dropout=config.dropout,
        seeds=(config.seed,),
        scales=(config.init_bound * math.sqrt(config.hidden),),
    ).to(device)
    result, evals = fit_streams(
        model,
        data,
        TrainConfig(
            optimizer="sgd",
            lr=config.lr,
            clip_norm=config.clip,
            max_epochs=config.epochs,
            max_updates=updates,
            schedule="cosine",
            monitor="nll",
        ),
        batch_size=config.batch_size,
        unroll=config.unroll,
        seeds=(config.seed,),
        device=device,
        checkpoint=job.checkpoint_path(),
        progress=progress,
        time_budget_s=time_budget_s,
        desc=job.key,
    )
    if not result.finished:
        return None
    model.eval()
    final = {s: evaluate_stream(model, c) for s, c in evals.items()}
    ok = result.status[0] == "ok"
    record = job.record(
        job.key,
        metrics={
            f"{s}_{m}": float(final[s][m][0]) for s in final for m in ("perplexity", "accuracy")
        }
        | {
            "epochs": result.epochs,
            "updates": result.updates,
            "parameters": count_parameters(model),
        },
        curves={
            "epoch": result.curves["epoch"],
            "valid_perplexity": [math.exp(v[0]) for v in result.curves["valid_nll"]],
        },
        status=result.status[0],
        message=result.messages[0] if not ok else "",
        device=describe(device),
        wall_time_s=result.wall_time_s,
        commit=commit,
    )
    job.checkpoint_path().unlink(missing_ok=True)
    return [record]


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
    return [_job(SEARCH, profile, "search", search_config(profile))]


def evaluate_graph(config: SearchConfig, graph: Graph, stage: str, seed: int) -> dict[str, float]:
    """Train ``graph`` (a fresh network per task) and return its best validation accuracy per task.

    Stage ``"filter"`` runs the memorisation task only; stage ``"tasks"`` the scoring tasks. The
    hyperparameter settings are the same for every candidate (drawn from ``config.seed``).
    """
    tasks = [config.memorization] if stage == "filter" else list(config.tasks)
    hps = sample_hyperparameters(config.settings, seed=config.seed * 7 + 3)
    out = {}
    for k, spec in enumerate(tasks):
        seeds = tuple(seed * 100 + k * 10 + j for j in range(len(hps)))
        model = build_model(
            graph, vocab_size(spec.task), config.hidden, seeds=seeds, scales=[h[0] for h in hps]
        )
        data = StreamData(
            spec.task, spec.train_tokens, spec.eval_tokens, config.seed, config.max_digits
        )
        result, _ = fit_streams(
            model,
            data,
            TrainConfig(
                optimizer="sgd",
                lr=tuple(h[1] for h in hps),
                clip_norm=tuple(h[2] for h in hps),
                max_epochs=spec.epochs,
                patience=None,
                monitor="error",
            ),
            batch_size=config.batch_size,
            unroll=config.unroll,
            seeds=seeds,
            device=default_device(),
            progress=False,
        )
        errors = [e for e, s in zip(result.best_metric, result.status) if s == "ok"]
        out[spec.task] = 1.0 - min(errors) if errors else 0.0
    return out


def reference_graphs() -> dict[str, Graph]:
    """Where the search starts (Sec. 3.2): the GRU and the LSTM, written as graphs; and the GRU
    once more with other seeds (``gru-rerun``), whose score shows the run-to-run noise."""
    return {"gru": gru_graph(), "lstm": lstm_graph(), "gru-rerun": gru_graph()}


def train_search_job(
    job: Job,
    *,
    progress: bool | None = None,
    time_budget_s: float | None = None,
    device: torch.device | None = None,
    workers: int | None = None,
) -> list[RunRecord] | None:
    """Run the whole search (one job); record every candidate and the leaderboard."""
    config: SearchConfig = job.config
    commit = git_commit()
    settings = arch_search.SearchSettings(
        generations=config.generations,
        children=config.children,
        keep=config.keep,
        mutation_rate=config.mutation_rate,
        filter_fraction=config.filter_fraction,
        seed=config.seed,
    )
    started = time.perf_counter()
    candidates, finished = arch_search.run_search(
        reference_graphs(),
        partial(evaluate_graph, config),
        settings,
        workers=workers or default_workers(config.children),
        state_path=job.checkpoint_path().with_suffix(".json"),
        time_budget_s=time_budget_s,
    )
    if not finished:
        return None
    board = arch_search.leaderboard(candidates, top=len(candidates))
    evaluated = [c for c in candidates if c.status == "evaluated" and c.generation > 0]
    record = job.record(
        job.key,
        metrics={
            "best_score": board[0].score,
            "best": board[0].name,
            "candidates": len(candidates) - len(reference_graphs()),
            "passed_filter": len(evaluated),
            "beat_gru": sum(c.score > 1.0 for c in evaluated),
            "gru_score": 1.0,
            "lstm_score": next(c.score for c in candidates if c.name == "lstm"),
            "gru_rerun_score": next(c.score for c in candidates if c.name == "gru-rerun"),
        },
        device=describe(device or default_device()),
        wall_time_s=time.perf_counter() - started,
        commit=commit,
        extra={"candidates": [asdict(c) for c in candidates]},
    )
    job.checkpoint_path().with_suffix(".json").unlink(missing_ok=True)
    return [record]


def search_candidates(record: RunRecord) -> list[arch_search.Candidate]:
    return [arch_search.Candidate(**c) for c in record.extra["candidates"]]


# --- run, recorded, tables ----------------------------------------------------------------------

_JOBS = {
    TABLE1: table1_jobs,
    MUSIC: music_jobs,
    PTB_DROPOUT: ptb_dropout_jobs,
    SEARCH: search_jobs,
}
_TRAIN = {
    TABLE1: train_table1_job,
    MUSIC: train_music_job,
    PTB_DROPOUT: train_ptb_dropout_job,
    SEARCH: train_search_job,
}


def jobs(profile: str, experiment: str = TABLE1) -> list[Job]:
    """The jobs of one experiment (``table1``, ``music``, ``ptb_dropout`` or ``search``)."""
    if experiment not in _JOBS:
        raise ValueError(f"unknown experiment {experiment!r}: choose one of {', '.join(_JOBS)}")
    return _JOBS[experiment](profile)


def train_job(job: Job, **kwargs) -> list[RunRecord] | None:
    return _TRAIN[job.experiment](job, **kwargs)


def _runner(experiment: str):
    def run(
        profile: str = "cpu",
        *,
        rerun: bool | None = None,
        only: Sequence[str] | None = None,
        progress: bool | None = None,
        time_budget_s: float | None = None,
    ) -> list[RunRecord]:
        all_jobs = jobs(profile, experiment)
        selected = [j for j in all_jobs if not only or j.key in only]
        if only and not selected:
            keys = ", ".join(j.key for j in all_jobs)
            raise ValueError(f"no job matches {list(only)}: the jobs are {keys}")
        return execute(
            selected,
            partial(_TRAIN[experiment], progress=progress, time_budget_s=time_budget_s),
            rerun=rerun,
        )

    run.__doc__ = f"Load or train every job of ``{experiment}`` in ``profile``; return the records."
    return run


def _recorder(experiment: str):
    def recorded(profile: str | None = None) -> list[RunRecord]:
        records = load_records(CHAPTER, experiment, profile)
        out = []
        for p in sorted({r.profile for r in records}):
            hashes = {rid: job.run_hash(rid) for job in jobs(p, experiment) for rid in job.runs}
            out += mark_stale([r for r in records if r.profile == p], hashes)
        return out

    recorded.__doc__ = f"Every recorded run of ``{experiment}``, each marked stale or not."
    return recorded


run_table1, recorded_table1 = _runner(TABLE1), _recorder(TABLE1)
run_music, recorded_music = _runner(MUSIC), _recorder(MUSIC)
run_ptb_dropout, recorded_ptb_dropout = _runner(PTB_DROPOUT), _recorder(PTB_DROPOUT)
run_search, recorded_search = _runner(SEARCH), _recorder(SEARCH)


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
    return Table(_sorted_rows(rows, TASKS), title)


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
    and of the best candidates found; the paper's column holds its scores of LSTM and GRU."""
    rows = []
    for r in records:
        for c in arch_search.leaderboard(search_candidates(r), top):
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
                    wall_time_s=c.seconds,
                )
            )
    return Table(rows, title)


EXPERIMENTS = [
    Experiment(
        CHAPTER,
        TABLE1,
        "Table 1: next-step accuracy of ten cells on arithmetic, XML and Penn Treebank",
        run_table1,
        recorded_table1,
        table1,
    ),
    Experiment(
        CHAPTER,
        MUSIC,
        "Table 2: NLL per frame on Nottingham and Piano-midi",
        run_music,
        recorded_music,
        music_table,
    ),
    Experiment(
        CHAPTER,
        PTB_DROPOUT,
        "Table 3: Penn Treebank perplexity with dropout",
        run_ptb_dropout,
        recorded_ptb_dropout,
        ptb_dropout_table,
    ),
    Experiment(
        CHAPTER,
        SEARCH,
        "Sec. 3: a small architecture search over mutated GRU/LSTM graphs",
        run_search,
        recorded_search,
        search_table,
    ),
]


# --- what the chapter shows ---------------------------------------------------------------------


def config_table(profile: str, experiment: str = TABLE1) -> str:
    """Settings of every job of an experiment (Markdown): shared ones listed, the rest tabulated."""
    rows = [config_dict(j.config) for j in jobs(profile, experiment)]
    varying = [k for k in rows[0] if len({str(r[k]) for r in rows}) > 1]
    shared = [f"- `{k}` = `{v}`" for k, v in rows[0].items() if k not in varying]
    if not varying:
        return "\n".join(shared)
    head = "| " + " | ".join(varying) + " |\n|" + "---|" * len(varying)
    body = ["| " + " | ".join(str(r[k]) for k in varying) + " |" for r in rows]
    return "\n".join([*shared, "", head, *body])


def table1_settings(profile: str) -> str:
    """The settings of Table 1's jobs (Markdown): what every job shares, then per task its budget
    and the hyperparameter settings that every cell of the task trains with."""
    configs = table1_configs(profile)
    per_task = ("epochs", "train_tokens", "eval_tokens", "max_digits", "hyperparameters")
    first = config_dict(configs[0])
    shared = [f"- `{k}` = `{v}`" for k, v in first.items() if k not in (*per_task, "task", "arch")]
    archs = ", ".join(TITLES[a] for a in dict.fromkeys(c.arch for c in configs))
    lines = [*shared, f"- cells: {archs}", ""]
    lines += [
        "| task | epochs | tokens per epoch | tokens per evaluation | settings (s, lr, clip) |",
        "|---|---|---|---|---|",
    ]
    for task in TASKS:
        c = next(c for c in configs if c.task == task)
        digits = f" ({c.max_digits} digits)" if task == "arithmetic" else ""
        hps = "; ".join(f"({s:.2f}, {lr:.2f}, {clip:.1f})" for s, lr, clip in c.hyperparameters)
        lines.append(
            f"| {TASK_TITLES[task]}{digits} | {c.epochs} | {c.train_tokens or 'all'} | "
            f"{c.eval_tokens or 'all'} | {hps} |"
        )
    return "\n".join(lines)


def accuracies(records: Sequence[RunRecord], split: str = "test") -> dict[tuple[str, str], float]:
    """Our accuracy per (task, cell)."""
    return {
        (r.config["task"], r.config["arch"]): r.metrics[f"{split}_accuracy"]
        for r in records
        if r.status == "ok" and f"{split}_accuracy" in r.metrics
    }


def _ranks(values: Sequence[float]) -> np.ndarray:
    order = np.argsort(values)
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return ranks


def rank_correlation(ours: dict[str, float], paper: dict[str, float]) -> float:
    """Spearman's rank correlation between our values and the paper's over the shared keys."""
    keys = sorted(set(ours) & set(paper))
    if len(keys) < 3:
        return float("nan")
    a, b = _ranks([ours[k] for k in keys]), _ranks([paper[k] for k in keys])
    return float(np.corrcoef(a, b)[0, 1])


def ablation_findings(records: Sequence[RunRecord]) -> str:
    """The paper's three claims about the LSTM's parts, checked on ``records`` (Markdown).

    Sec. 4: removing the forget gate hurts most (except for language modelling), removing the output
    gate least, and a forget-gate bias of 1 closes most of the gap between the LSTM and the GRU.
    Every sentence is computed from the numbers.
    """
    acc = accuracies(records)
    lines = []
    for task in TASKS:
        needed = ("lstm", "lstm-f", "lstm-i", "lstm-o", "lstm-b", "gru")
        if not all((task, a) in acc for a in needed):
            continue
        lstm = acc[(task, "lstm")]
        drops = {g: lstm - acc[(task, f"lstm-{g[0]}")] for g in ("forget", "input", "output")}
        worst = max(drops, key=drops.get)
        least = min(drops, key=drops.get)
        p = {
            g: PAPER_TABLE1[(task, "lstm", "test")] - PAPER_TABLE1[(task, f"lstm-{g[0]}", "test")]
            for g in drops
        }
        gap, gap_b = acc[(task, "gru")] - lstm, acc[(task, "gru")] - acc[(task, "lstm-b")]
        closes = "closes" if abs(gap_b) < abs(gap) else "does not close"
        paper_gap = PAPER_TABLE1[(task, "gru", "test")] - PAPER_TABLE1[(task, "lstm", "test")]
        paper_gap_b = PAPER_TABLE1[(task, "gru", "test")] - PAPER_TABLE1[(task, "lstm-b", "test")]
        lines.append(
            f"- **{TASK_TITLES[task]}**: removing a gate changes the LSTM's accuracy by "
            + ", ".join(f"{-drops[g]:+.3f} ({g})" for g in drops)
            + " (paper: "
            + ", ".join(f"{-p[g]:+.3f}" for g in drops)
            + f"); the {worst} gate matters most (paper: {max(p, key=p.get)}), the {least} gate "
            f"least (paper: {min(p, key=p.get)}). GRU - LSTM = {gap:+.3f}, GRU - LSTM-b = "
            f"{gap_b:+.3f}: the forget-gate bias {closes} the gap (paper: {paper_gap:+.3f} and "
            f"{paper_gap_b:+.3f})."
        )
    return "\n".join(lines) if lines else "No complete set of records yet."


def ranking_findings(records: Sequence[RunRecord]) -> str:
    """Per task: our ranking of the cells beside the paper's, their rank correlation, and how many
    of our accuracies lie within 10% of the paper's (Markdown)."""
    acc = accuracies(records)
    lines = []
    for task in TASKS:
        ours = {a: v for (t, a), v in acc.items() if t == task}
        if len(ours) < 3:
            continue
        paper = {a: PAPER_TABLE1[(task, a, "test")] for a in ours}
        order = " > ".join(TITLES[a] for a in sorted(ours, key=lambda a: -ours[a]))
        porder = " > ".join(TITLES[a] for a in sorted(paper, key=lambda a: -paper[a]))
        within = sum(abs(ours[a] / paper[a] - 1) <= 0.10 for a in ours)
        lines.append(
            f"- **{TASK_TITLES[task]}**: ours {order}; paper {porder}; Spearman rank correlation "
            f"{rank_correlation(ours, paper):+.2f}; {within} of {len(ours)} within 10% of the "
            "paper."
        )
    return "\n".join(lines) if lines else "No complete set of records yet."


def plot_table1(records: Sequence[RunRecord]):
    """Ours against the paper's Table 1: one panel per task, one point per cell."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    acc = accuracies(records)
    fig, axes = plt.subplots(1, len(TASKS), figsize=(4.0 * len(TASKS), 3.6))
    for ax, task in zip(axes, TASKS):
        archs = [a for a in ARCHS if (task, a) in acc]
        x = [PAPER_TABLE1[(task, a, "test")] for a in archs]
        y = [acc[(task, a)] for a in archs]
        ax.scatter(x, y, color="#1f77b4")
        for a, xi, yi in zip(archs, x, y):
            ax.annotate(TITLES[a], (xi, yi), fontsize=7, xytext=(3, 2), textcoords="offset points")
        ax.set_xlabel("paper: test accuracy")
        ax.set_ylabel("ours: test accuracy")
        ax.set_title(TASK_TITLES[task])
    fig.tight_layout()
    return fig


def plot_search(record: RunRecord):
    """Every candidate's score against its generation (failed filter at 0), references marked."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    cands = search_candidates(record)
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    for status, color in (("evaluated", "#1f77b4"), ("failed filter", "#d62728")):
        pts = [(c.generation, c.score or 0.0) for c in cands if c.status == status and c.generation]
        if pts:
            ax.scatter(*zip(*pts), color=color, label=f"candidate, {status}", s=18)
    for c in cands:
        if c.generation == 0:
            ax.axhline(c.score, color=plots.color(c.name), linestyle="--", label=c.name.upper())
    ax.set_xlabel("generation")
    ax.set_ylabel("score: min over tasks of accuracy / GRU's")
    ax.legend()
    fig.tight_layout()
    return fig


def dropout_findings(records: Sequence[RunRecord]) -> str:
    """Table 3's ranking (lower perplexity first) beside ours, and whether the paper's two claims
    hold: with dropout an LSTM variant is best, and removing the forget gate costs the most."""
    ours = {
        r.config["arch"]: r.metrics["test_perplexity"]
        for r in records
        if r.status == "ok" and "test_perplexity" in r.metrics
    }
    if len(ours) < 2:
        return "No complete set of records yet."
    paper = {a: v for (_, a, _), v in PAPER_TABLE3.items() if a in ours}
    order = " < ".join(f"{TITLES[a]} {ours[a]:.1f}" for a in sorted(ours, key=ours.get))
    porder = " < ".join(f"{TITLES[a]} {paper[a]:.1f}" for a in sorted(paper, key=paper.get))
    best = min(ours, key=ours.get)
    kind = "an LSTM variant" if best.startswith("lstm") else "not an LSTM variant"
    lines = [
        f"- Ours: {order}.",
        f"- Paper: {porder}.",
        f"- Best cell: {TITLES[best]} ({kind}; paper: LSTM-b)."
        + (
            f" Spearman rank correlation with the paper {rank_correlation(ours, paper):+.2f}."
            if len(paper) >= 3
            else ""
        ),
    ]
    if "lstm-f" in ours and "lstm" in ours:
        worst = max(ours, key=ours.get)
        lines.append(
            f"- Without the forget gate the LSTM's perplexity goes from {ours['lstm']:.1f} to "
            f"{ours['lstm-f']:.1f}; the worst cell is {TITLES[worst]} (paper: LSTM-f)."
        )
    return "\n".join(lines)


def music_findings(records: Sequence[RunRecord]) -> str:
    """Our test NLL per data set, best first, beside the paper's three cells (Markdown)."""
    lines = []
    for ds in MUSIC_DATASETS:
        ours = {
            r.config["arch"]: r.metrics["test_nll"]
            for r in records
            if r.config["dataset"] == ds and r.status == "ok" and "test_nll" in r.metrics
        }
        if not ours:
            continue
        paper = {a: v for (d, a, _), v in PAPER_MUSIC.items() if d == ds}
        order = " < ".join(f"{TITLES[a]} {ours[a]:.2f}" for a in sorted(ours, key=ours.get))
        porder = " < ".join(f"{TITLES[a]} {paper[a]:.2f}" for a in sorted(paper, key=paper.get))
        lines.append(f"- **{MUSIC_TITLES[ds]}**: ours {order}; paper {porder}.")
    return "\n".join(lines) if lines else "No records yet."


def plot_perplexity_curves(records: Sequence[RunRecord]):
    """Validation perplexity after each epoch, one line per cell."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    for r in sorted(records, key=lambda r: ARCHS.index(r.config["arch"])):
        curve = r.curves.get("valid_perplexity", [])
        if curve:
            arch = r.config["arch"]
            ax.plot(
                r.curves["epoch"], curve, marker="o", label=TITLES[arch], color=plots.color(arch)
            )
    plots.plain_log_axis(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation perplexity")
    ax.legend(ncol=2)
    fig.tight_layout()
    return fig


def ptb_unigram_baseline() -> dict[str, float]:
    """What a model without context scores on the PTB test split: the accuracy of always
    predicting the most frequent training word, and the perplexity of the training unigram."""
    from rnnbook.data.ptb import load_ptb

    ptb = load_ptb("word")
    counts = np.bincount(ptb.train, minlength=len(ptb.vocab)).astype(float)
    probs = counts / counts.sum()
    return {
        "accuracy": float((ptb.test == counts.argmax()).mean()),
        "perplexity": float(np.exp(-np.log(probs[ptb.test]).mean())),
    }
