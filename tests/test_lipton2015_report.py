"""The chapter's findings and tables are computed from records: each is checked here on records
made by hand, where the right sentence is known."""

from __future__ import annotations

import pytest

from rnnbook.experiments.lipton2015 import report as R
from rnnbook.experiments.lipton2015 import report_gradients as G
from rnnbook.results import RunRecord


def _record(experiment, run_id, config, metrics, curves=None, extra=None, profile="cpu"):
    return RunRecord(
        chapter="lipton2015",
        experiment=experiment,
        profile=profile,
        run_id=run_id,
        config=config,
        config_hash="x",
        seed=0,
        metrics=metrics,
        curves=curves or {},
        extra=extra or {},
    )


# --- the copy task -------------------------------------------------------------------------------

LENGTHS = [10, 20, 40, 80]


def _copy(model, errs, perfect=None, lengths=LENGTHS, profile="cpu", seed=0):
    config = {"train_min": 1, "train_max": 10, "test_lengths": lengths, "model": model}
    perfect = perfect or [float(e == 0) for e in errs]
    metrics = {f"L{n}_bit_errors": e for n, e in zip(lengths, errs)}
    metrics |= {f"L{n}_perfect": p for n, p in zip(lengths, perfect)}
    return _record("copy", f"{model}-s{seed}", config, metrics, profile=profile)


def test_chance_is_half_the_bits():
    assert R.chance_bit_errors(1) == 4 and R.chance_bit_errors(100) == 400


def test_copy_findings_state_generalisation_from_the_numbers():
    text = R.copy_findings([_copy("ntm-ff", [0, 0, 1, 30]), _copy("lstm", [0, 20, 90, 300])])
    assert "**NTM (feed-forward controller)**" in text
    assert "Longest test length with under 1% wrong bits: 40 (4.0×" in text
    assert "**LSTM**" in text and "under 1% wrong bits: 10 (1.0×" in text
    assert "half the sequences copied perfectly: 20 (2.0×)" in text
    # the NTM beats the LSTM by more than a tenth of chance (8, 16, 32 bits) at every length
    assert "than the LSTM, by more than a tenth of chance, at 3 of 3 test lengths" in text
    assert "(20, 40, 80)" in text
    # 300 of 320 chance errors at 80 is at least 90% of chance; 90 of 160 at 40 is not
    assert "The LSTM is no better than guessing" in text and "at 1 of 3 lengths beyond" in text


def test_copy_findings_do_not_count_a_difference_between_two_guessers():
    """Both models at chance (398 and 399 of 400 bits): no win for the NTM."""
    lengths = [100]
    text = R.copy_findings(
        [
            _copy("ntm-lstm", [398.0], [0.0], lengths=lengths),
            _copy("lstm", [399.0], [0.0], lengths=lengths),
        ]
    )
    assert "at 0 of 1 test lengths (none)" in text
    assert "NTM (LSTM controller) is no better than guessing" in text


def test_copy_findings_count_perfect_copies():
    """Mean bit errors can be high while most sequences are copied perfectly: the findings say
    both."""
    text = R.copy_findings([_copy("ntm-ff", [0, 0, 10, 100], [1.0, 0.9, 0.8, 0.6])])
    assert "share copied perfectly 1.00 at 10, 0.90 at 20, 0.80 at 40, 0.60 at 80" in text
    assert "half the sequences copied perfectly: 80 (8.0×)" in text


def test_copy_table_lists_each_profile_at_its_own_lengths():
    """Two profiles with different test lengths: no empty rows for lengths of the other."""
    records = [
        _copy("lstm", [0, 5], lengths=[4, 8], profile="smoke"),
        _copy("lstm", [0, 1, 2, 3]),
    ]
    rows = R.copy_table(records).rows
    assert {(r.profile, r.split) for r in rows} == {("smoke", "L4"), ("smoke", "L8")} | {
        ("cpu", f"L{n}") for n in LENGTHS
    }
    assert all(r.ours_mean is not None for r in rows)


