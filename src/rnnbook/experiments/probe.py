"""Probes: one job trained with some of its settings changed, kept out of the records.

A probe answers "would a bigger budget decide this?" before a profile is changed: train
``temporal_order-lstm`` of the grid for 10,000 updates at one rate, read its learning curve, and
only then decide whether every cell of the task gets that budget. Its records and checkpoints go
to a folder of their own, so ``results/`` and the book never see them::

    python -m rnnbook probe comparison.grid temporal_order-lstm --profile long \\
        --set updates=10000 lrs=0.002 seeds=0,1
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from rnnbook.experiments.jobs import CHECKPOINTS_ENV, Job, select_jobs
from rnnbook.experiments.runner import Experiment, train_one
from rnnbook.results import RunRecord, save_record

_TRUE, _FALSE = ("1", "true", "yes"), ("0", "false", "no")


def parse_settings(pairs: Sequence[str]) -> dict[str, str]:
    """``["updates=10000", "size.length=200"]`` as a mapping; an error naming a malformed pair."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"setting {pair!r} is not NAME=VALUE (e.g. updates=10000)")
        out[name.strip()] = value.strip()
    return out


def _parse_like(old: Any, text: str, name: str) -> Any:
    """``text`` read as a value of ``old``'s type (a tuple: comma-separated items)."""
    try:
        if isinstance(old, bool):
            if text.lower() not in _TRUE + _FALSE:
                raise ValueError
            return text.lower() in _TRUE
        if isinstance(old, (tuple, list)):
            item = old[0] if old else 0.0
            return tuple(_parse_like(item, t.strip(), name) for t in text.split(",") if t.strip())
        if isinstance(old, int):
            return int(text)
        if isinstance(old, float):
            return float(text)
        if old is None or isinstance(old, str):
            return text
    except ValueError:
        raise ValueError(
            f"setting {name}={text!r}: expected a value like {old!r}"
            + (" (comma-separated)" if isinstance(old, (tuple, list)) else "")
        ) from None
    raise ValueError(f"setting {name}: a {type(old).__name__} cannot be set from the command line")


def override(config: Any, settings: Mapping[str, str]) -> Any:
    """``config`` (a frozen dataclass) with ``settings`` replaced, each value parsed as the
    field's current type; dotted names reach nested dataclasses (``size.length=200``)."""
    nested: dict[str, dict[str, str]] = {}
    flat: dict[str, str] = {}
    for name, value in settings.items():
        head, _, rest = name.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            flat[head] = value
    fields = {f.name for f in dataclasses.fields(config)}
    unknown = sorted((set(flat) | set(nested)) - fields)
    if unknown:
        raise ValueError(
            f"no setting named {', '.join(unknown)} in {type(config).__name__}: "
            f"choose from {', '.join(sorted(fields))}"
        )
    changes = {n: _parse_like(getattr(config, n), v, n) for n, v in flat.items()}
    for head, inner in nested.items():
        if not dataclasses.is_dataclass(getattr(config, head)):
            raise ValueError(f"setting {head}.*: {head} has no fields of its own")
        changes[head] = override(getattr(config, head), inner)
    return dataclasses.replace(config, **changes)


def probe_job(job: Job, settings: Mapping[str, str]) -> Job:
    """``job`` with ``settings`` applied; a changed ``seeds`` names one run ``<key>-s<seed>``
    per seed."""
    config = override(job.config, settings)
    runs = job.runs
    if "seeds" in settings:
        runs = {f"{job.key}-s{s}": s for s in config.seeds}
    return dataclasses.replace(job, config=config, runs=runs)


@contextlib.contextmanager
def _checkpoints_in(folder: Path) -> Iterator[None]:
    old = os.environ.get(CHECKPOINTS_ENV)
    os.environ[CHECKPOINTS_ENV] = str(folder)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(CHECKPOINTS_ENV, None)
        else:
            os.environ[CHECKPOINTS_ENV] = old


def probe(
    experiment: Experiment,
    profile: str,
    key: str,
    settings: Mapping[str, str],
    out: Path,
    *,
    progress: bool | None = None,
) -> list[RunRecord]:
    """Train job ``key`` of ``experiment`` at ``profile`` with ``settings`` changed; its
    checkpoints and records go under ``out`` (the records the book reads are never touched).
    A probe killed part way resumes from its checkpoint when run again with the same settings."""
    (job,) = select_jobs(experiment.jobs_of(profile), [key])
    job = probe_job(job, settings)
    out = Path(out)
    with _checkpoints_in(out / "_checkpoints"):
        records = train_one(experiment.train, job, experiment.context(progress=progress))
    if records is None:
        raise RuntimeError(f"probe of {job.id} paused: run it again to resume")
    for r in records:
        save_record(r, out)
    return records


def describe(records: Sequence[RunRecord]) -> str:
    """Each run's final metrics and its learning curves, one line each."""
    lines = []
    for r in records:
        metrics = ", ".join(f"{k} {_short(v)}" for k, v in r.metrics.items())
        lines.append(f"{r.run_id} ({r.status}, {r.wall_time_s / 60:.1f} min): {metrics}")
        for name, values in r.curves.items():
            lines.append(f"  {name}: {' '.join(_short(v) for v in values)}")
    return "\n".join(lines)


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
