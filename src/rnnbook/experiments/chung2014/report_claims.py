"""Chung et al. (2014): the paper's claims on music, each with a verdict computed from the records,
and the chapter page's generated results section."""

from __future__ import annotations

from collections.abc import Sequence

from rnnbook.experiments.chung2014.config import (
    BUDGET,
    DATASET_TITLES,
    DATASETS,
    EXPERIMENT,
    MODELS,
    PAPER_TABLE2,
)
from rnnbook.experiments.chung2014.report import (
    averaging_table,
    baseline_table,
    budget_table,
    findings,
    lr_search_findings,
    nll_samples,
)
from rnnbook.results import RunRecord, paper_vs_ours
from rnnbook.results.tables import configured_cells_of, dropdown, grid_markdown, outside_profile
from rnnbook.results.trajectory import long_trajectory
from rnnbook.results.verdicts import (
    CONFIRMED,
    REFUTED,
    UNRESOLVED,
    Claim,
    Sample,
    all_better,
    by_profile_strongest_first,
    compare,
    count_outcomes,
    more_seeds,
    strongest,
    unresolved,
    verdict_box,
)

__all__ = ["claims", "results_page", "table2_grid"]

SOURCE = "Sec. 5.1, Table 2, arXiv:1412.3555v1"
MODEL_TITLES = {"tanh": "tanh", "gru": "GRU", "lstm": "LSTM"}


def _at_full(seeds: str) -> str:
    """``seeds`` (what would decide a comparison) at the `full` protocol."""
    return f"{seeds}, at the `full` protocol"


def _strongest_per_set(records: Sequence[RunRecord]) -> tuple[dict, dict[str, str]]:
    """Per data set, the samples of the strongest profile that has all three models."""
    samples, profiles = {}, {}
    for ds in DATASETS:
        mine = [r for r in records if r.config["dataset"] == ds]
        for p, runs in by_profile_strongest_first(mine):
            s = nll_samples([r for r in runs if not r.stale])
            if all((ds, m) in s for m in MODELS):
                samples.update({k: v for k, v in s.items() if k[0] == ds})
                profiles[ds] = p
                break
    return samples, profiles


def _per_set(s: dict[tuple[str, str], Sample]) -> str:
    parts = []
    for ds in DATASETS:
        if all((ds, m) in s for m in MODELS):
            values = " / ".join(s[(ds, m)].text() for m in MODELS)
            parts.append(f"{DATASET_TITLES[ds]} {values}")
    return "Test NLL tanh / GRU / LSTM: " + "; ".join(parts) + "."


def claims(records: Sequence[RunRecord]) -> list[Claim]:
    """The two claims of Sec. 5 on music: gated units beat tanh; GRU and LSTM are comparable."""
    gated_text = "Gated units (GRU and LSTM) beat the tanh RNN on polyphonic music"
    tie_text = "GRU and LSTM are comparable: neither is better on every data set"
    s, profiles = _strongest_per_set([r for r in records if r.experiment == EXPERIMENT])
    sets = [ds for ds in DATASETS if all((ds, m) in s for m in MODELS)]
    profile = ", ".join(sorted(set(profiles.values())))
    if not sets:
        return [
            unresolved(t, SOURCE, "No finished runs recorded.", "the `cpu` profile")
            for t in (gated_text, tie_text)
        ]
    gated = [compare(s[(ds, g)], s[(ds, "tanh")], False) for ds in sets for g in ("gru", "lstm")]
    pairs = [compare(s[(ds, "gru")], s[(ds, "lstm")], False) for ds in sets]
    gru_wins, lstm_wins = sum(c.sign == 1 for c in pairs), sum(c.sign == -1 for c in pairs)
    if gru_wins == len(pairs) or lstm_wins == len(pairs):
        tie = REFUTED
    else:
        tie = CONFIRMED if gru_wins and lstm_wins else UNRESOLVED
    verdict = all_better(gated)
    return [
        Claim(
            gated_text,
            SOURCE,
            verdict,
            f"{_per_set(s)} Gated better than tanh: {count_outcomes(gated)}.",
            profile,
            _at_full(more_seeds(gated)) if verdict == UNRESOLVED else "",
        ),
        Claim(
            tie_text,
            SOURCE,
            tie,
            f"GRU decidedly better on {gru_wins} of {len(pairs)} data sets, LSTM on {lstm_wins}.",
            profile,
            _at_full(more_seeds(pairs)) if tie == UNRESOLVED else "",
        ),
    ]


