"""Lipton, Berkowitz & Elkan (2015): the review's central claims, made executable.

Chapter ``lipton2015`` of the book. The review (arXiv:1506.00019v4) reports no experiments of its
own; each claim below becomes one experiment with a measurable outcome:

- ``gradients`` (Sec. 3.2 of the review): the norm of the Jacobian ``dh_t/dh_tau`` of a tanh RNN
  shrinks or grows like ``|w|^(t - tau)``; along the LSTM's memory cell (Sec. 4.1, the constant
  error carousel) it decays at the rate of the forget gate;
- ``tbptt`` (Sec. 3.3): truncated backpropagation through time cannot learn a dependency longer
  than its truncation window;
- ``brnn`` (Sec. 4.3): a bidirectional RNN uses future context that a one-directional RNN lacks;
- ``copy`` (Sec. 4.4, after Graves, Wayne & Danihelka 2014, Sec. 4.1): a Neural Turing Machine
  trained to copy sequences of lengths 1-20 copies longer ones; an LSTM does not.

Every configuration a number comes from is in :data:`PROFILES` and the ``*_configs`` functions.
"""

from __future__ import annotations

import copy as _copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnbook.cells import RecurrentCell
from rnnbook.cells.ntm import NTMCell
from rnnbook.data.batches import SequenceBatch
from rnnbook.data.copy import BITS, bit_errors, copy_batch, copy_training_batches
from rnnbook.data.synthetic_lipton import (
    delayed_recall_batch,
    majority_accuracy,
    neighbour_max_batch,
    one_sided_accuracy_bound,
)
from rnnbook.device import default_device, describe
from rnnbook.experiments.common import Experiment, Job, execute
from rnnbook.models import RecurrentNetwork, count_parameters
from rnnbook.models.bidirectional import BidirectionalNetwork, StackedRecurrentNetwork
from rnnbook.profiles import check_profile, config_dict
from rnnbook.results import RunRecord, Table, git_commit, load_records, mark_stale, paper_vs_ours
from rnnbook.train import TrainConfig, fit

CHAPTER = "lipton2015"
GRADIENTS, TBPTT, BRNN, COPY = "gradients", "tbptt", "brnn", "copy"
EXPERIMENT_NAMES = (GRADIENTS, TBPTT, BRNN, COPY)
#: Bumped whenever a change to this code changes results: records of older versions become stale.
VERSION = 1

#: Graves, Wayne & Danihelka (2014), Tables 1-3 (copy rows) and Sec. 4.6, arXiv:1410.5401v2.
#: The paper reports its copy results as figures (Figs. 3-5), not numbers: trained on lengths
#: 1-20, the NTM copies test sequences of length 10, 20, 30 and 50 with very few mistakes and one
#: of length 120 with a few more (Fig. 4); the LSTM fails beyond length 20 (Fig. 5). There is
#: therefore no number to put in a "paper" column.
GRAVES2014_COPY = {
    "ntm-lstm": {
        "heads": 1,
        "controller": "LSTM, 100 units",
        "memory": "128 x 20",
        "lr": 1e-4,
        "momentum": 0.9,
        "parameters": 67_561,
    },
    "ntm-ff": {
        "heads": 1,
        "controller": "feed-forward, 100 units",
        "memory": "128 x 20",
        "lr": 1e-4,
        "momentum": 0.9,
        "parameters": 17_162,
    },
    "lstm": {"layers": 3, "units": 256, "lr": 3e-5, "momentum": 0.9, "parameters": 1_352_969},
    "optimizer": "RMSProp with momentum 0.9 (Graves 2013 form); gradients clipped to (-10, 10)",
    "train_lengths": (1, 20),
    "bits": 8,
}


def _seed_of(*parts: int) -> int:
    """A data seed from integers (epoch, batch, ...), stable across runs and platforms."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0])


def _sub_budget(budget: float | None, started: float) -> float | None:
    return None if budget is None else max(0.0, budget - (time.perf_counter() - started))


def _ok(records: Sequence[RunRecord], experiment: str | None = None) -> list[RunRecord]:
    """The runs that finished (not diverged), of one experiment if named."""
    return [r for r in records if r.status == "ok" and experiment in (None, r.experiment)]


# ================================================================================================
# 1. Vanishing and exploding gradients (review Sec. 3.2) and the constant error carousel (4.1)
# ================================================================================================


@dataclass(frozen=True)
class GradientConfig:
    """One model family (``tanh`` or ``lstm``) at several settings, trained briefly.

    ``variants`` are spectral radii of the recurrent matrix U (tanh) or forget-gate biases
    (LSTM). Every variant and seed is a member of one stacked network. The Jacobian norms are
    measured at initialisation and after ``updates`` updates of full BPTT on the delayed-recall
    task with ``lag``, on ``measure_batch`` sequences of ``length`` steps, in float64.
    """

    model: str
    variants: tuple[float, ...]
    seeds: tuple[int, ...]
    hidden: int = 64
    symbols: int = 4
    lag: int = 10
    length: int = 60
    batch_size: int = 32
    updates: int = 300
    updates_per_epoch: int = 50
    lr: float = 1e-3
    clip_norm: float = 1.0
    measure_batch: int = 16
    eval_sequences: int = 512
    data_seed: int = 0
    version: int = VERSION


GRADIENT_MODELS = ("tanh", "lstm")


def gradient_configs(profile: str) -> list[GradientConfig]:
    check_profile(profile)
    spec = PROFILES[profile][GRADIENTS]
    out = []
    for model in GRADIENT_MODELS:
        variants = spec["radii"] if model == "tanh" else spec["forget_biases"]
        kwargs = {k: v for k, v in spec.items() if k not in ("radii", "forget_biases")}
        out.append(GradientConfig(model=model, variants=tuple(variants), **kwargs))
    return out


def variant_label(model: str, value: float) -> str:
    """``tanh-rho0.9`` (spectral radius) or ``lstm-bf1`` (forget-gate bias)."""
    return f"tanh-rho{value:g}" if model == "tanh" else f"lstm-bf{value:g}"


def _gradient_members(config: GradientConfig) -> list[tuple[float, int]]:
    return [(v, s) for v in config.variants for s in config.seeds]


def _gradient_jobs(profile: str) -> list[Job]:
    jobs = []
    for c in gradient_configs(profile):
        runs = {f"{variant_label(c.model, v)}-s{s}": s for v, s in _gradient_members(c)}
        jobs.append(Job(CHAPTER, GRADIENTS, profile, c.model, c, runs))
    return jobs


@torch.no_grad()
def set_spectral_radius(cell: RecurrentCell, radii: Sequence[float], seeds: Sequence[int]) -> None:
    """Member e's recurrent matrix becomes ``radii[e] * G / max|eig(G)|``, G ~ N(0, 1/H) drawn
    from ``seeds[e]``: members of the same seed share G and differ only in its scale."""
    h = cell.hidden_size
    for e, (rho, seed) in enumerate(zip(radii, seeds)):
        g = torch.Generator().manual_seed(int(seed) + 7_368_787)
        u = torch.randn(h, h, generator=g, dtype=torch.float64) / math.sqrt(h)
        u = u * (rho / torch.linalg.eigvals(u).abs().max())
        cell.weight_hh[e].copy_(u.to(cell.weight_hh.dtype))


@torch.no_grad()
def add_forget_bias(cell: RecurrentCell, biases: Sequence[float]) -> None:
    """Add ``biases[e]`` to member e's forget-gate bias (the LSTM-b of Jozefowicz et al. 2015)."""
    k, h = cell._slot["f"], cell.hidden_size
    for e, b in enumerate(biases):
        cell.bias[e, :, k * h : (k + 1) * h] += b


def build_gradient_model(config: GradientConfig) -> RecurrentNetwork:
    members = _gradient_members(config)
    values, seeds = [v for v, _ in members], [s for _, s in members]
    k = config.symbols
    if config.model == "tanh":
        model = RecurrentNetwork("simple", k + 2, config.hidden, k, len(seeds), seeds)
        set_spectral_radius(model.cell, values, seeds)
    elif config.model == "lstm":
        model = RecurrentNetwork("lstm", k + 2, config.hidden, k, len(seeds), seeds, peephole=False)
        add_forget_bias(model.cell, values)
    else:
        raise ValueError(f"unknown model {config.model!r}: choose one of {GRADIENT_MODELS}")
    return model


