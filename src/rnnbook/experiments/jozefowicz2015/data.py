"""Jozefowicz et al. (2015): the token streams of the language-model tasks, split by split."""

from __future__ import annotations

import numpy as np

from rnnbook.data.arithmetic import VOCAB as ARITHMETIC_VOCAB
from rnnbook.data.arithmetic import ArithmeticSpec, arithmetic_stream
from rnnbook.data.memorization import MemorizationSpec, memorization_stream
from rnnbook.data.ptb import WORD_VOCABULARY as PTB_VOCAB
from rnnbook.data.ptb import load_ptb
from rnnbook.data.token_streams import StreamChunk, stream_chunks
from rnnbook.data.xml_task import VOCAB as XML_VOCAB
from rnnbook.data.xml_task import XMLSpec, xml_stream
from rnnbook.experiments.jozefowicz2015.config import TASKS, StreamData

__all__ = ["task_chunks", "task_tokens", "vocab_size"]


_SPLIT_OFFSET = {"train": 0, "valid": 1, "test": 2}


def vocab_size(task: str) -> int:
    sizes = {
        "arithmetic": len(ARITHMETIC_VOCAB),
        "xml": len(XML_VOCAB),
        "ptb": PTB_VOCAB,
        "memorization": MemorizationSpec().vocab_size,
    }
    if task not in sizes:
        raise ValueError(f"unknown task {task!r}: choose one of {', '.join(sizes)}")
    return sizes[task]


def task_tokens(data: StreamData, split: str, epoch: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The tokens and scored mask of ``split`` (for training, of ``epoch``)."""
    n = data.train_tokens if split == "train" else data.eval_tokens
    seed = (
        data.seed * 1_000_003 + _SPLIT_OFFSET[split] * 100_003 + (epoch if split == "train" else 0)
    )
    if data.task == "ptb":
        words = load_ptb("word").split(split)
        if n is not None and n < len(words):
            start = (epoch * n) % len(words) if split == "train" else 0
            words = np.roll(words, -start)[:n]
        return words, np.ones(len(words), dtype=bool)
    if n is None:
        raise ValueError(f"the generated task {data.task!r} needs a token count for {split}")
    if data.task == "arithmetic":
        return arithmetic_stream(n, seed, ArithmeticSpec(max_digits=data.max_digits))
    if data.task == "xml":
        return xml_stream(n, seed, XMLSpec())
    if data.task == "memorization":
        return memorization_stream(n, seed, MemorizationSpec())
    raise ValueError(f"unknown task {data.task!r}: choose one of {', '.join(TASKS)}, memorization")


def task_chunks(
    data: StreamData, split: str, batch_size: int, unroll: int, epoch: int = 0, device=None
) -> list[StreamChunk]:
    tokens, scored = task_tokens(data, split, epoch)
    chunks = stream_chunks(tokens, batch_size, unroll, scored)
    return [c.to(device) for c in chunks] if device is not None else chunks