# --- truncated BPTT and the bidirectional RNN -----------------------------------------------------


def test_brnn_findings_compare_with_the_one_sided_bound():
    def rec(model, acc):
        return _record(
            "brnn",
            f"{model}-s0",
            {"model": model},
            {"test_accuracy": acc, "one_sided_bound": 0.625, "majority": 0.4375},
        )

    text = R.brnn_findings([rec("forward", 0.62), rec("bidirectional", 0.99)])
    assert "**forward**: test accuracy 0.620 (n = 1), at or below" in text
    assert "**bidirectional**: test accuracy 0.990 (n = 1), above" in text


def test_tbptt_findings_split_windows_at_the_lag():
    def rec(k, acc):
        return _record(
            "tbptt",
            f"lag10-{k}-s0",
            {"lag": 10, "cell": "lstm"},
            {"test_accuracy": acc, "window": k, "chance": 0.125},
        )

    text = R.tbptt_findings([rec(5, 0.13), rec(15, 0.99), rec(None, 0.98)])
    assert "TBPTT k=5: 0.13" in text and "0 of 1 learned" in text
    assert "TBPTT k=15: 0.99, full BPTT: 0.98) — 2 of 2 learned" in text


# --- gradients -----------------------------------------------------------------------------------


def _grad(model, value, init, trained, seed=0, carousel=0.5):
    metrics = {"variant": value, "init_rate": init, "trained_rate": trained}
    if model == "lstm":
        metrics["init_carousel_rate"] = carousel
    return _record(
        "gradients",
        f"{model}-{value}-s{seed}",
        {"model": model},
        metrics,
        curves={"lag": [1, 2, 3], "log10_norm_mean_init": [0.0, -1.0, -2.0]},
    )


def test_gradient_findings_compare_means_over_seeds():
    """The LSTM's seeds give 1.10 and 0.98: its factor is their mean, 1.040, not the larger."""
    records = [
        _grad("tanh", 0.5, 0.49, 0.6),
        _grad("tanh", 1.5, 1.0, 0.99),
        _grad("lstm", 3.0, 1.10, 1.0, seed=0),
        _grad("lstm", 3.0, 0.98, 1.0, seed=1),
    ]
    text = G.gradient_findings(records)
    assert "**lstm-bf3** (n = 2): per-step factor 1.040 at initialisation (growing" in text
    # nearest 1: the LSTM's 1.040 against the tanh RNN's 1.0 (exactly 1: nothing is nearer)
    assert "The LSTM whose factor is nearest 1 (1.040 per step) is no nearer" in text
    assert "1.100" not in text


def test_gradient_findings_compare_the_tanh_factor_with_rho():
    records = [
        _grad("tanh", 0.5, 0.49, 0.6),
        _grad("tanh", 0.9, 0.86, 0.92),
        _grad("tanh", 1.5, 1.0, 0.99),
    ]
    text = G.gradient_findings(records)
    assert "rises monotonically with the spectral radius (0.49, 0.86, 1.00" in text
    assert "Below ρ = 1 the factor is within 0.04 of ρ" in text
    text = G.gradient_findings([*records[:1], _grad("tanh", 0.9, 0.856, 0.92), *records[2:]])
    assert "within 0.05 of ρ" in text  # 0.044 is stated as 0.05, never as 0.04
    assert "Above ρ = 1 the factor stays at or below 1.00 (ρ = 1.5): tanh saturates" in text
    assert "2 of 3 variants have a factor closer to 1" in text


def _factor(model, variant, rate, seed, experiment="init_factors", profile="cpu"):
    label = f"tanh-rho{variant:g}" if model == "tanh" else f"lstm-bf{variant:g}"
    return _record(
        experiment,
        f"{label}-s{seed}",
        {"model": model},
        {"init_rate": rate, "variant": variant, "trained_rate": rate},
        profile=profile,
    )


