"""Metrics, each tested on a hand-computed case in ``tests/test_metrics.py``."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def frame_nll(logits: Tensor, targets: Tensor) -> Tensor:
    """Negative log-likelihood of each frame under independent Bernoulli outputs, in nats.

    ``-sum_k [y_k log s(a_k) + (1 - y_k) log(1 - s(a_k))]`` summed over the last axis (the 88 notes
    of a piano roll): (E, T, B, K) logits and (T, B, K) targets give (E, T, B).
    """
    targets = targets.expand_as(logits)
    return F.binary_cross_entropy_with_logits(logits, targets, reduction="none").sum(-1)


def masked_mean(values: Tensor, mask: Tensor) -> Tensor:
    """Mean over the (T, B) positions where ``mask`` is true, per member: (E, T, B) -> (E,)."""
    mask = mask.bool()
    kept = torch.where(mask, values, values.new_zeros(()))
    return kept.sum((1, 2)) / mask.sum().clamp_min(1).to(values.dtype)


def bits_per_symbol(nll_nats: float | Tensor) -> float | Tensor:
    """Convert nats to bits (bits per character in Pascanu et al. 2013, Table 1)."""
    return nll_nats / math.log(2.0)


def bernoulli_loss(model: torch.nn.Module, batch) -> Tensor:
    """Training loss of a next-step piano-roll model: each member's mean NLL per frame, (E,)."""
    return masked_mean(frame_nll(model(batch.inputs), batch.targets), batch.mask)


@torch.no_grad()
def evaluate_bernoulli_nll(model: torch.nn.Module, batches) -> dict[str, Tensor]:
    """NLL per frame of a whole split, per member, two ways (Boulanger-Lewandowski et al. 2012).

    - ``nll``: every frame of every sequence weighs the same (the standard the tables use);
    - ``nll_seq_avg``: the mean over sequences of each sequence's mean NLL per frame.
    """
    total = frames = None
    seq_means = []
    for batch in batches:
        nll = frame_nll(model(batch.inputs), batch.targets)
        nll = torch.where(batch.mask.bool(), nll, nll.new_zeros(()))
        per_seq = nll.sum(1)  # (E, B)
        lengths = batch.mask.sum(0).to(per_seq.dtype)  # (B,)
        total = per_seq.sum(1) if total is None else total + per_seq.sum(1)
        frames = lengths.sum() if frames is None else frames + lengths.sum()
        seq_means.append(per_seq / lengths)
    if total is None:
        raise ValueError("no batches to evaluate")
    return {"nll": total / frames, "nll_seq_avg": torch.cat(seq_means, 1).mean(1)}
