"""Where a learning-rate search landed: a rate chosen at the edge of the candidates may be beaten
by one beyond them, so the pages say which jobs chose an edge (the check behind "widen the search
until the best candidate is inside the range")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["range_edges"]


def range_edges(chosen: Mapping[str, float], candidates: Sequence[float]) -> str:
    """One sentence on ``chosen`` (a label such as "tanh on Nottingham" -> the rate its search
    picked from ``candidates``): which labels took the largest or the smallest candidate, or that
    every one lies inside the range; empty when there was nothing to search (one candidate)."""
    if len(set(candidates)) < 2 or not chosen:
        return ""
    unknown = {k: v for k, v in chosen.items() if v not in candidates}
    if unknown:
        raise ValueError(
            f"chosen rates {unknown} are not among the candidates {list(candidates)}: "
            "pass the candidates the search was given"
        )
    low, high = min(candidates), max(candidates)
    at = {rate: [k for k, v in chosen.items() if v == rate] for rate in (high, low)}
    edges = [
        f"the {side} candidate ({rate:.3g}) for {', '.join(at[rate])}"
        for side, rate in (("largest", high), ("smallest", low))
        if at[rate]
    ]
    if not edges:
        return f"Every chosen rate lies inside the range searched ({low:.3g} to {high:.3g})."
    return (
        f"At an edge of the range searched ({low:.3g} to {high:.3g}): {'; '.join(edges)}. "
        "The best rate there may lie beyond it."
    )
