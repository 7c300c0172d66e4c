"""The one training loop of the book.

:func:`fit` trains the E members of a stacked model together: per-member learning rates, gradient
clipping (Pascanu et al. 2013, Algorithm 1) and early stopping; weight noise (Graves 2011); a
divergence guard; checkpoints after every epoch from which a killed run resumes to the identical
result; quiet ``tqdm.auto`` progress.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from rnnbook.profiles import config_hash
from rnnbook.train.optim import (
    OPTIMIZERS,
    WeightNoise,
    clip_member_grads,
    lr_schedule,
    make_optimizer,
    member_grad_norms,
    parameter_groups,
    scale_update,
    snapshot,
)


@dataclass(frozen=True)
class TrainConfig:
    """Everything :func:`fit` needs besides the model and the data.

    ``lr`` is one learning rate for every member or one per member. ``clip_norm`` is one
    threshold for every member (``None`` or 0: no clipping) or one per member, where ``None`` or
    ``inf`` leaves that member unclipped (Pascanu et al. 2013 train SGD beside SGD-C this way).
    ``patience`` is counted in evaluations; ``None`` trains for ``max_epochs``. ``monitor`` names
    the validation metric that early stopping minimises.
    """

    optimizer: str = "rmsprop"
    lr: float | tuple[float, ...] = 1e-3
    momentum: float = 0.0
    alpha: float = 0.9
    eps: float = 1e-8
    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = 0.0
    clip_norm: float | tuple[float | None, ...] | None = 1.0
    weight_noise: float = 0.0
    max_epochs: int = 10
    max_updates: int | None = None
    patience: int | None = None
    monitor: str = "nll"
    schedule: str = "constant"
    warmup_fraction: float = 0.0
    diverge_above: float = 1e6
    grad_norm_every: int = 0

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}: choose one of {OPTIMIZERS}")

    def member_lrs(self, members: int) -> tuple[float, ...]:
        lrs = (self.lr,) * members if isinstance(self.lr, (int, float)) else tuple(self.lr)
        if len(lrs) != members:
            raise ValueError(f"{len(lrs)} learning rates given for {members} members")
        return tuple(float(x) for x in lrs)

    def member_clip_norms(self, members: int, device=None) -> float | Tensor | None:
        """The clipping threshold(s): ``None`` (no clipping), one float, or a tensor (E,) with
        ``inf`` for the members that are not clipped."""
        if not isinstance(self.clip_norm, (tuple, list)):
            return self.clip_norm or None
        if len(self.clip_norm) != members:
            raise ValueError(
                f"{len(self.clip_norm)} clipping thresholds given for {members} members"
            )
        values = [math.inf if c is None else float(c) for c in self.clip_norm]
        if any(not v > 0 for v in values):
            raise ValueError(
                f"clipping thresholds must be positive, None or inf, got {self.clip_norm}"
            )
        return torch.tensor(values, device=device)


@dataclass
class FitResult:
    """What :func:`fit` returns; the model holds each member's best weights."""

    curves: dict[str, list] = field(default_factory=dict)
    best_epoch: list[int] = field(default_factory=list)
    best_metric: list[float] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    epochs: int = 0
    updates: int = 0
    wall_time_s: float = 0.0
    finished: bool = True
    grad_norms: list[list[float]] = field(default_factory=list)


class DivergenceWarning(UserWarning):
    """A member's loss or gradient stopped being finite; that member was stopped."""


def progress_enabled(progress: bool | None = None) -> bool:
    """Show progress bars? ``RNNBOOK_PROGRESS=0/1`` decides, else only in a terminal or notebook."""
    if progress is not None:
        return progress
    env = os.environ.get("RNNBOOK_PROGRESS")
    if env is not None:
        return env not in ("0", "false", "no", "")
    return sys.stderr.isatty() or "ipykernel" in sys.modules