def state_trajectory(cell: RecurrentCell, x: Tensor, which: int = 0) -> list[Tensor]:
    """Run ``cell`` over ``x`` and return component ``which`` of the state at every step
    (h for a tanh RNN, 0; the memory cell s of an LSTM, 1), each (E, B, H), in the graph."""
    xw = cell.project(x)
    state = cell.initial_state(xw.shape[2])
    out = []
    for xw_t in xw.unbind(0):
        state = cell.step(xw_t, state)
        out.append(state[which])
    return out


def jacobian_norms(cell: RecurrentCell, x: Tensor, which: int = 0) -> Tensor:
    """Spectral norms ``|| d state_T / d state_tau ||_2`` for tau = T-1, ..., 1 (lags 1 .. T-1).

    The derivative is the total one, through every path of the network (for the LSTM's memory
    cell that includes the paths through h and the gates), computed with autograd one output
    unit at a time. Returns (E, B, T - 1), column j the lag j + 1.
    """
    states = state_trajectory(cell, x, which)
    final, earlier = states[-1], states[:-1]
    h = final.shape[-1]
    rows = []
    for i in range(h):
        grads = torch.autograd.grad(final[..., i].sum(), earlier, retain_graph=i < h - 1)
        rows.append(torch.stack(grads, dim=0))  # (T-1, E, B, H): row i of every Jacobian
    jac = torch.stack(rows, dim=-2)  # (T-1, E, B, H_out, H_in)
    norms = torch.linalg.matrix_norm(jac, ord=2)  # (T-1, E, B)
    return norms.flip(0).permute(1, 2, 0)  # lag 1 first


def decay_rate(log10_norms: Sequence[float], start: int | None = None) -> float:
    """The per-step factor ``r`` of the least-squares line ``log10 norm = a + lag log10 r``,
    fitted over lags ``start`` .. end (default: the second half, past the transient of the first
    steps, where the norm of a product of T matrices grows like the T-th power of its rate)."""
    y = np.asarray(log10_norms, dtype=float)
    lags = np.arange(1, len(y) + 1)
    first = len(y) // 2 + 1 if start is None else start
    ok = np.isfinite(y) & (lags >= first)
    slope = np.polyfit(lags[ok], y[ok], 1)[0]
    return float(10**slope)


def _measure(model: RecurrentNetwork, config: GradientConfig, kind: str) -> dict[str, list]:
    """log10 Jacobian norms per member and lag (mean, 10th and 90th percentile over sequences)."""
    rng = np.random.default_rng(_seed_of(config.data_seed, 99))
    batch = delayed_recall_batch(
        config.measure_batch, config.length, config.lag, config.symbols, rng
    )
    cell = _copy.deepcopy(model.cell).double().cpu()
    which = 0 if kind == "tanh" else 1
    logs = torch.log10(jacobian_norms(cell, batch.inputs.double(), which).clamp_min(1e-300))
    out = {
        "mean": logs.mean(1).tolist(),
        "p10": logs.quantile(0.1, dim=1).tolist(),
        "p90": logs.quantile(0.9, dim=1).tolist(),
    }
    if kind == "lstm":
        out["carousel_log10_rate"] = carousel_log10_rate(cell, batch.inputs.double()).tolist()
    return out


@torch.no_grad()
def carousel_log10_rate(cell: RecurrentCell, x: Tensor) -> Tensor:
    """log10 of the per-step factor of the carousel alone, per member (E,).

    Holding the gates fixed and ignoring every path through h, ``ds_t/ds_{t-1} = diag(f_t)`` and
    ``|| prod_t diag(f_t) ||_2 = max_i prod_t f_{t,i}``: the unit whose forget gate stays most
    open sets the rate. We take, per sequence, the largest over units of the mean over steps of
    log10 f, and average it over sequences.
    """
    xw = cell.project(x)
    state = cell.initial_state(xw.shape[2])
    k, h = cell._slot["f"], cell.hidden_size
    total = torch.zeros(cell.members, xw.shape[2], h, dtype=x.dtype)
    for xw_t in xw.unbind(0):
        a = torch.baddbmm(xw_t, state[0], cell.weight_hh)[..., k * h : (k + 1) * h]
        total += torch.log10(torch.sigmoid(a))
        state = cell.step(xw_t, state)
    return (total / xw.shape[0]).amax(-1).mean(-1)


def _recall_loss(model: nn.Module, batch: SequenceBatch) -> Tensor:
    """Cross-entropy at the scored steps, mean per member (E,)."""
    logits = model(batch.inputs)
    return _masked_cross_entropy(logits, batch)


def _masked_cross_entropy(logits: Tensor, batch: SequenceBatch) -> Tensor:
    nll = -(F.log_softmax(logits, -1) * batch.targets).sum(-1)  # (E, T, B)
    mask = batch.mask
    return torch.where(mask, nll, nll.new_zeros(())).sum((1, 2)) / mask.sum().clamp_min(1)


@torch.no_grad()
def accuracy(
    model: nn.Module, batches: Sequence[SequenceBatch], forward: Callable | None = None
) -> Tensor:
    """Share of scored steps whose most likely symbol is the target, per member (E,)."""
    right = total = 0
    for b in batches:
        logits = forward(model, b) if forward else model(b.inputs)
        hit = (logits.argmax(-1) == b.targets.argmax(-1)) & b.mask
        right = right + hit.sum((1, 2))
        total += int(b.mask.sum())
    return right.double() / total


