"""The one verdict rule on hand-computed cases: two seeds a side, a difference beyond 2 SE."""

from __future__ import annotations

import math

import pytest

from rnnbook.results import RunRecord
from rnnbook.results.verdicts import (
    CONFIRMED,
    REFUTED,
    UNRESOLVED,
    Claim,
    Sample,
    all_better,
    compare,
    count_outcomes,
    holds_when,
    more_seeds,
    seeds_to_decide,
    strongest,
    tally,
    verdict_box,
)


def test_a_sample_states_mean_sd_and_n_and_drops_non_finite_values():
    s = Sample.of([1.0, 3.0, float("nan"), None])
    assert (s.n, s.mean, s.sd) == (2, 2.0, math.sqrt(2))
    assert s.text() == "2.00 ± 1.41 (n = 2)"
    assert Sample.of([5.0]).text(1) == "5.0 (n = 1)"
    with pytest.raises(ValueError, match="empty sample"):
        _ = Sample(()).mean


def test_a_difference_beyond_two_standard_errors_is_decided():
    # means 1 and 2, SDs 0.1 and 0.1, n 3 and 3: SE = sqrt(0.01/3 + 0.01/3) = 0.0816; 1 > 0.163
    a, b = Sample((0.9, 1.0, 1.1)), Sample((1.9, 2.0, 2.1))
    assert compare(b, a, higher_is_better=True).sign == 1
    assert compare(b, a, higher_is_better=False).sign == -1
    assert compare(a, b, higher_is_better=False).sign == 1


def test_a_difference_within_noise_or_with_one_seed_is_not_decided():
    # means 1.0 and 1.1, SDs 0.1: SE = 0.0816, 2 SE = 0.163 > 0.1
    close = compare(Sample((0.9, 1.0, 1.1)), Sample((1.0, 1.1, 1.2)), True)
    assert close.sign == 0 and close.reason == "difference -0.1 within 2 SE (0.16)"
    lonely = compare(Sample((10.0,)), Sample((0.0, 0.1)), True)
    assert lonely.sign == 0 and "fewer than two seeds" in lonely.reason
    assert compare(Sample((1.0, 1.0)), Sample((1.0, 1.0)), True).sign == 0


def test_the_seeds_that_would_decide_a_difference_at_the_measured_spread():
    # means 1.0 and 1.1, SDs 0.1 each: 2 SE at n seeds a side = 2 * sqrt(0.02 / n) < 0.1 from
    # n > 8: nine seeds a side; with nine, the same means and SDs are decided
    close = compare(Sample((0.9, 1.0, 1.1)), Sample((1.0, 1.1, 1.2)), True)
    assert seeds_to_decide(close) == 9
    nine = [1.0 + 0.1 * x for x in (-1.5, -1.2, -0.5, 0, 0, 0, 0.5, 1.2, 1.5)]  # SD 0.099
    wider = compare(Sample(tuple(nine)), Sample(tuple(v + 0.1 for v in nine)), True)
    assert wider.a.sd == pytest.approx(0.1, rel=0.05) and wider.decided
    assert seeds_to_decide(compare(Sample((10.0,)), Sample((0.0, 0.1)), True)) is None
    assert seeds_to_decide(compare(Sample((1.0, 1.0)), Sample((1.0, 1.0)), True)) is None
    decided = compare(Sample((0.9, 1.0, 1.1)), Sample((1.9, 2.0, 2.1)), False)
    text = more_seeds([close, decided])  # the decided one needs nothing more
    assert text == "about 9 seeds per side, if the spreads stay as measured over 3"
    hair = compare(Sample((0.9, 1.0, 1.1)), Sample((0.901, 1.001, 1.101)), True)
    assert seeds_to_decide(hair) > 1000
    assert more_seeds([close, hair]).startswith("more than 1,000 seeds per side: at the spreads")


def test_identical_seeds_with_different_means_are_decided():
    """0 of 5 against 5 of 5 successes: no spread at all, the difference is decided."""
    assert compare(Sample((1.0,) * 5), Sample((0.0,) * 5), True).sign == 1


def test_a_claim_is_refuted_by_one_decided_contradiction_and_confirmed_only_by_all():
    win = compare(Sample((2.0, 2.0)), Sample((1.0, 1.0)), True)
    loss = compare(Sample((1.0, 1.0)), Sample((2.0, 2.0)), True)
    tie = compare(Sample((1.0, 2.0)), Sample((1.0, 2.0)), True)
    assert all_better([win, win]) == CONFIRMED
    assert all_better([win, tie]) == UNRESOLVED
    assert all_better([win, tie, loss]) == REFUTED
    assert holds_when([loss], [-1]) == CONFIRMED
    assert count_outcomes([win, tie, loss]) == (
        "decided as claimed in 1 of 3 comparisons, not decided (noise or one seed) in 1, "
        "decided against in 1"
    )
    with pytest.raises(ValueError, match="2 comparisons for 1"):
        holds_when([win, win], [1])


def test_verdicts_render_as_a_box_with_their_tally_and_the_rule():
    claims = [
        Claim("A beats B", "Table 1", CONFIRMED, "A 2 | B 1", "cpu"),
        Claim("C beats D", "Fig. 2", UNRESOLVED, "one seed", "cpu", "three seeds"),
    ]
    assert tally(claims) == "1 confirmed, 1 unresolved"
    box = verdict_box(claims, label="x-verdicts")
    assert box.startswith("(x-verdicts)=\n:::{admonition} Verdicts: 1 confirmed, 1 unresolved")
    assert "A 2 \\| B 1" in box and "*To decide:* three seeds" in box
    with pytest.raises(ValueError, match="'maybe'"):
        Claim("x", "y", "maybe", "z")


def toy_record(run_id: str, profile: str) -> RunRecord:
    return RunRecord("c", "e", profile, run_id, {}, "h", 0, {"x": 1.0})


def test_the_strongest_profile_is_chosen_and_smoke_never():
    smoke = toy_record("a", profile="smoke")
    cpu, full = toy_record("b", profile="cpu"), toy_record("c", profile="full")
    assert strongest([smoke]) == ("", [])
    assert strongest([smoke, cpu, full])[0] == "full"
    assert strongest([smoke, cpu])[1] == [cpu]


def test_the_strongest_profile_is_the_strongest_with_enough_for_the_question():
    """A `long` profile recorded in part (one side of a comparison so far) leaves the question
    to the `cpu` runs that have both sides, instead of hiding them."""
    from rnnbook.results import RunRecord
    from rnnbook.results.verdicts import strongest

    def run(profile: str, model: str) -> RunRecord:
        return RunRecord(
            chapter="c",
            experiment="e",
            profile=profile,
            run_id=f"{model}-{profile}",
            config={"model": model},
            config_hash="h",
            seed=0,
            metrics={},
        )

    records = [run("cpu", "a"), run("cpu", "b"), run("long", "a")]
    assert strongest(records)[0] == "long"

    def both(runs):
        return {"a", "b"} <= {r.config["model"] for r in runs}

    profile, runs = strongest(records, both)
    assert profile == "cpu" and len(runs) == 2
    assert strongest([run("long", "a")], both) == ("", [])
