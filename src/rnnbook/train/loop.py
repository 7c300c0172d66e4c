"""The one training loop of the book.

:func:`fit` trains the E members of a stacked model together: per-member learning rates, gradient
clipping (Pascanu et al. 2013, Algorithm 1) and early stopping; weight noise (Graves 2011); a
divergence guard; checkpoints after every epoch from which a killed run resumes to the identical
result; quiet ``tqdm.auto`` progress.

The loop's state is one :class:`FitState`; one epoch of updates (``_train_epoch``), the
evaluation that follows it (``_judge``) and the checkpoint (``_save``) are steps on it.
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

from rnnbook.files import atomic_write
from rnnbook.profiles import config_hash
from rnnbook.train.config import FitResult, TrainConfig
from rnnbook.train.optim import (
    WeightNoise,
    clip_member_grads,
    lr_schedule,
    make_optimizer,
    member_grad_norms,
    parameter_groups,
    scale_update,
    snapshot,
)

__all__ = ["DivergenceWarning", "FitResult", "FitState", "TrainConfig", "fit", "progress_enabled"]


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


def _curves() -> dict[str, list]:
    keys = ("epoch", "updates", "wall_time_s", "train_loss", "grad_norm_mean", "grad_norm_max")
    return {k: [] for k in keys}


@dataclass
class FitState:
    """Everything a resumed run needs besides the model, optimiser and noise streams (one entry
    per member where a list); saved in every checkpoint as a plain dictionary."""

    members: int
    best_params: list[Tensor]
    epoch: int = 0
    updates: int = 0
    wall: float = 0.0
    active: list[bool] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    best_metric: list[float] = field(default_factory=list)
    best_epoch: list[int] = field(default_factory=list)
    since_best: list[int] = field(default_factory=list)
    curves: dict[str, list] = field(default_factory=_curves)
    grad_norms: list[list[float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        e = self.members
        self.active = self.active or [True] * e
        self.status = self.status or ["ok"] * e
        self.messages = self.messages or [""] * e
        self.best_metric = self.best_metric or [math.inf] * e
        self.best_epoch = self.best_epoch or [-1] * e
        self.since_best = self.since_best or [0] * e

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "members"}

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> FitState:
        return cls(members=len(saved["active"]), **saved)

    def result(self, finished: bool) -> FitResult:
        return FitResult(
            curves=self.curves,
            best_epoch=list(self.best_epoch),
            best_metric=list(self.best_metric),
            status=list(self.status),
            messages=list(self.messages),
            epochs=self.epoch,
            updates=self.updates,
            wall_time_s=self.wall,
            finished=finished,
            grad_norms=list(self.grad_norms),
        )


@dataclass
class _Trainer:
    """The fixed parts of one call of :func:`fit`."""

    model: nn.Module
    params: list[Tensor]
    optimizer: torch.optim.Optimizer
    noise: WeightNoise
    config: TrainConfig
    seeds: Sequence[int]
    base_lr: Tensor
    clip: float | Tensor | None

    @property
    def device(self) -> torch.device:
        return self.params[0].device

    def mark_diverged(self, state: FitState, e: int, why: str) -> None:
        state.active[e] = False
        state.status[e] = "diverged"
        state.messages[e] = (
            f"member {e} (seed {self.seeds[e]}, lr {self.base_lr[e].item():.3g}) diverged at "
            f"epoch {state.epoch + 1}, update {state.updates}: {why}"
        )
        warnings.warn(state.messages[e], DivergenceWarning, stacklevel=4)

    def out_of_updates(self, state: FitState) -> bool:
        total = self.config.max_updates
        return total is not None and state.updates >= total


def _update(t: _Trainer, state: FitState, batch: Any, loss_fn: Callable) -> tuple[Tensor, Tensor]:
    """One update of every active member; returns the members' losses and gradient norms."""
    config, device = t.config, t.device
    active = torch.tensor(state.active, device=device)
    t.optimizer.zero_grad(set_to_none=True)
    t.noise.add()
    losses = loss_fn(t.model, batch)
    torch.where(active, losses, torch.zeros_like(losses)).sum().backward()
    t.noise.remove()
    norms = clip_member_grads(t.params, t.clip) if t.clip is not None else None
    norms = member_grad_norms(t.params) if norms is None else norms
    bad = (~torch.isfinite(losses) | ~torch.isfinite(norms) | (losses > config.diverge_above)) & (
        active
    )
    for e in torch.nonzero(bad).flatten().tolist():
        why = f"loss {losses[e].item():.4g}, gradient norm {norms[e].item():.4g}"
        t.mark_diverged(state, e, why)
    active = torch.tensor(state.active, device=device)
    for p in t.params:
        if p.grad is not None:
            p.grad[~active] = 0
    mult = lr_schedule(
        config.schedule, state.updates, config.max_updates or 1, config.warmup_fraction
    )
    for g in t.optimizer.param_groups:
        g["lr"] = g["lr_scale"] * mult
    before = snapshot(t.params)
    t.optimizer.step()
    scale_update(t.params, before, torch.where(active, t.base_lr, torch.zeros_like(t.base_lr)))
    state.updates += 1
    return losses, norms


