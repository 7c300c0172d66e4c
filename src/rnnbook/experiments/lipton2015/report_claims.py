"""Lipton et al. (2015): the review's claims made executable, each with a verdict computed from the
records, and the chapter page's generated results section."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from rnnbook.experiments.lipton2015.config import (
    BRNN,
    COPY,
    GRADIENTS,
    INIT_FACTORS,
    TBPTT,
    variant_label,
)
from rnnbook.experiments.lipton2015.config_seeds import INIT_FACTOR_SEEDS
from rnnbook.experiments.lipton2015.report import brnn_findings, copy_findings, tbptt_findings
from rnnbook.experiments.lipton2015.report_gradients import (
    FACTOR_EXPERIMENTS,
    gradient_findings,
    init_factor_findings,
)
from rnnbook.results import RunRecord
from rnnbook.results.tables import dropdown
from rnnbook.results.trajectory import trajectory_markdown
from rnnbook.results.verdicts import (
    UNRESOLVED,
    Claim,
    Sample,
    all_better,
    by_profile_strongest_first,
    compare,
    count_outcomes,
    judge,
    more_seeds,
    samples_by,
    seeds_to_decide,
    strongest,
    unresolved,
    verdict_box,
)

__all__ = ["claims", "results_page"]

REVIEW = "arXiv:1506.00019v4"
FINDINGS = {
    GRADIENTS: gradient_findings,
    INIT_FACTORS: init_factor_findings,
    INIT_FACTOR_SEEDS: init_factor_findings,
    TBPTT: tbptt_findings,
    BRNN: brnn_findings,
}
TITLES = {
    GRADIENTS: "Gradients through time",
    INIT_FACTORS: "The per-step factor at initialisation, over many seeds",
    INIT_FACTOR_SEEDS: "The per-step factor at initialisation, the seeds added where 500 did not "
    "decide",
    TBPTT: "Truncated backpropagation through time",
    BRNN: "Bidirectional RNNs",
    COPY: "The copy task",
}


def _of(records: Sequence[RunRecord], experiment: str) -> tuple[str, list[RunRecord]]:
    return strongest([r for r in records if r.experiment == experiment])


def _init_factor_runs(records: Sequence[RunRecord]) -> tuple[str, list[RunRecord]]:
    """The runs that give the per-step factor at initialisation: the many seeds of
    ``init_factors`` with those ``init_factor_seeds`` adds, where recorded, else the few of
    ``gradients``."""
    profile, runs = strongest([r for r in records if r.experiment in FACTOR_EXPERIMENTS])
    return (profile, runs) if runs else _of(records, GRADIENTS)


def _gradient_claims(records: Sequence[RunRecord]) -> list[Claim]:
    text_tanh = (
        "In a tanh RNN the gradient shrinks by a factor per step below 1 when the recurrent "
        "weights' spectral radius is below 1 (|w|^(t-τ), vanishing)"
    )
    text_cec = "The LSTM's forget gate, biased open, keeps the gradient better than a tanh RNN"
    source = f"Sec. 3.2 and 4.1, {REVIEW}"
    profile, runs = _init_factor_runs(records)
    s = samples_by(
        runs, lambda r: (r.config["model"], r.metrics["variant"]), lambda r: r.metrics["init_rate"]
    )
    below = [k for k in s if k[0] == "tanh" and k[1] < 1]
    if not below:
        return [
            unresolved(t, source, "Not recorded yet.", "the `cpu` profile")
            for t in (text_tanh, text_cec)
        ]
    one = Sample((1.0, 1.0))  # the factor of a gradient that neither shrinks nor grows
    comps = [compare(one, s[k], True) for k in sorted(below)]
    shown = ", ".join(f"ρ = {k[1]:g}: {s[k].text()}" for k in sorted(below))
    out = [
        Claim(
            text_tanh,
            source,
            all_better(comps),
            f"Per-step factor at initialisation, {shown}. Below 1: {count_outcomes(comps)}.",
            profile,
        ),
        _exploding_claim(s, source, profile, _seeds_added(runs)),
    ]
    out.append(_carousel_claim(text_cec, source, runs, s, profile))
    return out


def _carousel_claim(text: str, source: str, runs, s: dict, profile: str) -> Claim:
    """The LSTM at its largest forget-gate bias against the tanh RNN at ρ = 1, on how close the
    per-step factor stays to 1; the memory cell's own factor (the forget gates alone) beside."""
    lstm = sorted(k for k in s if k[0] == "lstm")
    tanh_one = s.get(("tanh", 1.0))
    if not lstm or tanh_one is None:
        return unresolved(text, source, "Not recorded yet.", "the `cpu` profile")
    best = max(lstm, key=lambda k: k[1])
    # "keeps better" is closeness to 1, not size: a factor above 1 grows over the lag
    gap, gap_tanh = _distance_from_one(s[best].values), _distance_from_one(tanh_one.values)
    comp = compare(gap, gap_tanh, False)
    return Claim(
        text,
        source,
        all_better([comp]),
        f"Per-step factor at initialisation (1 keeps the gradient): LSTM with forget bias "
        f"{best[1]:g} {s[best].text(3)}, tanh RNN at ρ = 1 {tanh_one.text(3)}; distance "
        f"from 1 compared: {comp.reason}.{_carousel_alone(runs, best[1], gap_tanh)}",
        profile,
        "" if comp.decided else more_seeds([comp]),
    )


