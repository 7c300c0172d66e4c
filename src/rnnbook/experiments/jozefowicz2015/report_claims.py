"""Jozefowicz et al. (2015): the paper's findings, each with a verdict computed from the records,
and the chapter page's generated results section."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rnnbook.experiments.jozefowicz2015.config import (
    MUSIC,
    PTB_DROPOUT,
    SEARCH,
    TABLE1,
)
from rnnbook.experiments.jozefowicz2015.report import (
    ablation_findings,
    baseline_findings,
    music_table,
    ptb_dropout_table,
    reseeded,
    table1,
    table1_seeds,
)
from rnnbook.experiments.jozefowicz2015.report_more import (
    dropout_findings,
    music_findings,
    restack_findings,
    search_findings,
)
from rnnbook.results import RunRecord
from rnnbook.results.tables import configured_cells_of, profile_grids
from rnnbook.results.trajectory import long_trajectory
from rnnbook.results.verdicts import (
    Claim,
    by_profile_strongest_first,
    compare,
    judge,
    more_seeds,
    samples_by,
    strongest,
    unresolved,
    verdict_box,
)

__all__ = ["claims", "results_page"]

SOURCE = "Sec. 4 and Table 1, PMLR 37 (ICML 2015)"
DROPOUT_SOURCE = "Table 3, PMLR 37 (ICML 2015)"
TASKS_DECIDED = ("arithmetic", "xml")
TO_DECIDE = (
    "three seeds per cell after a search of at least 8 settings with 10,000 updates each, at "
    "8 digits (the `long` plan: about 12 core-hours)"
)


#: The cells the claims compare: a profile counts once a task has all of them.
CLAIMED_CELLS = ("lstm", "lstm-f", "lstm-i", "lstm-o", "lstm-b", "gru")


def _by_cell(runs: Sequence[RunRecord]) -> dict:
    return samples_by(
        runs, lambda r: (r.config["task"], r.config["arch"]), lambda r: r.metrics["test_accuracy"]
    )


def _holding(cells: Sequence[str]):
    """Whether a profile's runs hold every one of ``cells`` on one of the claims' tasks."""

    def complete(runs: list[RunRecord]) -> bool:
        s = _by_cell(runs)
        return any(all((t, a) in s for a in cells) for t in TASKS_DECIDED)

    return complete


def _accuracy(records: Sequence[RunRecord], cells: Sequence[str] = CLAIMED_CELLS) -> tuple:
    # seeds of each cell's best setting where recorded, else the search's one best run; the
    # strongest profile whose records hold every one of ``cells`` on a task (one being recorded
    # cell by cell leaves the claims to the weaker one until then)
    complete = _holding(cells)
    profile, runs = strongest(reseeded(records), complete)
    if not runs:
        profile, runs = strongest([r for r in records if r.experiment == TABLE1], complete)
    return profile, _by_cell(runs)


def _values(s: dict, archs: Sequence[str], tasks: Sequence[str]) -> str:
    return "; ".join(
        f"{t}: " + ", ".join(f"{a} {s[(t, a)].text(3)}" for a in archs if (t, a) in s)
        for t in tasks
    )


MUT1_TO_DECIDE = (
    "MUT1 searched like the other cells (8 settings, 10,000 updates each, on both tasks at 8 "
    "digits) and its best setting retrained with three seeds: about 1.5 core-hours"
)


def _to_decide(comparisons: Sequence, profile: str, plan: str = TO_DECIDE) -> str:
    """The seeds that would decide the claim at ``profile``'s protocol where its spreads are
    measured (two seeds or more), else ``plan``."""
    said = more_seeds(comparisons)
    return plan if said == "more seeds" else f"{said}, at the `{profile}` protocol"


def _pending(tasks: Sequence[str]) -> str:
    """Which of the claim's tasks the verdict could not look at yet."""
    missing = [t for t in TASKS_DECIDED if t not in tasks]
    return f" Not judged on {' or '.join(missing)} yet (not recorded)." if missing else ""


