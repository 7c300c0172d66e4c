"""Jozefowicz et al. (2015): how each job trains -- a (task, cell) pair of Table 1 with its
settings as stacked members, a (data set, cell) pair of the music experiment, one cell on PTB with
dropout, and the whole architecture search, whose candidates :func:`evaluate_graph` trains.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict
from functools import partial

import numpy as np
import torch

from rnnbook.cells.graph import Graph, gru_graph, lstm_graph
from rnnbook.data import length_bucketed_order, load_polyphonic, pad_next_step, sorted_batches
from rnnbook.data.polyphonic import N_PITCHES as NOTES  # the 88 keys of a piano roll
from rnnbook.device import default_device
from rnnbook.experiments import arch_search
from rnnbook.experiments.jobs import Job, RunContext
from rnnbook.experiments.jozefowicz2015.config import (
    MusicConfig,
    SearchConfig,
    StreamData,
    Table1Config,
    sample_hyperparameters,
)
from rnnbook.experiments.jozefowicz2015.data import vocab_size
from rnnbook.experiments.jozefowicz2015.train_lm import build_model, evaluate_stream, fit_streams
from rnnbook.experiments.runner import default_workers
from rnnbook.models import count_parameters
from rnnbook.results import (
    RunRecord,
)
from rnnbook.train import TrainConfig, fit
from rnnbook.train.metrics import evaluate_bernoulli_nll, frame_nll

__all__ = [
    "NOTES",
    "evaluate_graph",
    "music_loss",
    "reference_graphs",
    "train_music_job",
    "train_search_job",
    "fit_table1",
    "train_table1_job",
]


def _member_table(result, metrics: dict[str, dict], hps: Sequence) -> list[dict]:
    rows = []
    for k, hp in enumerate(hps):
        row = {"init_scale": hp[0], "lr": hp[1], "clip": hp[2], "status": result.status[k]}
        row["best_epoch"] = result.best_epoch[k]
        for split, values in metrics.items():
            for name, v in values.items():
                row[f"{split}_{name}"] = float(v[k])
        rows.append(row)
    return rows


def _best_member(result, valid_error: torch.Tensor) -> int:
    ok = [k for k, s in enumerate(result.status) if s == "ok" and math.isfinite(valid_error[k])]
    if not ok:
        return -1
    return min(ok, key=lambda k: float(valid_error[k]))


def fit_table1(job: Job, context: RunContext):
    """Train every hyperparameter setting of a (task, cell) job as stacked members; the fit's
    result, the evaluation per split, one row per member and the model, or ``None`` if paused."""
    config: Table1Config = job.config
    device = context.device
    torch.manual_seed(config.seed)  # dropout-free, but keep any randomness reproducible
    model = build_model(
        config.arch,
        vocab_size(config.task),
        config.hidden,
        layers=config.layers,
        seeds=config.member_seeds(),
        scales=[h[0] for h in config.hyperparameters],
    ).to(device)
    result, evals = fit_streams(
        model,
        config.data(),
        config.train_config(),
        batch_size=config.batch_size,
        unroll=config.unroll,
        seeds=config.member_seeds(),
        device=device,
        checkpoint=job.checkpoint_path(),
        progress=context.progress,
        time_budget_s=context.time_budget_s,
        desc=job.key,
    )
    if not result.finished:
        return None
    model.eval()
    metrics = {s: evaluate_stream(model, c) for s, c in evals.items()}
    return result, metrics, _member_table(result, metrics, config.hyperparameters), model


def train_table1_job(job: Job, context: RunContext) -> list[RunRecord] | None:
    """Train every hyperparameter setting of one (task, cell) job; record the best on validation."""
    config: Table1Config = job.config
    fitted = fit_table1(job, context)
    if fitted is None:
        return None
    result, metrics, members, model = fitted
    best = _best_member(result, metrics["valid"]["error"])
    record = context.record(
        job,
        job.key,
        metrics=(
            {
                f"{s}_{m}": members[best][f"{s}_{m}"]
                for s in ("valid", "test")
                for m in ("accuracy", "nll", "perplexity")
            }
            | {
                "best_member": best,
                "init_scale": config.hyperparameters[best][0],
                "lr": config.hyperparameters[best][1],
                "clip": config.hyperparameters[best][2],
                "epochs": result.epochs,
                "updates": result.updates,
                "parameters": count_parameters(model),
            }
            if best >= 0
            else {"epochs": result.epochs, "updates": result.updates}
        ),
        curves={
            "epoch": result.curves["epoch"],
            "wall_time_s": result.curves["wall_time_s"],
            "valid_accuracy": [[1 - v for v in row] for row in result.curves["valid_error"]],
            "train_loss": result.curves["train_loss"],
        },
        status="ok" if best >= 0 else "diverged",
        message="" if best >= 0 else "; ".join(m for m in result.messages if m),
        wall_time_s=result.wall_time_s,
        members=len(config.hyperparameters),
        extra={"members": members},
    )
    job.clear_checkpoints()
    return [record]


def _music_splits(config: MusicConfig) -> dict[str, list[np.ndarray]]:
    rolls = load_polyphonic(config.dataset)
    out = {}
    for name in ("train", "valid", "test"):
        seqs = rolls.split(name)[: config.max_sequences]
        if name == "train" and config.max_length is not None:
            n = config.max_length
            seqs = [s[k : k + n + 1] for s in seqs for k in range(0, len(s) - 1, n)]
        out[name] = [s for s in seqs if len(s) >= 2]
    return out


def music_loss(model, batch) -> torch.Tensor:
    """Each member's NLL summed over the frames of a piece and averaged over the pieces, (E,)."""
    nll = frame_nll(model(batch.inputs), batch.targets)
    return torch.where(batch.mask.bool(), nll, nll.new_zeros(())).sum(1).mean(1)