def _distance_from_one(factors) -> Sample:
    """How far each per-step factor is from 1, the factor that keeps a gradient."""
    return Sample(tuple(abs(v - 1) for v in factors))


def _carousel_alone(runs, bias: float, gap_tanh: Sample) -> str:
    """The factor along the memory cell alone (the forget gates' product, leaving out the paths
    through the gates) at forget bias ``bias``, and how its distance from 1 compares with the
    tanh RNN's (``gap_tanh``) under the verdicts' rule; empty where the runs do not measure it."""
    values = [
        r.metrics["init_carousel_rate"]
        for r in runs
        if r.config["model"] == "lstm"
        and r.metrics["variant"] == bias
        and "init_carousel_rate" in r.metrics
    ]
    if not values:
        return ""
    comp = compare(_distance_from_one(values), gap_tanh, False)
    outcome = {1: "closer to", -1: "further from", 0: "not decidedly closer to"}[comp.sign]
    return (
        " Along the memory cell alone (the forget gates' product, without the paths through "
        f"the gates) the LSTM's factor is {Sample(tuple(values)).text(3)}, {outcome} 1 than "
        f"the tanh RNN's ({comp.reason})."
    )


def _seeds_added(runs: Sequence[RunRecord]) -> str:
    """Which variants' samples pool ``init_factor_seeds``' runs with ``init_factors``', and how
    many each adds (a sentence; empty where none)."""
    added: dict[tuple[str, float], int] = {}
    for r in runs:
        if r.experiment == INIT_FACTOR_SEEDS:
            key = (r.config["model"], r.metrics["variant"])
            added[key] = added.get(key, 0) + 1
    if not added:
        return ""
    shown = ", ".join(f"{n:,} of {variant_label(m, v)}" for (m, v), n in sorted(added.items()))
    return (
        f" The samples pool `init_factors`' seeds with those `{INIT_FACTOR_SEEDS}` adds "
        f"({shown}), a number fixed before measuring."
    )


def _exploding_claim(s: dict, source: str, profile: str, added: str = "") -> Claim:
    """The other half of |w|^(t-τ): above a spectral radius of 1 the factor exceeds 1."""
    text = (
        "In a tanh RNN the gradient grows by a factor per step above 1 when the recurrent "
        "weights' spectral radius is above 1 (|w|^(t-τ), exploding)"
    )
    above = sorted(k for k in s if k[0] == "tanh" and k[1] > 1)
    if not above:
        return unresolved(text, source, "Not recorded yet.", "a tanh RNN at ρ > 1, the `cpu` plan")
    one = Sample((1.0, 1.0))
    comps = [compare(s[k], one, True) for k in above]
    shown = ", ".join(f"ρ = {k[1]:g}: {s[k].text(3)}" for k in above)
    # the verdict reads the mean; a skewed spread can put the typical seed on the other side
    typical = "; ".join(
        f"ρ = {k[1]:g}: median {statistics.median(s[k].values):.3f}, above 1 for "
        f"{sum(v > 1 for v in s[k].values):,} of {s[k].n:,} seeds"
        for k in above
    )
    # the seeds a radius needs for its mean factor to leave 1 by 2 SE (1 itself has no spread)
    needed = [(seeds_to_decide(c), c.a.n) for c in comps if not c.decided]
    to_decide = ", ".join(f"about {n} seeds (spread as measured over {m})" for n, m in needed)
    return Claim(
        text,
        source,
        all_better(comps),
        f"Per-step factor at initialisation, {shown}. Above 1: {count_outcomes(comps)}. The "
        f"tanh's derivative, at most 1, pulls the factor below the radius. Seed by seed "
        f"({typical}).{added}",
        profile,
        to_decide,
    )


def _tbptt_claim(records: Sequence[RunRecord]) -> Claim:
    text = "Truncated BPTT cannot learn a dependency longer than its window"
    source = f"Sec. 4.1, {REVIEW}"
    profile, runs = _of(records, TBPTT)
    s = samples_by(
        runs, lambda r: (r.config["lag"], r.metrics["window"]), lambda r: r.metrics["test_accuracy"]
    )
    comps, shown = [], []
    for lag in sorted({k[0] for k in s}):
        short = [k for k in s if k[0] == lag and k[1] is not None and k[1] < lag]
        if (lag, None) in s:
            for k in short:
                comps.append(compare(s[(lag, None)], s[k], True))
                shown.append(
                    f"lag {lag}: full {s[(lag, None)].text(3)}, window {k[1]} {s[k].text(3)}"
                )
    if not comps:
        return unresolved(text, source, "Not recorded yet.", "the `cpu` profile")
    return judge(text, source, comps, "; ".join(shown) + ".", profile, "more seeds")


