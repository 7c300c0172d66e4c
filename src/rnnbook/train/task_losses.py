"""Losses and error rates of the synthetic tasks, and the next-symbol NLL of text.

Pascanu, Mikolov & Bengio (2013), Sec. 4.1: class targets are scored with a softmax and the
cross-entropy, value targets (addition, multiplication) with the squared error; a sequence is a
mistake when its argmax class is wrong (at the last step, or at *any* step for the memorisation
task), or when its squared error exceeds 0.04. Sec. 4.2 reports text in bits per character.

Outputs carry the member axis first; targets are per member ((E, B) or (E, T, B)) or shared by
every member ((B,) or (T, B)).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from rnnbook.data.synthetic import VALUE_TOLERANCE, TaskSpec


def _per_member(targets: Tensor, outputs: Tensor, dims: int) -> Tensor:
    """Targets with the member axis, (E, ...): shared targets are expanded."""
    if targets.dim() == dims:
        return targets.expand(outputs.shape[0], *targets.shape)
    return targets


def task_loss(spec: TaskSpec, outputs: Tensor, targets: Tensor) -> Tensor:
    """Each member's mean training loss, (E,).

    - class, last step: cross-entropy of (E, B, K) logits, mean over examples;
    - class, every step: cross-entropy of (E, T, B, K) logits, mean over steps and examples;
    - value: squared error of (E, B, 1) outputs, mean over examples.
    """
    if spec.target == "value":
        y = _per_member(targets, outputs, 1)
        return (outputs[..., 0] - y).pow(2).mean(-1)
    dims = 1 if spec.readout == "last" else 2
    y = _per_member(targets, outputs, dims)
    ce = F.cross_entropy(outputs.flatten(0, -2), y.flatten(), reduction="none")
    return ce.view(y.shape).flatten(1).mean(1)


def task_mistakes(spec: TaskSpec, outputs: Tensor, targets: Tensor) -> Tensor:
    """Which sequences are wrong, (E, B) booleans (the paper's success criterion counts them)."""
    if spec.target == "value":
        y = _per_member(targets, outputs, 1)
        return (outputs[..., 0] - y).pow(2) > VALUE_TOLERANCE
    if spec.readout == "last":
        y = _per_member(targets, outputs, 1)
        return outputs.argmax(-1) != y
    y = _per_member(targets, outputs, 2)
    return (outputs.argmax(-1) != y).any(1)


def next_symbol_nll(logits: Tensor, targets: Tensor, mask: Tensor | None = None) -> Tensor:
    """Summed negative log-likelihood (nats) of the next symbol and the number of symbols scored.

    ``logits`` (E, T, B, K), ``targets`` (T, B) int64, ``mask`` (T, B) true where scored. Returns
    the per-member sum, (E,); divide by ``mask.sum()`` for the mean.
    """
    e = logits.shape[0]
    y = targets.expand(e, *targets.shape)
    nll = F.cross_entropy(logits.flatten(0, -2), y.flatten(), reduction="none").view(y.shape)
    if mask is not None:
        nll = torch.where(mask.bool(), nll, nll.new_zeros(()))
    return nll.sum((1, 2))
