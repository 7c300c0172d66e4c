"""What holds across papers: the five papers' claims about cells, each judged on every task of
the book by the book's one rule (:mod:`rnnbook.results.verdicts`), and the chapter page's
generated results section."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from rnnbook.experiments.comparison.config import CELL_TITLES, GRID, TASKS, grid_configs
from rnnbook.experiments.comparison.report import grid_markdown, metric_digits, parameter_markdown
from rnnbook.experiments.comparison.report_budget import budget_markdown, budget_sentence
from rnnbook.experiments.comparison.report_chrono import chrono_markdown, chrono_sentence
from rnnbook.experiments.comparison.report_search import (
    lr_above_markdown,
    lr_above_sentence,
    lr_search_markdown,
)
from rnnbook.experiments.comparison.report_widened import widened_grid, widened_markdown
from rnnbook.results import RunRecord
from rnnbook.results.trajectory import long_trajectory
from rnnbook.results.verdicts import (
    CONFIRMED,
    Claim,
    compare,
    judge,
    more_seeds,
    samples_by,
    strongest,
    unresolved,
    verdict_box,
)

__all__ = ["CLAIMS", "claims", "results_page"]

TO_DECIDE = (
    "the `long` grid: every cell on every task at the papers' sizes, 3 seeds (at most about 12 "
    "core-hours)"
)

#: (claim, source, pairs (better, worse) compared on each task, which tasks).
CLAIMS: tuple[tuple[str, str, tuple[tuple[str, str], ...], str], ...] = (
    (
        "Gated units (GRU and LSTM) beat the tanh RNN",
        "Chung et al. 2014, Sec. 5",
        (("gru", "tanh"), ("lstm", "tanh")),
        "all",
    ),
    (
        "A forget-gate bias of 1 makes the LSTM better (LSTM-b beats the LSTM)",
        "Jozefowicz et al. 2015, Sec. 4",
        (("lstm-b", "lstm"),),
        "all",
    ),
    (
        "The forget gate matters most: removing it hurts more than removing the input or the "
        "output gate",
        "Jozefowicz et al. 2015, Sec. 4",
        (("lstm-i", "lstm-f"), ("lstm-o", "lstm-f")),
        "all",
    ),
    (
        "The LRU beats the tanh RNN",
        "Orvieto et al. 2023, Tables 1-3",
        (("lru", "tanh"),),
        "long_range",
    ),
    (
        "The LRU beats the gated cells (GRU and LSTM)",
        "Orvieto et al. 2023, Sec. 1: RNNs fail at long range, the LRU does not (its ladder "
        "starts from a tanh RNN; the gated cells are this chapter's extension)",
        (("lru", "gru"), ("lru", "lstm")),
        "long_range",
    ),
)


def _tasks(which: str) -> list[str]:
    """The tasks a claim is judged on: ``"all"``, or the long-range ones."""
    return [t for t in TASKS if which == "all" or TASKS[t].long_range]


def _claim(text: str, source: str, pairs, which: str, profile: str, runs) -> Claim:
    tasks = _tasks(which)
    cells = list(dict.fromkeys(c for pair in pairs for c in pair))
    comps, shown, outcome, unjudged = [], [], {1: [], -1: [], 0: []}, []
    for task in tasks:
        mine = [r for r in runs if r.config["task"] == task]
        s = samples_by(mine, lambda r: r.config["cell"], lambda r: r.metrics.get("test_metric"))
        ok = [(a, b) for a, b in pairs if a in s and b in s and s[a].n and s[b].n]
        if not ok:
            unjudged.append(task)
            continue
        title = TASKS[task].title
        d = metric_digits(task)
        values = ", ".join(f"{CELL_TITLES[c]} {s[c].mean:.{d}f}" for c in cells if c in s)
        shown.append(f"{title}: {values}")
        for a, b in ok:
            comps.append(compare(s[a], s[b], TASKS[task].higher_is_better))
            outcome[comps[-1].sign].append(f"{title} ({CELL_TITLES[a]} vs {CELL_TITLES[b]})")
    if not comps:
        return unresolved(text, source, "Not recorded yet.", TO_DECIDE, profile)
    where = "every task" if which == "all" else "the long-range tasks"
    seeds = sorted({r.seed for r in runs})
    against = f" Decided against on {', '.join(outcome[-1])}." if outcome[-1] else ""
    evidence = (
        f"Mean test metric over {len(seeds)} seeds on {where} (" + "; ".join(shown) + f").{against}"
    )
    configured = {t: _configured(pairs, profile, t) for t in unjudged}
    left = _titles(t for t in unjudged if not configured[t])
    missing = _titles(t for t in unjudged if configured[t])
    if missing:
        evidence += f" Not judged on {missing}: not recorded in `{profile}`."
    if left:
        evidence += f" Not judged on {left}: the `{profile}` grid leaves these cells out there."
    undecided = [c for c in comps if not c.decided]
    to_decide = f"{more_seeds(undecided)}, on {', '.join(outcome[0])}"
    if unjudged:
        leaves = f"the same comparisons on {left}, which the `{profile}` grid leaves out"
        to_decide = TO_DECIDE if missing else leaves
    claim = judge(f"{text} (on {where} of the book)", source, comps, evidence, profile, to_decide)
    if unjudged and claim.verdict == CONFIRMED:  # a task not yet judged may still refute it
        more = f"the same comparisons on {missing} at `{profile}`" if missing else to_decide
        return unresolved(claim.text, source, claim.evidence, more, profile)
    return claim


def _titles(tasks) -> str:
    return ", ".join(TASKS[t].title for t in tasks)


def _configured(pairs, profile: str, task: str) -> bool:
    """Whether ``profile``'s grid trains both cells of one of ``pairs`` on ``task``."""
    cells = {c.cell for c in grid_configs(profile, tasks=[task])}
    return any({a, b} <= cells for a, b in pairs)


