"""Pascanu et al. (2013): the paper's claims, each with a verdict computed from the records, and the
chapter page's generated results section."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rnnbook.experiments.pascanu2013.config import (
    GENERALISATION_EXPERIMENTS,
    GENERALISATION_FIGURE7,
    INIT_TITLES,
    INITS,
    METHOD_TITLES,
    METHODS,
    PAPER_GENERALISATION,
    PAPER_SUCCESS,
    SUCCESS,
)
from rnnbook.experiments.pascanu2013.config_seeds import FIGURE7_EXPERIMENTS
from rnnbook.experiments.pascanu2013.config_table1 import DATASET_TITLES
from rnnbook.experiments.pascanu2013.config_table1 import EXPERIMENT as TABLE1
from rnnbook.experiments.pascanu2013.report import (
    generalisation_findings,
    success_findings,
    trajectory_table,
)
from rnnbook.experiments.pascanu2013.report_table1 import findings as table1_findings
from rnnbook.profiles import PROFILES
from rnnbook.results import RunRecord, TableRow
from rnnbook.results.tables import dropdown, grid_markdown, summarize
from rnnbook.results.verdicts import (
    CONFIRMED,
    Claim,
    Comparison,
    by_profile_strongest_first,
    compare,
    judge,
    more_seeds,
    samples_by,
    strongest,
    unresolved,
    verdict_box,
)

__all__ = ["claims", "figure7_grid", "results_page"]

FIG7 = "Fig. 7 and Sec. 4.1, arXiv:1211.5063v2 (read from the text, not the figure)"
GENERAL = "Sec. 4.3, arXiv:1211.5063v2 (text)"
OTHER = "Sec. 4.1 (other pathological tasks), arXiv:1211.5063v2 (text)"
#: The pathological tasks other than temporal order that the paper says SGD-CR solves.
OTHER_TASKS = ("addition", "multiplication", "memorisation")
TABLE = "Table 1, arXiv:1211.5063v2"
PAPER_LENGTHS = (50, 100, 150, 200)
TABLE1_BUDGET = (
    "3 seeds per data set at the paper's sizes (300-500 sigmoid units), about ten times the "
    "`cpu` budget: roughly 6 core-hours"
)
FIG7_BUDGET = (
    "lengths 150 and 200, and SGD-CR with the sigmoid initialisation for more than 50,000 updates "
    "(the paper allows up to 5M): about 10 core-hours per length at 50,000 updates"
)


def _method(r: RunRecord) -> str:
    return r.extra.get("method", "")


#: Figure 7's claims are judged per group of initialisations: the tanh ones and the sigmoid.
INIT_GROUPS = {"tanh initialisations": ("basic_tanh", "smart_tanh"), "sigmoid": ("sigmoid",)}


def _figure7_claims(records: Sequence[RunRecord]) -> list[Claim]:
    runs = [
        r
        for r in records
        if r.experiment in FIGURE7_EXPERIMENTS and r.config["length"] in PAPER_LENGTHS
    ]
    profile, runs = strongest(runs)
    texts = (
        "Clipping plus the regulariser (SGD-CR) solves temporal order at lengths 50-200 where "
        "plain SGD fails",
        "Clipping alone is not enough: SGD-CR succeeds more often than SGD-C",
    )
    if not runs:
        return [unresolved(t, FIG7, "No run at the paper's lengths.", FIG7_BUDGET) for t in texts]
    s = samples_by(
        runs,
        lambda r: (r.config["length"], r.config["init"], _method(r)),
        lambda r: r.metrics["test_success"],
    )
    out = []
    for group, inits in INIT_GROUPS.items():
        cells = sorted(
            {(n, i) for n, i, _ in s if i in inits}, key=lambda k: (k[0], INITS.index(k[1]))
        )
        if not cells:
            continue
        counts = {s[(n, i, m)].n for n, i in cells for m in METHODS if (n, i, m) in s}
        rates = "; ".join(f"L{n} {INIT_TITLES[i]}: {_rates(s, n, i, counts)}" for n, i in cells)
        over = f" over {min(counts)} seeds" if len(counts) == 1 else ""
        evidence = f"Success rate SGD / SGD-C / SGD-CR{over}: {rates}."
        for text, other in zip(texts, ("sgd", "sgd-c")):
            comps = [compare(s[(n, i, "sgd-cr")], s[(n, i, other)], True) for n, i in cells]
            said = f"{evidence} SGD-CR vs {METHOD_TITLES[other]}:"
            tested = ", ".join(str(n) for n in sorted({n for n, _ in cells}))
            scope = f"{text} ({group}; tested at L = {tested})"
            out.append(judge(scope, FIG7, comps, said, profile, _fig7_to_decide(comps)))
    return out


def _rates(s: dict, length: int, init: str, counts: set[int]) -> str:
    """One cell's success rates, each with its number of seeds where the cells differ in it."""
    shown = [
        f"{v.mean:.0%}" + (f" (n = {v.n})" if len(counts) > 1 else "")
        for m in METHODS
        if (v := s.get((length, init, m))) is not None
    ]
    return " / ".join(shown)