def _recall_sets(config, length: int, lag: int, seed: int, device) -> list[SequenceBatch]:
    rng = np.random.default_rng(seed)
    n = max(1, config.eval_sequences // 256)
    per = config.eval_sequences // n
    return [
        delayed_recall_batch(per, length, lag, config.symbols, rng).to(device) for _ in range(n)
    ]


def _recall_batches(epoch: int, config, length: int, lag: int, device, salt: int = 0):
    rng = np.random.default_rng(_seed_of(config.data_seed, salt, epoch))
    for _ in range(config.updates_per_epoch):
        yield delayed_recall_batch(config.batch_size, length, lag, config.symbols, rng).to(device)


def _train_gradients(
    job: Job, *, progress=None, time_budget_s=None, device=None
) -> list[RunRecord] | None:
    config: GradientConfig = job.config
    started, commit = time.perf_counter(), git_commit()
    device = device or default_device()
    model = build_gradient_model(config)
    init = _measure(model, config, config.model)
    model = model.to(device)
    valid = _recall_sets(config, config.length, config.lag, _seed_of(config.data_seed, 1), device)
    init_acc = accuracy(model, valid)
    members = _gradient_members(config)
    result = fit(
        model,
        partial(
            _recall_batches, config=config, length=config.length, lag=config.lag, device=device
        ),
        _recall_loss,
        lambda m: {"error": 1 - accuracy(m, valid)},
        TrainConfig(
            optimizer="adam",
            lr=config.lr,
            clip_norm=config.clip_norm,
            max_epochs=max(1, config.updates // config.updates_per_epoch),
            monitor="error",
        ),
        seeds=[s for _, s in members],
        checkpoint=job.checkpoint_path(),
        time_budget_s=_sub_budget(time_budget_s, started),
        progress=progress,
        desc=f"{job.key} gradients",
    )
    if not result.finished:
        return None
    # fit keeps each member's best validation epoch; the measurement wants the last weights of
    # a brief training, which for this task is (nearly always) the best one as well.
    trained = _measure(model.cpu(), config, config.model)
    final_acc = accuracy(model.to(device), valid)
    records = []
    for e, (value, seed) in enumerate(members):
        metrics = {
            "init_rate": decay_rate(init["mean"][e]),
            "trained_rate": decay_rate(trained["mean"][e]),
            "init_accuracy": init_acc[e].item(),
            "trained_accuracy": final_acc[e].item(),
            "variant": value,
            "updates": result.updates,
            "parameters": count_parameters(model),
        }
        if config.model == "lstm":
            metrics["init_carousel_rate"] = 10 ** init["carousel_log10_rate"][e]
            metrics["trained_carousel_rate"] = 10 ** trained["carousel_log10_rate"][e]
        curves = {"lag": list(range(1, config.length))}
        for tag, m in (("init", init), ("trained", trained)):
            for q in ("mean", "p10", "p90"):
                curves[f"log10_norm_{q}_{tag}"] = m[q][e]
        records.append(
            job.record(
                f"{variant_label(config.model, value)}-s{seed}",
                metrics=metrics,
                curves=curves,
                status=result.status[e],
                message=result.messages[e],
                device=describe(device),
                wall_time_s=time.perf_counter() - started,
                commit=commit,
                extra={"members_trained_together": len(members)},
            )
        )
    job.checkpoint_path().unlink(missing_ok=True)
    return records


def gradient_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Per-step factor of the Jacobian norm (fitted over the second half of the lags), at
    initialisation and after brief training.

    For a linear RNN the factor would be the spectral radius ρ of U (the review's ``|w|^(t-tau)``);
    tanh multiplies every step by derivatives of at most 1, so we expect about ρ or less. Along
    the LSTM's memory cell the carousel alone would give the rate of the most open forget gate
    (:func:`carousel_log10_rate`).
    """
    records = [r for r in records if r.experiment == GRADIENTS]
    rows = []
    for split in ("init", "trained"):
        rows += paper_vs_ours(
            records,
            {},
            metric="rate",
            splits=(split,),
            dataset_of=lambda r: "Jacobian norm, per-step factor",
            model_of=lambda r: variant_label(r.config["model"], r.metrics["variant"]),
            chapter=CHAPTER,
            experiment=GRADIENTS,
        )
    rows.sort(key=lambda r: (r.profile, r.model.split("-")[0] != "tanh", r.model, r.split))
    return Table(rows, title, digits=3)


def gradient_findings(records: Sequence[RunRecord]) -> str:
    """The review's claims on the measured Jacobians (Markdown), computed from ``records``."""
    ok = _ok(records, GRADIENTS)
    if not ok:
        return "No gradient records yet."
    groups: dict[tuple[str, float], list[RunRecord]] = {}
    for r in ok:
        groups.setdefault((r.config["model"], r.metrics["variant"]), []).append(r)
    lines = []
    for (model, value), rs in sorted(groups.items()):
        init = float(np.mean([r.metrics["init_rate"] for r in rs]))
        trained = float(np.mean([r.metrics["trained_rate"] for r in rs]))
        lag = rs[0].curves["lag"][-1]
        norm_end = float(np.mean([r.curves["log10_norm_mean_init"][-1] for r in rs]))
        line = (
            f"- **{variant_label(model, value)}**: per-step factor {init:.3f} at initialisation "
            f"({'vanishing' if init < 0.99 else 'exploding' if init > 1.01 else 'flat'}; "
            f"norm at lag {lag} about 10^{norm_end:.0f}), {trained:.3f} after training"
        )
        if model == "tanh":
            line += f"; a linear RNN with the same U would give ρ = {value:g}"
        else:
            f_init = float(np.mean([r.metrics["init_carousel_rate"] for r in rs]))
            line += f"; the carousel alone (forget gates only) would give {f_init:.3f}"
        lines.append(line + ".")
    tanh = {v: [r.metrics["init_rate"] for r in rs] for (m, v), rs in groups.items() if m == "tanh"}
    if len(tanh) > 1:
        radii = sorted(tanh)
        rates = [float(np.mean(tanh[v])) for v in radii]
        monotone = all(a <= b for a, b in zip(rates, rates[1:]))
        lines.append(
            f"- At initialisation the tanh RNN's decay factor "
            f"{'rises' if monotone else 'does not rise'} monotonically with the spectral radius "
            f"({', '.join(f'{r:.2f}' for r in rates)} "
            f"for ρ = {', '.join(f'{v:g}' for v in radii)})."
        )
    lstm = [r for r in ok if r.config["model"] == "lstm"]
    tanh_best = max((float(np.mean(v)) for v in tanh.values() if v), default=None)
    if lstm and tanh_best is not None:
        best = max(r.metrics["init_rate"] for r in lstm)
        lines.append(
            f"- The slowest decay along the LSTM's memory cell ({best:.3f} per step) is "
            f"{'slower' if best > tanh_best else 'not slower'} than the slowest of the tanh RNNs "
            f"({tanh_best:.3f})."
        )
    return "\n".join(lines)


def plot_gradients(records: Sequence[RunRecord], tag: str = "init"):
    """Mean log10 spectral norm of the Jacobian against the lag t - tau (one line per variant,
    mean over seeds; band: 10th-90th percentile over sequences of the first seed).

    Dashed: the simple law of the review, ``rate^(t - tau)``, with rate the spectral radius ρ
    (tanh) or the carousel's own rate (:func:`carousel_log10_rate`, LSTM), drawn within the range
    of the measured curves."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6), sharey=True)
    ok = _ok(records, GRADIENTS)
    for ax, model in zip(axes, GRADIENT_MODELS):
        runs = [r for r in ok if r.config["model"] == model]
        values = sorted({r.metrics["variant"] for r in runs})
        cmap = plt.get_cmap("viridis")
        references = []
        for k, v in enumerate(values):
            rs = [r for r in runs if r.metrics["variant"] == v]
            lag = rs[0].curves["lag"]
            mean = np.mean([r.curves[f"log10_norm_mean_{tag}"] for r in rs], 0)
            color = cmap(k / max(1, len(values) - 1))
            label = f"ρ = {v:g}" if model == "tanh" else f"forget bias {v:g}"
            ax.plot(lag, mean, color=color, label=label)
            ax.fill_between(
                lag,
                rs[0].curves[f"log10_norm_p10_{tag}"],
                rs[0].curves[f"log10_norm_p90_{tag}"],
                color=color,
                alpha=0.15,
                linewidth=0,
            )
            rate = (
                v if model == "tanh" else np.mean([r.metrics[f"{tag}_carousel_rate"] for r in rs])
            )
            references.append((np.asarray(lag) * np.log10(rate), color))
        low, high = ax.get_ylim()
        for y, color in references:
            ax.plot(lag, y, color=color, linestyle="--", linewidth=1)
        ax.set_ylim(low, high)
        ax.set_xlabel("lag t − τ (steps)")
        what = "‖∂h_t/∂h_τ‖₂" if model == "tanh" else "‖∂s_t/∂s_τ‖₂ (memory cell)"
        ax.set_title(f"{'tanh RNN' if model == 'tanh' else 'LSTM'}: {what}, {tag}")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("log10 of the spectral norm")
    fig.tight_layout()
    return fig


# ================================================================================================
# 2. Truncated backpropagation through time (review Sec. 3.3)
# ================================================================================================


@dataclass(frozen=True)
class TBPTTConfig:
    """An LSTM (forget-gate bias ``forget_bias`` added at initialisation, as Gers et al. 2000
    advise) on delayed recall with dependency ``lag``, trained with every truncation window of
    ``truncations`` (``None``: full BPTT) and every seed, all as members of one stacked network.

    One update per minibatch of whole sequences; member e's gradient is that of TBPTT with window
    k_e: the state is carried across chunk boundaries at multiples of k_e, but the gradient stops
    there (the chunks' gradients are summed into one update).
    """

    lag: int
    truncations: tuple[int | None, ...]
    seeds: tuple[int, ...]
    cell: str = "lstm"
    hidden: int = 64
    forget_bias: float = 1.0
    symbols: int = 8
    length: int = 60
    batch_size: int = 32
    updates: int = 2000
    updates_per_epoch: int = 100
    lr: float = 3e-3
    clip_norm: float = 1.0
    eval_sequences: int = 1024
    data_seed: int = 0
    version: int = VERSION


def truncation_label(k: int | None) -> str:
    return "full BPTT" if k is None else f"TBPTT k={k}"


def _k_tag(k: int | None) -> str:
    return "full" if k is None else f"k{k}"


def tbptt_configs(profile: str) -> list[TBPTTConfig]:
    check_profile(profile)
    spec = dict(PROFILES[profile][TBPTT])
    lags = spec.pop("lags")
    return [TBPTTConfig(lag=lag, **spec) for lag in lags]


def _tbptt_members(config: TBPTTConfig) -> list[tuple[int | None, int]]:
    return [(k, s) for k in config.truncations for s in config.seeds]


def _tbptt_jobs(profile: str) -> list[Job]:
    jobs = []
    for c in tbptt_configs(profile):
        runs = {f"lag{c.lag}-{_k_tag(k)}-s{s}": s for k, s in _tbptt_members(c)}
        jobs.append(Job(CHAPTER, TBPTT, profile, f"lag{c.lag}", c, runs))
    return jobs


def truncated_unroll(cell: RecurrentCell, x: Tensor, windows: Sequence[int | None]) -> Tensor:
    """:func:`rnnbook.models.unroll` with member e's state detached from the graph every
    ``windows[e]`` steps (at steps k, 2k, ...; ``None``: never). The forward pass is unchanged; the
    backward pass of member e stops at its chunk boundaries. Returns (E, T, B, H)."""
    if len(windows) != cell.members:
        raise ValueError(f"{len(windows)} truncation windows for {cell.members} members")
    xw = cell.project(x)
    state = cell.initial_state(xw.shape[2])
    outputs = []
    for t, xw_t in enumerate(xw.unbind(0)):
        cut = [k is not None and t > 0 and t % k == 0 for k in windows]
        if any(cut):
            keep = torch.tensor(cut, device=xw.device).view(-1, 1, 1)
            state = tuple(torch.where(keep, s.detach(), s) for s in state)
        state = cell.step(xw_t, state)
        outputs.append(cell.output(state))
    return torch.stack(outputs, dim=1)


def _tbptt_loss(model: RecurrentNetwork, batch: SequenceBatch, windows) -> Tensor:
    logits = model.readout(truncated_unroll(model.cell, batch.inputs, windows))
    return _masked_cross_entropy(logits, batch)


def build_tbptt_model(config: TBPTTConfig) -> RecurrentNetwork:
    seeds = [s for _, s in _tbptt_members(config)]
    k = config.symbols
    kwargs = {"peephole": False, "forget_bias": config.forget_bias} if config.cell == "lstm" else {}
    return RecurrentNetwork(config.cell, k + 2, config.hidden, k, len(seeds), seeds, **kwargs)


def _train_tbptt(
    job: Job, *, progress=None, time_budget_s=None, device=None
) -> list[RunRecord] | None:
    config: TBPTTConfig = job.config
    started, commit = time.perf_counter(), git_commit()
    device = device or default_device()
    members = _tbptt_members(config)
    windows = [k for k, _ in members]
    model = build_tbptt_model(config).to(device)
    valid = _recall_sets(config, config.length, config.lag, _seed_of(config.data_seed, 1), device)
    test = _recall_sets(config, config.length, config.lag, _seed_of(config.data_seed, 2), device)
    result = fit(
        model,
        partial(
            _recall_batches, config=config, length=config.length, lag=config.lag, device=device
        ),
        partial(_tbptt_loss, windows=windows),
        lambda m: {"error": 1 - accuracy(m, valid)},
        TrainConfig(
            optimizer="adam",
            lr=config.lr,
            clip_norm=config.clip_norm,
            max_epochs=max(1, config.updates // config.updates_per_epoch),
            monitor="error",
        ),
        seeds=[s for _, s in members],
        checkpoint=job.checkpoint_path(),
        time_budget_s=_sub_budget(time_budget_s, started),
        progress=progress,
        desc=f"{job.key} tbptt",
    )
    if not result.finished:
        return None
    test_acc, valid_acc = accuracy(model, test), accuracy(model, valid)
    records = []
    for e, (k, seed) in enumerate(members):
        records.append(
            job.record(
                f"lag{config.lag}-{_k_tag(k)}-s{seed}",
                metrics={
                    "test_accuracy": test_acc[e].item(),
                    "valid_accuracy": valid_acc[e].item(),
                    "window": k,
                    "chance": 1 / config.symbols,
                    "best_epoch": result.best_epoch[e],
                    "updates": result.updates,
                },
                curves={
                    "updates": result.curves["updates"],
                    "valid_accuracy": [1 - v[e] for v in result.curves["valid_error"]],
                },
                status=result.status[e],
                message=result.messages[e],
                device=describe(device),
                wall_time_s=result.wall_time_s,
                commit=commit,
                extra={"members_trained_together": len(members)},
            )
        )
    job.checkpoint_path().unlink(missing_ok=True)
    return records


def tbptt_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Test accuracy at the recall step for every lag and truncation window."""
    records = [r for r in records if r.experiment == TBPTT]
    rows = paper_vs_ours(
        records,
        {},
        metric="accuracy",
        splits=("test",),
        dataset_of=lambda r: f"delayed recall, lag {r.config['lag']}",
        model_of=lambda r: f"{r.config['cell'].upper()}, {truncation_label(r.metrics['window'])}",
        chapter=CHAPTER,
        experiment=TBPTT,
    )

    def window(row):
        tail = row.model.rsplit("k=", 1)
        return int(tail[1]) if len(tail) == 2 else 10**9

    rows.sort(key=lambda r: (r.profile, int(r.dataset.rsplit(" ", 1)[1]), window(r)))
    return Table(rows, title)


def tbptt_findings(records: Sequence[RunRecord]) -> str:
    """Does learning break down once the lag exceeds the truncation window? (Markdown)"""
    ok = _ok(records, TBPTT)
    if not ok:
        return "No truncated-BPTT records yet."
    groups: dict[tuple[int, int | None], list[float]] = {}
    for r in ok:
        groups.setdefault((r.config["lag"], r.metrics["window"]), []).append(
            r.metrics["test_accuracy"]
        )
    chance = ok[0].metrics["chance"]
    lines = [f"Chance is {chance:.3f}; 'learned' below means a test accuracy above 0.9."]
    for lag in sorted({g[0] for g in groups}):
        short = [k for (lg, k) in groups if lg == lag and k is not None and k <= lag]
        long = [k for (lg, k) in groups if lg == lag and (k is None or k > lag)]

        def describe_group(ks, lag=lag):
            return ", ".join(
                f"{truncation_label(k)}: {np.mean(groups[(lag, k)]):.2f}"
                for k in sorted(ks, key=lambda k: 10**9 if k is None else k)
            )

        learned_short = [k for k in short if np.mean(groups[(lag, k)]) > 0.9]
        learned_long = [k for k in long if np.mean(groups[(lag, k)]) > 0.9]
        lines.append(
            f"- **lag {lag}**: windows no longer than the lag ({describe_group(short) or 'none'}) "
            f"— {len(learned_short)} of {len(short)} learned; windows longer than the lag "
            f"({describe_group(long)}) — {len(learned_long)} of {len(long)} learned."
        )
    return "\n".join(lines)


# ================================================================================================
# 3. Bidirectional RNNs (review Sec. 4.3)
# ================================================================================================

BRNN_MODELS = {
    "forward": ("forward",),
    "backward": ("backward",),
    "bidirectional": ("forward", "backward"),
}


@dataclass(frozen=True)
class BRNNConfig:
    """One model on the neighbour-max labelling task, y_t = max(x_{t-d}, x_{t+d})."""

    model: str
    seeds: tuple[int, ...]
    cell: str = "simple"
    hidden: int = 32
    symbols: int = 4
    offset: int = 2
    min_length: int = 20
    max_length: int = 40
    batch_size: int = 32
    updates: int = 1500
    updates_per_epoch: int = 100
    lr: float = 3e-3
    clip_norm: float = 1.0
    eval_sequences: int = 512
    data_seed: int = 0
    version: int = VERSION


def brnn_configs(profile: str) -> list[BRNNConfig]:
    check_profile(profile)
    return [BRNNConfig(model=m, **PROFILES[profile][BRNN]) for m in BRNN_MODELS]


def _brnn_jobs(profile: str) -> list[Job]:
    return [
        Job(CHAPTER, BRNN, profile, c.model, c, {f"{c.model}-s{s}": s for s in c.seeds})
        for c in brnn_configs(profile)
    ]


def build_brnn_model(config: BRNNConfig) -> BidirectionalNetwork:
    if config.model not in BRNN_MODELS:
        raise ValueError(f"unknown model {config.model!r}: choose one of {', '.join(BRNN_MODELS)}")
    k = config.symbols
    return BidirectionalNetwork(
        config.cell,
        k,
        config.hidden,
        k,
        len(config.seeds),
        config.seeds,
        directions=BRNN_MODELS[config.model],
    )


def _brnn_forward(model: BidirectionalNetwork, batch: SequenceBatch) -> Tensor:
    return model(batch.inputs, _lengths(batch))


def _lengths(batch: SequenceBatch) -> Tensor:
    """Real steps per sequence: inputs are one-hot, padding is all zero."""
    return (batch.inputs.abs().sum(-1) > 0).sum(0)


def _brnn_loss(model, batch):
    return _masked_cross_entropy(_brnn_forward(model, batch), batch)


def _brnn_batches(epoch: int, config: BRNNConfig, device, salt: int = 0):
    rng = np.random.default_rng(_seed_of(config.data_seed, salt, epoch))
    for _ in range(config.updates_per_epoch):
        lengths = rng.integers(config.min_length, config.max_length + 1, size=config.batch_size)
        yield neighbour_max_batch(lengths, config.offset, config.symbols, rng).to(device)


def _brnn_sets(config: BRNNConfig, seed: int, device) -> list[SequenceBatch]:
    rng = np.random.default_rng(seed)
    out, left = [], config.eval_sequences
    while left > 0:
        n = min(256, left)
        lengths = rng.integers(config.min_length, config.max_length + 1, size=n)
        out.append(neighbour_max_batch(lengths, config.offset, config.symbols, rng).to(device))
        left -= n
    return out


def _train_brnn(
    job: Job, *, progress=None, time_budget_s=None, device=None
) -> list[RunRecord] | None:
    config: BRNNConfig = job.config
    started, commit = time.perf_counter(), git_commit()
    device = device or default_device()
    model = build_brnn_model(config).to(device)
    valid = _brnn_sets(config, _seed_of(config.data_seed, 1), device)
    test = _brnn_sets(config, _seed_of(config.data_seed, 2), device)
    result = fit(
        model,
        partial(_brnn_batches, config=config, device=device),
        _brnn_loss,
        lambda m: {"error": 1 - accuracy(m, valid, _brnn_forward)},
        TrainConfig(
            optimizer="adam",
            lr=config.lr,
            clip_norm=config.clip_norm,
            max_epochs=max(1, config.updates // config.updates_per_epoch),
            monitor="error",
        ),
        seeds=config.seeds,
        checkpoint=job.checkpoint_path(),
        time_budget_s=_sub_budget(time_budget_s, started),
        progress=progress,
        desc=f"{job.key} brnn",
    )
    if not result.finished:
        return None
    test_acc = accuracy(model, test, _brnn_forward)
    records = []
    for e, seed in enumerate(config.seeds):
        records.append(
            job.record(
                f"{config.model}-s{seed}",
                metrics={
                    "test_accuracy": test_acc[e].item(),
                    "one_sided_bound": one_sided_accuracy_bound(config.symbols),
                    "majority": majority_accuracy(config.symbols),
                    "best_epoch": result.best_epoch[e],
                    "updates": result.updates,
                    "parameters": count_parameters(model),
                },
                curves={
                    "updates": result.curves["updates"],
                    "valid_accuracy": [1 - v[e] for v in result.curves["valid_error"]],
                },
                status=result.status[e],
                message=result.messages[e],
                device=describe(device),
                wall_time_s=result.wall_time_s,
                commit=commit,
            )
        )
    job.checkpoint_path().unlink(missing_ok=True)
    return records


def brnn_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Test accuracy per step of the forward, backward and bidirectional RNNs."""
    records = [r for r in records if r.experiment == BRNN]
    rows = paper_vs_ours(
        records,
        {},
        metric="accuracy",
        splits=("test",),
        dataset_of=lambda r: (
            f"y_t = max(x_t-{r.config['offset']}, x_t+{r.config['offset']}), "
            f"K={r.config['symbols']}"
        ),
        chapter=CHAPTER,
        experiment=BRNN,
    )
    order = {m: k for k, m in enumerate(BRNN_MODELS)}
    rows.sort(key=lambda r: (r.profile, order.get(r.model, 9)))
    return Table(rows, title)


def brnn_findings(records: Sequence[RunRecord]) -> str:
    """Each model's accuracy against the best any one-sided model can do (Markdown)."""
    ok = _ok(records, BRNN)
    if not ok:
        return "No BRNN records yet."
    bound, majority = ok[0].metrics["one_sided_bound"], ok[0].metrics["majority"]
    lines = [
        f"A model that sees only one side of step t can be right at most {bound:.3f} of the "
        f"time; always answering the most frequent label scores {majority:.3f}."
    ]
    for m in BRNN_MODELS:
        accs = [r.metrics["test_accuracy"] for r in ok if r.config["model"] == m]
        if accs:
            mean = float(np.mean(accs))
            rel = "above" if mean > bound + 0.01 else "at or below"
            lines.append(
                f"- **{m}**: test accuracy {mean:.3f} (n={len(accs)}), {rel} the one-sided bound."
            )
    return "\n".join(lines)


def plot_training_curves(records: Sequence[RunRecord]):
    """Validation accuracy against updates: one panel per lag of the truncated-BPTT experiment
    (one line per window) and one for the BRNN experiment (one line per model); mean over seeds,
    band their range."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    ok = _ok(records)
    panels: list[tuple[str, dict[str, list[RunRecord]]]] = []
    for lag in sorted({r.config["lag"] for r in ok if r.experiment == TBPTT}):
        lines: dict[str, list[RunRecord]] = {}
        runs = [r for r in ok if r.experiment == TBPTT and r.config["lag"] == lag]
        for r in sorted(runs, key=lambda r: r.metrics["window"] or 10**9):
            lines.setdefault(truncation_label(r.metrics["window"]), []).append(r)
        panels.append((f"Truncated BPTT, lag {lag}", lines))
    brnn = {
        m: [r for r in ok if r.experiment == BRNN and r.config["model"] == m] for m in BRNN_MODELS
    }
    if any(brnn.values()):
        panels.append(("Labelling with future context", {k: v for k, v in brnn.items() if v}))
    fig, axes = plt.subplots(1, max(1, len(panels)), figsize=(4.2 * max(1, len(panels)), 3.4))
    axes = np.atleast_1d(axes)
    cmap = plt.get_cmap("viridis")
    for ax, (title, lines) in zip(axes, panels):
        for k, (label, rs) in enumerate(lines.items()):
            color = cmap(k / max(1, len(lines) - 1))
            plots.band(
                ax, rs[0].curves["updates"], [r.curves["valid_accuracy"] for r in rs], label, color
            )
        ax.set_xlabel("updates")
        ax.set_ylabel("validation accuracy")
        ax.set_title(title)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


# ================================================================================================
# 4. The copy task: NTM against LSTM (review Sec. 4.4; Graves et al. 2014, Sec. 4.1)
# ================================================================================================

#: model -> its controller (NTMs) or None (the LSTM baseline); Graves et al. (2014), Tables 1-3.
COPY_MODELS = {"ntm-ff": "feedforward", "ntm-lstm": "lstm", "lstm": None}
COPY_COLORS = {"ntm-ff": "#9467bd", "ntm-lstm": "#2ca02c", "lstm": "#d62728"}
COPY_TITLES = {"ntm-ff": "NTM (feed-forward controller)", "ntm-lstm": "NTM (LSTM controller)"}
COPY_TITLES["lstm"] = "LSTM"


@dataclass(frozen=True)
class CopyConfig:
    """One model on the copy task: trained on lengths ``train_min..train_max``, tested on
    ``test_lengths`` (``test_sequences`` each, never seen in training).

    Each update is one batch of ``batch_size`` sequences of one length drawn uniformly. Every
    ``updates_per_epoch`` updates the model is evaluated on ``valid_per_length`` sequences of every
    training length; the weights with the fewest validation bit errors are kept and tested.
    """

    model: str
    seeds: tuple[int, ...]
    train_min: int = 1
    train_max: int = 20
    test_lengths: tuple[int, ...] = (10, 20, 30, 40, 50, 60, 80, 100, 120)
    test_sequences: int = 64
    controller_size: int = 100
    memory_rows: int = 128
    memory_width: int = 20
    lstm_hidden: int = 256
    lstm_layers: int = 3
    batch_size: int = 16
    updates: int = 20_000
    updates_per_epoch: int = 500
    valid_per_length: int = 8
    optimizer: str = "rmsprop"
    lr: float = 1e-4
    momentum: float = 0.9
    rmsprop_alpha: float = 0.95
    clip_norm: float = 10.0
    data_seed: int = 0
    version: int = VERSION


def copy_configs(profile: str) -> list[CopyConfig]:
    check_profile(profile)
    spec = dict(PROFILES[profile][COPY])
    models = spec.pop("models")
    out = []
    for m in models:
        kwargs = {k: v for k, v in spec.items() if k not in COPY_MODELS}
        kwargs.update(spec.get(m, {}))
        out.append(CopyConfig(model=m, **kwargs))
    return out


def _copy_jobs(profile: str) -> list[Job]:
    return [
        Job(CHAPTER, COPY, profile, c.model, c, {f"{c.model}-s{s}": s for s in c.seeds})
        for c in copy_configs(profile)
    ]


def build_copy_model(config: CopyConfig, seeds: Sequence[int] | None = None) -> nn.Module:
    """The NTM (controller, memory and heads as configured) or the stacked LSTM baseline, with a
    linear readout to 8 bit logits."""
    seeds = tuple(seeds) if seeds is not None else config.seeds
    e = len(seeds)
    if config.model not in COPY_MODELS:
        raise ValueError(f"unknown model {config.model!r}: choose one of {', '.join(COPY_MODELS)}")
    if COPY_MODELS[config.model] is not None:
        cell = NTMCell(
            BITS + 1,
            config.controller_size,
            config.memory_rows,
            config.memory_width,
            controller=COPY_MODELS[config.model],
            members=e,
            seeds=seeds,
        )
        return RecurrentNetwork(cell, BITS + 1, cell.hidden_size, BITS, e, seeds)
    return StackedRecurrentNetwork(
        "lstm", BITS + 1, config.lstm_hidden, BITS, config.lstm_layers, e, seeds, peephole=False
    )


def copy_loss(model: nn.Module, batch: SequenceBatch) -> Tensor:
    """Binary cross-entropy of the copied bits, summed over a sequence's outputs (nats per
    sequence; Graves et al. plot it in bits), averaged over the batch: (E,)."""
    logits = model(batch.inputs)
    bce = F.binary_cross_entropy_with_logits(
        logits, batch.targets.expand_as(logits), reduction="none"
    ).sum(-1)
    return torch.where(batch.mask, bce, bce.new_zeros(())).sum((1, 2)) / batch.inputs.shape[1]


@torch.no_grad()
def copy_scores(model: nn.Module, batches: Sequence[SequenceBatch]) -> dict[str, Tensor]:
    """Mean bit errors per sequence, cost per sequence in bits and the share of sequences copied
    without a single wrong bit, per member (E,)."""
    errors, costs, n = [], [], 0
    for b in batches:
        logits = model(b.inputs)
        errors.append(bit_errors(logits, b).double())
        bce = F.binary_cross_entropy_with_logits(
            logits, b.targets.expand_as(logits), reduction="none"
        ).sum(-1)
        costs.append(torch.where(b.mask, bce, bce.new_zeros(())).sum(1).double() / math.log(2))
        n += b.inputs.shape[1]
    err, cost = torch.cat(errors, 1), torch.cat(costs, 1)
    return {
        "bit_errors": err.mean(1),
        "cost_bits": cost.mean(1),
        "perfect": (err == 0).double().mean(1),
    }


def _copy_valid(config: CopyConfig, device) -> list[SequenceBatch]:
    rng = np.random.default_rng(_seed_of(config.data_seed, 1))
    lengths = [n for n in range(config.train_min, config.train_max + 1)]
    return [copy_batch([n] * config.valid_per_length, rng).to(device) for n in lengths]


def _copy_test(config: CopyConfig, length: int, device) -> list[SequenceBatch]:
    rng = np.random.default_rng(_seed_of(config.data_seed, 2, length))
    return [copy_batch([length] * config.test_sequences, rng).to(device)]


def _copy_batches(epoch: int, config: CopyConfig, device):
    for b in copy_training_batches(
        config.updates_per_epoch,
        config.batch_size,
        config.train_min,
        config.train_max,
        seed=_seed_of(config.data_seed, 0, epoch),
    ):
        yield b.to(device)


def copy_parameter_table(profile: str = "full") -> str:
    """Parameters of each copy-task model in ``profile`` beside Graves et al.'s Tables 1-3."""
    paper = {
        "ntm-ff": GRAVES2014_COPY["ntm-ff"]["parameters"],
        "ntm-lstm": GRAVES2014_COPY["ntm-lstm"]["parameters"],
        "lstm": GRAVES2014_COPY["lstm"]["parameters"],
    }
    lines = ["| model | ours | Graves et al. (Tables 1-3) |", "|---|---|---|"]
    for c in copy_configs(profile):
        ours = count_parameters(build_copy_model(c, seeds=(0,)))
        size = (
            f"{c.lstm_layers} × {c.lstm_hidden}"
            if c.model == "lstm"
            else f"{c.controller_size} units, memory {c.memory_rows} × {c.memory_width}"
        )
        lines.append(f"| {COPY_TITLES[c.model]}, {size} | {ours:,} | {paper[c.model]:,} |")
    return "\n".join(lines)


@torch.no_grad()
def addressing_example() -> str:
    """The four addressing steps of Graves et al. (2014, Fig. 2) on a small memory (Markdown).

    Six rows; the key matches row 1 best; the previous weighting sits on row 4; the gate mixes
    the two, the shift moves everything one row on, sharpening concentrates the result.
    """
    from rnnbook.cells.ntm import content_weights, interpolate, sharpen, shift_weights

    def t(values) -> Tensor:
        return torch.tensor(values, dtype=torch.float64)

    memory = t([[1, 0, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1], [1, 1, 0], [-1, 0, 0]])
    w_prev = t([[0, 0, 0, 0, 1, 0]])
    w_c = content_weights(t([[0.0, 1.0, 0.2]]), t([[5.0]]), memory)
    w_g = interpolate(w_c, w_prev, t([[0.7]]))
    w_s = shift_weights(w_g, t([[0.05, 0.1, 0.85]]))  # over the shifts -1, 0, +1
    w = sharpen(w_s, t([[3.0]]))
    steps = {
        "previous weighting": w_prev,
        "content, key (0, 1, 0.2), β = 5 (Eqs. 5-6)": w_c,
        "interpolation, η = 0.7 (Eq. 7)": w_g,
        "shift, s = (0.05, 0.1, 0.85) over (-1, 0, +1) (Eq. 8)": w_s,
        "sharpening, γ = 3 (Eq. 9)": w,
    }
    lines = ["| step | " + " | ".join(f"row {i}" for i in range(6)) + " |", "|" + "---|" * 7]
    for name, v in steps.items():
        lines.append(f"| {name} | " + " | ".join(f"{x:.2f}" for x in v[0].tolist()) + " |")
    return "\n".join(lines)


@torch.no_grad()
def head_trace(model: RecurrentNetwork, length: int = 20, seed: int = 0) -> dict[str, Tensor]:
    """Where each NTM head focuses while copying one sequence of ``length``: the row of largest
    weight and that weight, per step, per member (E, 2 length + 1) each (Graves et al., Fig. 6)."""
    cell: NTMCell = model.cell
    batch = copy_batch([length], np.random.default_rng(seed)).to(cell.weight_heads.device)
    xw = cell.project(batch.inputs)
    state = cell.initial_state(1)
    trace: dict[str, list[Tensor]] = {"write_row": [], "write_weight": [], "read_row": []}
    trace["read_weight"] = []
    for xw_t in xw.unbind(0):
        state = cell.step(xw_t, state)
        for name, w in (("read", state[4]), ("write", state[5])):
            top = w[:, 0, 0].max(-1)  # first head, first (only) sequence
            trace[f"{name}_row"].append(top.indices)
            trace[f"{name}_weight"].append(top.values)
    return {k: torch.stack(v, 1) for k, v in trace.items()}


def _train_copy(
    job: Job, *, progress=None, time_budget_s=None, device=None
) -> list[RunRecord] | None:
    config: CopyConfig = job.config
    started, commit = time.perf_counter(), git_commit()
    device = device or default_device()
    model = build_copy_model(config).to(device)
    valid = _copy_valid(config, device)
    result = fit(
        model,
        partial(_copy_batches, config=config, device=device),
        copy_loss,
        lambda m: copy_scores(m, valid),
        TrainConfig(
            optimizer=config.optimizer,
            lr=config.lr,
            momentum=config.momentum if config.optimizer in ("rmsprop", "sgd") else 0.0,
            alpha=config.rmsprop_alpha,
            clip_norm=config.clip_norm,
            max_epochs=max(1, config.updates // config.updates_per_epoch),
            monitor="bit_errors",
        ),
        seeds=config.seeds,
        checkpoint=job.checkpoint_path(),
        time_budget_s=_sub_budget(time_budget_s, started),
        progress=progress,
        desc=f"{job.key} copy",
    )
    if not result.finished:
        return None
    tests = {n: copy_scores(model, _copy_test(config, n, device)) for n in config.test_lengths}
    trace = head_trace(model) if COPY_MODELS[config.model] is not None else None
    records = []
    for e, seed in enumerate(config.seeds):
        metrics = {
            "best_epoch": result.best_epoch[e],
            "updates": result.updates,
            "sequences_seen": result.updates * config.batch_size,
            "parameters": count_parameters(model),
            "valid_bit_errors": result.best_metric[e],
        }
        for n, s in tests.items():
            for name in ("bit_errors", "cost_bits", "perfect"):
                metrics[f"L{n}_{name}"] = s[name][e].item()
        curves = {
            "updates": result.curves["updates"],
            "wall_time_s": result.curves["wall_time_s"],
            "train_cost_bits": [v[e] / math.log(2) for v in result.curves["train_loss"]],
            "valid_bit_errors": [v[e] for v in result.curves["valid_bit_errors"]],
        }
        extra = {"members_trained_together": len(config.seeds)}
        if trace is not None:
            extra["head_trace_length20"] = {k: v[e].tolist() for k, v in trace.items()}
        records.append(
            job.record(
                f"{config.model}-s{seed}",
                metrics=metrics,
                curves=curves,
                status=result.status[e],
                message=result.messages[e],
                device=describe(device),
                wall_time_s=result.wall_time_s,
                commit=commit,
                extra=extra,
            )
        )
    job.checkpoint_path().unlink(missing_ok=True)
    return records


def copy_table(records: Sequence[RunRecord], title: str = "", metric: str = "bit_errors") -> Table:
    """Bit errors per sequence (or ``perfect``: the share copied without error) by test length."""
    records = [r for r in records if r.experiment == COPY]
    lengths = sorted(
        {n for r in records for n in r.config["test_lengths"]}
        or set(CopyConfig("ntm-ff", (0,)).test_lengths)
    )
    rows = paper_vs_ours(
        records,
        {},
        metric=metric,
        splits=tuple(f"L{n}" for n in lengths),
        dataset_of=lambda r: f"copy, trained on {r.config['train_min']}-{r.config['train_max']}",
        chapter=CHAPTER,
        experiment=COPY,
    )
    order = {m: k for k, m in enumerate(COPY_MODELS)}
    rows.sort(key=lambda r: (r.profile, order.get(r.model, 9), int(r.split[1:])))
    return Table(rows, title)


def copy_findings(records: Sequence[RunRecord]) -> str:
    """The generalisation claim, stated from our numbers (Markdown)."""
    ok = _ok(records, COPY)
    if not ok:
        return "No copy-task records yet."
    lines = []
    train_max = ok[0].config["train_max"]
    for m in COPY_MODELS:
        rs = [r for r in ok if r.config["model"] == m]
        if not rs:
            continue
        lengths = rs[0].config["test_lengths"]
        errs = {n: float(np.mean([r.metrics[f"L{n}_bit_errors"] for r in rs])) for n in lengths}
        perfect = {n: float(np.mean([r.metrics[f"L{n}_perfect"] for r in rs])) for n in lengths}
        # longest test length copied with under one wrong bit per 100 copied bits, on average
        good = [n for n in lengths if errs[n] < 0.01 * BITS * n]
        longest = max(good) if good else None
        valid = [r.metrics["valid_bit_errors"] for r in rs if "valid_bit_errors" in r.metrics]
        learnt = (
            f"validation bit errors on the training lengths {np.mean(valid):.2f} per sequence; "
            if valid
            else ""
        )
        lines.append(
            f"- **{COPY_TITLES[m]}** (n={len(rs)} seeds): {learnt}test bit errors per sequence "
            + ", ".join(f"{errs[n]:.1f} at {n}" for n in lengths)
            + f"; share copied perfectly at the longest training length {train_max}: "
            + (f"{perfect[train_max]:.2f}" if train_max in perfect else "not tested")
            + ". Longest test length with under 1% wrong bits: "
            + (
                f"{longest} ({longest / train_max:.1f}× the longest training length)."
                if longest
                else "none."
            )
        )
    means = {
        m: {
            n: float(np.mean([r.metrics[f"L{n}_bit_errors"] for r in ok if r.config["model"] == m]))
            for n in ok[0].config["test_lengths"]
        }
        for m in COPY_MODELS
        if any(r.config["model"] == m for r in ok)
    }
    for m in (m for m in means if m != "lstm" and "lstm" in means):
        beyond = [n for n in means[m] if n > train_max]
        wins = [n for n in beyond if means[m][n] < means["lstm"][n]]
        lines.append(
            f"- Beyond the training lengths the {COPY_TITLES[m]} makes fewer bit errors than the "
            f"LSTM at {len(wins)} of {len(beyond)} test lengths "
            f"({', '.join(str(n) for n in wins) or 'none'})."
        )
    return "\n".join(lines)


def plot_copy(records: Sequence[RunRecord]):
    """Bit errors per sequence against sequence length (left; log scale + 1) and the validation
    bit errors during training (right), mean over seeds and their range."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    ok = _ok(records, COPY)
    for m in COPY_MODELS:
        rs = [r for r in ok if r.config["model"] == m]
        if not rs:
            continue
        lengths = rs[0].config["test_lengths"]
        errs = [[r.metrics[f"L{n}_bit_errors"] + 1 for n in lengths] for r in rs]
        plots.band(ax, lengths, errs, COPY_TITLES[m], COPY_COLORS[m])
        plots.band(
            ax2,
            rs[0].curves["updates"],
            [r.curves["valid_bit_errors"] for r in rs],
            COPY_TITLES[m],
            COPY_COLORS[m],
        )
    if ok:
        ax.axvspan(
            ok[0].config["train_min"],
            ok[0].config["train_max"],
            color="0.85",
            zorder=0,
            label="training lengths",
        )
    plots.plain_log_axis(ax)
    ax.set_xlabel("sequence length")
    ax.set_ylabel("bit errors per sequence + 1")
    ax.set_title("Copy: errors against length")
    ax.legend()
    ax2.set_xlabel("updates")
    ax2.set_ylabel("validation bit errors per sequence")
    ax2.set_title("Copy: validation on the training lengths")
    ax2.legend()
    fig.tight_layout()
    return fig


def plot_head_trace(records: Sequence[RunRecord]):
    """Each NTM's write and read focus (row of largest weight) at each step of copying one
    length-20 sequence, first seed; marker size is that row's weight (Graves et al. 2014, Fig. 6,
    reduced to the focus). One panel per NTM model recorded."""
    import matplotlib.pyplot as plt

    from rnnbook.results import plots

    plots.use_style()
    ok = [r for r in _ok(records, COPY) if "head_trace_length20" in r.extra]
    models = [m for m in COPY_MODELS if any(r.config["model"] == m for r in ok)]
    fig, axes = plt.subplots(1, max(1, len(models)), figsize=(5 * max(1, len(models)), 3.4))
    axes = np.atleast_1d(axes)
    for ax, m in zip(axes, models):
        tr = next(r for r in ok if r.config["model"] == m).extra["head_trace_length20"]
        steps = np.arange(len(tr["write_row"]))
        ax.scatter(steps, tr["write_row"], s=4 + 30 * np.asarray(tr["write_weight"]), label="write")
        ax.scatter(
            steps,
            tr["read_row"],
            s=4 + 30 * np.asarray(tr["read_weight"]),
            marker="x",
            label="read",
        )
        ax.axvline(20, color="0.5", linestyle=":", label="delimiter")
        ax.set_title(f"{COPY_TITLES[m]}: heads while copying 20 vectors")
        ax.legend(fontsize=7)
    for ax in axes:
        ax.set_xlabel("time step")
        ax.set_ylabel("memory row in focus")
    fig.tight_layout()
    return fig


# ================================================================================================
# Profiles, registry
# ================================================================================================

#: Per profile and experiment: the settings shared by its jobs.
PROFILES: dict[str, dict[str, dict]] = {
    # seconds: tiny networks, a few updates; checks the pipeline, not the claims
    "smoke": {
        GRADIENTS: dict(
            radii=(0.9, 1.5),
            forget_biases=(0.0, 3.0),
            seeds=(0,),
            hidden=8,
            length=12,
            lag=4,
            updates=4,
            updates_per_epoch=2,
            measure_batch=4,
            eval_sequences=64,
        ),
        TBPTT: dict(
            lags=(6,),
            truncations=(3, None),
            seeds=(0,),
            hidden=8,
            length=12,
            updates=4,
            updates_per_epoch=2,
            eval_sequences=64,
        ),
        BRNN: dict(
            seeds=(0,),
            hidden=8,
            min_length=8,
            max_length=12,
            updates=4,
            updates_per_epoch=2,
            eval_sequences=64,
        ),
        COPY: dict(
            models=("ntm-ff", "ntm-lstm", "lstm"),
            seeds=(0,),
            train_max=4,
            test_lengths=(4, 8),
            test_sequences=4,
            controller_size=8,
            memory_rows=16,
            memory_width=4,
            lstm_hidden=8,
            lstm_layers=1,
            batch_size=4,
            updates=4,
            updates_per_epoch=2,
            valid_per_length=2,
            optimizer="adam",
            lr=1e-3,
        ),
    },
    # about 15-20 minutes for the chapter on two cores: reduced scale, same questions
    "cpu": {
        GRADIENTS: dict(
            radii=(0.5, 0.9, 1.0, 1.1, 1.5),
            forget_biases=(0.0, 1.0, 3.0),
            seeds=(0, 1, 2),
        ),
        TBPTT: dict(lags=(10, 20), truncations=(5, 15, 30, None), seeds=(0, 1)),
        BRNN: dict(seeds=(0, 1, 2)),
        COPY: dict(
            models=("ntm-ff", "ntm-lstm", "lstm"),
            seeds=(0, 1),
            train_max=10,
            test_lengths=(5, 10, 20, 30, 40, 60, 80, 100),
            test_sequences=32,
            batch_size=16,
            updates_per_epoch=250,
            optimizer="adam",
            lr=1e-3,
            clip_norm=50.0,
            # updates per model: what each needs (the feed-forward NTM learns fastest) and the
            # budget allows (about 35, 45 and 17 ms of one core per update)
            **{
                "ntm-ff": {"updates": 3_000},
                "ntm-lstm": {"updates": 8_000},
                "lstm": {"updates": 10_000, "lstm_layers": 1},
            },
        ),
    },
    # Graves et al. (2014): lengths 1-20, memory 128 x 20, LSTM controller of 100 units, one read
    # and one write head, RMSProp with momentum 0.9 at 1e-4; LSTM baseline 3 x 256 at 3e-5
    "full": {
        GRADIENTS: dict(
            radii=(0.5, 0.9, 1.0, 1.1, 1.5),
            forget_biases=(0.0, 1.0, 3.0),
            seeds=(0, 1, 2, 3, 4),
            updates=2_000,
        ),
        TBPTT: dict(
            lags=(10, 20, 40),
            truncations=(5, 15, 30, 50, None),
            seeds=(0, 1, 2),
            length=100,
            updates=5_000,
        ),
        BRNN: dict(seeds=(0, 1, 2, 3, 4), updates=5_000),
        COPY: dict(
            models=("ntm-ff", "ntm-lstm", "lstm"),
            seeds=(0, 1, 2),
            updates=30_000,
            batch_size=16,
            lstm={"lr": 3e-5},
        ),
    },
}


def jobs(profile: str, experiments: Sequence[str] | None = None) -> list[Job]:
    """Every job of ``profile`` (optionally of some experiments only)."""
    check_profile(profile)
    makers = {
        GRADIENTS: _gradient_jobs,
        TBPTT: _tbptt_jobs,
        BRNN: _brnn_jobs,
        COPY: _copy_jobs,
    }
    names = list(experiments or EXPERIMENT_NAMES)
    for n in names:
        if n not in makers:
            raise ValueError(f"unknown experiment {n!r}: choose from {', '.join(makers)}")
    return [j for n in names for j in makers[n](profile)]


_TRAINERS = {GRADIENTS: _train_gradients, TBPTT: _train_tbptt, BRNN: _train_brnn, COPY: _train_copy}


def train_job(
    job: Job,
    *,
    progress: bool | None = None,
    time_budget_s: float | None = None,
    device: torch.device | None = None,
) -> list[RunRecord] | None:
    """Train one job of any of the chapter's experiments; ``None`` if paused by the budget."""
    return _TRAINERS[job.experiment](
        job, progress=progress, time_budget_s=time_budget_s, device=device
    )


def run(
    profile: str = "cpu",
    *,
    experiments: Sequence[str] | None = None,
    rerun: bool | None = None,
    only: Sequence[str] | None = None,
    progress: bool | None = None,
    time_budget_s: float | None = None,
) -> list[RunRecord]:
    """Load or train the jobs of ``experiments`` (default: all four) in ``profile``.

    ``only`` keeps the jobs whose key is listed (``ntm-ff``, ``lag20``, ``bidirectional``, ...).
    """
    selected = [j for j in jobs(profile, experiments) if not only or j.key in only]
    if only and not selected:
        keys = ", ".join(j.key for j in jobs(profile, experiments))
        raise ValueError(f"no job matches {list(only)}: the jobs are {keys}")
    return execute(
        selected, partial(train_job, progress=progress, time_budget_s=time_budget_s), rerun=rerun
    )


def recorded(profile: str | None = None, experiment: str | None = None) -> list[RunRecord]:
    """Every recorded run (one profile or all; one experiment or all), each marked stale or not."""
    records = load_records(CHAPTER, experiment, profile)
    out = []
    for p in sorted({r.profile for r in records}):
        for name in sorted({r.experiment for r in records if r.profile == p}):
            if name not in EXPERIMENT_NAMES:
                continue
            hashes = {rid: job.run_hash(rid) for job in jobs(p, [name]) for rid in job.runs}
            out += mark_stale(
                [r for r in records if r.profile == p and r.experiment == name], hashes
            )
    return out


TABLES = {GRADIENTS: gradient_table, TBPTT: tbptt_table, BRNN: brnn_table, COPY: copy_table}


def table(records: Sequence[RunRecord], title: str = "") -> Table:
    """All of the chapter's rows, experiment by experiment."""
    rows = []
    for name in EXPERIMENT_NAMES:
        rows += TABLES[name]([r for r in records if r.experiment == name]).rows
    return Table(rows, title)


def _experiment(name: str, title: str) -> Experiment:
    return Experiment(
        CHAPTER,
        name,
        title,
        partial(run, experiments=[name]),
        partial(recorded, experiment=name),
        TABLES[name],
    )


EXPERIMENTS = [
    _experiment(GRADIENTS, "Vanishing/exploding Jacobians of tanh RNNs and the LSTM's carousel"),
    _experiment(TBPTT, "Truncated vs full BPTT on a dependency longer than the window"),
    _experiment(BRNN, "Bidirectional vs one-directional RNNs on a task that needs the future"),
    _experiment(COPY, "Copy task: NTM vs LSTM, trained short, tested long (Graves et al. 2014)"),
]


def config_table(profile: str, experiment: str) -> str:
    """Settings of every job of one experiment (Markdown): shared ones listed, others tabulated."""
    rows = [config_dict(j.config) for j in jobs(profile, [experiment])]
    varying = [k for k in rows[0] if len({str(r[k]) for r in rows}) > 1]
    shared = [f"- `{k}` = `{v}`" for k, v in rows[0].items() if k not in varying]
    if not varying:
        return "\n".join(shared)
    head = "| " + " | ".join(varying) + " |\n|" + "---|" * len(varying)
    body = ["| " + " | ".join(str(r[k]) for k in varying) + " |" for r in rows]
    return "\n".join([*shared, "", head, *body])
