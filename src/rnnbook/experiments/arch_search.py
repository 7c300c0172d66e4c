"""The architecture search of Jozefowicz, Zaremba & Sutskever (2015), Sec. 3, in small.

The paper keeps a list of the best architectures found so far, starting from the LSTM and the GRU.
A step picks a parent from the list, mutates its computation graph
(:func:`rnnbook.cells.mutate`), discards the child if an equivalent graph was seen before, trains
it briefly on a memorisation problem and discards it if it fails there (a cheap filter), and
otherwise evaluates it on the real tasks, each with a few random hyperparameter settings. A
candidate's score is its worst task relative to the GRU::

    score(A) = min over tasks of  best accuracy of A on the task / best accuracy of the GRU on it

This module holds the loop and its bookkeeping; what "evaluate" means (which tasks, which budget)
is a picklable callable that the chapter's experiment module supplies. The candidates of one
generation are evaluated side by side in worker processes (``spawn``, one thread each), or one after
the other on a GPU, where each candidate's hyperparameter settings train as stacked members.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnnbook.cells.graph import Graph, GraphError, Node, canonical_form, graph_hash, mutate
from rnnbook.files import atomic_write_text

#: evaluate(graph, stage, seed) -> {"memorization": acc} for stage "filter", or {task: acc} for
#: stage "tasks".
Evaluator = Callable[[Graph, str, int], dict[str, float]]


@dataclass
class Candidate:
    """One architecture the search looked at, and what became of it."""

    name: str
    hash: str
    graph: dict
    generation: int
    parent: str | None = None
    mutations: list[str] = field(default_factory=list)
    memorization: float | None = None
    accuracy: dict[str, float] = field(default_factory=dict)
    score: float | None = None
    status: str = "pending"  # evaluated | failed filter
    seconds: float = 0.0

    def to_graph(self) -> Graph:
        return graph_from_dict(self.graph)


def graph_to_dict(graph: Graph) -> dict:
    return {"nodes": [[n.op, list(n.args)] for n in graph.nodes], "outputs": list(graph.outputs)}


def graph_from_dict(data: dict) -> Graph:
    nodes = tuple(Node(op, tuple(args)) for op, args in data["nodes"])
    return Graph(nodes, tuple(data["outputs"]))


def score(accuracy: dict[str, float], reference: dict[str, float]) -> float:
    """``min over tasks of accuracy / reference accuracy`` (the paper's ranking criterion).

    A task on which the reference scored 0 says nothing about a candidate and is left out; with no
    task left the score is 1.
    """
    ratios = [accuracy[t] / reference[t] for t in reference if reference[t] > 0]
    return min(ratios) if ratios else 1.0


def _assess(
    evaluate: Evaluator, graph_data: dict, seed: int, filter_threshold: float | None
) -> dict[str, Any]:
    """Filter, then (if it passes) the tasks: runs in a worker process."""
    torch.set_num_threads(1)
    started = time.perf_counter()
    graph = graph_from_dict(graph_data)
    out: dict[str, Any] = {"memorization": None, "accuracy": {}}
    memo = evaluate(graph, "filter", seed)["memorization"]
    out["memorization"] = memo
    if filter_threshold is None or memo >= filter_threshold:
        out["accuracy"] = evaluate(graph, "tasks", seed)
    out["seconds"] = time.perf_counter() - started
    return out


def _evaluate_all(
    evaluate: Evaluator,
    candidates: Sequence[Candidate],
    seeds: Sequence[int],
    threshold: float | None,
    workers: int,
    engine: str = "local",
) -> list[dict[str, Any]]:
    """Every candidate's assessment, in order: one job each, in this process, in a pool of
    ``workers`` processes, or as tasks of the Ray cluster this process is connected to."""
    jobs = [(evaluate, c.graph, s, threshold) for c, s in zip(candidates, seeds)]
    if engine == "ray":
        from rnnbook.experiments.ray_engine import map_tasks

        return map_tasks(_assess, jobs)
    if workers <= 1 or len(jobs) <= 1:
        return [_assess(*j) for j in jobs]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context) as pool:
        return list(pool.map(_assess, *zip(*jobs)))


@dataclass(frozen=True)
class SearchSettings:
    """The loop's sizes: generations, children per generation, the list of parents kept, the
    mutation rate per node, and the memorisation filter (a child passes when its accuracy reaches
    ``filter_fraction`` of the GRU's)."""

    generations: int
    children: int
    keep: int = 10
    mutation_rate: float = 0.1
    filter_fraction: float = 0.75
    seed: int = 0


def _evaluate_references(
    references: dict[str, Graph],
    evaluate: Evaluator,
    settings: SearchSettings,
    workers: int,
    engine: str = "local",
) -> list[Candidate]:
    """The references as candidates of generation 0, evaluated and scored against the GRU."""
    refs = [
        Candidate(name, graph_hash(g), graph_to_dict(g), generation=0)
        for name, g in references.items()
    ]
    seeds = [settings.seed * 10_007 + k for k in range(len(refs))]
    for c, result in zip(refs, _evaluate_all(evaluate, refs, seeds, None, workers, engine)):
        c.memorization, c.accuracy = result["memorization"], result["accuracy"]
        c.seconds, c.status = result["seconds"], "evaluated"
    gru = next(c for c in refs if c.name == "gru")
    for c in refs:
        c.score = score(c.accuracy, gru.accuracy)
    return refs


def _children(
    candidates: list[Candidate], generation: int, settings: SearchSettings
) -> list[Candidate]:
    """The new, not yet seen, mutants of one generation, drawn from the best parents."""
    rng = np.random.default_rng([settings.seed, generation])
    evaluated = [c for c in candidates if c.score is not None]
    parents = [c for c in evaluated if not c.name.endswith("-rerun")]
    parents = sorted(parents, key=lambda c: -c.score)[: settings.keep]
    seen = {c.hash for c in candidates}
    children: list[Candidate] = []
    for k in range(settings.children):
        for _ in range(50):  # redraw children equivalent to one already seen
            parent = parents[int(rng.integers(len(parents)))]
            try:
                graph, applied = mutate(parent.to_graph(), rng, settings.mutation_rate)
            except GraphError:
                continue
            h = graph_hash(graph)
            if h not in seen:
                break
        else:
            continue
        seen.add(h)
        children.append(
            Candidate(
                f"g{generation}c{k}", h, graph_to_dict(graph), generation, parent.name, applied
            )
        )
    return children


def run_search(
    references: dict[str, Graph],
    evaluate: Evaluator,
    settings: SearchSettings,
    *,
    workers: int = 1,
    state_path: Path | None = None,
    time_budget_s: float | None = None,
    log: Callable[[str], None] | None = None,
    engine: str = "local",
) -> tuple[list[Candidate], bool]:
    """Run the search; return every candidate looked at and whether the search finished.

    ``references`` must contain ``"gru"`` (the yardstick of the score); they are evaluated first
    and seed the list of parents, except those whose name ends in ``"-rerun"``: a second run of a
    reference with other seeds, which only measures how much a score varies from run to run.
    With ``state_path`` the candidates are saved after every generation and a later call resumes;
    with ``time_budget_s`` the call returns after the generation that exceeds it. Each candidate
    is assessed as a job of its own: in ``workers`` local processes, or with ``engine="ray"`` as a
    task of the Ray cluster.
    """
    if "gru" not in references:
        raise ValueError("the references must include the GRU, the yardstick of the score")
    log = log or (lambda msg: None)
    started = time.perf_counter()
    candidates: list[Candidate] = []
    if state_path is not None and state_path.exists():
        candidates = [Candidate(**c) for c in json.loads(state_path.read_text())]

    def save() -> None:
        if state_path is not None:
            atomic_write_text(state_path, json.dumps([asdict(c) for c in candidates]))

    if not candidates:
        candidates = _evaluate_references(references, evaluate, settings, workers, engine)
        save()
        log(f"references: {', '.join(f'{c.name} {c.score:.3f}' for c in candidates)}")

    gru = next(c for c in candidates if c.name == "gru")
    threshold = settings.filter_fraction * gru.memorization
    generation = max(c.generation for c in candidates)
    while generation < settings.generations:
        if time_budget_s is not None and time.perf_counter() - started > time_budget_s:
            return candidates, False
        generation += 1
        children = _children(candidates, generation, settings)
        seeds = [settings.seed * 10_007 + len(candidates) + k for k in range(len(children))]
        results = _evaluate_all(evaluate, children, seeds, threshold, workers, engine)
        for c, result in zip(children, results):
            c.memorization, c.seconds = result["memorization"], result["seconds"]
            if result["accuracy"]:
                c.accuracy, c.status = result["accuracy"], "evaluated"
                c.score = score(c.accuracy, gru.accuracy)
            else:
                c.status = "failed filter"
        candidates += children
        save()
        best = max(
            (c for c in children if c.score is not None), key=lambda c: c.score, default=None
        )
        log(
            f"generation {generation}: {len(children)} children, "
            f"{sum(c.status == 'evaluated' for c in children)} passed the filter"
            + (f", best {best.name} {best.score:.3f}" if best else "")
        )
    return candidates, True


def leaderboard(candidates: Sequence[Candidate], top: int = 10) -> list[Candidate]:
    """The evaluated candidates, best score first (references included)."""
    done = [c for c in candidates if c.score is not None]
    return sorted(done, key=lambda c: (-c.score, c.generation, c.name))[:top]


def expression(candidate: Candidate) -> str:
    """The candidate's canonical expression (see :func:`rnnbook.cells.graph.canonical_form`)."""
    return canonical_form(candidate.to_graph())