def _atomic_save(obj: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def fit(
    model: nn.Module,
    train_batches: Callable[[int], Iterable[Any]],
    loss_fn: Callable[[nn.Module, Any], Tensor],
    evaluate: Callable[[nn.Module], dict[str, Tensor]] | None,
    config: TrainConfig,
    *,
    seeds: Sequence[int],
    checkpoint: str | Path | None = None,
    time_budget_s: float | None = None,
    progress: bool | None = None,
    desc: str = "train",
    stop_below: float | None = None,
) -> FitResult:
    """Train every member of ``model`` and leave each at its best validation epoch.

    - ``train_batches(epoch)`` yields the minibatches of one epoch (a deterministic function of the
      epoch, so a resumed run sees the same data);
    - ``loss_fn(model, batch)`` returns each member's mean loss, shape (E,);
    - ``evaluate(model)`` returns validation metrics, each of shape (E,), after every epoch.

    With ``checkpoint`` the state is saved after every epoch and a later call resumes from it.
    With ``time_budget_s`` the call returns after the epoch that exceeds the budget with
    ``finished=False``; calling again resumes. A member whose loss or gradient norm is not finite
    (or exceeds ``diverge_above``) is stopped, marked ``diverged`` and warned about; its weights are
    reset to its best epoch if it had one. With ``stop_below`` a member stops (status ``ok``) as
    soon as its monitored validation metric falls below that value: a synthetic task is solved
    (Pascanu et al. 2013, Sec. 4.1). It is an argument, not a :class:`TrainConfig` field, so that
    the configs (and checkpoints) of runs without it keep their hashes.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    members = params[0].shape[0]
    device = params[0].device
    if len(seeds) != members:
        raise ValueError(f"{len(seeds)} seeds for {members} members")
    base_lr = torch.tensor(config.member_lrs(members), device=device)
    clip = config.member_clip_norms(members, device)
    groups = parameter_groups(model, config.weight_decay)
    optimizer = make_optimizer(
        config.optimizer,
        groups,
        momentum=config.momentum,
        alpha=config.alpha,
        eps=config.eps,
        betas=config.betas,
    )
    noise = WeightNoise(model, config.weight_noise, seeds)

    state: dict[str, Any] = {
        "epoch": 0,
        "updates": 0,
        "wall": 0.0,
        "active": [True] * members,
        "status": ["ok"] * members,
        "messages": [""] * members,
        "best_metric": [math.inf] * members,
        "best_epoch": [-1] * members,
        "since_best": [0] * members,
        "best_params": snapshot(params),
        "curves": {
            "epoch": [],
            "updates": [],
            "wall_time_s": [],
            "train_loss": [],
            "grad_norm_mean": [],
            "grad_norm_max": [],
        },
        "grad_norms": [],
    }
    ckpt_path = Path(checkpoint) if checkpoint is not None else None
    tag = config_hash(config)
    if ckpt_path is not None and ckpt_path.exists():
        saved = torch.load(ckpt_path, map_location=device, weights_only=False)
        if saved.get("config_hash") == tag:
            model.load_state_dict(saved["model"])
            optimizer.load_state_dict(saved["optimizer"])
            noise.load_state_dict(saved["noise"])
            state = saved["trainer"]
        else:
            warnings.warn(
                f"ignoring checkpoint {ckpt_path}: it belongs to another config", stacklevel=2
            )

    total_updates = config.max_updates
    if config.schedule != "constant" and total_updates is None:
        raise ValueError("a learning-rate schedule needs max_updates")

    def mark_diverged(e: int, why: str) -> None:
        state["active"][e] = False
        state["status"][e] = "diverged"
        state["messages"][e] = (
            f"member {e} (seed {seeds[e]}, lr {base_lr[e].item():.3g}) diverged at "
            f"epoch {state['epoch'] + 1}, update {state['updates']}: {why}"
        )
        warnings.warn(state["messages"][e], DivergenceWarning, stacklevel=3)

    show = progress_enabled(progress)
    bar = tqdm(
        total=config.max_epochs,
        initial=state["epoch"],
        desc=desc,
        disable=not show,
        leave=False,
        mininterval=1.0,
        dynamic_ncols=True,
    )
    started = time.perf_counter() - state["wall"]
    call_started = time.perf_counter()
    finished = True
    model.train()
    while state["epoch"] < config.max_epochs and any(state["active"]):
        if total_updates is not None and state["updates"] >= total_updates:
            break
        epoch_loss = torch.zeros(members, device=device)
        epoch_norms: list[Tensor] = []
        n_batches = 0
        for batch in train_batches(state["epoch"]):
            if total_updates is not None and state["updates"] >= total_updates:
                break
            active = torch.tensor(state["active"], device=device)
            optimizer.zero_grad(set_to_none=True)
            noise.add()
            losses = loss_fn(model, batch)
            torch.where(active, losses, torch.zeros_like(losses)).sum().backward()
            noise.remove()
            if clip is not None:
                norms = clip_member_grads(params, clip)
            else:
                norms = member_grad_norms(params)
            bad = (
                ~torch.isfinite(losses) | ~torch.isfinite(norms) | (losses > config.diverge_above)
            ) & active
            for e in torch.nonzero(bad).flatten().tolist():
                mark_diverged(
                    e, f"loss {losses[e].item():.4g}, gradient norm {norms[e].item():.4g}"
                )
            active = torch.tensor(state["active"], device=device)
            for p in params:
                if p.grad is not None:
                    p.grad[~active] = 0
            mult = lr_schedule(
                config.schedule, state["updates"], total_updates or 1, config.warmup_fraction
            )
            for g in optimizer.param_groups:
                g["lr"] = g["lr_scale"] * mult
            before = snapshot(params)
            optimizer.step()
            scale_update(params, before, torch.where(active, base_lr, torch.zeros_like(base_lr)))
            state["updates"] += 1
            n_batches += 1
            epoch_loss += torch.nan_to_num(losses.detach(), nan=0.0, posinf=0.0)
            epoch_norms.append(norms.detach())
            if config.grad_norm_every and state["updates"] % config.grad_norm_every == 0:
                state["grad_norms"].append(norms.tolist())
        state["epoch"] += 1
        norms_t = torch.stack(epoch_norms) if epoch_norms else torch.zeros(1, members)
        curves = state["curves"]
        curves["epoch"].append(state["epoch"])
        curves["updates"].append(state["updates"])
        curves["train_loss"].append((epoch_loss / max(1, n_batches)).tolist())
        curves["grad_norm_mean"].append(norms_t.mean(0).tolist())
        curves["grad_norm_max"].append(norms_t.max(0).values.tolist())
        if evaluate is not None:
            model.eval()
            metrics = evaluate(model)
            model.train()
            for name, value in metrics.items():
                curves.setdefault(f"valid_{name}", []).append(value.tolist())
            monitored = metrics[config.monitor].tolist()
        else:
            monitored = [-state["epoch"]] * members  # without validation the last epoch is best
        for e in range(members):
            if not state["active"][e]:
                continue
            if not math.isfinite(monitored[e]):
                mark_diverged(e, f"validation {config.monitor} is {monitored[e]}")
                continue
            if monitored[e] < state["best_metric"][e]:
                state["best_metric"][e], state["best_epoch"][e] = monitored[e], state["epoch"]
                state["since_best"][e] = 0
                with torch.no_grad():
                    for b, p in zip(state["best_params"], params):
                        b[e].copy_(p[e])
            else:
                state["since_best"][e] += 1
                if config.patience is not None and state["since_best"][e] >= config.patience:
                    state["active"][e] = False  # early stop: keep the best weights
            if stop_below is not None and monitored[e] < stop_below:
                state["active"][e] = False  # target reached: keep these weights
                state["messages"][e] = (
                    f"reached {config.monitor} {monitored[e]:.4g} < {stop_below:g} "
                    f"at epoch {state['epoch']}, update {state['updates']}"
                )
        state["wall"] = time.perf_counter() - started
        curves["wall_time_s"].append(state["wall"])
        if ckpt_path is not None:
            _atomic_save(
                {
                    "config_hash": tag,
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "noise": noise.state_dict(),
                    "trainer": state,
                },
                ckpt_path,
            )
        bar.update(1)
        if evaluate is not None:
            best = min(state["best_metric"])
            bar.set_postfix({f"best {config.monitor}": f"{best:.3f}"}, refresh=False)
        if time_budget_s is not None and time.perf_counter() - call_started > time_budget_s:
            finished = (
                state["epoch"] >= config.max_epochs
                or not any(state["active"])
                or (total_updates is not None and state["updates"] >= total_updates)
            )
            break
    bar.close()

    with torch.no_grad():
        for e in range(members):
            if state["best_epoch"][e] >= 0:
                for b, p in zip(state["best_params"], params):
                    p[e].copy_(b[e])
    model.eval()
    return FitResult(
        curves=state["curves"],
        best_epoch=list(state["best_epoch"]),
        best_metric=list(state["best_metric"]),
        status=list(state["status"]),
        messages=list(state["messages"]),
        epochs=state["epoch"],
        updates=state["updates"],
        wall_time_s=state["wall"],
        finished=finished,
        grad_norms=list(state["grad_norms"]),
    )
