"""Stage 1 of a job that searches its learning rate, the same in every chapter that does: train
every candidate (stacked, the first seed), choose by validation
(:func:`~rnnbook.train.search.choose_lr`), and keep the choice beside the job's checkpoint so
that a resumed job does not search again."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rnnbook.experiments.jobs import Job, computed_once
from rnnbook.train.config import FitResult
from rnnbook.train.search import choose_lr

__all__ = ["search_lr_once"]


def search_lr_once(
    job: Job,
    suffix: str,
    fit_candidates: Callable[[], FitResult],
    lrs: Sequence[float],
    score: str,
    *,
    details: bool = False,
) -> dict | None:
    """The rate ``job`` trains with: ``fit_candidates()`` trains member ``k`` at ``lrs[k]``, and
    the lowest validation ``score`` wins; saved as the job's state file ``suffix`` and read back
    on resume. ``None`` while the search is paused (nothing is saved then)."""

    def search() -> dict | None:
        result = fit_candidates()
        if not result.finished:
            return None
        return choose_lr(lrs, result, score, name=job.key, details=details)

    return computed_once(job, suffix, search)
