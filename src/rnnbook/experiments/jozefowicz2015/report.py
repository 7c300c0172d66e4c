"""Jozefowicz et al. (2015): the paper-vs-ours tables, the settings, the no-memory baselines and
Table 1's computed findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from rnnbook.cells.mut import TITLES
from rnnbook.data.ptb import load_ptb
from rnnbook.experiments import arch_search
from rnnbook.experiments.jozefowicz2015.config import (
    ARCHS,
    CHAPTER,
    MUSIC,
    MUSIC_DATASETS,
    PAPER_MUSIC,
    PAPER_SCORES,
    PAPER_TABLE1,
    PAPER_TABLE3,
    PTB_DROPOUT,
    SEARCH,
    TABLE1,
    TABLE1_SEEDS,
    TASK_TITLES,
    TASKS,
    StreamData,
)
from rnnbook.experiments.jozefowicz2015.config_more_seeds import TABLE1_MORE_SEEDS
from rnnbook.experiments.jozefowicz2015.config_profiles import JOBS, table1_configs
from rnnbook.experiments.jozefowicz2015.data import task_tokens, vocab_size
from rnnbook.profiles import config_dict
from rnnbook.results import (
    RunRecord,
    Table,
    TableRow,
    paper_vs_ours,
    settings_markdown,
)

__all__ = [
    "CELL_COLORS",
    "ablation_findings",
    "accuracies",
    "baseline_findings",
    "bias_closes_gap",
    "config_table",
    "music_table",
    "ngram_accuracies",
    "ngram_guess_hits",
    "no_memory_baselines",
    "ptb_dropout_table",
    "ptb_unigram_baseline",
    "rank_correlation",
    "ranking_findings",
    "search_candidates",
    "search_table",
    "table1",
    "reseeded",
    "table1_seeds",
    "table1_settings",
]


def search_candidates(record: RunRecord) -> list[arch_search.Candidate]:
    return [arch_search.Candidate(**c) for c in record.extra["candidates"]]


def _sorted_rows(rows: list[TableRow], datasets: Sequence[str]) -> list[TableRow]:
    ds = {d: k for k, d in enumerate(datasets)}
    arch = {a: k for k, a in enumerate(ARCHS)}
    return sorted(rows, key=lambda r: (r.profile, ds.get(r.dataset, 99), arch.get(r.model, 99)))


def table1(records: Sequence[RunRecord], title: str = "", experiment: str = TABLE1) -> Table:
    """Table 1, paper vs ours: test next-step accuracy of the best setting per (task, cell)."""
    rows = paper_vs_ours(
        records,
        PAPER_TABLE1,
        metric="accuracy",
        splits=("test",),
        dataset_of=lambda r: r.config["task"],
        model_of=lambda r: r.config["arch"],
        chapter=CHAPTER,
        experiment=experiment,
    )
    return Table(_sorted_rows(rows, TASKS), title, digits=4)  # the paper prints four digits


def table1_seeds(records: Sequence[RunRecord], title: str = "") -> Table:
    """The cells whose best setting was retrained with several seeds, beside the paper's."""
    rows = table1(records, title, experiment=TABLE1_SEEDS).rows
    return Table([r for r in rows if r.n or r.failed], title, digits=4)


def reseeded(records: Sequence[RunRecord]) -> list[RunRecord]:
    """The runs of each cell's best setting retrained with seeds: ``table1_seeds``' runs, with
    ``table1_more_seeds``' up-to-date runs in their place for the (profile, task, cell) those
    cover (its 26 seeds include ``table1_seeds``' three)."""

    def cell(r: RunRecord) -> tuple:
        return r.profile, r.config["task"], r.config["arch"]

    more = [r for r in records if r.experiment == TABLE1_MORE_SEEDS and not r.stale]
    covered = {cell(r) for r in more if r.status == "ok"}
    kept = [r for r in records if r.experiment == TABLE1_SEEDS and cell(r) not in covered]
    return kept + [r for r in more if cell(r) in covered]


