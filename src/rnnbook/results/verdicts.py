"""One verdict per claim of a paper, computed from recorded runs by one rule that knows about noise.

A claim is *confirmed* or *refuted* only when the recorded runs decide it: every comparison it rests
on has at least two seeds on each side, and the difference of the means exceeds twice its standard
error (``|mean_a - mean_b| > 2 sqrt(s_a^2/n_a + s_b^2/n_b)``, about a 95% two-sided test).
A difference inside that band, or one measured with a single seed, leaves the claim *unresolved*:
it is never a finding. Spreads are written one way everywhere: mean ± sample SD (n).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from rnnbook.profiles import PROFILES
from rnnbook.results.records import RunRecord

CONFIRMED, REFUTED, UNRESOLVED = "confirmed", "refuted", "unresolved"
VERDICTS = (CONFIRMED, REFUTED, UNRESOLVED)
#: How many standard errors a difference must exceed to count.
NOISE_SES = 2.0
SYMBOLS = {CONFIRMED: "✅", REFUTED: "❌", UNRESOLVED: "❔"}


@dataclass(frozen=True)
class Sample:
    """A metric over seeds; non-finite values (a diverged run) are kept out of the statistics."""

    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Iterable[float]) -> Sample:
        return cls(tuple(float(v) for v in values if v is not None and math.isfinite(v)))

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        if not self.values:
            raise ValueError("an empty sample has no mean: record at least one finished run")
        return statistics.fmean(self.values)

    @property
    def sd(self) -> float | None:
        return statistics.stdev(self.values) if self.n > 1 else None

    def text(self, digits: int = 2) -> str:
        """``mean ± SD (n)``, or ``mean (n = 1)``: the book's one spread convention."""
        if self.sd is None:
            return f"{self.mean:.{digits}f} (n = {self.n})"
        return f"{self.mean:.{digits}f} ± {self.sd:.{digits}f} (n = {self.n})"


@dataclass(frozen=True)
class Comparison:
    """Is ``a`` better than ``b``? ``sign`` is +1 when decided for a, -1 against, 0 when not."""

    a: Sample
    b: Sample
    higher_is_better: bool
    sign: int
    reason: str

    @property
    def decided(self) -> bool:
        return self.sign != 0


def compare(a: Sample, b: Sample, higher_is_better: bool) -> Comparison:
    """Decide whether ``a`` beats ``b`` under the rule of this module."""
    if a.n < 2 or b.n < 2:
        return Comparison(a, b, higher_is_better, 0, "fewer than two seeds on a side")
    diff = a.mean - b.mean
    se = math.sqrt(a.sd**2 / a.n + b.sd**2 / b.n)
    if abs(diff) <= NOISE_SES * se or diff == 0:
        reason = f"difference {diff:+.3g} within 2 SE ({NOISE_SES * se:.2g})"
        return Comparison(a, b, higher_is_better, 0, reason)
    better = diff > 0 if higher_is_better else diff < 0
    return Comparison(a, b, higher_is_better, 1 if better else -1, f"difference {diff:+.3g}")


#: Beyond this many seeds per side, a difference is reported as too small for seeds to decide.
PRACTICAL_SEEDS = 1000


def seeds_to_decide(comparison: Comparison) -> int | None:
    """The seeds per side at which ``comparison``'s difference, with the means and spreads
    measured so far, would exceed ``NOISE_SES`` standard errors: a budget, not a promise (the
    means move as seeds come). ``None`` when it cannot be said (one seed, equal means)."""
    a, b = comparison.a, comparison.b
    if a.n < 2 or b.n < 2 or a.mean == b.mean:
        return None
    spread = math.sqrt(a.sd**2 + b.sd**2)
    return max(2, math.floor((NOISE_SES * spread / abs(a.mean - b.mean)) ** 2) + 1)


def more_seeds(comparisons: Sequence[Comparison]) -> str:
    """What would decide the undecided ``comparisons``: the most seeds per side that any of them
    needs at its measured means and spreads (:func:`seeds_to_decide`)."""
    needed = [seeds_to_decide(c) for c in comparisons if not c.decided]
    known = [n for n in needed if n is not None]
    if not known:
        return "more seeds"
    have = min(min(c.a.n, c.b.n) for c in comparisons if not c.decided)
    if max(known) > PRACTICAL_SEEDS:
        return (
            f"more than {PRACTICAL_SEEDS:,} seeds per side: at the spreads measured over {have}, "
            "the means are too close for seeds to separate them"
        )
    return f"about {max(known)} seeds per side, if the spreads stay as measured over {have}"


def holds_when(comparisons: Sequence[Comparison], want: Sequence[int]) -> str:
    """The verdict of a claim that ``comparisons[i]`` come out as ``want[i]`` (+1: a better,
    -1: b better): refuted when any one is decided the other way, confirmed when all are decided
    as claimed, else unresolved."""
    if len(comparisons) != len(want) or not comparisons:
        raise ValueError(f"{len(comparisons)} comparisons for {len(want)} expected outcomes")
    if any(c.sign == -w for c, w in zip(comparisons, want)):
        return REFUTED
    if all(c.sign == w for c, w in zip(comparisons, want)):
        return CONFIRMED
    return UNRESOLVED


def all_better(comparisons: Sequence[Comparison]) -> str:
    """The verdict of "a beats b in every one of these comparisons"."""
    return holds_when(comparisons, [1] * len(comparisons))


