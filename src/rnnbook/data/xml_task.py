"""The XML modelling task of Jozefowicz, Zaremba & Sutskever (2015), Sec. 3.3.

The network predicts the next character of a synthetic XML stream whose tags are random names of
2-10 letters. A document is generated step by step: while a tag is open, the most recent one is
closed with probability 1/2; otherwise (and always when no tag is open) a new tag is opened. After
``steps`` (50) steps every tag still open is closed, most recent first, and the document ends.
Documents are concatenated into one stream (no separator: a document ends with no tag open).

Example: ``<pbg><xkwqu></xkwqu><sa></sa></pbg>``. Opening names are random; what a model can learn
is the structure: ``<`` after ``>``, a closing tag's name (it must remember the stack of open
tags) and its ``>``. Every character is scored. :func:`stack_predictor_accuracy` gives the accuracy
of a hand-written predictor that keeps the stack, a near-ceiling for any model.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

LETTERS = string.ascii_lowercase
#: The 29 symbols of the task, in token order.
VOCAB: tuple[str, ...] = tuple("<>/" + LETTERS)
TOKEN = {c: k for k, c in enumerate(VOCAB)}


@dataclass(frozen=True)
class XMLSpec:
    """The generator's settings; the defaults are the paper's task."""

    min_tag: int = 2
    max_tag: int = 10
    close_probability: float = 0.5
    steps: int = 50

    def __post_init__(self) -> None:
        if not 1 <= self.min_tag <= self.max_tag:
            raise ValueError(f"need 1 <= min_tag <= max_tag, got {self.min_tag}, {self.max_tag}")


def xml_document(rng: np.random.Generator, spec: XMLSpec = XMLSpec()) -> str:
    """One document: ``spec.steps`` random open/close steps, then every open tag closed."""
    stack: list[str] = []
    out: list[str] = []
    for _ in range(spec.steps):
        if stack and rng.random() < spec.close_probability:
            out.append(f"</{stack.pop()}>")
        else:
            length = int(rng.integers(spec.min_tag, spec.max_tag + 1))
            name = "".join(LETTERS[i] for i in rng.integers(0, 26, size=length))
            stack.append(name)
            out.append(f"<{name}>")
    out += [f"</{name}>" for name in reversed(stack)]
    return "".join(out)


def xml_stream(n_chars: int, seed: int, spec: XMLSpec = XMLSpec()) -> tuple[np.ndarray, np.ndarray]:
    """``n_chars`` tokens of concatenated documents and the scored mask (every character)."""
    rng = np.random.default_rng(seed)
    text = ""
    while len(text) < n_chars:
        text += xml_document(rng, spec)
    tokens = np.asarray([TOKEN[c] for c in text[:n_chars]], dtype=np.int64)
    return tokens, np.ones(n_chars, dtype=bool)


def is_well_formed(text: str) -> bool:
    """Every closing tag closes the most recent open tag, and none stays open."""
    stack: list[str] = []
    k = 0
    while k < len(text):
        end = text.index(">", k)
        tag = text[k + 1 : end]
        if tag.startswith("/"):
            if not stack or stack.pop() != tag[1:]:
                return False
        else:
            stack.append(tag)
        k = end + 1
    return not stack


def stack_predictor_accuracy(tokens: np.ndarray, spec: XMLSpec = XMLSpec()) -> float:
    """Next-character accuracy of a predictor that keeps the stack of open tags.

    It predicts ``<`` after ``>``; after ``<`` a ``/`` when a tag is open (else a letter, which
    it gets wrong); inside a closing tag the name and the ``>`` exactly; inside an opening name a
    letter (right 1 time in 26) until ``>`` may follow, and ``>`` after ``max_tag`` letters. It does
    not count the steps of a document (a model could), so it is a near-ceiling, not an exact one.
    """
    text = "".join(VOCAB[int(t)] for t in tokens)
    stack: list[str] = []
    state = {"mode": "between", "name": ""}

    def advance(ch: str) -> None:
        if ch == "<":
            state.update(mode="lt", name="")
        elif ch == "/":
            state["mode"] = "close"
        elif ch == ">":
            if state["mode"] == "close":
                if stack:
                    stack.pop()
            else:
                stack.append(state["name"])
            state.update(mode="between", name="")
        else:
            state["name"] += ch
            if state["mode"] == "lt":
                state["mode"] = "open"

    correct = 0
    advance(text[0])
    for nxt in text[1:]:
        mode, name = state["mode"], state["name"]
        if mode == "between":
            guess = "<"
        elif mode == "lt":
            guess = "/" if stack else "a"
        elif mode == "close":
            target = stack[-1] if stack else ""
            guess = target[len(name)] if len(name) < len(target) else ">"
        else:  # inside an opening name
            guess = ">" if len(name) >= spec.max_tag else "a"
        correct += guess == nxt
        advance(nxt)
    return correct / max(1, len(text) - 1)


def decode(tokens: np.ndarray) -> str:
    return "".join(VOCAB[int(t)] for t in tokens)