def music_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Music (Table 2), paper vs ours: test NLL per frame of the best setting."""
    rows = paper_vs_ours(
        records,
        PAPER_MUSIC,
        metric="nll",
        splits=("test",),
        chapter=CHAPTER,
        experiment=MUSIC,
        model_of=lambda r: r.config["arch"],
    )
    return Table(_sorted_rows(rows, MUSIC_DATASETS), title)


def ptb_dropout_table(records: Sequence[RunRecord], title: str = "") -> Table:
    """Table 3, paper vs ours: test perplexity on PTB with dropout."""
    rows = paper_vs_ours(
        records,
        PAPER_TABLE3,
        metric="perplexity",
        splits=("test",),
        dataset_of=lambda r: "ptb",
        model_of=lambda r: r.config["arch"],
        chapter=CHAPTER,
        experiment=PTB_DROPOUT,
    )
    order = {a: k for k, (_, a, _) in enumerate(PAPER_TABLE3)}
    return Table(sorted(rows, key=lambda r: (r.profile, order.get(r.model, 99))), title)


def search_table(records: Sequence[RunRecord], title: str = "", top: int = 8) -> Table:
    """The search's leaderboard: the score (min over tasks of accuracy / GRU's) of the references
    (always) and of the ``top`` best candidates found, best first; the paper's column holds its
    scores of LSTM and GRU."""
    rows = []
    for r in records:
        board = arch_search.leaderboard(search_candidates(r), top=len(r.extra["candidates"]))
        found = [c for c in board if c.generation > 0][:top]
        for c in sorted(found + [c for c in board if c.generation == 0], key=lambda c: -c.score):
            rows.append(
                TableRow(
                    chapter=CHAPTER,
                    experiment=SEARCH,
                    dataset="search",
                    model=c.name,
                    metric="score",
                    split="valid",
                    paper=PAPER_SCORES.get(c.name),
                    ours_mean=c.score,
                    ours_std=None,
                    n=1,
                    profile=r.profile,
                    device=r.device,
                    commit=r.commit,
                    stale=r.stale,
                    code_changed=r.code_changed,
                    wall_time_s=c.seconds,
                )
            )
    return Table(rows, title, digits=3)


#: One colour per cell, distinct within the chapter's figures (LSTM family red to purple, GRU
#: family blue to green); the LSTM, GRU and tanh keep the book's colours.
CELL_COLORS = {
    "tanh": "#7f7f7f",
    "lstm": "#d62728",
    "lstm-f": "#ff7f0e",
    "lstm-i": "#8c564b",
    "lstm-o": "#e377c2",
    "lstm-b": "#9467bd",
    "gru": "#1f77b4",
    "mut1": "#17becf",
    "mut2": "#2ca02c",
    "mut3": "#bcbd22",
}


def config_table(profile: str, experiment: str = TABLE1) -> str:
    """Settings of every job of an experiment (Markdown): shared ones listed, the rest tabulated."""
    rows = [config_dict(j.config) for j in JOBS[experiment](profile)]
    return settings_markdown(rows)


def table1_settings(profile: str) -> str:
    """The settings of Table 1's jobs (Markdown): what every job shares, then per task its budget
    and the hyperparameter settings that every cell of the task trains with."""
    configs = table1_configs(profile)
    per_task = ("epochs", "train_tokens", "eval_tokens", "max_digits", "hyperparameters")
    first = config_dict(configs[0])
    shared = [f"- `{k}` = `{v}`" for k, v in first.items() if k not in (*per_task, "task", "arch")]
    archs = ", ".join(TITLES[a] for a in dict.fromkeys(c.arch for c in configs))
    lines = [*shared, f"- cells: {archs}", ""]
    lines += [
        "| task | epochs | tokens per epoch | updates | tokens per evaluation "
        "| settings (s, lr, clip) |",
        "|---|---|---|---|---|---|",
    ]
    for task in TASKS:
        c = next(c for c in configs if c.task == task)
        digits = f" ({c.max_digits} digits)" if task == "arithmetic" else ""
        hps = "; ".join(f"({s:.2f}, {lr:.2f}, {clip:.1f})" for s, lr, clip in c.hyperparameters)
        updates = c.epochs * c.train_tokens // (c.batch_size * c.unroll) if c.train_tokens else "-"
        lines.append(
            f"| {TASK_TITLES[task]}{digits} | {c.epochs} | {c.train_tokens or 'all'} | "
            f"{updates} | {c.eval_tokens or 'all'} | {hps} |"
        )
    return "\n".join(lines)


def ngram_guess_hits(train: np.ndarray, test: np.ndarray, vocab: int, order: int) -> np.ndarray:
    """Whether each test token from position ``order`` on equals the most frequent next token,
    in ``train``, of the ``order`` tokens before it (ties: the smaller token; a context never
    seen in ``train``: the most frequent token). ``order = 0``: always the most frequent token."""

    def contexts(tokens: np.ndarray) -> np.ndarray:
        ids = np.zeros(len(tokens) - order, dtype=np.int64)
        for j in range(order):
            ids = ids * vocab + tokens[j : len(tokens) - order + j]
        return ids

    counts = np.zeros((vocab**order, vocab))
    np.add.at(counts, (contexts(train), train[order:]), 1)
    guess = counts.argmax(1)
    guess[counts.sum(1) == 0] = np.bincount(train, minlength=vocab).argmax()
    return guess[contexts(test)] == test[order:]


def ngram_accuracies(data: StreamData, orders: Sequence[int]) -> dict[int, float]:
    """Per order, the accuracy on the scored test targets of :func:`ngram_guess_hits` counted on
    one training epoch of the same stream: a predictor with a memory of ``order`` tokens and
    nothing else. The streams are generated once for all orders."""
    train = task_tokens(data, "train", epoch=0)[0]
    test, scored = task_tokens(data, "test")
    v = vocab_size(data.task)
    return {k: float(ngram_guess_hits(train, test, v, k)[scored[k:]].mean()) for k in orders}


@lru_cache(maxsize=8)
def ptb_unigram_baseline(eval_tokens: int | None = None, split: str = "test") -> dict[str, float]:
    """What a model without context scores on the first ``eval_tokens`` words of a PTB split (all
    when ``None``; the Table 1 and dropout jobs evaluate on such a prefix): the accuracy of
    always predicting the most frequent training word ("the") and the perplexity of the training
    unigram distribution."""

    ptb = load_ptb("word")
    counts = np.bincount(ptb.train, minlength=len(ptb.vocab)).astype(float)
    probs = counts / counts.sum()
    words = ptb.split(split)[:eval_tokens]
    return {
        "accuracy": float((words == counts.argmax()).mean()),
        "perplexity": float(np.exp(-np.log(probs[words]).mean())),
    }


@lru_cache(maxsize=4)
def no_memory_baselines(profile: str, max_order: int = 3) -> dict[str, tuple[float, str]]:
    """Per Table 1 task, the accuracy that needs no memory beyond a few tokens, on the test
    tokens of ``profile``'s jobs, and what it is: for the generated tasks the best n-gram
    predictor of orders 1 to ``max_order``; for PTB always predicting the most frequent word."""
    out = {}
    configs = {c.task: c for c in table1_configs(profile)}  # a profile may leave a task out
    for task in (t for t in TASKS if t in configs):
        config = configs[task]
        if task == "ptb":
            acc = ptb_unigram_baseline(config.eval_tokens)["accuracy"]
            out[task] = (acc, 'always "the"')
            continue
        accs = ngram_accuracies(config.data(), range(1, max_order + 1))
        best = max(accs, key=accs.get)
        out[task] = (accs[best], f"best {best}-gram")
    return out


def baseline_findings(profile: str) -> str:
    """The no-memory baselines of :func:`no_memory_baselines` as a Markdown list."""
    return "\n".join(
        f"- **{TASK_TITLES[t]}**: {name} predictor {acc:.3f}"
        for t, (acc, name) in no_memory_baselines(profile).items()
    )


def accuracies(records: Sequence[RunRecord], split: str = "test") -> dict[tuple[str, str], float]:
    """Our accuracy per (task, cell)."""
    return {
        (r.config["task"], r.config["arch"]): r.metrics[f"{split}_accuracy"]
        for r in records
        if r.status == "ok" and f"{split}_accuracy" in r.metrics
    }


def _ranks(values: Sequence[float]) -> np.ndarray:
    order = np.argsort(values)
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return ranks


def rank_correlation(ours: dict[str, float], paper: dict[str, float]) -> float:
    """Spearman's rank correlation between our values and the paper's over the shared keys."""
    keys = sorted(set(ours) & set(paper))
    if len(keys) < 3:
        return float("nan")
    a, b = _ranks([ours[k] for k in keys]), _ranks([paper[k] for k in keys])
    return float(np.corrcoef(a, b)[0, 1])


def bias_closes_gap(lstm: float, lstm_b: float, gru: float) -> str:
    """How much of the LSTM's gap to the GRU a forget-gate bias of 1 closes, in words.

    The gap is GRU - LSTM; the bias closes the fraction (LSTM-b - LSTM) / gap of it. Where the
    LSTM is not behind the GRU there is no gap to close.
    """
    gap = gru - lstm
    if gap <= 0:
        return "there is no gap to close (the LSTM is not behind the GRU)"
    closed = (lstm_b - lstm) / gap
    if closed >= 1:
        verdict = "closes all of the gap"
    elif closed >= 0.5:
        verdict = "closes most of the gap"
    elif closed > 0:
        verdict = "closes less than half of the gap"
    else:
        verdict = "does not close the gap"
    return f"the bias {verdict} ({closed:.0%} of it)"


def _gate_changes(values: dict[tuple[str, str], float], task: str) -> dict[str, float]:
    """Accuracy without each gate minus the LSTM's, per gate."""
    lstm = values[(task, "lstm")]
    return {g: values[(task, f"lstm-{g[0]}")] - lstm for g in ("forget", "input", "output")}