def claims(records: Sequence[RunRecord]) -> list[Claim]:
    """Sec. 4's findings: the forget gate matters most and the output gate least (outside
    language modelling); a forget bias of 1 closes the LSTM-GRU gap; the GRU beats the LSTM;
    the search's MUT1 beats both; on PTB with dropout the LSTM beats the tanh RNN."""
    profile, s = _accuracy(records)
    tasks = [t for t in TASKS_DECIDED if all((t, a) in s for a in ("lstm", "lstm-f", "lstm-i"))]
    gates = [
        compare(s[(t, other)], s[(t, "lstm-f")], True)
        for t in tasks
        for other in ("lstm-i", "lstm-o")
        if (t, other) in s
    ]
    out = [
        judge(
            "Removing the forget gate hurts more than removing the input or the output gate "
            "(arithmetic, XML)",
            SOURCE,
            gates,
            "Test accuracy "
            + _values(s, ("lstm-f", "lstm-i", "lstm-o"), tasks)
            + "."
            + _pending(tasks),
            profile,
            _to_decide(gates, profile),
        )
    ]
    least = [
        compare(s[(t, "lstm-o")], s[(t, other)], True)
        for t in tasks
        if (t, "lstm-o") in s
        for other in ("lstm-i", "lstm-f")
    ]
    out.append(
        judge(
            "Removing the output gate hurts least: the LSTM without it beats the LSTM without "
            "the input or the forget gate (arithmetic, XML)",
            SOURCE,
            least,
            "See the row above." + _pending(tasks),
            profile,
            _to_decide(least, profile),
        )
    )
    pairs = [t for t in tasks if all((t, a) in s for a in ("lstm", "lstm-b", "gru"))]
    bias = [compare(s[(t, "lstm-b")], s[(t, "lstm")], True) for t in pairs]
    out.append(
        judge(
            "A forget-gate bias of 1 closes the gap between the LSTM and the GRU (LSTM-b beats "
            "the LSTM)",
            SOURCE,
            bias,
            "Test accuracy " + _values(s, ("lstm", "lstm-b", "gru"), pairs) + "." + _pending(pairs),
            profile,
            _to_decide(bias, profile),
        )
    )
    gru = [compare(s[(t, "gru")], s[(t, "lstm")], True) for t in pairs]
    out.append(
        judge(
            "The GRU beats the LSTM (without the bias) on arithmetic and XML",
            SOURCE,
            gru,
            "See the row above." + _pending(pairs),
            profile,
            _to_decide(gru, profile),
        )
    )
    out.append(_mut1_claim(records))
    out.append(_dropout_claim(records))
    return out


def _mut1_claim(records: Sequence[RunRecord]) -> Claim:
    text = (
        "The best architecture of the search, MUT1, beats the GRU and the LSTM on arithmetic "
        "and XML"
    )
    cells = ("mut1", "gru", "lstm")
    profile, s = _accuracy(records, cells)
    tasks = [t for t in TASKS_DECIDED if all((t, a) in s for a in cells)]
    if not tasks:
        return unresolved(text, SOURCE, "Not recorded yet.", MUT1_TO_DECIDE)
    wins = [compare(s[(t, "mut1")], s[(t, other)], True) for t in tasks for other in cells[1:]]
    evidence = "Test accuracy " + _values(s, cells, tasks) + "." + _pending(tasks)
    return judge(text, SOURCE, wins, evidence, profile, _to_decide(wins, profile, MUT1_TO_DECIDE))


DROPOUT_TO_DECIDE = (
    "the LSTM and the tanh RNN with three seeds each on the whole of PTB, each at the best of "
    "three learning rates, 7,968 updates per run (the `long` plan for Table 3's seven cells: "
    "5-6 core-hours)"
)