def train_music_job(job: Job, context: RunContext) -> list[RunRecord] | None:
    """Train one (data set, cell) pair of the music experiment, its hyperparameter settings as
    stacked members on pieces cut into segments, and record the best on validation NLL."""
    config: MusicConfig = job.config
    device = context.device
    splits = _music_splits(config)
    evals = {k: [b.to(device) for b in sorted_batches(v)] for k, v in splits.items()}
    hps = config.hyperparameters
    model = build_model(
        config.arch,
        None,
        config.hidden,
        input_size=NOTES,
        output_size=NOTES,
        seeds=config.member_seeds(),
        scales=[h[0] for h in hps],
    ).to(device)

    def batches(epoch: int):
        lengths = [len(s) for s in splits["train"]]
        for idx in length_bucketed_order(
            lengths, config.batch_size, seed=config.seed * 1009 + epoch
        ):
            yield pad_next_step([splits["train"][i] for i in idx]).to(device)

    result = fit(
        model,
        batches,
        music_loss,
        lambda m: evaluate_bernoulli_nll(m, evals["valid"]),
        TrainConfig(
            optimizer="sgd",
            lr=tuple(h[1] for h in hps),
            clip_norm=tuple(h[2] for h in hps),
            max_epochs=config.epochs,
            patience=None,
            monitor="nll",
        ),
        seeds=config.member_seeds(),
        checkpoint=job.checkpoint_path(),
        time_budget_s=context.time_budget_s,
        progress=context.progress,
        desc=job.key,
    )
    if not result.finished:
        return None
    final = {k: evaluate_bernoulli_nll(model, b) for k, b in evals.items()}
    members = _member_table(result, {k: {"nll": v["nll"]} for k, v in final.items()}, hps)
    best = _best_member(result, final["valid"]["nll"])
    metrics = {"epochs": result.epochs, "updates": result.updates}
    if best >= 0:
        metrics |= {f"{s}_nll": members[best][f"{s}_nll"] for s in ("train", "valid", "test")}
        metrics |= {"best_member": best, "lr": hps[best][1], "parameters": count_parameters(model)}
    record = context.record(
        job,
        job.key,
        metrics=metrics,
        curves={"epoch": result.curves["epoch"], "valid_nll": result.curves["valid_nll"]},
        status="ok" if best >= 0 else "diverged",
        wall_time_s=result.wall_time_s,
        members=len(hps),
        extra={"members": members},
    )
    job.clear_checkpoints()
    return [record]


