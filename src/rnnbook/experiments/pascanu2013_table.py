"""Pascanu, Mikolov & Bengio (2013), Table 1: SGD, SGD-C and SGD-CR on natural data.

Part of chapter ``pascanu2013`` (registered through :mod:`rnnbook.experiments.pascanu2013`).
Sec. 4.2 of the paper trains one-layer sigmoid RNNs with plain SGD, with gradient-norm clipping
(SGD-C) and with clipping and the regulariser Omega (SGD-CR) on

- polyphonic music (Piano-midi.de, Nottingham, MuseData; Boulanger-Lewandowski et al. 2012):
  the negative log-likelihood per time step in nats, the 88 Bernoulli notes of a frame summed and
  every predicted frame of a split weighing the same (as in the chung2014 chapter);
- the Penn Treebank at the character level: bits per character of the next character.

300 sigmoid units for Piano-midi and Nottingham, 400 for MuseData, 500 for PTB; clipping at 8
for music and 45 for PTB; PTB is read in sequences of 200 characters. The paper does not give
the learning rate, the minibatch size, the regulariser weight or the number of epochs for these
runs: ours are in :data:`PROFILES` and the chapter's page says which they are and why.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from rnnbook.cells.init import pascanu_init
from rnnbook.data import length_bucketed_order, load_polyphonic, pad_next_step, sorted_batches
from rnnbook.data.ptb import load_ptb
from rnnbook.experiments.jobs import Job, RunContext
from rnnbook.experiments.runner import Experiment
from rnnbook.models.pascanu2013 import TaskRNN
from rnnbook.profiles import check_profile
from rnnbook.results import RunRecord, Table, paper_vs_ours
from rnnbook.train import TrainConfig, fit
from rnnbook.train.metrics import evaluate_bernoulli_nll, frame_nll, masked_mean
from rnnbook.train.regularizers import add_omega
from rnnbook.train.task_losses import next_symbol_nll

CHAPTER = "pascanu2013"
EXPERIMENT = "table1"
#: Bumped whenever a change to this code changes results: records of older versions become stale.
VERSION = 1

METHODS = ("sgd", "sgd-c", "sgd-cr")
MUSIC = ("piano", "nottingham", "musedata")
DATASETS = (*MUSIC, "ptb")
DATASET_TITLES = {
    "piano": "Piano-midi",
    "nottingham": "Nottingham",
    "musedata": "MuseData",
    "ptb": "PTB, next character",
}
#: The paper's hidden units and clipping thresholds (Sec. 4.2).
PAPER_UNITS = {"piano": 300, "nottingham": 300, "musedata": 400, "ptb": 500}
PAPER_CLIP = {"piano": 8.0, "nottingham": 8.0, "musedata": 8.0, "ptb": 45.0}
NOTES = 88

#: Table 1 of the ICML 2013 version, (dataset, method, split) -> NLL per frame (music, nats) or
#: bits per character (PTB). arXiv:1211.5063v2 differs in two SGD-CR test cells: Nottingham 3.46
#: and MuseData 6.99 (:data:`PAPER_TABLE1_V2`).
PAPER_TABLE1: dict[tuple[str, str, str], float] = {}
for _ds, _values in {
    "piano": ((6.87, 6.81, 7.01), (7.56, 7.53, 7.46)),
    "nottingham": ((3.67, 3.21, 2.95), (3.80, 3.48, 3.36)),
    "musedata": ((8.25, 6.54, 6.43), (7.11, 7.00, 6.97)),
    "ptb": ((1.46, 1.34, 1.36), (1.50, 1.42, 1.41)),
}.items():
    for _split, _row in zip(("train", "test"), _values):
        for _method, _value in zip(METHODS, _row):
            PAPER_TABLE1[(_ds, _method, _split)] = _value
#: arXiv:1211.5063v2, the two test cells where it differs from the ICML version.
PAPER_TABLE1_V2 = {("nottingham", "sgd-cr", "test"): 3.46, ("musedata", "sgd-cr", "test"): 6.99}


@dataclass(frozen=True)
class Table1Config:
    """One data set: the three methods (times the seeds) stacked in one model.

    Music: minibatches of ``batch_size`` pieces of similar length (``max_sequences`` pieces of at
    most ``max_length`` frames per split when set). PTB: the character stream cut into sequences
    of ``seq_length`` predicted characters, the state reset at the start of each; ``batch_size``
    sequences per minibatch, only the first ``train_symbols`` characters of the training split
    (and ``eval_symbols`` of valid and test) when set. Early stopping on validation NLL.
    """

    dataset: str
    hidden: int
    seeds: tuple[int, ...]
    lr: float
    clip: float
    alpha: float = 2.0
    methods: tuple[str, ...] = METHODS
    batch_size: int = 32
    max_epochs: int = 100
    patience: int | None = 10
    seq_length: int = 200
    train_symbols: int | None = None
    eval_symbols: int | None = None
    max_sequences: int | None = None
    max_length: int | None = None
    data_seed: int = 0
    version: int = VERSION

    def members(self) -> list[tuple[str, int]]:
        return [(m, s) for m in self.methods for s in self.seeds]

    def train_config(self) -> TrainConfig:
        return TrainConfig(
            optimizer="sgd",
            lr=self.lr,
            clip_norm=tuple(None if m == "sgd" else self.clip for m, _ in self.members()),
            max_epochs=self.max_epochs,
            patience=self.patience,
            monitor="nll",
        )

    def alphas(self) -> Tensor:
        return torch.tensor([self.alpha if m == "sgd-cr" else 0.0 for m, _ in self.members()])


#: Per profile: settings shared by every data set, and per data set where they differ. The
#: learning rates are the best of short validation probes (Nottingham, 4 epochs, {0.5, 1, 2};
#: PTB, first million characters, {1, 3}); the paper does not give its own.
PROFILES: dict[str, dict] = {
    "smoke": dict(
        shared=dict(seeds=(0,), hidden=8, max_epochs=1, patience=None, batch_size=4),
        music=dict(lr=0.5, max_sequences=6, max_length=30),
        ptb=dict(lr=0.5, seq_length=20, train_symbols=400, eval_symbols=400),
        epochs={},
    ),
    # about two minutes on two cores: 100 units instead of 300-500, a few epochs, PTB on its
    # first two million training characters
    "cpu": dict(
        shared=dict(seeds=(0,), hidden=100, patience=None, batch_size=8),
        music=dict(lr=2.0),
        ptb=dict(lr=3.0, train_symbols=2_000_000),
        epochs={"piano": 20, "nottingham": 8, "musedata": 6, "ptb": 1},
    ),
    # the paper's sizes, early stopping on validation
    "full": dict(
        shared=dict(seeds=(0,), max_epochs=300, patience=10, batch_size=8),
        music=dict(lr=2.0),
        ptb=dict(lr=3.0),
        epochs={},
    ),
}


def configs(profile: str, datasets: Sequence[str] | None = None) -> list[Table1Config]:
    """The jobs of Table 1 in ``profile``, one per data set."""
    check_profile(profile)
    if profile not in PROFILES:
        return []
    spec = PROFILES[profile]
    out = []
    for ds in datasets or DATASETS:
        if ds not in DATASETS:
            raise ValueError(f"unknown data set {ds!r}: choose from {', '.join(DATASETS)}")
        kw = dict(hidden=PAPER_UNITS[ds], clip=PAPER_CLIP[ds])
        kw.update(spec["shared"])
        kw.update(spec["ptb"] if ds == "ptb" else spec["music"])
        cfg = Table1Config(dataset=ds, **kw)
        out.append(replace(cfg, max_epochs=spec["epochs"].get(ds, cfg.max_epochs)))
    return out


def run_id(dataset: str, method: str, seed: int) -> str:
    return f"{dataset}-{method}-s{seed}"


def jobs(profile: str, datasets: Sequence[str] | None = None) -> list[Job]:
    return [
        Job(
            CHAPTER,
            EXPERIMENT,
            profile,
            c.dataset,
            c,
            {run_id(c.dataset, m, s): s for m, s in c.members()},
        )
        for c in configs(profile, datasets)
    ]


def build_model(config: Table1Config, vocabulary: int = NOTES) -> TaskRNN:
    """A sigmoid RNN read out at every step (88 note logits, or ``vocabulary`` symbol logits),
    initialised like the paper's sigmoid networks (every weight N(0, 0.01^2))."""
    members = config.members()
    return TaskRNN(
        vocabulary,
        config.hidden,
        vocabulary,
        members=len(members),
        seeds=[s for _, s in members],
        nonlinearity="sigmoid",
        init=pascanu_init("sigmoid"),
        readout_std=0.01,
        readout="all",
    )


