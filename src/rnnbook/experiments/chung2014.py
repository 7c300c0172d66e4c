"""Chung, Gulcehre, Cho & Bengio (2014): tanh vs GRU vs LSTM on polyphonic music.

Chapter ``chung2014`` of the book. Table 2 of the paper, reproduced: the average negative
log-likelihood per frame (nats, summed over the 88 notes, every frame of a split weighing the same)
on the train and test splits of the four Boulanger-Lewandowski et al. (2012) data sets, for models
of about 20K parameters (Table 1), trained with RMSProp, weight noise, gradient-norm rescaling to 1
and early stopping on validation (Sec. 4.2).

Every configuration a table cell comes from is in :data:`PROFILES` and :func:`configs`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from rnnbook.data import length_bucketed_order, load_polyphonic, pad_next_step, sorted_batches
from rnnbook.experiments.jobs import Job, RunContext, log_uniform, save_state
from rnnbook.experiments.runner import Experiment
from rnnbook.models import RecurrentNetwork, count_parameters
from rnnbook.profiles import check_profile, config_dict
from rnnbook.results import RunRecord, Table, paper_vs_ours, settings_markdown
from rnnbook.train import TrainConfig, fit
from rnnbook.train.metrics import bernoulli_loss, evaluate_bernoulli_nll

CHAPTER = "chung2014"
EXPERIMENT = "table2"
#: Bumped whenever a change to this code changes results: records of older versions become stale.
VERSION = 1

DATASETS = ("nottingham", "jsb", "musedata", "piano")
DATASET_TITLES = {
    "nottingham": "Nottingham",
    "jsb": "JSB Chorales",
    "musedata": "MuseData",
    "piano": "Piano-midi",
}
#: model name -> (cell, hidden units), Table 1.
MODELS = {"tanh": ("simple", 100), "gru": ("gru", 46), "lstm": ("lstm", 36)}
#: Table 1: approximate parameter counts reported in the paper.
PAPER_PARAMETERS = {"tanh": 20_100, "gru": 20_200, "lstm": 19_800}
NOTES = 88

#: Table 2, (dataset, model, split) -> average NLL per frame; arXiv:1412.3555v1.
PAPER_TABLE2: dict[tuple[str, str, str], float] = {}
for _ds, _values in {
    "nottingham": (3.22, 3.13, 2.79, 3.23, 3.08, 3.20),
    "jsb": (8.82, 9.10, 6.94, 8.54, 8.15, 8.67),
    "musedata": (5.64, 6.23, 5.06, 5.99, 5.18, 6.23),
    "piano": (5.64, 9.03, 4.93, 8.82, 6.49, 9.03),
}.items():
    for _k, (_model, _split) in enumerate((m, s) for m in MODELS for s in ("train", "test")):
        PAPER_TABLE2[(_ds, _model, _split)] = _values[_k]

#: Boulanger-Lewandowski et al. 2012, Table 1: RNN baselines on the same splits (test NLL).
BL2012_RNN = {
    "RNN (SGD)": {"piano": 8.37, "nottingham": 4.46, "musedata": 8.13, "jsb": 8.71},
    "RNN (HF)": {"piano": 7.66, "nottingham": 3.89, "musedata": 7.19, "jsb": 8.58},
    "RNN-NADE (HF)": {"piano": 7.05, "nottingham": 2.31, "musedata": 5.60, "jsb": 5.56},
}


@dataclass(frozen=True)
class Table2Config:
    """One (data set, model) job.

    With several learning-rate candidates the job first searches: every candidate trains with the
    first seed for at most ``search_epochs`` epochs (early stopping as below) and the one with the
    best validation NLL is kept; then every seed trains with it for at most ``max_epochs`` epochs,
    stopping after ``patience`` epochs without a better validation NLL.
    """

    dataset: str
    model: str
    hidden: int
    seeds: tuple[int, ...]
    lrs: tuple[float, ...]
    batch_size: int = 32
    max_epochs: int = 100
    search_epochs: int = 30
    patience: int | None = 10
    weight_noise: float = 0.075
    clip_norm: float = 1.0
    rmsprop_alpha: float = 0.9
    max_sequences: int | None = None
    max_length: int | None = None
    data_seed: int = 0
    version: int = VERSION

    def train_config(
        self, lrs: Sequence[float], max_epochs: int, updates_per_epoch: int
    ) -> TrainConfig:
        return TrainConfig(
            optimizer="rmsprop",
            lr=tuple(lrs),
            alpha=self.rmsprop_alpha,
            clip_norm=self.clip_norm,
            weight_noise=self.weight_noise,
            max_epochs=max_epochs,
            patience=self.patience,
            monitor="nll",
        )


#: Per profile: the defaults of every job, and the epochs allowed per data set where they differ.
PROFILES: dict[str, dict] = {
    # seconds: a few short sequences, two epochs, one seed; checks the pipeline, not the paper
    "smoke": dict(
        seeds=(0,),
        lrs=(1e-2,),
        batch_size=4,
        max_epochs=2,
        patience=None,
        max_sequences=8,
        max_length=40,
        epochs={},
    ),
    # about 15 minutes on two cores: one learning rate, three seeds, a capped number of epochs
    "cpu": dict(
        seeds=(0, 1, 2),
        lrs=(1e-2,),
        max_epochs=40,
        patience=5,
        epochs={"jsb": 150, "piano": 40, "nottingham": 30, "musedata": 20},
    ),
    # the paper's protocol at our batch size: 5 log-uniform learning rates, early stopping
    "full": dict(
        seeds=(0, 1, 2),
        lrs=log_uniform(5, -7.0, -4.0, seed=2014),
        max_epochs=250,
        search_epochs=30,
        patience=10,
        epochs={},
    ),
}


def configs(
    profile: str, datasets: Sequence[str] | None = None, models: Sequence[str] | None = None
) -> list[Table2Config]:
    """The jobs of Table 2 in ``profile``, optionally restricted to some data sets and models."""
    check_profile(profile)
    if profile not in PROFILES:
        return []
    spec = dict(PROFILES[profile])
    epochs = spec.pop("epochs")
    out = []
    for ds in datasets or DATASETS:
        if ds not in DATASETS:
            raise ValueError(f"unknown data set {ds!r}: choose from {', '.join(DATASETS)}")
        for m in models or MODELS:
            if m not in MODELS:
                raise ValueError(f"unknown model {m!r}: choose from {', '.join(MODELS)}")
            cfg = Table2Config(dataset=ds, model=m, hidden=MODELS[m][1], **spec)
            out.append(replace(cfg, max_epochs=epochs.get(ds, cfg.max_epochs)))
    return out


def run_id(dataset: str, model: str, seed: int) -> str:
    return f"{dataset}-{model}-s{seed}"


def jobs(
    profile: str, datasets: Sequence[str] | None = None, models: Sequence[str] | None = None
) -> list[Job]:
    return [
        Job(
            CHAPTER,
            EXPERIMENT,
            profile,
            f"{c.dataset}-{c.model}",
            c,
            {run_id(c.dataset, c.model, s): s for s in c.seeds},
        )
        for c in configs(profile, datasets, models)
    ]


def build_model(
    config: Table2Config, members: int = 1, seeds: Sequence[int] | None = None
) -> RecurrentNetwork:
    """The network of Table 1: one recurrent layer of ``hidden`` units, 88 sigmoid outputs."""
    cell, _ = MODELS[config.model]
    kwargs = {"nonlinearity": "tanh"} if cell == "simple" else {}
    return RecurrentNetwork(
        cell, NOTES, config.hidden, NOTES, members=members, seeds=seeds, **kwargs
    )


def parameter_counts() -> dict[str, int]:
    """Our parameter count per model (one member), to print beside the paper's Table 1."""
    return {
        m: count_parameters(build_model(Table2Config("jsb", m, MODELS[m][1], (0,), (1e-3,))))
        for m in MODELS
    }