def evaluate_graph(config: SearchConfig, graph: Graph, stage: str, seed: int) -> dict[str, float]:
    """Train ``graph`` (a fresh network per task) and return its best validation accuracy per task.

    Stage ``"filter"`` runs the memorisation task only; stage ``"tasks"`` the scoring tasks. The
    hyperparameter settings are the same for every candidate (drawn from ``config.seed``).
    """
    tasks = [config.memorization] if stage == "filter" else list(config.tasks)
    hps = sample_hyperparameters(config.settings, seed=config.seed * 7 + 3)
    out = {}
    for k, spec in enumerate(tasks):
        seeds = tuple(seed * 100 + k * 10 + j for j in range(len(hps)))
        model = build_model(
            graph, vocab_size(spec.task), config.hidden, seeds=seeds, scales=[h[0] for h in hps]
        )
        data = StreamData(
            spec.task, spec.train_tokens, spec.eval_tokens, config.seed, config.max_digits
        )
        result, _ = fit_streams(
            model,
            data,
            TrainConfig(
                optimizer="sgd",
                lr=tuple(h[1] for h in hps),
                clip_norm=tuple(h[2] for h in hps),
                max_epochs=spec.epochs,
                patience=None,
                monitor="error",
            ),
            batch_size=config.batch_size,
            unroll=config.unroll,
            seeds=seeds,
            device=default_device(),
            progress=False,
        )
        errors = [e for e, s in zip(result.best_metric, result.status) if s == "ok"]
        out[spec.task] = 1.0 - min(errors) if errors else 0.0
    return out


def reference_graphs() -> dict[str, Graph]:
    """Where the search starts (Sec. 3.2): the GRU and the LSTM, written as graphs; and the GRU
    once more with other seeds (``gru-rerun``), whose score shows the run-to-run noise."""
    return {"gru": gru_graph(), "lstm": lstm_graph(), "gru-rerun": gru_graph()}


def train_search_job(job: Job, context: RunContext) -> list[RunRecord] | None:
    """Run the whole search (one job); record every candidate and the leaderboard."""
    config: SearchConfig = job.config
    settings = arch_search.SearchSettings(
        generations=config.generations,
        children=config.children,
        keep=config.keep,
        mutation_rate=config.mutation_rate,
        filter_fraction=config.filter_fraction,
        seed=config.seed,
    )
    started = time.perf_counter()
    candidates, finished = arch_search.run_search(
        reference_graphs(),
        partial(evaluate_graph, config),
        settings,
        workers=default_workers(config.children),
        state_path=job.state_path(".json"),
        time_budget_s=context.time_budget_s,
        engine=context.engine,
    )
    if not finished:
        return None
    board = arch_search.leaderboard(candidates, top=len(candidates))
    evaluated = [c for c in candidates if c.status == "evaluated" and c.generation > 0]
    record = context.record(
        job,
        job.key,
        metrics={
            "best_score": board[0].score,
            "best": board[0].name,
            "candidates": len(candidates) - len(reference_graphs()),
            "passed_filter": len(evaluated),
            "beat_gru": sum(c.score > 1.0 for c in evaluated),
            "gru_score": 1.0,
            "lstm_score": next(c.score for c in candidates if c.name == "lstm"),
            "gru_rerun_score": next(c.score for c in candidates if c.name == "gru-rerun"),
        },
        wall_time_s=time.perf_counter() - started,
        extra={"candidates": [asdict(c) for c in candidates]},
    )
    job.clear_checkpoints()
    return [record]
