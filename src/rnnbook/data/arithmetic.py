"""The arithmetic task of Jozefowicz, Zaremba & Sutskever (2015), Sec. 3.3.

The network reads the sum or the difference of two numbers of up to 8 digits, with random letters
("distractors") between the characters, then an ``=``; it must then predict the answer one character
at a time, seeing the correct previous characters (next-step prediction with teacher forcing). The
paper's example is ``3e36d9-h1h39f94eeh43keg3c=-13991064`` (3369 - 13994433 = -13991064).

Rules (where the paper gives none, ours are stated):

- each operand has ``d`` digits, ``d`` uniform in 1..``max_digits`` (8), the leading digit non-zero
  (unless the number is 0); the operation is ``+`` or ``-`` with probability 1/2 each; operands are
  non-negative, the answer may be negative (``-`` sign);
- after every character of ``a op b`` (before the ``=``), ``k`` letters uniform in a-z are inserted,
  ``k`` geometric with ``P(k) = (1 - q) q^k`` and ``q = 1/2`` (mean 1), as in the paper's example;
- an example is ``question=answer.``: the ``.`` ends the answer; examples are concatenated into one
  stream, which :mod:`rnnbook.data.token_streams` cuts into minibatches.

Only the answer characters (sign and digits, not the ``.``) are scored: the rest of the stream is
random or determined by the question.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

DIGITS = string.digits
LETTERS = string.ascii_lowercase
#: The 40 symbols of the task, in token order.
VOCAB: tuple[str, ...] = tuple(DIGITS + "+-=." + LETTERS)
TOKEN = {c: k for k, c in enumerate(VOCAB)}


@dataclass(frozen=True)
class ArithmeticSpec:
    """The generator's settings; the defaults are the paper's task."""

    max_digits: int = 8
    distractor_continue: float = 0.5
    subtract_probability: float = 0.5

    def __post_init__(self) -> None:
        if self.max_digits < 1:
            raise ValueError(f"max_digits must be at least 1, got {self.max_digits}")
        if not 0 <= self.distractor_continue < 1:
            raise ValueError(
                f"distractor_continue must lie in [0, 1), got {self.distractor_continue}"
            )


def _number(rng: np.random.Generator, max_digits: int) -> int:
    digits = int(rng.integers(1, max_digits + 1))
    if digits == 1:
        return int(rng.integers(0, 10))
    return int(rng.integers(10 ** (digits - 1), 10**digits))


def arithmetic_example(rng: np.random.Generator, spec: ArithmeticSpec = ArithmeticSpec()) -> str:
    """One example, ``question=answer.``, e.g. ``3e36d9-h1h39f94eeh43keg3c=-13991064.``."""
    a, b = _number(rng, spec.max_digits), _number(rng, spec.max_digits)
    subtract = rng.random() < spec.subtract_probability
    question = f"{a}{'-' if subtract else '+'}{b}"
    parts = []
    for ch in question:
        parts.append(ch)
        k = int(rng.geometric(1 - spec.distractor_continue)) - 1
        parts.extend(LETTERS[i] for i in rng.integers(0, 26, size=k))
    answer = a - b if subtract else a + b
    return "".join(parts) + f"={answer}."


def parse_example(text: str) -> tuple[int, str, int, int]:
    """``(a, op, b, answer)`` of an example, the distractors dropped (used by the tests)."""
    question, answer = text.rstrip(".").split("=")
    clean = "".join(c for c in question if c not in LETTERS)
    op = "-" if "-" in clean else "+"
    a, b = clean.split(op)
    return int(a), op, int(b), int(answer)


def arithmetic_stream(
    n_chars: int, seed: int, spec: ArithmeticSpec = ArithmeticSpec()
) -> tuple[np.ndarray, np.ndarray]:
    """A stream of ``n_chars`` tokens of concatenated examples and the mask of answer characters.

    Returns ``(tokens, scored)``: int64 token ids and a boolean array, true where the token is a
    character of an answer (sign or digit). A pure function of ``seed``.
    """
    rng = np.random.default_rng(seed)
    tokens: list[int] = []
    scored: list[bool] = []
    while len(tokens) < n_chars:
        text = arithmetic_example(rng, spec)
        eq = text.index("=")
        tokens += [TOKEN[c] for c in text]
        scored += [eq < k < len(text) - 1 for k in range(len(text))]
    return np.asarray(tokens[:n_chars], dtype=np.int64), np.asarray(scored[:n_chars], dtype=bool)


def decode(tokens: np.ndarray) -> str:
    return "".join(VOCAB[int(t)] for t in tokens)
