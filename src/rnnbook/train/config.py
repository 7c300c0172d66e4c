"""What :func:`~rnnbook.train.loop.fit` is told and what it returns.

Settings are checked when a :class:`TrainConfig` is made, before anything trains: a learning rate
that is not a positive finite number, a negative noise level or an empty budget is refused with an
error that names the value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

from rnnbook.train.optim import OPTIMIZERS


def _positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} {value!r} is not a finite number: give a positive one")
    if value <= 0:
        raise ValueError(f"{name} {value!r} must be positive")


def _at_least(name: str, value: int | None, low: int, optional: bool = True) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} {value!r} must be a whole number of at least {low}")


@dataclass(frozen=True)
class TrainConfig:
    """Everything :func:`~rnnbook.train.loop.fit` needs besides the model and the data.

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
        lrs = self.lr if isinstance(self.lr, (tuple, list)) else (self.lr,)
        if not lrs:
            raise ValueError("no learning rate given: give one, or one per member")
        for lr in lrs:
            _positive("learning rate", lr)
        if isinstance(self.weight_noise, bool) or not self.weight_noise >= 0:
            raise ValueError(f"weight noise {self.weight_noise!r} must be 0 or a positive number")
        if not math.isfinite(self.weight_noise):
            raise ValueError(f"weight noise {self.weight_noise!r} is not finite")
        scalar_clip = not isinstance(self.clip_norm, (tuple, list)) and self.clip_norm is not None
        if scalar_clip and not (self.clip_norm == 0 or self.clip_norm > 0):  # 0: no clipping
            raise ValueError(f"clipping threshold {self.clip_norm!r} must be positive or 0")
        _at_least("max_epochs", self.max_epochs, 1, optional=False)
        _at_least("max_updates", self.max_updates, 1)
        _at_least("patience", self.patience, 1)
        _at_least("grad_norm_every", self.grad_norm_every, 0, optional=False)
        for name in ("momentum", "weight_decay", "warmup_fraction"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} {value!r} must be 0 or a positive finite number")
        _positive("diverge_above", self.diverge_above)

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
    """What :func:`~rnnbook.train.loop.fit` returns; the model holds each member's best weights."""

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
