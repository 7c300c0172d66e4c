"""What a rerun of a long job should see on its way: a recorded metric after 10% and 50% of the
job's budget, and the time per step on the recording device (as state-spaces/s4's experiment
tables give), so that a reader who reruns it knows within minutes whether it is on track."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import Any

from rnnbook.results.records import RunRecord

FRACTIONS = (0.1, 0.5)


def value_at(
    record: RunRecord, fraction: float, budget: float, metric: str, step: str
) -> float | None:
    """``metric`` at the first evaluation at or past ``fraction`` of ``budget`` steps (``step``
    names the curve that counts them), or ``None`` when the run ended before."""
    for at, value in zip(record.curves.get(step, []), record.curves.get(metric, [])):
        if at >= fraction * budget:
            return value
    return None


def trajectory_markdown(
    groups: dict[str, Sequence[RunRecord]],
    *,
    budget: Callable[[RunRecord], float],
    metric: str,
    step: str = "updates",
    label: str = "validation error",
    digits: int = 3,
) -> str:
    """One row per group (a job, or one method of it): the mean of ``metric`` over its seeds
    after 10% and 50% of the budget, and the milliseconds per ``step`` of the job that trained
    it (all members stacked, evaluation included)."""
    head = [
        "run",
        *(f"{label} at {int(100 * f)}%" for f in FRACTIONS),
        f"ms per {step.rstrip('s')}",
        "device",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, runs in groups.items():
        cells = []
        for fraction in FRACTIONS:
            values = [
                v
                for v in (value_at(r, fraction, budget(r), metric, step) for r in runs)
                if v is not None
            ]
            cells.append(
                f"{statistics.fmean(values):.{digits}f} (n = {len(values)})" if values else "–"
            )
        r = runs[0]
        done = (r.curves.get(step) or [0])[-1] or 1
        lines.append(
            f"| {name} | {' | '.join(cells)} | {1000 * r.wall_time_s / done:.0f} | {r.device} |"
        )
    return "\n".join(lines)


def long_trajectory(
    records: Sequence[RunRecord],
    name: Callable[[RunRecord], str],
    title: str,
    **table: Any,
) -> str:
    """The trajectory table of the finished, up-to-date `long` and `full` runs among
    ``records``, one row per ``name(record)`` (which names the profile), in a collapsed block
    titled ``title`` ("" when there are none); ``table`` goes to :func:`trajectory_markdown`."""
    from rnnbook.results.tables import dropdown

    groups: dict[str, list[RunRecord]] = {}
    for r in records:
        if r.profile in ("long", "full") and r.status == "ok" and not r.stale:
            groups.setdefault(name(r), []).append(r)
    if not groups:
        return ""
    return dropdown(title, trajectory_markdown(groups, **table))