def _load_splits(config: Table2Config) -> dict[str, list[np.ndarray]]:
    rolls = load_polyphonic(config.dataset)
    splits = {}
    for name in ("train", "valid", "test"):
        seqs = rolls.split(name)
        if config.max_sequences is not None:
            seqs = seqs[: config.max_sequences]
        if config.max_length is not None:
            seqs = [s[: config.max_length] for s in seqs]
        splits[name] = [s for s in seqs if len(s) >= 2]
    return splits


def _epoch_batches(epoch: int, seqs: list[np.ndarray], config: Table2Config, device):
    order = length_bucketed_order(
        [len(s) for s in seqs], config.batch_size, seed=config.data_seed * 100_003 + epoch
    )
    for idx in order:
        yield pad_next_step([seqs[i] for i in idx]).to(device)


def _fit(
    model_config: Table2Config,
    lrs: Sequence[float],
    seeds: Sequence[int],
    max_epochs: int,
    splits,
    eval_batches,
    checkpoint,
    context: RunContext,
    time_budget_s: float | None,
    desc: str,
):
    device = context.device
    model = build_model(model_config, len(seeds), seeds).to(device)
    updates_per_epoch = math.ceil(len(splits["train"]) / model_config.batch_size)
    result = fit(
        model,
        partial(_epoch_batches, seqs=splits["train"], config=model_config, device=device),
        bernoulli_loss,
        lambda m: evaluate_bernoulli_nll(m, eval_batches["valid"]),
        model_config.train_config(lrs, max_epochs, updates_per_epoch),
        seeds=seeds,
        checkpoint=checkpoint,
        time_budget_s=time_budget_s,
        progress=context.progress,
        desc=desc,
    )
    return model, result