def _fig7_to_decide(comparisons: Sequence[Comparison]) -> str:
    """More seeds where the success rates differ within noise; more updates (and the longer
    lengths) where both methods have the same rate, which no number of seeds separates."""
    undecided = [c for c in comparisons if not c.decided]
    if any(c.a.mean == c.b.mean for c in undecided):
        return (
            "more than 50,000 updates per run (the paper allows up to 5M): where both methods "
            "have the same success rate, no number of seeds separates them"
        )
    return more_seeds(undecided)


def _learned(runs: Sequence[RunRecord]) -> tuple[str, bool]:
    """How many ``runs`` learned their training lengths and how far each generalised, and
    whether every run learned and reached the paper's horizon for its task."""
    learned = [r for r in runs if r.metrics["test_success"] > 0]
    tasks = ", ".join(sorted({r.config["task"] for r in runs}))
    updates = max(r.metrics["updates"] for r in runs)
    text = (
        f"{len(learned)} of {len(runs)} runs ({tasks}) learned their lengths in {updates:,} updates"
    )
    horizons = []
    for r in learned:
        good = [n for n in r.config["test_lengths"] if r.metrics[f"L{n}_error"] < 0.01]
        horizons.append((r.config["task"], max(good, default=0)))
    if horizons:
        text += "; below 1% error: " + ", ".join(f"{t} to {h}" for t, h in horizons)
    reached = all(h >= PAPER_GENERALISATION.get(t, 0) for t, h in horizons)
    return text, bool(learned) and reached and len(learned) == len(runs)


def _generalisation_claim(records: Sequence[RunRecord]) -> Claim:
    text = (
        "Trained on lengths 50-200, SGD-CR generalises: no error on temporal order up to "
        "length 5,000, addition and multiplication up to 500"
    )
    general = [r for r in records if r.experiment in GENERALISATION_EXPERIMENTS]
    general = [r for r in general if r.config["length"] >= 50]
    parts, confirmed, shown = [], False, ""
    for experiment in GENERALISATION_EXPERIMENTS:
        for wide in (True, False):  # the paper's 50-200, then a narrower range
            mine = [r for r in general if r.experiment == experiment]
            mine = [r for r in mine if (r.config["max_length"] >= 200) == wide]
            profile, runs = strongest(mine)
            if not runs:
                continue
            label = f"trained on {runs[0].config['length']}-{runs[0].config['max_length']}"
            label += " at Figure 7's settings" if experiment == GENERALISATION_FIGURE7 else ""
            evidence, decided = _learned(runs)
            parts.append(f"{label}: {evidence}")
            confirmed |= wide and decided  # only the paper's range decides the claim
            shown = shown or profile
    if not parts:
        return unresolved(text, GENERAL, "No run trained on lengths 50-200.", "the `long` profile")
    evidence = "; ".join(parts) + "."
    if confirmed:
        return Claim(text, GENERAL, CONFIRMED, evidence, shown)
    return unresolved(
        text,
        GENERAL,
        evidence + " Generalisation is judged on runs that learn the paper's training lengths.",
        "SGD-CR for well over 50,000 updates (the paper allows 5M), or a curriculum from "
        "shorter lengths",
        shown,
    )