# --- data ----------------------------------------------------------------------------------------


@dataclass
class SymbolBatch:
    """Next-symbol prediction: ``inputs`` (T, B, K) one-hot, ``targets`` (T, B), ``mask``."""

    inputs: Tensor
    targets: Tensor
    mask: Tensor


def symbol_windows(ids: np.ndarray, seq_length: int, complete: bool = True) -> list[np.ndarray]:
    """Windows of ``seq_length + 1`` symbols, each overlapping the next by one: every symbol but
    the first of the stream is predicted exactly once, from the state reset at its window's
    start. With ``complete`` the last, shorter window is dropped (training)."""
    starts = range(0, max(1, len(ids) - 1), seq_length)
    windows = [ids[s : s + seq_length + 1] for s in starts]
    return [w for w in windows if len(w) == seq_length + 1 or (not complete and len(w) > 1)]


def symbol_batch(windows: Sequence[np.ndarray], vocabulary: int, device=None) -> SymbolBatch:
    t = max(len(w) for w in windows) - 1
    ids = np.zeros((t + 1, len(windows)), dtype=np.int64)
    mask = np.zeros((t, len(windows)), dtype=bool)
    for b, w in enumerate(windows):
        ids[: len(w), b] = w
        mask[: len(w) - 1, b] = True
    ids_t = torch.from_numpy(ids).to(device)
    inputs = F.one_hot(ids_t[:-1], vocabulary).to(torch.float32)
    return SymbolBatch(inputs, ids_t[1:], torch.from_numpy(mask).to(device))