def _search_lr(
    job: Job, splits, eval_batches, context: RunContext
) -> tuple[float, list[dict]] | None:
    """Stage 1: every learning-rate candidate with the first seed; ``None`` if paused."""
    config: Table2Config = job.config
    done = job.state_path(".search.json")
    if done.exists():
        saved = json.loads(done.read_text())
        return saved["lr"], saved["search"]
    seeds = (config.seeds[0],) * len(config.lrs)
    _, result = _fit(
        config,
        config.lrs,
        seeds,
        config.search_epochs,
        splits,
        eval_batches,
        job.state_path(".search.pt"),
        context,
        context.time_budget_s,
        f"{job.key} lr search",
    )
    if not result.finished:
        return None
    search = [
        {
            "lr": lr,
            "valid_nll": result.best_metric[k] if result.status[k] == "ok" else None,
            "best_epoch": result.best_epoch[k],
            "status": result.status[k],
        }
        for k, lr in enumerate(config.lrs)
    ]
    ok = [s for s in search if s["valid_nll"] is not None]
    if not ok:
        raise RuntimeError(f"{job.key}: every learning-rate candidate diverged: {search}")
    lr = min(ok, key=lambda s: s["valid_nll"])["lr"]
    save_state(job, ".search.json", json.dumps({"lr": lr, "search": search}))
    return lr, search


def train_job(job: Job, context: RunContext) -> list[RunRecord] | None:
    """Train one (data set, model) job and return one record per seed; ``None`` if paused.

    The learning rate is chosen as in Sec. 4.2 of the paper, on validation NLL (``_search_lr``)
    when the profile has several candidates.
    """
    config: Table2Config = job.config
    started = time.perf_counter()
    splits = _load_splits(config)
    eval_batches = {k: [b.to(context.device) for b in sorted_batches(v)] for k, v in splits.items()}
    search: list[dict] = []
    lr = config.lrs[0]
    time_budget_s = context.time_budget_s
    if len(config.lrs) > 1:
        found = _search_lr(job, splits, eval_batches, context)
        if found is None:
            return None
        lr, search = found
        if time_budget_s is not None:
            time_budget_s = max(0.0, time_budget_s - (time.perf_counter() - started))
    model, result = _fit(
        config,
        (lr,) * len(config.seeds),
        config.seeds,
        config.max_epochs,
        splits,
        eval_batches,
        job.checkpoint_path(),
        context,
        time_budget_s,
        job.key,
    )
    if not result.finished:
        return None
    final = {k: evaluate_bernoulli_nll(model, b) for k, b in eval_batches.items()}
    metrics = []
    for i in range(len(config.seeds)):
        member = {
            f"{split}_{name}": final[split][name][i].item()
            for split in ("train", "valid", "test")
            for name in ("nll", "nll_seq_avg")
        }
        member.update(
            lr=lr,
            best_epoch=result.best_epoch[i],
            epochs=result.epochs,
            updates=result.updates,
            parameters=count_parameters(model),
        )
        metrics.append(member)
    return context.records(
        job,
        result,
        metrics,
        curves=("epoch", "updates", "wall_time_s", "train_loss", "valid_nll"),
        extra={"lr_search": search},
    )