def _table2_rows(records: Sequence[RunRecord], split: str) -> list:
    rows = paper_vs_ours(
        [r for r in records if r.experiment == EXPERIMENT],
        {k: v for k, v in PAPER_TABLE2.items() if k[2] == split},
        metric="nll",
        splits=(split,),
    )
    return [r for r in rows if r.profile != "-" or r.paper is not None]


def table2_grid(
    records: Sequence[RunRecord],
    split: str = "test",
    configured: Sequence[RunRecord] | None = None,
) -> str:
    """Table 2 in the paper's layout: data sets by models, each cell ``paper / ours``; with
    ``configured`` (placeholders of every configured run), a cell that the records' profile
    leaves out shows "–"."""
    rows = _table2_rows(records, split)
    if records:
        cells = configured_cells_of(lambda rs: _table2_rows(rs, split), configured)
        rows = outside_profile(rows, records[0].profile, cells)
    return grid_markdown(
        rows,
        row_of=lambda r: DATASET_TITLES.get(r.dataset, r.dataset),
        col_of=lambda r: MODEL_TITLES.get(r.model, r.model),
        row_order=[DATASET_TITLES[d] for d in DATASETS],
        col_order=[MODEL_TITLES[m] for m in MODELS],
        corner=f"{split} NLL per frame (nats), paper / ours",
    )


def results_page(
    records: Sequence[RunRecord], configured: Sequence[RunRecord] | None = None
) -> str:
    """The chapter page's results, every number from the records: verdicts, Table 2 in the
    paper's layout per recorded profile (strongest first), then the computed findings."""
    table2 = [r for r in records if r.experiment == EXPERIMENT]
    budget = [r for r in records if r.experiment == BUDGET]
    parts = [verdict_box(claims(table2), label="chung2014-verdicts")]
    for profile, runs in by_profile_strongest_first(table2):
        if profile == "smoke":
            continue
        test, train = (table2_grid(runs, split, configured) for split in ("test", "train"))
        parts.append(f"### Table 2, profile `{profile}`\n\n{test}\n")
        searched = lr_search_findings(runs)
        if searched:
            parts.append(f"{searched}\n")
        parts.append(dropdown(f"Train NLL, profile `{profile}`", train))
    profile, runs = strongest(table2)
    if runs:
        parts.append(f"### What the `{profile}` runs show\n\n{findings(runs)}\n")
        parts.append(
            f"Our best beside the RNNs of Boulanger-Lewandowski et al.\n\n{baseline_table(runs)}\n"
        )
        parts.append(f"How the average is taken:\n\n{averaging_table(runs)}\n")
    parts.append(_trajectories(table2))
    if budget:
        parts.append(
            dropdown("Nottingham budget variants (GRU)", budget_table(budget).to_markdown())
        )
    return "\n".join(parts)


def _trajectories(records: Sequence[RunRecord]) -> str:
    """What a rerun of a `long` or `full` job should see on its way (a dropdown)."""
    return long_trajectory(
        records,
        lambda r: f"{DATASET_TITLES[r.config['dataset']]}, {r.config['model']}, `{r.profile}`",
        "Expected trajectory of the long and full runs",
        budget=lambda r: r.config["max_epochs"],
        metric="valid_nll",
        step="epoch",
        label="validation NLL",
        digits=2,
    )