def _other_tasks_claim(records: Sequence[RunRecord]) -> Claim:
    text = "SGD-CR solves addition, multiplication and noiseless memorisation at lengths 50-200"
    runs = [
        r
        for r in records
        if r.experiment in GENERALISATION_EXPERIMENTS
        and r.config["task"] in OTHER_TASKS
        and r.config["length"] >= 50
        and r.config["max_length"] >= 200
    ]
    profile, runs = strongest(runs)
    if not runs:
        return unresolved(text, OTHER, "No run trained on lengths 50-200.", "the `long` profile")
    tasks = sorted({r.config["task"] for r in runs})
    counts = ", ".join(
        f"{t} {sum(r.metrics['test_success'] > 0 for r in runs if r.config['task'] == t)} of "
        f"{sum(r.config['task'] == t for r in runs)}"
        for t in tasks
    )
    updates = max(r.metrics["updates"] for r in runs)
    evidence = (
        f"Runs that learned lengths 50-200 (one model on random lengths; the paper trained one "
        f"memorisation model per length) in {updates:,} updates: {counts}."
    )
    if all(r.metrics["test_success"] > 0 for r in runs) and set(tasks) == set(OTHER_TASKS):
        return Claim(text, OTHER, CONFIRMED, evidence, profile)
    return unresolved(
        text, OTHER, evidence, "SGD-CR for well over 50,000 updates (the paper allows 5M)", profile
    )


def _every_data_set(runs: Sequence[RunRecord]) -> bool:
    """Whether ``runs`` hold Table 1's four data sets (a profile recorded in part leaves the
    claims to a weaker one that has them all)."""
    return set(DATASET_TITLES) <= {r.config["dataset"] for r in runs}


def _table1_claims(records: Sequence[RunRecord]) -> list[Claim]:
    table1 = [r for r in records if r.experiment == TABLE1]
    profile, runs = strongest(table1, _every_data_set)
    if not runs:
        profile, runs = strongest(table1)
    texts = (
        ("Clipping lowers the test error on music and Penn Treebank (SGD-C beats SGD)", "sgd"),
        ("The regulariser helps on top of clipping (SGD-CR beats SGD-C)", "sgd-c"),
    )
    s = samples_by(
        runs,
        lambda r: (r.config["dataset"], _method(r)),
        lambda r: r.metrics[f"test_{r.extra.get('metric', 'nll')}"],
    )
    sets = [ds for ds in DATASET_TITLES if all((ds, m) in s for m in METHODS)]
    out = []
    for (text, other), better in zip(texts, ("sgd-c", "sgd-cr")):
        if not sets:
            out.append(unresolved(text, TABLE, "No Table 1 runs.", "the `cpu` profile"))
            continue
        comps = [compare(s[(ds, better)], s[(ds, other)], False) for ds in sets]
        values = "; ".join(
            f"{DATASET_TITLES[ds]} " + " / ".join(s[(ds, m)].text() for m in METHODS) for ds in sets
        )
        evidence = f"Test SGD / SGD-C / SGD-CR: {values}."
        if better == "sgd-c":
            evidence += _never_clipped(runs, sets)
        same = [ds for ds in sets if s[(ds, better)].values == s[(ds, other)].values]
        to_decide = _table1_to_decide(profile, comps, [DATASET_TITLES[ds] for ds in same])
        out.append(judge(text, TABLE, comps, evidence, profile, to_decide))
    return out


def _never_clipped(runs: Sequence[RunRecord], sets: Sequence[str]) -> str:
    """A sentence naming the data sets whose SGD-C runs never reached the clipping threshold
    (the largest gradient norm before clipping, from each epoch's ``grad_norm_max``); empty if
    there are none."""
    found = []
    for ds in sets:
        clipped = [r for r in runs if r.config["dataset"] == ds and _method(r) == "sgd-c"]
        largest = max(max(r.curves.get("grad_norm_max") or [math.inf]) for r in clipped)
        threshold = clipped[0].config.get("clip", math.inf)
        if largest < threshold:
            found.append(f"{DATASET_TITLES[ds]} (largest {largest:.1f}, threshold {threshold:g})")
    if not found:
        return ""
    return (
        f" The gradient norm never reached the clipping threshold on {', '.join(found)}: there "
        "SGD-C trained exactly as SGD (the paper's threshold goes with a scale of the cost that "
        "it does not state)."
    )


