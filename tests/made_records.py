"""Records made by hand for the report tests: only what a table or a claim reads."""

from __future__ import annotations

from typing import Any

from rnnbook.results import RunRecord


def made_record(
    chapter: str,
    experiment: str,
    run_id: str,
    config: dict[str, Any],
    metrics: dict[str, Any],
    *,
    seed: int = 0,
    profile: str = "long",
    **fields: Any,
) -> RunRecord:
    """A finished run of ``experiment`` with ``config`` and ``metrics`` (config hash "x")."""
    return RunRecord(
        chapter=chapter,
        experiment=experiment,
        profile=profile,
        run_id=run_id,
        config=config,
        config_hash="x",
        seed=seed,
        metrics=metrics,
        **fields,
    )