def test_init_factor_findings_give_spread_and_count_below_one():
    rates = [0.9, 0.95, 1.0, 1.05, 0.85]  # mean 0.95, SD 0.0791, two of five not below 1
    text = G.init_factor_findings([_factor("tanh", 1.0, v, s) for s, v in enumerate(rates)])
    assert "**tanh-rho1** (n = 5): 0.950 ± 0.079" in text
    assert "10th to 90th percentile 0.870 to 1.030" in text
    assert "below 1 for 3 of 5 seeds" in text
    more = [_factor("tanh", 1.5, v, s) for s, v in enumerate((1.05, 1.06, 1.07))]
    more += [_factor("tanh", 0.5, 0.49, 0)]
    more += [_factor("lstm", b, v, 0) for b, v in ((0.0, 0.6), (3.0, 1.06))]
    text = G.init_factor_findings(more)
    assert "reaches 1.06 (ρ = 1.5): the norm grows for ρ = 1.5, more slowly than" in text
    assert "**tanh-rho0.5** (n = 1): 0.490, 10th" in text  # no SD of one seed
    assert "rises with the forget-gate bias (0.60, 1.06 for b_f = 0, 3)" in text


def test_the_forget_gate_claim_is_judged_on_the_many_seeds():
    """With `init_factors` recorded, the claim uses its seeds, not the gradients experiment's
    few (which here would leave it undecided): 0.05 from 1 beats 0.2 from 1 on 4 seeds a side."""
    from rnnbook.experiments.lipton2015 import report_claims

    few = [
        _factor(m, v, r, s, "gradients", "full")
        for s in range(2)
        for m, v, r in (("tanh", 1.0, 0.6 + 0.4 * s), ("tanh", 0.5, 0.5), ("lstm", 3.0, 1.05))
    ]
    many = [
        _factor(m, v, r + 0.001 * s, s)
        for s in range(4)
        for m, v, r in (("tanh", 1.0, 0.8), ("tanh", 0.5, 0.5), ("lstm", 3.0, 1.05))
    ]
    cec = next(c for c in report_claims.claims(few + many) if "forget gate" in c.text)
    assert cec.verdict == "confirmed" and cec.profile == "cpu" and "(n = 4)" in cec.evidence
    cec = next(c for c in report_claims.claims(few) if "forget gate" in c.text)
    assert cec.verdict == "unresolved" and cec.profile == "full"


def test_the_forget_gate_claim_sets_the_memory_cells_own_factor_beside():
    """The memory cell alone (forget gates only) is judged by the same rule: 0.97 +- 0.01 from
    LSTM runs whose whole factor is 1.3 is closer to 1 than the tanh's 0.8, which the whole
    factor is not; runs without the metric add nothing."""
    from rnnbook.experiments.lipton2015 import report_claims

    runs = [
        _factor(m, v, r + 0.01 * (s - 1), s)
        for s in range(3)
        for m, v, r in (("tanh", 1.0, 0.8), ("tanh", 0.5, 0.5), ("lstm", 3.0, 1.3))
    ]

    def cec(records):
        return next(c for c in report_claims.claims(records) if "forget gate" in c.text)

    assert cec(runs).verdict == "refuted" and "memory cell alone" not in cec(runs).evidence
    for r in runs:
        if r.config["model"] == "lstm":
            r.metrics["init_carousel_rate"] = 0.97 + 0.01 * (int(r.run_id[-1]) - 1)
    judged = cec(runs)
    assert judged.verdict == "refuted"  # the verdict stays the whole network's
    assert "the LSTM's factor is 0.970 ± 0.010 (n = 3), closer to 1 than the tanh" in (
        judged.evidence
    )