def _train_epoch(t: _Trainer, state: FitState, batches: Iterable[Any], loss_fn: Callable) -> None:
    """One epoch of updates, then its training curves."""
    members, device = state.members, t.device
    epoch_loss = torch.zeros(members, device=device)
    epoch_norms: list[Tensor] = []
    n_batches = 0
    for batch in batches:
        if t.out_of_updates(state):
            break
        losses, norms = _update(t, state, batch, loss_fn)
        n_batches += 1
        epoch_loss += torch.nan_to_num(losses.detach(), nan=0.0, posinf=0.0)
        epoch_norms.append(norms.detach())
        every = t.config.grad_norm_every
        if every and state.updates % every == 0:
            state.grad_norms.append(norms.tolist())
    state.epoch += 1
    norms_t = torch.stack(epoch_norms) if epoch_norms else torch.zeros(1, members)
    curves = state.curves
    curves["epoch"].append(state.epoch)
    curves["updates"].append(state.updates)
    curves["train_loss"].append((epoch_loss / max(1, n_batches)).tolist())
    curves["grad_norm_mean"].append(norms_t.mean(0).tolist())
    curves["grad_norm_max"].append(norms_t.max(0).values.tolist())


def _judge(
    t: _Trainer,
    state: FitState,
    evaluate: Callable[[nn.Module], dict[str, Tensor]] | None,
    stop_below: float | None,
) -> None:
    """Validate after an epoch: keep each member's best weights, stop early, stop when solved."""
    config = t.config
    if evaluate is not None:
        t.model.eval()
        metrics = evaluate(t.model)
        t.model.train()
        for name, value in metrics.items():
            state.curves.setdefault(f"valid_{name}", []).append(value.tolist())
        monitored = metrics[config.monitor].tolist()
    else:
        monitored = [-state.epoch] * state.members  # without validation the last epoch is best
    for e in range(state.members):
        if not state.active[e]:
            continue
        if not math.isfinite(monitored[e]):
            t.mark_diverged(state, e, f"validation {config.monitor} is {monitored[e]}")
            continue
        if monitored[e] < state.best_metric[e]:
            state.best_metric[e], state.best_epoch[e] = monitored[e], state.epoch
            state.since_best[e] = 0
            with torch.no_grad():
                for b, p in zip(state.best_params, t.params):
                    b[e].copy_(p[e])
        else:
            state.since_best[e] += 1
            if config.patience is not None and state.since_best[e] >= config.patience:
                state.active[e] = False  # early stop: keep the best weights
        if stop_below is not None and monitored[e] < stop_below:
            state.active[e] = False  # target reached: keep these weights
            state.messages[e] = (
                f"reached {config.monitor} {monitored[e]:.4g} < {stop_below:g} "
                f"at epoch {state.epoch}, update {state.updates}"
            )


def _save(t: _Trainer, state: FitState, path: Path, tag: str) -> None:
    blob = {
        "config_hash": tag,
        "model": t.model.state_dict(),
        "optimizer": t.optimizer.state_dict(),
        "noise": t.noise.state_dict(),
        "trainer": state.to_dict(),
    }
    atomic_write(path, lambda f: torch.save(blob, f))


def _resume(t: _Trainer, state: FitState, path: Path | None, tag: str) -> FitState:
    if path is None or not path.exists():
        return state
    saved = torch.load(path, map_location=t.device, weights_only=False)
    if saved.get("config_hash") != tag:
        warnings.warn(f"ignoring checkpoint {path}: it belongs to another config", stacklevel=3)
        return state
    t.model.load_state_dict(saved["model"])
    t.optimizer.load_state_dict(saved["optimizer"])
    t.noise.load_state_dict(saved["noise"])
    return FitState.from_dict(saved["trainer"])


def _trainer(model: nn.Module, config: TrainConfig, seeds: Sequence[int]) -> _Trainer:
    params = [p for p in model.parameters() if p.requires_grad]
    members = params[0].shape[0]
    if len(seeds) != members:
        raise ValueError(f"{len(seeds)} seeds for {members} members")
    if config.schedule != "constant" and config.max_updates is None:
        raise ValueError("a learning-rate schedule needs max_updates")
    device = params[0].device
    optimizer = make_optimizer(
        config.optimizer,
        parameter_groups(model, config.weight_decay),
        momentum=config.momentum,
        alpha=config.alpha,
        eps=config.eps,
        betas=config.betas,
    )
    return _Trainer(
        model=model,
        params=params,
        optimizer=optimizer,
        noise=WeightNoise(model, config.weight_noise, seeds),
        config=config,
        seeds=seeds,
        base_lr=torch.tensor(config.member_lrs(members), device=device),
        clip=config.member_clip_norms(members, device),
    )


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
    t = _trainer(model, config, seeds)
    state = FitState(members=len(seeds), best_params=snapshot(t.params))
    path = Path(checkpoint) if checkpoint is not None else None
    tag = config_hash(config)
    state = _resume(t, state, path, tag)
    bar = tqdm(
        total=config.max_epochs,
        initial=state.epoch,
        desc=desc,
        disable=not progress_enabled(progress),
        leave=False,
        mininterval=1.0,
        dynamic_ncols=True,
    )
    started = time.perf_counter() - state.wall
    call_started = time.perf_counter()
    finished = True
    model.train()
    while state.epoch < config.max_epochs and any(state.active) and not t.out_of_updates(state):
        _train_epoch(t, state, train_batches(state.epoch), loss_fn)
        _judge(t, state, evaluate, stop_below)
        state.wall = time.perf_counter() - started
        state.curves["wall_time_s"].append(state.wall)
        if path is not None:
            _save(t, state, path, tag)
        bar.update(1)
        if evaluate is not None:
            best = min(state.best_metric)
            bar.set_postfix({f"best {config.monitor}": f"{best:.3f}"}, refresh=False)
        if time_budget_s is not None and time.perf_counter() - call_started > time_budget_s:
            finished = (
                state.epoch >= config.max_epochs or not any(state.active) or t.out_of_updates(state)
            )
            break
    bar.close()
    with torch.no_grad():
        for e in range(state.members):
            if state.best_epoch[e] >= 0:
                for b, p in zip(state.best_params, t.params):
                    p[e].copy_(b[e])
    model.eval()
    return state.result(finished)
