"""Where a learning-rate search landed: a rate chosen at the edge of the candidates may be beaten
by one beyond them, so the pages say which jobs chose an edge (the check behind "widen the search
until the best candidate is inside the range")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["at_edges", "range_edges"]


def at_edges(chosen: Mapping[str, float], candidates: Sequence[float]) -> dict[str, list[str]]:
    """The labels of ``chosen`` (label -> the rate its search picked from ``candidates``) that
    took the ``"largest"`` and the ``"smallest"`` candidate; both empty when there was nothing to
    search (fewer than two distinct candidates). Raises ``ValueError`` naming a chosen rate that
    is not a candidate."""
    unknown = {k: v for k, v in chosen.items() if v not in candidates}
    if unknown:
        raise ValueError(
            f"chosen rates {unknown} are not among the candidates {list(candidates)}: "
            "pass the candidates the search was given"
        )
    if len(set(candidates)) < 2:
        return {"largest": [], "smallest": []}
    edge = {"largest": max(candidates), "smallest": min(candidates)}
    return {side: [k for k, v in chosen.items() if v == rate] for side, rate in edge.items()}


def range_edges(chosen: Mapping[str, float], candidates: Sequence[float]) -> str:
    """One sentence on ``chosen`` (a label such as "tanh on Nottingham" -> the rate its search
    picked from ``candidates``): which labels took the largest or the smallest candidate
    (:func:`at_edges`), or that every one lies inside the range; empty when there was nothing to
    search (one candidate)."""
    if len(set(candidates)) < 2 or not chosen:
        return ""
    low, high = min(candidates), max(candidates)
    labels = at_edges(chosen, candidates)
    edges = [
        f"the {side} candidate ({rate:.3g}) for {', '.join(labels[side])}"
        for side, rate in (("largest", high), ("smallest", low))
        if labels[side]
    ]
    if not edges:
        return f"Every chosen rate lies inside the range searched ({low:.3g} to {high:.3g})."
    return (
        f"At an edge of the range searched ({low:.3g} to {high:.3g}): {'; '.join(edges)}. "
        "The best rate there may lie beyond it."
    )
