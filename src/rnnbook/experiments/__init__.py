"""One module per paper, each ending with its experiments declared as
:class:`~rnnbook.experiments.runner.Experiment` values.

The registry below is what the command line (``python -m rnnbook list``) and the notebooks use.
"""

from __future__ import annotations

from rnnbook.experiments import (
    chung2014,
    comparison,
    jozefowicz2015,
    lipton2015,
    orvieto2023,
    pascanu2013,
)
from rnnbook.experiments.runner import Experiment

CHAPTERS = {
    "chung2014": chung2014,
    "jozefowicz2015": jozefowicz2015,
    "lipton2015": lipton2015,
    "orvieto2023": orvieto2023,
    "pascanu2013": pascanu2013,
    "comparison": comparison,
}


class UnknownExperimentError(ValueError):
    """A name that is neither a chapter nor ``chapter.experiment``."""


def all_experiments() -> list[Experiment]:
    return [e for module in CHAPTERS.values() for e in module.EXPERIMENTS]


def chapter_of(name: str) -> list[Experiment]:
    """Every experiment of the chapter that ``name`` (a chapter or ``chapter.experiment``) is in."""
    return [e for e in all_experiments() if e.chapter == name.split(".")[0]]


def get_experiments(name: str) -> list[Experiment]:
    """The experiments named ``name``: a chapter (all its experiments) or ``chapter.experiment``."""
    matches = [e for e in all_experiments() if name in (e.chapter, e.id)]
    if not matches:
        known = sorted({e.chapter for e in all_experiments()} | {e.id for e in all_experiments()})
        raise UnknownExperimentError(
            f"unknown experiment {name!r}: choose one of {', '.join(known)} "
            "(`python -m rnnbook list` describes them)"
        )
    return matches


__all__ = [
    "CHAPTERS",
    "Experiment",
    "UnknownExperimentError",
    "all_experiments",
    "chapter_of",
    "get_experiments",
]
