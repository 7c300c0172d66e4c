"""Chung et al. (2014), chapter ``chung2014``: the paper's numbers, the configurations of every
job per profile, and the jobs.

Table 2 of the paper: the average negative log-likelihood per frame (nats, summed over the 88
notes) on the four Boulanger-Lewandowski et al. (2012) data sets, for models of about 20K
parameters (Table 1), trained with RMSProp, weight noise, gradient-norm rescaling to 1 and early
stopping on validation (Sec. 4.2). ``budget``: where the Nottingham gap comes from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from rnnbook.data.polyphonic import N_PITCHES as NOTES  # the 88 keys of a piano roll
from rnnbook.experiments.jobs import Job, log_uniform
from rnnbook.profiles import check_profile, config_dict
from rnnbook.train import TrainConfig

__all__ = [
    "BL2012_RNN",
    "BUDGET",
    "BUDGET_EPOCHS",
    "BUDGET_VARIANTS",
    "BudgetConfig",
    "CHAPTER",
    "DATASETS",
    "DATASET_TITLES",
    "EXPERIMENT",
    "MODELS",
    "NOTES",
    "PAPER_PARAMETERS",
    "PAPER_TABLE2",
    "PROFILES",
    "Table2Config",
    "VERSION",
    "budget_configs",
    "budget_jobs",
    "configs",
    "jobs",
    "run_id",
]


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
    # hours on a CPU, where the gaps to the paper are largest (Nottingham, MuseData): the `full`
    # search picked its largest rate for every gated job, so the range is widened on both sides and
    # each candidate may train twice as long; about 40 minutes of one core per job
    "long": dict(
        seeds=(0, 1, 2),
        lrs=log_uniform(5, -5.5, -2.5, seed=2014),
        max_epochs=250,
        search_epochs=60,
        patience=10,
        epochs={},
        datasets=("nottingham", "musedata"),
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
    chosen = datasets or spec.pop("datasets", DATASETS)
    spec.pop("datasets", None)
    out = []
    for ds in chosen:
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