def ablation_findings(records: Sequence[RunRecord]) -> str:
    """The paper's three claims about the LSTM's parts, checked on ``records`` (Markdown).

    Sec. 4: removing the forget gate hurts most (except for language modelling), removing the output
    gate least, and a forget-gate bias of 1 closes most of the gap between the LSTM and the GRU.
    Every sentence is computed from the numbers, ours and (for comparison) the paper's Table 1.
    """
    acc = accuracies(records)
    paper = {(t, a): v for (t, a, _), v in PAPER_TABLE1.items()}
    lines = []
    for task in TASKS:
        needed = ("lstm", "lstm-f", "lstm-i", "lstm-o", "lstm-b", "gru")
        if not all((task, a) in acc for a in needed):
            continue

        ours, theirs = _gate_changes(acc, task), _gate_changes(paper, task)
        lines.append(
            f"- **{TASK_TITLES[task]}**: removing a gate changes the LSTM's accuracy by "
            + ", ".join(f"{ours[g]:+.3f} ({g})" for g in ours)
            + " (paper: "
            + ", ".join(f"{theirs[g]:+.3f}" for g in theirs)
            + f"); the largest drop is without the {min(ours, key=ours.get)} gate (paper: "
            f"{min(theirs, key=theirs.get)}), the smallest without the {max(ours, key=ours.get)} "
            f"gate (paper: "
            f"{max(theirs, key=theirs.get)}). "
            f"GRU - LSTM = {acc[(task, 'gru')] - acc[(task, 'lstm')]:+.3f} and LSTM-b - LSTM = "
            f"{acc[(task, 'lstm-b')] - acc[(task, 'lstm')]:+.3f}: "
            + bias_closes_gap(acc[(task, "lstm")], acc[(task, "lstm-b")], acc[(task, "gru")])
            + " (paper: "
            + bias_closes_gap(paper[(task, "lstm")], paper[(task, "lstm-b")], paper[(task, "gru")])
            + ")."
        )
    seeds = {(r.config["task"], r.config["arch"]) for r in records if r.status == "ok"}
    single = len(seeds) == sum(r.status == "ok" for r in records)
    if lines and single:
        lines.append(
            "- One seed per cell: these are descriptions of single runs, not findings; the "
            "verdicts above say which differences the seeds decide."
        )
    return "\n".join(lines) if lines else "No complete set of records yet."


