"""Losses and accuracies of classifiers with stacked members, shared by the chapters.

Logits carry the member axis first. :func:`cross_entropy_loss`, :func:`accuracy` and
:func:`evaluate_classifier` score one label per sequence (introduced by the orvieto2023 chapter);
:func:`masked_cross_entropy` and :func:`sequence_accuracy` score one-hot targets at the masked
steps of a sequence (introduced by the lipton2015 chapter).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnbook.data.batches import ClassBatch, SequenceBatch


def cross_entropy_loss(model: torch.nn.Module, batch: ClassBatch) -> Tensor:
    """Mean cross-entropy (nats) of each member's logits (E, B, C): shape (E,)."""
    logits = model(batch.inputs, batch.mask)
    e, b, c = logits.shape
    nll = F.cross_entropy(logits.reshape(e * b, c), batch.labels.repeat(e), reduction="none")
    return nll.view(e, b).mean(1)


def accuracy(logits: Tensor, labels: Tensor) -> Tensor:
    """Fraction of correct arg-max predictions per member: (E, B, C), (B,) -> (E,)."""
    return (logits.argmax(-1) == labels).to(logits.dtype).mean(-1)


@torch.no_grad()
def evaluate_classifier(model: torch.nn.Module, batches: Sequence[ClassBatch]) -> dict[str, Tensor]:
    """Accuracy, error (1 - accuracy) and mean cross-entropy of a whole split, per member."""
    correct = nll = None
    count = 0
    for batch in batches:
        logits = model(batch.inputs, batch.mask)
        e, b, c = logits.shape
        hits = (logits.argmax(-1) == batch.labels).sum(1).double()
        loss = F.cross_entropy(
            logits.reshape(e * b, c).double(), batch.labels.repeat(e), reduction="none"
        )
        loss = loss.view(e, b).sum(1)
        correct = hits if correct is None else correct + hits
        nll = loss if nll is None else nll + loss
        count += b
    if correct is None:
        raise ValueError("no batches to evaluate")
    acc = correct / count
    return {"accuracy": acc, "error": 1.0 - acc, "nll": nll / count}


def masked_cross_entropy(logits: Tensor, batch: SequenceBatch) -> Tensor:
    """Cross-entropy of one-hot targets at the scored steps (``batch.mask``), mean per member
    (E,)."""
    nll = -(F.log_softmax(logits, -1) * batch.targets).sum(-1)  # (E, T, B)
    mask = batch.mask
    return torch.where(mask, nll, nll.new_zeros(())).sum((1, 2)) / mask.sum().clamp_min(1)


@torch.no_grad()
def sequence_accuracy(
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