def _dropout_claim(records: Sequence[RunRecord]) -> Claim:
    text = "With dropout on PTB, the LSTM has a lower test perplexity than the tanh RNN"
    dropout = [r for r in records if r.experiment == PTB_DROPOUT]
    both = {"lstm", "tanh"}
    profile, runs = strongest(dropout, lambda rs: both <= {r.config["arch"] for r in rs})
    s = samples_by(runs, lambda r: r.config["arch"], lambda r: r.metrics["test_perplexity"])
    if "lstm" not in s or "tanh" not in s:
        return unresolved(text, DROPOUT_SOURCE, "Not recorded yet.", DROPOUT_TO_DECIDE)
    comps = [compare(s["lstm"], s["tanh"], False)]
    evidence = f"Test perplexity LSTM {s['lstm'].text(1)}, tanh {s['tanh'].text(1)}."
    return judge(text, DROPOUT_SOURCE, comps, evidence, profile, DROPOUT_TO_DECIDE)


def _best_curve(record: RunRecord) -> RunRecord:
    """A search record whose validation curve is its best setting's alone (the record keeps
    every setting's curve, one column per stacked member)."""
    curve = record.curves.get("valid_accuracy", [])
    k = record.metrics.get("best_member")
    if k is None or not curve or not isinstance(curve[0], list):
        return record
    per_epoch = record.metrics["updates"] / record.config["epochs"]
    updates = [round(e * per_epoch) for e in record.curves["epoch"]]
    best = [row[k] for row in curve]
    return replace(record, curves={**record.curves, "valid_accuracy": best, "updates": updates})


def results_page(
    records: Sequence[RunRecord], configured: Sequence[RunRecord] | None = None
) -> str:
    """The chapter page's results, every number from the records; with ``configured`` (the
    placeholders of every configured run) a grid's cell that a profile leaves out shows "–"."""
    parts = [verdict_box(claims(records), label="jozefowicz2015-verdicts")]
    of = {e: [r for r in records if r.experiment == e] for e in (TABLE1, MUSIC, PTB_DROPOUT)}

    def cells(table, experiment: str) -> set | None:
        return configured_cells_of(
            lambda rs: table([r for r in rs if r.experiment == experiment]).rows, configured
        )

    rows = table1(of[TABLE1]).rows
    grid = profile_grids(rows, "Table 1, test accuracy", digits=3, configured=cells(table1, TABLE1))
    parts.append(grid)
    seeded = reseeded(records)
    if seeded:
        title = (
            "Table 1, each cell's best setting retrained with three seeds (26 where three did "
            "not decide a claim)"
        )
        parts.append(profile_grids(table1_seeds(seeded).rows, title, digits=3))
        parts.append(restack_findings(records))
    for profile, runs in by_profile_strongest_first(of[TABLE1]):
        parts.append(f"Ablations, profile `{profile}`:\n\n{ablation_findings(runs)}\n")
        parts.append(
            f"Predictors without memory on the `{profile}` data (what any model should beat):"
            f"\n\n{baseline_findings(profile)}\n"
        )
    music_title = "Music, test NLL per frame (paper: Table 2 as quoted by a summary, unchecked)"
    music = cells(music_table, MUSIC)
    parts.append(profile_grids(music_table(of[MUSIC]).rows, music_title, configured=music))
    for profile, runs in by_profile_strongest_first(of[MUSIC]):
        parts.append(f"Music, profile `{profile}`:\n\n{music_findings(runs)}\n")
    rows = ptb_dropout_table(of[PTB_DROPOUT]).rows
    ptb = cells(ptb_dropout_table, PTB_DROPOUT)
    parts.append(profile_grids(rows, "PTB with dropout", digits=1, configured=ptb))
    for profile, runs in by_profile_strongest_first(of[PTB_DROPOUT]):
        parts.append(f"PTB with dropout, profile `{profile}`:\n\n{dropout_findings(runs)}\n")
    for profile, runs in by_profile_strongest_first([r for r in records if r.experiment == SEARCH]):
        parts.append(f"Architecture search, profile `{profile}`:\n\n{search_findings(runs[0])}\n")
    parts.append(
        long_trajectory(
            [*map(_best_curve, of[TABLE1]), *seeded],
            lambda r: f"{r.experiment} {r.config['task']}-{r.config['arch']} (`{r.profile}`)",
            "Expected trajectory of Table 1's long and full runs (the best setting of a search)",
            budget=lambda r: r.metrics["updates"],
            metric="valid_accuracy",
            label="validation accuracy",
        )
    )
    return "\n".join(parts)
