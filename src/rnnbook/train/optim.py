"""Optimisers, gradient clipping and weight noise for stacked (multi-member) models.

Every parameter carries the member axis first, so each operation here acts on every member
separately: the norm that clipping rescales is a member's own gradient norm, and each member may
have its own learning rate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import torch
from torch import Tensor, nn

OPTIMIZERS = ("sgd", "rmsprop", "adam", "adamw")


def parameter_groups(model: nn.Module, weight_decay: float = 0.0) -> list[dict]:
    """The optimiser's parameter groups: the model's own ``optimizer_groups()`` if it has one.

    A group is ``{"params": [...], "lr_scale": float, "weight_decay": float}``; ``lr_scale``
    multiplies the learning rate (e.g. the LRU's recurrent parameters, Orvieto et al. 2023).
    """
    if hasattr(model, "optimizer_groups"):
        groups = model.optimizer_groups(weight_decay)
    else:
        groups = [
            {
                "params": [p for p in model.parameters() if p.requires_grad],
                "weight_decay": weight_decay,
            }
        ]
    for g in groups:
        g.setdefault("lr_scale", 1.0)
        g.setdefault("weight_decay", weight_decay)
    return groups


def make_optimizer(
    name: str,
    groups: list[dict],
    *,
    momentum: float = 0.0,
    alpha: float = 0.9,
    eps: float = 1e-8,
    betas: tuple[float, float] = (0.9, 0.999),
) -> torch.optim.Optimizer:
    """A :mod:`torch.optim` optimiser whose group learning rates are *relative* (``lr_scale``).

    The members' own learning rates are applied by :func:`scale_update`: every update rule here is
    linear in the learning rate, with state that does not depend on it, so stepping with the
    relative rate and scaling the change by the member's rate is exact.
    """
    torch_groups = [
        {
            "params": g["params"],
            "lr": g["lr_scale"],
            "weight_decay": g["weight_decay"],
            "lr_scale": g["lr_scale"],
        }
        for g in groups
    ]
    if name == "sgd":
        return torch.optim.SGD(torch_groups, lr=1.0, momentum=momentum)
    if name == "rmsprop":
        return torch.optim.RMSprop(torch_groups, lr=1.0, alpha=alpha, eps=eps, momentum=momentum)
    if name == "adam":
        return torch.optim.Adam(torch_groups, lr=1.0, betas=betas, eps=eps)
    if name == "adamw":
        return torch.optim.AdamW(torch_groups, lr=1.0, betas=betas, eps=eps)
    raise ValueError(f"unknown optimizer {name!r}: choose one of {', '.join(OPTIMIZERS)}")


def _per_member(v: Tensor, like: Tensor) -> Tensor:
    return v.view(-1, *([1] * (like.dim() - 1)))


def member_grad_norms(params: Sequence[Tensor]) -> Tensor:
    """The gradient norm of each member, (E,): ``sqrt(sum over its slice of every parameter)``."""
    total = None
    for p in params:
        if p.grad is None:
            continue
        sq = p.grad.detach().pow(2).flatten(1).sum(1)
        total = sq if total is None else total + sq
    if total is None:
        raise ValueError("no parameter has a gradient")
    return total.sqrt()


def clip_member_grads(params: Sequence[Tensor], threshold: float | Tensor) -> Tensor:
    """Pascanu et al. 2013, Algorithm 1, per member: if ||g|| > threshold, g <- threshold g / ||g||.

    ``threshold`` is one number for every member or a tensor (E,) of per-member thresholds, where
    ``inf`` leaves that member unclipped (the SGD baseline of Pascanu et al. beside SGD-C).
    Returns the norms *before* clipping, (E,). The direction of every member's gradient is kept.
    """
    norms = member_grad_norms(params)
    if isinstance(threshold, Tensor):
        threshold = threshold.to(norms.device, norms.dtype)
    scale = torch.where(norms > threshold, threshold / norms, torch.ones_like(norms))
    scale = torch.nan_to_num(scale, nan=1.0)
    for p in params:
        if p.grad is not None:
            p.grad.mul_(_per_member(scale, p.grad))
    return norms


def snapshot(params: Iterable[Tensor]) -> list[Tensor]:
    """Detached copies of the parameters."""
    return [p.detach().clone() for p in params]


@torch.no_grad()
def scale_update(params: Sequence[Tensor], before: Sequence[Tensor], member_lr: Tensor) -> None:
    """Turn the relative step the optimiser just took into each member's own step.

    ``p <- before + member_lr * (p - before)``; a member with learning rate 0 (stopped early or
    diverged) keeps its weights exactly, even if its step was not finite.
    """
    for p, b in zip(params, before):
        lr = _per_member(member_lr.to(p.dtype), p)
        p.copy_(torch.where(lr > 0, b + lr * (p - b), b))


class WeightNoise:
    """Gaussian weight noise (Graves 2011), one independent stream per member.

    Before the forward pass of each minibatch, N(0, sigma^2) noise is added to every weight (not to
    biases); after the backward pass the clean weights are restored, so the gradient computed at the
    noisy weights updates the clean ones. Evaluation never sees noise.
    """

    def __init__(self, model: nn.Module, sigma: float, seeds: Sequence[int]) -> None:
        self.sigma = sigma
        self.params = [
            p
            for n, p in model.named_parameters()
            if p.requires_grad and not n.rsplit(".", 1)[-1].startswith("bias")
        ]
        self.generators = [torch.Generator().manual_seed(int(s) + 104729) for s in seeds]
        self._clean: list[Tensor] | None = None

    @torch.no_grad()
    def add(self) -> None:
        if self.sigma <= 0:
            return
        self._clean = snapshot(self.params)
        for p in self.params:
            noise = torch.stack([torch.randn(p.shape[1:], generator=g) for g in self.generators])
            p.add_(noise.to(p.device, p.dtype), alpha=self.sigma)

    @torch.no_grad()
    def remove(self) -> None:
        if self._clean is not None:
            for p, c in zip(self.params, self._clean):
                p.copy_(c)
            self._clean = None

    def state_dict(self) -> list[Tensor]:
        return [g.get_state() for g in self.generators]

    def load_state_dict(self, states: list[Tensor]) -> None:
        for g, s in zip(self.generators, states):
            g.set_state(s)


def lr_schedule(kind: str, update: int, total: int, warmup_fraction: float = 0.0) -> float:
    """Multiplier of the learning rate at ``update`` of ``total``.

    - ``constant``: 1;
    - ``cosine``: a linear warm-up over the first ``warmup_fraction`` of training, then half a
      cosine down to 0 (Orvieto et al. 2023, Appendix D);
    - ``linear:<end>``: a straight line from 1 to ``end`` (``linear:0.01`` is the decay of the code
      release of Chung et al. 2014).
    """
    if kind == "constant":
        return 1.0
    if kind.startswith("linear:"):
        try:
            end = float(kind.split(":", 1)[1])
        except ValueError:
            raise ValueError(f"bad schedule {kind!r}: write linear:<final multiplier>") from None
        return 1.0 + (end - 1.0) * min(1.0, update / max(1, total))
    if kind != "cosine":
        raise ValueError(f"unknown schedule {kind!r}: use 'constant', 'cosine' or 'linear:<end>'")
    warmup = int(warmup_fraction * total)
    if update < warmup:
        return (update + 1) / warmup
    progress = (update - warmup) / max(1, total - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