def _brnn_claim(records: Sequence[RunRecord]) -> Claim:
    text = "A bidirectional RNN beats either one-directional RNN on a task that needs both sides"
    source = f"Sec. 4.2, {REVIEW}"
    profile, runs = _of(records, BRNN)
    s = samples_by(runs, lambda r: r.config["model"], lambda r: r.metrics["test_accuracy"])
    if not {"bidirectional", "forward", "backward"} <= set(s):
        return unresolved(text, source, "Not recorded yet.", "the `cpu` profile")
    comps = [compare(s["bidirectional"], s[m], True) for m in ("forward", "backward")]
    shown = ", ".join(f"{m} {s[m].text(3)}" for m in ("bidirectional", "forward", "backward"))
    return judge(text, source, comps, f"Test accuracy {shown}.", profile, "more seeds")


def _copy_claim(records: Sequence[RunRecord]) -> Claim:
    text = (
        "On the copy task an NTM generalises beyond its training lengths while an LSTM does not "
        "(Graves et al. 2014, quoted by the review)"
    )
    source = f"Sec. 5.4, {REVIEW}; Graves et al. 2014, Sec. 4.1"
    profile, runs = _of(records, COPY)
    to_decide = (
        "the `long` profile: the NTM with an LSTM controller for 30,000 updates on lengths 1-20, "
        "3 seeds (about 2 core-hours per model)"
    )
    learned = samples_by(runs, lambda r: r.config["model"], lambda r: r.metrics["valid_bit_errors"])
    if "ntm-lstm" not in learned or "lstm" not in learned:
        have = ", ".join(f"{m} {learned[m].text()}" for m in sorted(learned)) or "none"
        said = f"At `{profile}` only some models are recorded (validation bit errors: {have})."
        return unresolved(text, source, said if learned else "Not recorded yet.", to_decide)
    lengths = sorted(
        int(k[1:].split("_")[0])
        for k in runs[0].metrics
        if k.endswith("_bit_errors") and k[0] == "L"
    )
    longest = lengths[-1]
    errors = samples_by(
        runs, lambda r: r.config["model"], lambda r: r.metrics[f"L{longest}_bit_errors"]
    )
    ntm = learned["ntm-lstm"]
    shown = (
        f"Validation bit errors per sequence at the training lengths: NTM (LSTM controller) "
        f"{ntm.text()}, LSTM {learned['lstm'].text()}; at length {longest}: NTM "
        f"{errors['ntm-lstm'].text(1)}, LSTM {errors['lstm'].text(1)}"
    )
    if ntm.mean >= 1:
        return unresolved(
            text,
            source,
            shown + "; the NTM has not yet learned its training lengths.",
            to_decide,
            profile,
        )
    comp = compare(errors["ntm-lstm"], errors["lstm"], False)
    verdict = all_better([comp])
    return Claim(
        text,
        source,
        verdict,
        shown + f"; {comp.reason}.",
        profile,
        "more seeds" if verdict == UNRESOLVED else "",
    )


def claims(records: Sequence[RunRecord]) -> list[Claim]:
    """Vanishing gradients and the carousel, truncation, bidirectionality and the copy task."""
    return [
        *_gradient_claims(records),
        _tbptt_claim(records),
        _brnn_claim(records),
        _copy_claim(records),
    ]


def results_page(records: Sequence[RunRecord]) -> str:
    """The chapter page's results, every number from the records."""
    parts = [verdict_box(claims(records), label="lipton2015-verdicts")]
    for experiment, title in TITLES.items():
        findings = FINDINGS.get(experiment, copy_findings)
        for profile, runs in by_profile_strongest_first(
            [r for r in records if r.experiment == experiment]
        ):
            parts.append(f"### {title}, profile `{profile}`\n\n{findings(runs)}\n")
    heavy = [r for r in records if r.experiment == COPY and r.profile in ("long", "full")]
    if heavy:
        groups = {
            f"{r.config['model']}, `{r.profile}`": [
                x for x in heavy if (x.config["model"], x.profile) == (r.config["model"], r.profile)
            ]
            for r in heavy
        }
        table = trajectory_markdown(
            groups,
            budget=lambda r: r.config["updates"],
            metric="valid_bit_errors",
            label="validation bit errors",
            digits=2,
        )
        parts.append(dropdown("Expected trajectory of the copy task's long runs", table))
    return "\n".join(parts)