def table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Table 2, paper vs ours, train and test NLL per frame."""
    rows = paper_vs_ours(
        records,
        PAPER_TABLE2,
        metric="nll",
        splits=("train", "test"),
        chapter=CHAPTER,
        experiment=EXPERIMENT,
    )
    order = {d: k for k, d in enumerate(DATASETS)}
    models = {m: k for k, m in enumerate(MODELS)}
    rows.sort(
        key=lambda r: (
            r.profile,
            order.get(r.dataset, 99),
            r.split == "test",
            models.get(r.model, 99),
        )
    )
    return Table(rows, title)


# --- where the gap comes from: the training budget ----------------------------------------------

BUDGET = "budget"


@dataclass(frozen=True)
class BudgetConfig(Table2Config):
    """A Table 2 job with the knobs that set how far training gets: batch size, learning rate,
    momentum, a learning-rate schedule, weight noise. ``variant`` names the setting."""

    variant: str = "reference"
    momentum: float = 0.0
    schedule: str = "constant"

    def train_config(
        self, lrs: Sequence[float], max_epochs: int, updates_per_epoch: int
    ) -> TrainConfig:
        base = super().train_config(lrs, max_epochs, updates_per_epoch)
        scheduled = self.schedule != "constant"
        return replace(
            base,
            momentum=self.momentum,
            schedule=self.schedule,
            max_updates=max_epochs * updates_per_epoch if scheduled else None,
        )


#: The variants, on Nottingham with the GRU: what each changes from the `cpu` Table 2 run.
BUDGET_VARIANTS: dict[str, dict] = {
    "reference": dict(),
    "no weight noise": dict(weight_noise=0.0),
    "batch 8": dict(batch_size=8),
    "code release": dict(batch_size=1, lrs=(1e-3,), momentum=0.9, schedule="linear:0.01"),
}
#: Per profile: epochs per variant (the batch-1 variant makes 32 times more updates per epoch).
BUDGET_EPOCHS: dict[str, dict[str, int]] = {
    "smoke": {"reference": 2, "no weight noise": 2, "batch 8": 2, "code release": 1},
    "cpu": {"reference": 60, "no weight noise": 60, "batch 8": 30, "code release": 8},
    "full": {"reference": 250, "no weight noise": 250, "batch 8": 120, "code release": 40},
}


def budget_configs(profile: str) -> list[BudgetConfig]:
    """The budget variants in ``profile``: Nottingham, GRU, no early stopping."""
    if profile not in BUDGET_EPOCHS:
        return []
    base = configs(profile, ["nottingham"], ["gru"])[0]
    fields = {k: v for k, v in config_dict(base).items() if k != "version"}
    fields.update(seeds=tuple(fields["seeds"]), lrs=tuple(fields["lrs"]), patience=None)
    if profile == "smoke":
        fields.update(seeds=(0,))
    out = []
    for name, changes in BUDGET_VARIANTS.items():
        merged = {**fields, **changes, "max_epochs": BUDGET_EPOCHS[profile][name]}
        if profile == "smoke" and name == "code release":
            merged.update(batch_size=4)
        out.append(BudgetConfig(variant=name, **merged))
    return out


def budget_jobs(profile: str) -> list[Job]:
    out = []
    for c in budget_configs(profile):
        key = c.variant.replace(" ", "-")
        runs = {f"nottingham-gru-{key}-s{s}": s for s in c.seeds}
        out.append(Job(CHAPTER, BUDGET, profile, key, c, runs))
    return out


def budget_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """The budget variants beside the paper's GRU on Nottingham (train and test NLL)."""
    paper = {}
    for v in BUDGET_VARIANTS:
        for split in ("train", "test"):
            paper[("nottingham", v, split)] = PAPER_TABLE2[("nottingham", "gru", split)]
    rows = paper_vs_ours(
        records,
        paper,
        metric="nll",
        splits=("train", "test"),
        model_of=lambda r: r.config["variant"],
        chapter=CHAPTER,
        experiment=BUDGET,
    )
    order = {v: k for k, v in enumerate(BUDGET_VARIANTS)}
    rows.sort(key=lambda r: (r.profile, r.split == "test", order.get(r.model, 99)))
    return Table(rows, title)