def ranking_findings(records: Sequence[RunRecord], profile: str | None = None) -> str:
    """Per task: our ranking of the cells beside the paper's, their rank correlation, how many of
    our accuracies lie within 10% of the paper's and (given ``profile``) how many cells beat the
    task's no-memory baseline (Markdown)."""
    acc = accuracies(records)
    baselines = no_memory_baselines(profile) if profile else {}
    lines = []
    for task in TASKS:
        ours = {a: v for (t, a), v in acc.items() if t == task}
        if len(ours) < 3:
            continue
        paper = {a: PAPER_TABLE1[(task, a, "test")] for a in ours}
        order = " > ".join(TITLES[a] for a in sorted(ours, key=lambda a: -ours[a]))
        porder = " > ".join(TITLES[a] for a in sorted(paper, key=lambda a: -paper[a]))
        within = sum(abs(ours[a] / paper[a] - 1) <= 0.10 for a in ours)
        line = (
            f"- **{TASK_TITLES[task]}**: ours {order}; paper {porder}; Spearman rank correlation "
            f"{rank_correlation(ours, paper):+.2f}; {within} of {len(ours)} within 10% of the "
            "paper."
        )
        if task in baselines:
            base, name = baselines[task]
            above = [TITLES[a] for a in ours if ours[a] > base]
            line += (
                f" Above the {name} predictor ({base:.3f}): {len(above)} of {len(ours)} cells"
                + (f" ({', '.join(above)})" if 0 < len(above) < len(ours) else "")
                + f"; ours span {min(ours.values()):.3f} to {max(ours.values()):.3f}."
            )
        lines.append(line)
    return "\n".join(lines) if lines else "No complete set of records yet."
