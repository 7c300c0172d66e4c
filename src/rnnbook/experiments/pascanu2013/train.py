"""Pascanu et al. (2013): one synthetic-task job -- the members (three methods times the seeds, at
one length and initialisation) train together in one stacked model with per-member clipping
thresholds (``inf`` for SGD) and regulariser weights (0 for SGD and SGD-C). A member sees the data
of its seed only, so SGD, SGD-C and SGD-CR with the same seed start from the same weights and see
the same minibatches.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch import Tensor

from rnnbook.cells.init import READOUT_STD, nonlinearity_of, pascanu_init
from rnnbook.data.synthetic import draw_length, generate, steps, task_spec
from rnnbook.experiments.jobs import Job, RunContext
from rnnbook.experiments.pascanu2013.config import SUCCESS_ERROR, TaskRunConfig, run_id
from rnnbook.models.pascanu2013 import TaskRNN
from rnnbook.results import RunRecord
from rnnbook.train import fit
from rnnbook.train.regularizers import add_omega
from rnnbook.train.task_losses import task_loss, task_mistakes

__all__ = ["RANGE_LENGTHS", "TaskData", "build_model", "task_loss_fn", "train_task_job"]

#: The fewest lengths a validation or test set drawn over a range of lengths holds.
RANGE_LENGTHS = 50


def build_model(config: TaskRunConfig, members: Sequence[tuple[str, int]] | None = None) -> TaskRNN:
    """The paper's network for ``config.task`` with ``config.init``, one member per (method,
    seed): the same seed gives the same initial weights whatever the method."""
    members = members if members is not None else config.members()
    spec = task_spec(config.task)
    return TaskRNN(
        spec.inputs,
        spec.hidden,
        spec.outputs,
        members=len(members),
        seeds=[s for _, s in members],
        nonlinearity=nonlinearity_of(config.init),
        init=pascanu_init(config.init),
        readout_std=READOUT_STD[config.init],
        readout=spec.readout,
    )


class TaskData:
    """Minibatches, validation and test sets of one job, member by member.

    Everything a member sees is a function of its seed and of the config only: minibatch ``u`` of
    epoch ``k`` for seed ``s`` comes from ``default_rng([data_seed, s, 1, k])``; the lengths of
    the minibatches (shared by the members, since a stacked batch has one length) from
    ``default_rng([data_seed, 2, k])``. Validation and test sets use streams 3 and 4.
    """

    def __init__(self, config: TaskRunConfig, members: Sequence[tuple[str, int]], device) -> None:
        self.config, self.device = config, device
        self.seeds = [s for _, s in members]
        self.distinct = sorted(set(self.seeds))
        self.spec = task_spec(config.task)
        self.valid = self._fixed_set(3, config.n_valid, None)

    def _length(self, rng: np.random.Generator, nominal: int | None = None) -> int:
        c = self.config
        if nominal is None:
            nominal = int(rng.integers(c.length, c.max_length)) if c.max_length else c.length
        return draw_length(c.task, rng, nominal)

    def _stack(self, per_seed: dict[int, Tensor]) -> Tensor:
        return torch.stack([per_seed[s] for s in self.seeds]).to(self.device)

    def _draw(self, rngs: dict[int, np.random.Generator], batch: int, length: int):
        made = {s: generate(self.config.task, rngs[s], batch, length) for s in self.distinct}
        x = self._stack({s: b.inputs for s, b in made.items()})
        y = self._stack({s: b.targets for s, b in made.items()})
        return x, y

    def epoch(self, epoch: int) -> Iterator[tuple[Tensor, Tensor]]:
        """The ``eval_every`` minibatches of one epoch (a pure function of ``epoch``)."""
        c = self.config
        rngs = {s: np.random.default_rng([c.data_seed, s, 1, epoch]) for s in self.distinct}
        lengths = np.random.default_rng([c.data_seed, 2, epoch])
        for _ in range(c.eval_every):
            yield self._draw(rngs, c.batch_size, self._length(lengths))

    def _chunk(self, length: int) -> int:
        """Sequences per evaluation chunk: about 4M input values for the whole stack."""
        per = len(self.seeds) * steps(self.config.task, length) * self.spec.inputs
        return max(1, min(1000, 4_000_000 // per))

    def _fixed_set(self, stream: int, n: int, nominal: int | None) -> list[tuple[Tensor, Tensor]]:
        """``n`` sequences in chunks, each chunk with its own length (drawn as in training, or
        around ``nominal``). A set drawn over a range of lengths has at least ``RANGE_LENGTHS``
        chunks, so that it spans the range (in chunks of up to 1,000 sequences a validation set
        of 1,000 held a single length, and a member could stop on solving that one)."""
        c = self.config
        rngs = {
            s: np.random.default_rng([c.data_seed, s, stream, nominal or 0]) for s in self.distinct
        }
        lengths = np.random.default_rng([c.data_seed, stream, nominal or 0])
        spread = math.ceil(n / RANGE_LENGTHS) if c.max_length and nominal is None else n
        chunks, left = [], n
        while left > 0:
            length = self._length(lengths, nominal)
            size = min(left, spread, self._chunk(nominal or c.max_length or c.length))
            chunks.append(self._draw(rngs, size, length))
            left -= size
        return chunks

    @torch.no_grad()
    def score(self, model: TaskRNN, chunks: list[tuple[Tensor, Tensor]]) -> dict[str, Tensor]:
        """Error rate (share of sequences with a mistake) and mean loss per member, (E,)."""
        mistakes = loss = None
        n = 0
        for x, y in chunks:
            out = model(x)
            batch = y.shape[-1]  # targets (E, B), or (E, T, B) when every step is scored
            wrong = task_mistakes(self.spec, out, y).sum(1).double()
            batch_loss = task_loss(self.spec, out, y).double() * batch
            mistakes = wrong if mistakes is None else mistakes + wrong
            loss = batch_loss if loss is None else loss + batch_loss
            n += batch
        return {"error": mistakes / n, "loss": loss / n}

    def evaluate(self, model: TaskRNN) -> dict[str, Tensor]:
        return self.score(model, self.valid)

    def test(self, model: TaskRNN, nominal: int | None = None) -> Tensor:
        """Error rate on ``n_test`` fresh sequences (at ``nominal`` length, or drawn as in
        training), per member."""
        chunks = self._fixed_set(4, self.config.n_test, nominal)
        return self.score(model, chunks)["error"]


def task_loss_fn(config: TaskRunConfig):
    """The loss handed to :func:`~rnnbook.train.loop.fit`: the task loss, plus ``alpha Omega``
    for SGD-CR members (:func:`~rnnbook.train.regularizers.add_omega`)."""
    spec = task_spec(config.task)
    alphas = config.alphas()
    nl = nonlinearity_of(config.init)

    def loss_fn(model: TaskRNN, batch: tuple[Tensor, Tensor]) -> Tensor:
        x, y = batch
        states = model.states(x)
        losses = task_loss(spec, model.read(states), y)
        if not bool((alphas > 0).any()):
            return losses
        params = [p for p in model.parameters() if p.requires_grad]
        a = alphas.to(losses.device)
        return add_omega(losses, params, states, model.weight_hh, a, nl)[0]

    return loss_fn


def train_task_job(job: Job, context: RunContext) -> list[RunRecord] | None:
    """Train one job's members together; one record per member, or ``None`` if paused."""
    config: TaskRunConfig = job.config
    members = config.members()
    model = build_model(config, members).to(context.device)
    data = TaskData(config, members, context.device)
    result = fit(
        model,
        data.epoch,
        task_loss_fn(config),
        data.evaluate,
        config.train_config(),
        seeds=[s for _, s in members],
        checkpoint=job.checkpoint_path(),
        time_budget_s=context.time_budget_s,
        progress=context.progress,
        desc=job.key,
        stop_below=config.stop_error,
    )
    if not result.finished:
        return None
    started = time.perf_counter()
    test_error = data.test(model).tolist()
    lengths = {n: data.test(model, n).tolist() for n in config.test_lengths}
    test_time = time.perf_counter() - started
    metrics, traces = [], []
    for i, (_, seed) in enumerate(members):
        solved = result.status[i] == "ok" and result.messages[i].startswith("reached")
        metrics.append(
            {
                "test_error": test_error[i],
                "test_success": float(result.status[i] == "ok" and test_error[i] < SUCCESS_ERROR),
                "valid_error": result.best_metric[i],
                "solved_update": result.best_epoch[i] * config.eval_every if solved else None,
                "updates": result.updates,
                **{f"L{n}_error": errs[i] for n, errs in lengths.items()},
            }
        )
        trace = {}
        if config.trace_norms and seed == min(config.seeds):  # the figure shows the first seed
            trace["grad_norm"] = [
                float(f"{v[i]:.4g}") for v in result.grad_norms[: config.trace_norms]
            ]
        traces.append(trace)
    return context.records(
        job,
        result,
        metrics,
        run_ids=[run_id(config, m, s) for m, s in members],
        curves=("updates", "wall_time_s", "train_loss", "valid_error")
        + ("grad_norm_max", "grad_norm_mean"),
        more_curves=traces,
        extra=[{"method": m, "init": config.init, "test_time_s": test_time} for m, _ in members],
    )
