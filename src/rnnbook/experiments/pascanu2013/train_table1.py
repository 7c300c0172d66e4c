"""Pascanu et al. (2013), Table 1: the data, the model and the training of one data set's job."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from rnnbook.cells.init import pascanu_init
from rnnbook.data import length_bucketed_order, load_polyphonic, pad_next_step, sorted_batches
from rnnbook.data.ptb import load_ptb
from rnnbook.experiments.jobs import Job, RunContext
from rnnbook.experiments.pascanu2013.config_table1 import NOTES, Table1Config, run_id
from rnnbook.models.pascanu2013 import TaskRNN
from rnnbook.results import RunRecord
from rnnbook.train import fit
from rnnbook.train.metrics import evaluate_bernoulli_nll, frame_nll, masked_mean
from rnnbook.train.regularizers import add_omega
from rnnbook.train.task_losses import next_symbol_nll

__all__ = [
    "Splits",
    "SymbolBatch",
    "build_model",
    "evaluate_symbols",
    "loss_fn_for",
    "symbol_batch",
    "symbol_windows",
    "train_job",
]


def build_model(config: Table1Config, vocabulary: int = NOTES) -> TaskRNN:
    """A sigmoid RNN read out at every step (88 note logits, or ``vocabulary`` symbol logits),
    initialised like the paper's sigmoid networks (every weight N(0, 0.01^2))."""
    members = config.members()
    return TaskRNN(
        vocabulary,
        config.hidden,
        vocabulary,
        members=len(members),
        seeds=[s for _, s in members],
        nonlinearity="sigmoid",
        init=pascanu_init("sigmoid"),
        readout_std=0.01,
        readout="all",
    )


@dataclass
class SymbolBatch:
    """Next-symbol prediction: ``inputs`` (T, B, K) one-hot, ``targets`` (T, B), ``mask``."""

    inputs: Tensor
    targets: Tensor
    mask: Tensor


def symbol_windows(ids: np.ndarray, seq_length: int, complete: bool = True) -> list[np.ndarray]:
    """Windows of ``seq_length + 1`` symbols, each overlapping the next by one: every symbol but
    the first of the stream is predicted exactly once, from the state reset at its window's
    start. With ``complete`` the last, shorter window is dropped (training)."""
    starts = range(0, max(1, len(ids) - 1), seq_length)
    windows = [ids[s : s + seq_length + 1] for s in starts]
    return [w for w in windows if len(w) == seq_length + 1 or (not complete and len(w) > 1)]


def symbol_batch(windows: Sequence[np.ndarray], vocabulary: int, device=None) -> SymbolBatch:
    t = max(len(w) for w in windows) - 1
    ids = np.zeros((t + 1, len(windows)), dtype=np.int64)
    mask = np.zeros((t, len(windows)), dtype=bool)
    for b, w in enumerate(windows):
        ids[: len(w), b] = w
        mask[: len(w) - 1, b] = True
    ids_t = torch.from_numpy(ids).to(device)
    inputs = F.one_hot(ids_t[:-1], vocabulary).to(torch.float32)
    return SymbolBatch(inputs, ids_t[1:], torch.from_numpy(mask).to(device))


@torch.no_grad()
def evaluate_symbols(model: TaskRNN, batches: Sequence[SymbolBatch]) -> dict[str, Tensor]:
    """NLL per predicted symbol in nats, per member (divide by ln 2 for bits per character)."""
    total, count = None, 0
    for b in batches:
        nll = next_symbol_nll(model(b.inputs), b.targets, b.mask)
        total = nll if total is None else total + nll
        count += int(b.mask.sum())
    return {"nll": total / count}