def test_the_exploding_claim_needs_every_radius_above_1_to_grow_the_gradient():
    from rnnbook.experiments.lipton2015 import report_claims

    def runs(factor_at_1_1):
        return [
            _factor("tanh", rho, rate + 0.01 * (s - 1), s)
            for s in range(3)
            for rho, rate in ((0.5, 0.5), (1.1, factor_at_1_1), (1.5, 1.2))
        ]

    def exploding(records):
        return next(c for c in report_claims.claims(records) if "exploding" in c.text)

    assert exploding(runs(1.1)).verdict == "confirmed"
    assert exploding(runs(0.9)).verdict == "refuted"  # the radius above 1, the factor below
    near = exploding(runs(1.005))  # inside the noise of 3 seeds
    assert near.verdict == "unresolved" and "(spread as measured over 3)" in near.to_decide
    assert exploding(runs(1.1)[:1]).evidence == "Not recorded yet."  # only a radius below 1


def test_the_exploding_claim_pools_the_added_seeds_with_init_factors():
    """Three seeds at ρ = 1.1 just above 1 do not decide; with `init_factor_seeds`' three more
    (seeds 3-5, the same factors again) the pooled six do, and the evidence says what was
    pooled. Added seeds at another profile pool with nothing."""
    from rnnbook.experiments.lipton2015 import report_claims

    def runs(seeds, experiment="init_factors", profile="cpu"):
        rhos = (1.1,) if experiment == "init_factor_seeds" else (0.5, 1.1)
        return [
            _factor("tanh", rho, rho * 0.9 + 0.02 + 0.012 * (s % 3 - 1), s, experiment, profile)
            for s in seeds
            for rho in rhos
        ]

    def exploding(records):
        return next(c for c in report_claims.claims(records) if "exploding" in c.text)

    few = exploding(runs(range(3)))  # 1.01 ± 0.012 over 3: within two standard errors of 1
    assert few.verdict == "unresolved" and "pool" not in few.evidence
    pooled = exploding(runs(range(3)) + runs(range(3, 6), "init_factor_seeds"))
    assert pooled.verdict == "confirmed" and "(n = 6)" in pooled.evidence
    assert "with those `init_factor_seeds` adds (3 of tanh-rho1.1)" in pooled.evidence
    assert "ρ = 1.1: median 1.010, above 1 for 4 of 6 seeds" in pooled.evidence
    elsewhere = exploding(runs(range(3)) + runs(range(3, 6), "init_factor_seeds", "smoke"))
    assert elsewhere.verdict == "unresolved" and "(n = 3)" in elsewhere.evidence
    table = G.init_factor_seeds_table(runs(range(3, 6), "init_factor_seeds"))
    assert [r.model for r in table.rows] == ["tanh-rho1.1"]


@pytest.mark.parametrize("name", ["gradients", "init_factors", "tbptt", "brnn", "copy"])
def test_empty_records_say_so(name):
    finding = {
        "gradients": G.gradient_findings,
        "init_factors": G.init_factor_findings,
        "tbptt": R.tbptt_findings,
        "brnn": R.brnn_findings,
        "copy": R.copy_findings,
    }[name]
    assert finding([]).startswith("No ")


def test_claims_decide_only_what_the_seeds_decide():
    """Three seeds a side far apart confirm the BRNN claim; an NTM that has not learned its
    training lengths leaves the copy claim unresolved, whatever the LSTM does."""
    from rnnbook.experiments.lipton2015 import report_claims

    brnn = [
        _record("brnn", f"{m}-s{s}", {"model": m}, {"test_accuracy": acc + 0.01 * s})
        for m, acc in (("bidirectional", 0.95), ("forward", 0.6), ("backward", 0.6))
        for s in range(3)
    ]
    copy = [
        _record(
            "copy",
            f"{m}-s{s}",
            {"model": m},
            {"valid_bit_errors": err, "L40_bit_errors": 100.0 + s},
        )
        for m, err in (("ntm-lstm", 2.0), ("lstm", 0.1))
        for s in range(2)
    ]
    claims = {c.text.split(" ")[1]: c for c in report_claims.claims(brnn + copy)}
    assert claims["bidirectional"].verdict == "confirmed"
    copy_claim = next(c for c in report_claims.claims(copy) if "copy task" in c.text)
    assert copy_claim.verdict == "unresolved" and "has not yet learned" in copy_claim.evidence
