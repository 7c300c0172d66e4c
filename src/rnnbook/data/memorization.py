"""The memorisation task that filters candidate cells in the search of Jozefowicz et al. (2015).

Sec. 3.2 of the paper first trains each new candidate briefly on a memorisation problem and drops
the candidates that fail it before spending time on the real tasks. Our instance (the paper does
not give one): an example is ``k`` random symbols out of ``n``, the marker ``#``, then the same
``k`` symbols again; examples are concatenated into one stream, and only the repeated symbols are
scored (they are determined by the first half; everything else is random or fixed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MemorizationSpec:
    """``length`` symbols from an alphabet of ``symbols``; token ``symbols`` is the marker."""

    length: int = 5
    symbols: int = 8

    @property
    def vocab_size(self) -> int:
        return self.symbols + 1


def memorization_stream(
    n_tokens: int, seed: int, spec: MemorizationSpec = MemorizationSpec()
) -> tuple[np.ndarray, np.ndarray]:
    """``(tokens, scored)`` of ``n_tokens`` concatenated examples; a pure function of ``seed``."""
    rng = np.random.default_rng(seed)
    per = 2 * spec.length + 1
    n_examples = -(-n_tokens // per)
    pattern = rng.integers(0, spec.symbols, size=(n_examples, spec.length))
    marker = np.full((n_examples, 1), spec.symbols)
    tokens = np.concatenate([pattern, marker, pattern], axis=1).reshape(-1)
    scored = np.zeros((n_examples, per), dtype=bool)
    scored[:, spec.length + 1 :] = True
    return tokens[:n_tokens].astype(np.int64), scored.reshape(-1)[:n_tokens]