class Splits:
    """The three splits of one data set, ready for training and evaluation."""

    def __init__(self, config: Table1Config, device) -> None:
        self.config, self.device = config, device
        if config.dataset == "ptb":
            corpus = load_ptb("char")
            self.vocabulary = len(corpus.vocab)
            train = corpus.train[: config.train_symbols]
            self.train = symbol_windows(train, config.seq_length)
            evals = {"train": train}
            for name in ("valid", "test"):
                evals[name] = corpus.split(name)[: config.eval_symbols]
            self.eval = {
                name: self._symbol_eval(ids, config.seq_length) for name, ids in evals.items()
            }
        else:
            self.vocabulary = NOTES
            rolls = load_polyphonic(config.dataset)
            pieces = {}
            for name in ("train", "valid", "test"):
                seqs = rolls.split(name)[: config.max_sequences]
                if config.max_length is not None:
                    seqs = [s[: config.max_length] for s in seqs]
                pieces[name] = [s for s in seqs if len(s) >= 2]
            self.train = pieces["train"]
            self.eval = {k: [b.to(device) for b in sorted_batches(v)] for k, v in pieces.items()}

    def _symbol_eval(self, ids: np.ndarray, seq_length: int) -> list[SymbolBatch]:
        windows = symbol_windows(ids, seq_length, complete=False)
        per = max(1, 8192 // seq_length)
        return [
            symbol_batch(windows[i : i + per], self.vocabulary, self.device)
            for i in range(0, len(windows), per)
        ]

    def epoch(self, epoch: int) -> Iterator:
        c = self.config
        seed = c.data_seed * 100_003 + epoch
        if c.dataset == "ptb":
            order = np.random.default_rng(seed).permutation(len(self.train))
            for i in range(0, len(order), c.batch_size):
                picked = [self.train[k] for k in order[i : i + c.batch_size]]
                yield symbol_batch(picked, self.vocabulary, self.device)
        else:
            lengths = [len(s) for s in self.train]
            for idx in length_bucketed_order(lengths, c.batch_size, seed=seed):
                yield pad_next_step([self.train[i] for i in idx]).to(self.device)

    def evaluate(self, model: TaskRNN, split: str = "valid") -> dict[str, Tensor]:
        if self.config.dataset == "ptb":
            return evaluate_symbols(model, self.eval[split])
        return {"nll": evaluate_bernoulli_nll(model, self.eval[split])["nll"]}


def loss_fn_for(config: Table1Config):
    """Each member's mean NLL per predicted frame or symbol, plus ``alpha Omega`` for SGD-CR."""
    alphas = config.alphas()

    def loss_fn(model: TaskRNN, batch) -> Tensor:
        states = model.states(batch.inputs)
        logits = model.read(states)
        if config.dataset == "ptb":
            losses = next_symbol_nll(logits, batch.targets, batch.mask) / batch.mask.sum()
        else:
            losses = masked_mean(frame_nll(logits, batch.targets), batch.mask)
        if not bool((alphas > 0).any()):
            return losses
        params = [p for p in model.parameters() if p.requires_grad]
        a = alphas.to(losses.device)
        return add_omega(losses, params, states, model.weight_hh, a, model.nonlinearity)[0]

    return loss_fn


def train_job(job: Job, context: RunContext) -> list[RunRecord] | None:
    """Train the three methods on one data set together; one record per member."""
    config: Table1Config = job.config
    splits = Splits(config, context.device)
    model = build_model(config, splits.vocabulary).to(context.device)
    members = config.members()
    result = fit(
        model,
        splits.epoch,
        loss_fn_for(config),
        splits.evaluate,
        config.train_config(),
        seeds=[s for _, s in members],
        checkpoint=job.checkpoint_path(),
        time_budget_s=context.time_budget_s,
        progress=context.progress,
        desc=job.key,
    )
    if not result.finished:
        return None
    started = time.perf_counter()
    final = {split: splits.evaluate(model, split)["nll"].tolist() for split in splits.eval}
    eval_time = time.perf_counter() - started
    scale, metric = (1 / math.log(2), "bpc") if config.dataset == "ptb" else (1.0, "nll")
    metrics = []
    for i in range(len(members)):
        member = {f"{split}_{metric}": final[split][i] * scale for split in final}
        member.update(best_epoch=result.best_epoch[i], epochs=result.epochs, updates=result.updates)
        metrics.append(member)
    return context.records(
        job,
        result,
        metrics,
        run_ids=[run_id(config.dataset, m, s) for m, s in members],
        curves=("epoch", "wall_time_s", "train_loss", "valid_nll", "grad_norm_max"),
        extra=[{"method": m, "metric": metric, "eval_time_s": eval_time} for m, _ in members],
    )