def _table1_to_decide(profile: str, comparisons: Sequence[Comparison], same: list[str]) -> str:
    """Below `long`, the `long` profile; from `long` on, the seeds the spreads call for where the
    two methods differ (where every seed gave both the same number, none would separate them)."""
    if list(PROFILES).index(profile) < list(PROFILES).index("long"):
        return TABLE1_BUDGET
    apart = [c for c in comparisons if c.a.values != c.b.values]
    seeds = more_seeds(apart) if any(not c.decided for c in apart) else ""
    if not same:
        return seeds
    tied = (
        f"on {', '.join(same)} both methods gave the same number for every seed (the clipping "
        "or the regulariser never changed an update), so no number of seeds separates them"
    )
    return f"{tied}; on the other data sets, {seeds}" if seeds else tied


def claims(records: Sequence[RunRecord]) -> list[Claim]:
    """Fig. 7's two orderings, the other pathological tasks, length generalisation and Table
    1's two orderings."""
    return [
        *_figure7_claims(records),
        _other_tasks_claim(records),
        _generalisation_claim(records),
        *_table1_claims(records),
    ]


def figure7_grid(records: Sequence[RunRecord]) -> str:
    """Figure 7 as a grid: initialisation x method rows, length columns, ``paper / ours``."""
    groups: dict[tuple[int, str, str], list[RunRecord]] = {}
    for r in records:
        if r.experiment in FIGURE7_EXPERIMENTS:
            groups.setdefault((r.config["length"], r.config["init"], _method(r)), []).append(r)
    keys = set(groups) | set(PAPER_SUCCESS)
    rows = []
    for n, init, m in sorted(keys):
        profile, group = strongest(groups.get((n, init, m), []))
        mean, std = summarize([r.metrics["test_success"] for r in group])
        rows.append(
            TableRow(
                chapter="pascanu2013",
                experiment=SUCCESS,
                dataset=init,
                model=m,
                metric="success",
                split=f"L = {n}",
                paper=PAPER_SUCCESS.get((n, init, m)),
                ours_mean=mean,
                ours_std=std,
                n=len(group),
                profile=profile or "-",
                device=", ".join(sorted({r.device for r in group})),
                commit=", ".join(sorted({r.commit for r in group})),
                stale=False,
                wall_time_s=max((r.wall_time_s for r in group), default=None),
            )
        )
    return grid_markdown(
        rows,
        row_of=lambda r: f"{INIT_TITLES[r.dataset]}, {METHOD_TITLES[r.model]}",
        col_of=lambda r: r.split,
        row_order=[f"{INIT_TITLES[i]}, {METHOD_TITLES[m]}" for i in INITS for m in METHODS],
        col_order=[f"L = {n}" for n in sorted({k[0] for k in keys})],
        corner="success rate, paper (its text, Sec. 4.1) / ours",
    )


def results_page(records: Sequence[RunRecord]) -> str:
    """The chapter page's results, every number from the records (all three experiments)."""
    parts = [verdict_box(claims(records), label="pascanu2013-verdicts")]
    parts.append(f"### Figure 7 as a table\n\n{figure7_grid(records)}\n")
    success = [r for r in records if r.experiment in FIGURE7_EXPERIMENTS]
    for profile, runs in by_profile_strongest_first(success):
        if profile != "smoke":
            parts.append(
                dropdown(f"Figure 7, profile `{profile}`: findings", success_findings(runs))
            )
    long_runs = [r for r in records if r.profile in ("long", "full")]
    if long_runs:
        parts.append(dropdown("Expected trajectory of the long runs", trajectory_table(long_runs)))
    general = [r for r in records if r.experiment in GENERALISATION_EXPERIMENTS]
    for profile, runs in by_profile_strongest_first(general):
        if profile != "smoke":
            text = generalisation_findings(runs)
            parts.append(f"### Length generalisation, profile `{profile}`\n\n{text}\n")
    table1 = [r for r in records if r.experiment == TABLE1]
    for profile, runs in by_profile_strongest_first(table1):
        if profile != "smoke":
            parts.append(f"### Table 1, profile `{profile}`\n\n{table1_findings(runs)}\n")
    return "\n".join(parts)