@torch.no_grad()
def evaluate_symbols(model: TaskRNN, batches: Sequence[SymbolBatch]) -> dict[str, Tensor]:
    """NLL per predicted symbol in nats, per member (divide by ln 2 for bits per character)."""
    total, count = None, 0
    for b in batches:
        nll = next_symbol_nll(model(b.inputs), b.targets, b.mask)
        total = nll if total is None else total + nll
        count += int(b.mask.sum())
    return {"nll": total / count}


class Splits:
    """The three splits of one data set, ready for training and evaluation."""

    def __init__(self, config: Table1Config, device) -> None:
        self.config, self.device = config, device
        if config.dataset == "ptb":
            corpus = load_ptb("char")
            self.vocabulary = len(corpus.vocab)
            train = corpus.train[: config.train_symbols]
            self.train = symbol_windows(train, config.seq_length)
            evals = {"train": train}
            for name in ("valid", "test"):
                evals[name] = corpus.split(name)[: config.eval_symbols]
            self.eval = {
                name: self._symbol_eval(ids, config.seq_length) for name, ids in evals.items()
            }
        else:
            self.vocabulary = NOTES
            rolls = load_polyphonic(config.dataset)
            pieces = {}
            for name in ("train", "valid", "test"):
                seqs = rolls.split(name)[: config.max_sequences]
                if config.max_length is not None:
                    seqs = [s[: config.max_length] for s in seqs]
                pieces[name] = [s for s in seqs if len(s) >= 2]
            self.train = pieces["train"]
            self.eval = {k: [b.to(device) for b in sorted_batches(v)] for k, v in pieces.items()}

    def _symbol_eval(self, ids: np.ndarray, seq_length: int) -> list[SymbolBatch]:
        windows = symbol_windows(ids, seq_length, complete=False)
        per = max(1, 8192 // seq_length)
        return [
            symbol_batch(windows[i : i + per], self.vocabulary, self.device)
            for i in range(0, len(windows), per)
        ]

    def epoch(self, epoch: int) -> Iterator:
        c = self.config
        seed = c.data_seed * 100_003 + epoch
        if c.dataset == "ptb":
            order = np.random.default_rng(seed).permutation(len(self.train))
            for i in range(0, len(order), c.batch_size):
                picked = [self.train[k] for k in order[i : i + c.batch_size]]
                yield symbol_batch(picked, self.vocabulary, self.device)
        else:
            lengths = [len(s) for s in self.train]
            for idx in length_bucketed_order(lengths, c.batch_size, seed=seed):
                yield pad_next_step([self.train[i] for i in idx]).to(self.device)

    def evaluate(self, model: TaskRNN, split: str = "valid") -> dict[str, Tensor]:
        if self.config.dataset == "ptb":
            return evaluate_symbols(model, self.eval[split])
        return {"nll": evaluate_bernoulli_nll(model, self.eval[split])["nll"]}


def loss_fn_for(config: Table1Config):
    """Each member's mean NLL per predicted frame or symbol, plus ``alpha Omega`` for SGD-CR."""
    alphas = config.alphas()

    def loss_fn(model: TaskRNN, batch) -> Tensor:
        states = model.states(batch.inputs)
        logits = model.read(states)
        if config.dataset == "ptb":
            losses = next_symbol_nll(logits, batch.targets, batch.mask) / batch.mask.sum()
        else:
            losses = masked_mean(frame_nll(logits, batch.targets), batch.mask)
        if not bool((alphas > 0).any()):
            return losses
        params = [p for p in model.parameters() if p.requires_grad]
        a = alphas.to(losses.device)
        return add_omega(losses, params, states, model.weight_hh, a, model.nonlinearity)[0]

    return loss_fn


def train_job(job: Job, context: RunContext) -> list[RunRecord] | None:
    """Train the three methods on one data set together; one record per member."""
    config: Table1Config = job.config
    splits = Splits(config, context.device)
    model = build_model(config, splits.vocabulary).to(context.device)
    members = config.members()
    result = fit(
        model,
        splits.epoch,
        loss_fn_for(config),
        splits.evaluate,
        config.train_config(),
        seeds=[s for _, s in members],
        checkpoint=job.checkpoint_path(),
        time_budget_s=context.time_budget_s,
        progress=context.progress,
        desc=job.key,
    )
    if not result.finished:
        return None
    started = time.perf_counter()
    final = {split: splits.evaluate(model, split)["nll"].tolist() for split in splits.eval}
    eval_time = time.perf_counter() - started
    scale, metric = (1 / math.log(2), "bpc") if config.dataset == "ptb" else (1.0, "nll")
    metrics = []
    for i in range(len(members)):
        member = {f"{split}_{metric}": final[split][i] * scale for split in final}
        member.update(best_epoch=result.best_epoch[i], epochs=result.epochs, updates=result.updates)
        metrics.append(member)
    return context.records(
        job,
        result,
        metrics,
        run_ids=[run_id(config.dataset, m, s) for m, s in members],
        curves=("epoch", "wall_time_s", "train_loss", "valid_nll", "grad_norm_max"),
        extra=[{"method": m, "metric": metric, "eval_time_s": eval_time} for m, _ in members],
    )


def table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Table 1, paper (ICML version) vs ours, train and test; music in nats per frame, PTB in
    bits per character."""
    records = [r for r in records if r.experiment == EXPERIMENT]
    rows = []
    for metric, names in (("nll", MUSIC), ("bpc", ("ptb",))):
        paper = {k: v for k, v in PAPER_TABLE1.items() if k[0] in names}
        rows += paper_vs_ours(
            [r for r in records if r.config["dataset"] in names],
            paper,
            metric=metric,
            splits=("train", "test"),
            model_of=lambda r: r.extra.get("method", ""),
            chapter=CHAPTER,
            experiment=EXPERIMENT,
        )
    order = {d: k for k, d in enumerate(DATASETS)}
    methods = {m: k for k, m in enumerate(METHODS)}
    rows.sort(
        key=lambda r: (
            r.profile,
            order.get(r.dataset, 9),
            r.split == "test",
            methods.get(r.model, 9),
        )
    )
    return Table(rows, title)


TABLE1_EXPERIMENT = Experiment(
    CHAPTER,
    EXPERIMENT,
    "Table 1: SGD, SGD-C, SGD-CR on polyphonic music (NLL/frame) and PTB characters (bpc)",
    jobs=jobs,
    train=train_job,
    table=table,
)


def findings(records: Sequence[RunRecord]) -> str:
    """Table 1's claims checked on ``records`` (Markdown bullets): clipping helps (SGD-C beats
    SGD), the regulariser helps further (SGD-CR beats SGD-C) on the test sets."""
    groups: dict[tuple[str, str, str], list[float]] = {}
    for r in records:
        if r.experiment != EXPERIMENT or r.status != "ok":
            continue
        metric = r.extra.get("metric", "nll")
        for split in ("train", "test"):
            key = (r.config["dataset"], r.extra.get("method", ""), split)
            groups.setdefault(key, []).append(r.metrics[f"{split}_{metric}"])
    means = {k: float(np.mean(v)) for k, v in groups.items()}
    lines = []
    for ds in DATASETS:
        test = {m: means.get((ds, m, "test")) for m in METHODS}
        if any(v is None for v in test.values()):
            continue
        unit = "bits/char" if ds == "ptb" else "nats/frame"
        best = min(METHODS, key=lambda m: test[m])
        lines.append(
            f"- **{DATASET_TITLES[ds]}** (test, {unit}): SGD {test['sgd']:.2f}, SGD-C "
            f"{test['sgd-c']:.2f}, SGD-CR {test['sgd-cr']:.2f}; clipping "
            f"{'helps' if test['sgd-c'] < test['sgd'] else 'does not help'}, the regulariser "
            f"{'helps further' if test['sgd-cr'] < test['sgd-c'] else 'does not help further'}"
            f"; best {best} (paper: sgd-cr)."
        )
    cells = [(k, v) for k, v in means.items() if k in PAPER_TABLE1 and k[2] == "test"]
    within = sum(abs(v / PAPER_TABLE1[k] - 1) <= 0.10 for k, v in cells)
    if cells:
        lines.append(f"- {within} of {len(cells)} test cells lie within 10% of the paper's value.")
    failed = [r.run_id for r in records if r.experiment == EXPERIMENT and r.status != "ok"]
    if failed:
        lines.append(f"- Diverged (not averaged): {', '.join(failed)}.")
    return "\n".join(lines) if lines else "No complete set of Table 1 records yet."


#: Marker and size per method in :func:`plot_curves`: SGD and SGD-C coincide whenever no
#: gradient reaches the threshold, so the later marker is drawn smaller, inside the earlier.
MARKERS = {"sgd": ("o", 7), "sgd-c": ("s", 5), "sgd-cr": ("^", 4)}


def plot_curves(records: Sequence[RunRecord]):
    """Validation NLL (nats per frame or per character) per epoch, one panel per data set."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from rnnbook.results import plots

    plots.use_style()
    fig, axes = plt.subplots(1, len(DATASETS), figsize=(13, 3.2))
    for ax, ds in zip(axes, DATASETS):
        for r in records:
            if r.experiment == EXPERIMENT and r.config["dataset"] == ds:
                method = r.extra.get("method", "")
                marker, size = MARKERS.get(method, ("o", 5))
                ax.plot(
                    r.curves["epoch"],
                    r.curves["valid_nll"],
                    marker=marker,
                    ms=size,
                    label=method.upper(),
                    color=plots.color(method),
                )
        ax.set_title(DATASET_TITLES[ds])
        ax.set_xlabel("epoch")
        unit = "character" if ds == "ptb" else "frame"
        ax.set_ylabel(f"validation NLL (nats per {unit})")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    handles = {lab: h for ax in axes for h, lab in zip(*ax.get_legend_handles_labels())}
    labels = [m.upper() for m in METHODS if m.upper() in handles]
    if labels:
        axes[0].legend([handles[lab] for lab in labels], labels)
    fig.tight_layout()
    return fig
