"""Choosing a learning rate on validation data: every candidate trained with the same seed,
stacked as members of one model, and the rate of the lowest validation score kept (the search of
Chung et al. 2014, Sec. 4.2, which the PTB and cross-paper chapters reuse)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rnnbook.train.config import FitResult

__all__ = ["choose_lr"]


def choose_lr(
    lrs: Sequence[float], result: FitResult, score: str, *, name: str, details: bool = False
) -> dict:
    """The search's outcome from ``result`` (member ``k`` trained at ``lrs[k]``): ``lr`` the
    candidate with the lowest validation ``score`` (its best value during training), ``search``
    one row per candidate (``score`` is ``None`` where the candidate diverged; ``details`` adds
    its best epoch and status) and ``wall_time_s`` the search's time.

    Raises ``RuntimeError`` naming the job ``name`` when every candidate diverged."""
    search = []
    for k, lr in enumerate(lrs):
        row = {"lr": lr, score: result.best_metric[k] if result.status[k] == "ok" else None}
        if details:
            row.update(best_epoch=result.best_epoch[k], status=result.status[k])
        search.append(row)
    ok = [s for s in search if s[score] is not None and math.isfinite(s[score])]
    if not ok:
        raise RuntimeError(
            f"{name}: every learning-rate candidate diverged: {search}; "
            "try smaller candidates or a tighter clipping threshold"
        )
    best = min(ok, key=lambda s: s[score])["lr"]
    return {"lr": best, "search": search, "wall_time_s": result.wall_time_s}