def plot_budget(records: Sequence[RunRecord]):
    """Validation NLL of each budget variant against updates and against epochs (mean, range)."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.8))
    for k, variant in enumerate(BUDGET_VARIANTS):
        runs = [r for r in _ok(records) if r.config["variant"] == variant]
        if not runs:
            continue
        color = f"C{k}"
        curves = [r.curves["valid_nll"] for r in runs]
        plots.band(axes[0], runs[0].curves["updates"], curves, variant, color)
        plots.band(axes[1], runs[0].curves["epoch"], curves, variant, color)
    paper = PAPER_TABLE2[("nottingham", "gru", "test")]
    for ax, label in zip(axes, ("updates", "epoch")):
        ax.axhline(paper, color="k", linestyle=":", linewidth=1, label="paper, GRU test")
        ax.set_xscale("log")
        plots.plain_log_axis(ax)
        ax.set_xlabel(label)
        ax.set_ylabel("validation NLL per frame (nats)")
    axes[0].set_title("Nottingham, GRU: against updates")
    axes[1].set_title("against epochs")
    axes[0].legend()
    fig.tight_layout()
    return fig


TABLE2 = Experiment(
    CHAPTER,
    EXPERIMENT,
    "Table 2: NLL per frame of tanh, GRU and LSTM on four polyphonic music data sets",
    jobs=jobs,
    train=train_job,
    table=table,
)
BUDGET_VARIANTS_EXPERIMENT = Experiment(
    CHAPTER,
    BUDGET,
    "Where the Nottingham gap comes from: batch size, updates, weight noise, schedule (GRU)",
    jobs=budget_jobs,
    train=train_job,
    table=budget_table,
)
EXPERIMENTS = [TABLE2, BUDGET_VARIANTS_EXPERIMENT]


# --- what the chapter shows ---------------------------------------------------------------------


def parameter_table() -> str:
    """Table 1 of the paper next to our parameter counts (Markdown)."""
    ours = parameter_counts()
    lines = [
        "| model | units | paper: parameters | ours: parameters | ours / paper |",
        "|---|---|---|---|---|",
    ]
    for m, (_, units) in MODELS.items():
        lines.append(
            f"| {m} | {units} | ≈{PAPER_PARAMETERS[m]:,} | {ours[m]:,} | "
            f"{ours[m] / PAPER_PARAMETERS[m]:.2f} |"
        )
    return "\n".join(lines)


def config_table(profile: str) -> str:
    """Settings of every job of ``profile`` (Markdown): shared ones listed, the rest tabulated."""
    rows = [config_dict(c) for c in configs(profile)]
    return settings_markdown(rows)


def _ok(records: Sequence[RunRecord]) -> list[RunRecord]:
    return [r for r in records if r.status == "ok"]


def test_means(records: Sequence[RunRecord], split: str = "test") -> dict[tuple[str, str], float]:
    """Mean NLL over seeds per (data set, model)."""
    groups: dict[tuple[str, str], list[float]] = {}
    for r in _ok(records):
        groups.setdefault((r.config["dataset"], r.config["model"]), []).append(
            r.metrics[f"{split}_nll"]
        )
    return {k: float(np.mean(v)) for k, v in groups.items()}


def findings(records: Sequence[RunRecord]) -> str:
    """The paper's qualitative claims checked on ``records`` (Markdown bullet list).

    Sec. 5 of the paper: gated units (GRU, LSTM) beat tanh units; GRU and LSTM are close, with no
    clear winner. Each statement below is computed, not written by hand.
    """
    means = test_means(records)
    lines = []
    for ds in DATASETS:
        if not all((ds, m) in means for m in MODELS):
            continue
        t, g, l_ = (means[(ds, m)] for m in ("tanh", "gru", "lstm"))
        best = min(MODELS, key=lambda m: means[(ds, m)])
        gated = (
            "both gated units beat"
            if max(g, l_) < t
            else ("one gated unit beats" if min(g, l_) < t else "neither gated unit beats")
        )
        paper_best = min(MODELS, key=lambda m: PAPER_TABLE2[(ds, m, "test")])
        lines.append(
            f"- **{DATASET_TITLES[ds]}**: test NLL tanh {t:.2f}, GRU {g:.2f}, LSTM {l_:.2f}; "
            f"{gated} tanh; best is {best} (paper: {paper_best}); "
            f"GRU - LSTM = {g - l_:+.2f} nats."
        )
    cells = [(k, v) for k, v in means.items() if (k[0], k[1], "test") in PAPER_TABLE2]
    within = sum(abs(v / PAPER_TABLE2[(ds, m, "test")] - 1) <= 0.10 for (ds, m), v in cells)
    if cells:
        lines.append(f"- {within} of {len(cells)} test cells lie within 10% of the paper's value.")
    return "\n".join(lines) if lines else "No complete set of records yet."


def baseline_table(records: Sequence[RunRecord]) -> str:
    """Our best test NLL per data set beside the RNNs of Boulanger-Lewandowski et al. (2012)."""
    means = test_means(records)
    head = ["data set", "ours: best of tanh/GRU/LSTM", "Chung et al.: best", *BL2012_RNN]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for ds in DATASETS:
        ours = [(v, m) for (d, m), v in means.items() if d == ds]
        best = f"{min(ours)[0]:.2f} ({min(ours)[1]})" if ours else "–"
        paper = min(PAPER_TABLE2[(ds, m, "test")] for m in MODELS)
        lines.append(
            f"| {DATASET_TITLES[ds]} | {best} | {paper:.2f} | "
            + " | ".join(f"{BL2012_RNN[k][ds]:.2f}" for k in BL2012_RNN)
            + " |"
        )
    return "\n".join(lines)


def prefer_full(records: Sequence[RunRecord], full: Sequence[RunRecord]) -> list[RunRecord]:
    """The ``full`` records where a (data set, model) has them, ``records`` elsewhere."""
    done = {(r.config["dataset"], r.config["model"]) for r in _ok(full) if not r.stale}
    keep = [r for r in records if (r.config["dataset"], r.config["model"]) not in done]
    return [r for r in full if not r.stale] + keep


def averaging_table(records: Sequence[RunRecord]) -> str:
    """Test NLL averaged over frames (the tables) and over pieces, per data set and model.

    The two differ when long pieces are easier or harder than short ones; a paper that averaged
    per piece would report the second number.
    """
    lines = [
        "| data set | model | every frame weighs the same | every piece weighs the same |",
        "|---|---|---|---|",
    ]
    frames, pieces = test_means(records), {}
    for r in _ok(records):
        key = (r.config["dataset"], r.config["model"])
        pieces.setdefault(key, []).append(r.metrics["test_nll_seq_avg"])
    for ds in DATASETS:
        for m in MODELS:
            if (ds, m) in frames:
                per_piece = float(np.mean(pieces[(ds, m)]))
                lines.append(
                    f"| {DATASET_TITLES[ds]} | {m} | {frames[(ds, m)]:.2f} | {per_piece:.2f} |"
                )
    shifts = []
    for ds in DATASETS:
        d = [float(np.mean(pieces[(ds, m)])) - frames[(ds, m)] for m in MODELS if (ds, m) in frames]
        if d:
            shifts.append(f"{DATASET_TITLES[ds]} {min(d):+.2f} to {max(d):+.2f}")
    if shifts:
        lines += ["", "Per-piece minus per-frame average: " + "; ".join(shifts) + " nats."]
    return "\n".join(lines)


def plot_learning_curves(
    records: Sequence[RunRecord], datasets: Sequence[str] = ("nottingham", "musedata")
):
    """The paper's Figure 2 redrawn: training and validation NLL per frame of each model against
    epochs (top) and wall-clock seconds (bottom), log-scale, mean over seeds with their range.

    The training curve is the mean minibatch loss of each epoch, weight noise included; the
    validation curve is measured without noise after each epoch.
    """
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    fig, axes = plt.subplots(2, len(datasets), figsize=(4.2 * len(datasets), 6.4), squeeze=False)
    for col, ds in enumerate(datasets):
        for m in MODELS:
            runs = [r for r in _ok(records) if r.config["dataset"] == ds and r.config["model"] == m]
            if not runs:
                continue
            c = plots.color(m)
            for row, x_key in enumerate(("epoch", "wall_time_s")):
                ax = axes[row, col]
                x = runs[0].curves[x_key]
                plots.band(ax, x, [r.curves["train_loss"] for r in runs], f"{m} train", c, "--")
                plots.band(ax, x, [r.curves["valid_nll"] for r in runs], f"{m} valid", c)
        for row, label in enumerate(("epoch", "wall-clock time (s)")):
            ax = axes[row, col]
            plots.plain_log_axis(ax)
            ax.set_xlabel(label)
            ax.set_ylabel("NLL per frame (nats)")
            ax.set_title(f"{DATASET_TITLES[ds]}: against {label.split(' (')[0]}")
    axes[0, 0].legend(ncol=2)
    fig.tight_layout()
    return fig