def count_outcomes(comparisons: Sequence[Comparison], want: int = 1) -> str:
    """``decided as claimed in 5 of 8 comparisons, within noise in 2, against in 1``."""
    n = len(comparisons)
    won = sum(c.sign == want for c in comparisons)
    lost = sum(c.sign == -want for c in comparisons)
    text = f"decided as claimed in {won} of {n} comparisons"
    if n - won - lost:
        text += f", not decided (noise or one seed) in {n - won - lost}"
    return text + (f", decided against in {lost}" if lost else "")


@dataclass(frozen=True)
class Claim:
    """One claim of a paper with its computed verdict.

    ``source`` names where the paper says it (table, figure, section, and version); ``evidence``
    gives our numbers; ``to_decide`` says what budget would decide a claim left unresolved.
    """

    text: str
    source: str
    verdict: str
    evidence: str
    profile: str = ""
    to_decide: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r}: use one of {', '.join(VERDICTS)}")


def judge(
    text: str,
    source: str,
    comparisons: Sequence[Comparison],
    evidence: str,
    profile: str,
    to_decide: str,
    want: Sequence[int] | None = None,
) -> Claim:
    """The claim that ``comparisons`` come out as ``want`` (default: all for ``a``), with its
    verdict, the outcome count appended to ``evidence``, and ``to_decide`` kept only when the
    verdict is unresolved."""
    if not comparisons:
        return unresolved(text, source, "Not recorded yet.", to_decide, profile)
    want = list(want) if want is not None else [1] * len(comparisons)
    verdict = holds_when(comparisons, want)
    counted = count_outcomes(comparisons) if len(set(want)) == 1 else ""
    evidence = f"{evidence} {counted[0].upper() + counted[1:]}." if counted else evidence
    return Claim(
        text, source, verdict, evidence, profile, to_decide if verdict == UNRESOLVED else ""
    )


def unresolved(text: str, source: str, evidence: str, to_decide: str, profile: str = "") -> Claim:
    """A claim the records cannot decide (no records, or one seed, or a difference in noise)."""
    return Claim(text, source, UNRESOLVED, evidence, profile, to_decide)


def samples_by(
    records: Sequence[RunRecord],
    key: Callable[[RunRecord], Hashable],
    value: Callable[[RunRecord], float | None],
) -> dict[Hashable, Sample]:
    """Finished runs grouped by ``key(record)``, each group's ``value(record)`` as a Sample."""
    groups: dict[Hashable, list[float | None]] = {}
    for r in records:
        if r.status == "ok":
            groups.setdefault(key(r), []).append(value(r))
    return {k: Sample.of(v) for k, v in groups.items()}


def strongest(
    records: Sequence[RunRecord],
    enough: Callable[[list[RunRecord]], bool] = bool,
) -> tuple[str, list[RunRecord]]:
    """The strongest profile among ``records`` (``full``, then ``long``, then ``cpu``; never
    ``smoke``) whose finished, up-to-date runs are ``enough`` for the question asked (default:
    any), and those runs; ``("", [])`` when no profile has enough. A profile recorded only in
    part (a `long` ladder with one rung so far) thus leaves a claim to the weaker profile that
    has both sides of its comparison."""
    usable = [r for r in records if r.status == "ok" and not r.stale]
    for profile in reversed(PROFILES[1:]):  # smoke numbers mean nothing
        chosen = [r for r in usable if r.profile == profile]
        if chosen and enough(chosen):
            return profile, chosen
    return "", []


def by_profile_strongest_first(records: Sequence[RunRecord]) -> list[tuple[str, list[RunRecord]]]:
    """``records`` grouped by profile, the strongest first (every profile recorded but smoke)."""
    return [
        (p, [r for r in records if r.profile == p])
        for p in reversed(PROFILES[1:])
        if any(r.profile == p for r in records)
    ]


def tally(claims: Sequence[Claim]) -> str:
    """``2 confirmed, 1 refuted, 3 unresolved`` (zero counts left out)."""
    counts = [(v, sum(c.verdict == v for c in claims)) for v in VERDICTS]
    return ", ".join(f"{n} {v}" for v, n in counts if n) or "no claims"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def verdict_table(claims: Sequence[Claim]) -> str:
    """A Markdown table: claim (with its source), verdict, evidence (and what would decide it)."""
    lines = ["| the paper's claim | verdict | our evidence |", "|---|---|---|"]
    for c in claims:
        evidence = c.evidence + (f" *To decide:* {c.to_decide}" if c.to_decide else "")
        if c.profile:
            evidence += f" (`{c.profile}`)"
        lines.append(
            f"| {_cell(c.text)} ({_cell(c.source)}) | {SYMBOLS[c.verdict]} {c.verdict} "
            f"| {_cell(evidence)} |"
        )
    return "\n".join(lines)


RULE = (
    "A claim is confirmed or refuted only when the runs decide it: at least two seeds on each "
    "side of every comparison, and a difference of the means larger than twice its standard "
    "error. Anything else is unresolved. Numbers are mean ± sample SD (n seeds)."
)


def verdict_box(claims: Sequence[Claim], label: str = "") -> str:
    """A MyST admonition holding the verdict table and the rule, for a chapter page."""
    anchor = f"({label})=\n" if label else ""
    return (
        f"{anchor}:::{{admonition}} Verdicts: {tally(claims)}\n:class: tip\n\n"
        f"{verdict_table(claims)}\n\n{RULE}\n:::\n"
    )