def _has(pairs) -> Callable[[list[RunRecord]], bool]:
    """Whether some task has both sides of one of ``pairs``."""

    def enough(runs: list[RunRecord]) -> bool:
        cells: dict[str, set[str]] = {}
        for r in runs:
            cells.setdefault(r.config["task"], set()).add(r.config["cell"])
        return any({a, b} <= found for found in cells.values() for a, b in pairs)

    return enough


def claims(records: Sequence[RunRecord]) -> list[Claim]:
    """Each claim of :data:`CLAIMS` with its verdict, from the strongest profile that records
    both sides of its comparisons."""
    grid = [r for r in records if r.experiment == GRID]
    out = []
    for text, source, pairs, which in CLAIMS:
        profile, runs = strongest(grid, _has(pairs))
        claim = _claim(text, source, pairs, which, profile, runs)
        cells = [c for pair in pairs for c in pair]
        found = (
            budget_sentence(records, cells),
            chrono_sentence(records, cells),
            lr_above_sentence(records, cells, _tasks(which)),
        )
        widened = _widened_sentence(records, (text, source, pairs, which), profile)
        checks = " ".join(filter(None, (*found, widened)))
        if checks and claim.evidence != "Not recorded yet.":
            claim = dataclasses.replace(claim, evidence=f"{claim.evidence} {checks}")
        out.append(claim)
    return out


def _widened_sentence(records: Sequence[RunRecord], claim: tuple, profile: str) -> str:
    """``claim`` (an entry of :data:`CLAIMS`) judged again on ``profile``'s grid with the cells
    the widened search moved (those of its comparisons, on its tasks); empty when it moved none
    of them."""
    text, source, pairs, which = claim
    if not profile:
        return ""
    runs, moved = widened_grid(records, profile)
    cells = {c for pair in pairs for c in pair}
    mine = [(t, c) for t, c in moved if c in cells and t in _tasks(which)]
    if not mine:
        return ""
    usable = [r for r in runs if r.status == "ok" and not r.stale]
    again = _claim(text, source, pairs, which, profile, usable)
    shown = ", ".join(f"{CELL_TITLES[c]} on {TASKS[t].title}" for t, c in mine)
    return (
        f"Judged again with the cells the search widened upward moved ({shown}; "
        f"{{ref}}`comparison-lr-search`): {again.verdict}."
    )


def results_page(records: Sequence[RunRecord]) -> str:
    """The chapter page's results: the verdicts, the table of cells by tasks, the parameters and
    the grid's two checks (budget and initialisation)."""
    grid = [r for r in records if r.experiment == GRID]
    profile, _ = strongest(grid)
    parts = [
        verdict_box(claims(records), label="comparison-verdicts"),
        "### Every cell on every task\n",
        grid_markdown(grid),
    ]
    if profile:
        parts += [f"### Parameters per network (`{profile}`)\n", parameter_markdown(profile)]
    parts += [
        "(comparison-lr-search)=\n### Where the learning-rate searches landed\n",
        lr_search_markdown(grid) or "No search recorded yet.\n",
        lr_above_markdown(records) or "The check one rate above the range is not recorded yet.\n",
        widened_markdown(records) or "The search widened upward is not recorded yet.\n",
    ]
    parts += [
        "(comparison-budget-check)=\n### Ten times the updates: a budget check\n",
        budget_markdown(records) or "Not recorded yet.\n",
        "(comparison-chrono)=\n### Memory from the first update: the chrono initialisation\n",
        chrono_markdown(records) or "Not recorded yet.\n",
    ]
    parts.append(
        long_trajectory(
            records,  # the grid's jobs and its checks'
            lambda r: (
                f"{r.config['task']}-{r.config['cell']}"
                + ("" if r.experiment == GRID else f", {r.experiment} check")
                + f" (`{r.profile}`)"
            ),
            "Expected trajectory of the long runs",
            budget=lambda r: r.config["updates"],
            metric="valid_metric",
            label="validation metric",
            digits=2,
        )
    )
    return "\n".join(parts)
