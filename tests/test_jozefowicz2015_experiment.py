"""The chapter's training machinery, metrics, search loop and smoke jobs, end to end."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch
from made_records import made_record

from rnnbook.cells.graph import gru_graph, lstm_graph
from rnnbook.data.token_streams import StreamChunk, stream_chunks
from rnnbook.experiments import arch_search, get_experiments
from rnnbook.experiments import jozefowicz2015 as jz
from rnnbook.experiments.jozefowicz2015 import report, report_more
from rnnbook.experiments.jozefowicz2015 import train as train_jobs
from rnnbook.experiments.jozefowicz2015 import train_lm as jzlm
from rnnbook.models.jozefowicz2015 import StackedNetwork
from rnnbook.results import RunRecord

# --- the paper's numbers --------------------------------------------------------------------------


def test_paper_tables_are_read_row_by_row():
    t = jz.PAPER_TABLE1
    assert (t["arithmetic", "mut1", "test"], t["xml", "gru", "test"], t["ptb", "mut3", "test"]) == (
        0.921,
        0.4604,
        0.0916,
    )
    assert t["arithmetic", "lstm-f", "test"] == 0.2934 and len(t) == 30
    assert jz.PAPER_TABLE3["ptb", "lstm-b", "test"] == 79.8 and len(jz.PAPER_TABLE3) == 7
    # the paper's own score of MUT1: its worst task relative to the GRU is PTB
    assert jz.PAPER_SCORES["mut1"] == pytest.approx(0.0897 / 0.0907)
    assert jz.PAPER_SCORES["gru"] == 1.0


def test_hyperparameters_lie_in_the_papers_ranges_and_are_fixed():
    hps = jz.sample_hyperparameters(200, seed=1)
    assert hps == jz.sample_hyperparameters(200, seed=1) != jz.sample_hyperparameters(200, seed=2)
    s, lr, clip = np.asarray(hps).T
    assert s.min() >= 0.3 and s.max() <= 2.8 and lr.min() >= 0.1 and lr.max() <= 5.0
    assert clip.min() >= 1.0 and clip.max() <= 20.0
    assert 0.3 < np.mean(np.log(lr) < np.log(np.sqrt(0.5))) < 0.7  # log-uniform: median sqrt(0.5)


def test_every_cell_of_a_task_gets_the_same_settings():
    configs = jz.table1_configs("cpu", tasks=["xml"])
    assert len({c.hyperparameters for c in configs}) == 1 and len(configs) == 10
    with pytest.raises(ValueError, match="'chess'"):
        jz.table1_configs("cpu", tasks=["chess"])
    with pytest.raises(ValueError, match="'lstm-z'"):
        jz.table1_configs("cpu", archs=["lstm-z"])


# --- model, loss and metric -----------------------------------------------------------------------


@pytest.mark.parametrize("arch", ["lstm-b", "mut1", "gru"])
def test_member_of_a_stacked_search_equals_a_single_network(arch):
    """Member k (seed, init scale) of a stacked model equals a one-member model built with them."""
    x = torch.randint(0, 11, (6, 3))
    stack = jzlm.build_model(arch, 11, 8, layers=2, seeds=(5, 6, 7), scales=(0.5, 1.5, 2.5))
    single = jzlm.build_model(arch, 11, 8, layers=2, seeds=(6,), scales=(1.5,))
    torch.testing.assert_close(stack(x)[1], single(x)[0])


def test_scale_multiplies_weights_not_biases():
    base = jzlm.build_model("lstm-b", 7, 8, seeds=(0, 1))
    scaled = jzlm.build_model("lstm-b", 7, 8, seeds=(0, 1), scales=(2.0, 0.5))
    cell, cell2 = base.cells[0], scaled.cells[0]
    torch.testing.assert_close(cell2.weight_hh[0], 2 * cell.weight_hh[0])
    torch.testing.assert_close(scaled.embedding[1], 0.5 * base.embedding[1])
    torch.testing.assert_close(cell2.bias, cell.bias)  # forget bias 1 stays 1
    assert cell2.bias.max() == 1.0


def test_stream_loss_carries_the_state_across_chunks():
    """Two consecutive chunks see the same states as one long pass; ``first`` resets them."""
    torch.manual_seed(0)
    model = jzlm.build_model("gru", 5, 6, seeds=(0, 1))
    tokens = np.random.default_rng(0).integers(0, 5, size=2 * 41)
    long = stream_chunks(tokens, batch_size=2, unroll=40)
    short = stream_chunks(tokens, batch_size=2, unroll=20)
    loss = jzlm.StreamLoss()
    total = sum(loss(model, c) for c in short)
    torch.testing.assert_close(total, jzlm.StreamLoss()(model, long[0]), rtol=1e-5, atol=1e-5)
    again = loss(model, short[0])  # first=True: starts from zeros again
    torch.testing.assert_close(again, jzlm.StreamLoss()(model, short[0]))


class FixedLogits(torch.nn.Module):
    """A 'model' that predicts the symbol given by a table, for a hand-computed accuracy."""

    def __init__(self, guesses: torch.Tensor, vocab: int) -> None:
        super().__init__()
        self.guesses, self.vocab = guesses, vocab

    def run(self, x, states=None):
        logits = torch.full((*self.guesses.shape, *x.shape, self.vocab), 0.0)
        logits.scatter_(-1, self.guesses.view(-1, 1, 1, 1).expand(*logits.shape[:-1], 1), 10.0)
        return logits, states


def test_accuracy_counts_only_scored_targets():
    targets = torch.tensor([[1], [2], [1], [0]])
    chunk = StreamChunk(
        torch.zeros(4, 1, dtype=torch.long),
        targets,
        torch.tensor([[True], [False], [True], [True]]),
        True,
    )
    out = jzlm.evaluate_stream(FixedLogits(torch.tensor([1, 0]), 3), [chunk])
    # member 0 always says 1: right at steps 0 and 2 of the 3 scored; member 1 says 0: step 3
    torch.testing.assert_close(out["accuracy"], torch.tensor([2 / 3, 1 / 3]))
    torch.testing.assert_close(out["error"], 1 - out["accuracy"])
    p_right = math.exp(10) / (math.exp(10) + 2)
    nll0 = -(2 * math.log(p_right) + 2 * math.log((1 - p_right) / 2)) / 4  # over all 4 targets
    assert out["nll"][0].item() == pytest.approx(nll0, rel=1e-5)


def test_stacked_network_errors_name_the_problem():
    with pytest.raises(ValueError, match="exactly one of"):
        StackedNetwork(lambda *a: None, hidden_size=4, output_size=3)
    with pytest.raises(ValueError, match="unknown architecture 'lstm-q'"):
        jzlm.build_model("lstm-q", 5, 4)
    with pytest.raises(ValueError, match="integer ids"):
        jzlm.build_model("gru", 5, 4)(torch.zeros(3, 2))


# --- the search loop ------------------------------------------------------------------------------


def toy_evaluate(graph, stage, seed):
    """A stand-in for training: accuracy grows with the number of nodes (deterministic, fast)."""
    n = len(graph.nodes)
    if stage == "filter":
        return {"memorization": 1.0 if n % 3 else 0.1}
    return {"a": n / 40, "b": 0.5 + (seed % 7) / 100}


def test_search_scores_filters_dedups_and_resumes(tmp_path):
    settings = arch_search.SearchSettings(generations=3, children=5, keep=4, seed=1)
    refs = {"gru": gru_graph(), "lstm": lstm_graph()}
    state = tmp_path / "state.json"
    first, done = arch_search.run_search(refs, toy_evaluate, settings, state_path=state)
    assert done and len(first) == 2 + 3 * 5
    hashes = [c.hash for c in first]
    assert len(set(hashes)) == len(hashes)  # every candidate is new
    gru = first[0]
    assert gru.name == "gru" and gru.score == 1.0
    for c in first[2:]:
        if c.status == "evaluated":
            expected = min(c.accuracy[t] / gru.accuracy[t] for t in gru.accuracy)
            assert c.score == pytest.approx(expected) and c.memorization >= 0.75 * gru.memorization
        else:
            assert c.status == "failed filter" and c.memorization < 0.75 * gru.memorization
            assert c.score is None and not c.accuracy
    # resuming from the saved state changes nothing; a longer search continues it
    again, _ = arch_search.run_search(refs, toy_evaluate, settings, state_path=state)
    assert [c.hash for c in again] == hashes
    longer = arch_search.SearchSettings(generations=4, children=5, keep=4, seed=1)
    more, _ = arch_search.run_search(refs, toy_evaluate, longer, state_path=state)
    assert [c.hash for c in more[: len(hashes)]] == hashes and len(more) == len(hashes) + 5
    board = arch_search.leaderboard(more, top=3)
    assert [c.score for c in board] == sorted((c.score for c in board), reverse=True)


def test_a_rerun_reference_is_scored_but_never_a_parent():
    refs = {"gru": gru_graph(), "lstm": lstm_graph(), "gru-rerun": gru_graph()}
    settings = arch_search.SearchSettings(generations=2, children=4, keep=1, seed=3)

    def evaluate(graph, stage, seed):  # the rerun scores best of all
        if stage == "filter":
            return {"memorization": 1.0}
        return {"a": 0.9 if seed == 3 * 10_007 + 2 else 0.5}

    cands, _ = arch_search.run_search(refs, evaluate, settings)
    assert cands[2].name == "gru-rerun" and cands[2].score == pytest.approx(1.8)
    assert {c.parent for c in cands[3:]} == {"gru"}  # keep=1: the best non-rerun candidate


def test_search_needs_the_gru():
    with pytest.raises(ValueError, match="GRU"):
        arch_search.run_search(
            {"lstm": lstm_graph()}, toy_evaluate, arch_search.SearchSettings(1, 1)
        )


def test_a_graph_is_evaluated_by_training_it():
    config = jz.search_config("smoke")
    memo = train_jobs.evaluate_graph(config, gru_graph(), "filter", seed=0)
    tasks = train_jobs.evaluate_graph(config, gru_graph(), "tasks", seed=0)
    assert set(memo) == {"memorization"} and set(tasks) == {"arithmetic", "xml"}
    assert all(0.0 <= v <= 1.0 for v in [*memo.values(), *tasks.values()])


# --- smoke jobs end to end ------------------------------------------------------------------------


def test_table1_smoke_jobs_train_record_and_reload(results_root):
    only = ["arithmetic-lstm", "xml-mut2", "ptb-lstm-f"]
    records = jz.TABLE1_EXPERIMENT.run("smoke", only=only, progress=False)
    assert [r.run_id for r in records] == only
    for r in records:
        assert r.status == "ok" and 0.0 <= r.metrics["test_accuracy"] <= 1.0
        members = r.extra["members"]
        assert len(members) == 2 and r.metrics["best_member"] in (0, 1)
        best = min(members, key=lambda m: m["valid_error"])
        assert r.metrics["valid_accuracy"] == pytest.approx(best["valid_accuracy"])
    assert jz.TABLE1_EXPERIMENT.run("smoke", only=only) == records  # loaded, not retrained
    rows = jz.table1(records).to_dicts()
    ours = [d for d in rows if d["ours_mean"] is not None]
    assert {(d["dataset"], d["model"]) for d in ours} == {
        ("arithmetic", "lstm"),
        ("xml", "mut2"),
        ("ptb", "lstm-f"),
    }
    assert len(rows) == 30 and all(d["metric"] == "accuracy" for d in rows)


def test_cli_prints_the_table1_rows(results_root):
    jz.TABLE1_EXPERIMENT.run("smoke", only=["xml-gru"], progress=False)
    out = subprocess.run(
        [sys.executable, "-m", "rnnbook", "results", "jozefowicz2015", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = json.loads(out)
    table1 = [r for r in rows if r["experiment"] == "table1"]
    assert len(table1) == 30 and {"paper", "ours_mean", "diff"} <= set(table1[0])
    assert any(r["model"] == "gru" and r["ours_mean"] is not None for r in table1)


def test_other_smoke_experiments_run(results_root, shared_data, monkeypatch):
    monkeypatch.setenv("RNNBOOK_DATA", str(shared_data))
    music = jz.MUSIC_EXPERIMENT.run("smoke", only=["nottingham-mut1"], progress=False)
    assert music[0].metrics["test_nll"] < 88 * math.log(2)
    ptb = jz.PTB_DROPOUT_EXPERIMENT.run("smoke", only=["ptb-gru"], progress=False)
    assert 1 < ptb[0].metrics["test_perplexity"] < 10_000
    (search,) = jz.SEARCH_EXPERIMENT.run("smoke", progress=False)
    cands = jz.search_candidates(search)
    assert [c.name for c in cands[:3]] == ["gru", "lstm", "gru-rerun"] and len(cands) == 3 + 2
    assert search.metrics["gru_rerun_score"] > 0
    table = jz.search_table([search]).to_dicts()
    assert table[0]["metric"] == "score" and any(d["model"] == "gru" for d in table)
    assert [e.name for e in get_experiments("jozefowicz2015")] == [
        "table1",
        "table1_seeds",
        "table1_more_seeds",
        "music",
        "ptb_dropout",
        "search",
    ]


def test_findings_are_computed_from_the_numbers():
    def rec(task, arch, acc):
        return RunRecord(
            chapter=jz.CHAPTER,
            experiment="table1",
            profile="cpu",
            run_id=f"{task}-{arch}",
            config={"task": task, "arch": arch},
            config_hash="x",
            seed=0,
            metrics={"test_accuracy": acc},
        )

    values = {
        "lstm": 0.8,
        "lstm-f": 0.3,
        "lstm-i": 0.7,
        "lstm-o": 0.79,
        "lstm-b": 0.85,
        "gru": 0.86,
    }
    records = [rec("xml", a, v) for a, v in values.items()]
    text = report.ablation_findings(records)
    assert "the largest drop is without the forget gate (paper: forget)" in text
    assert "the smallest without the output gate (paper: output)" in text
    assert "One seed per cell: these are descriptions of single runs, not findings" in text
    # (0.85 - 0.80) / (0.86 - 0.80) = 83% of the LSTM-GRU gap closed by the bias
    assert "GRU - LSTM = +0.060 and LSTM-b - LSTM = +0.050" in text
    assert "the bias closes most of the gap (83% of it)" in text
    ranks = report.ranking_findings(records)
    assert "Spearman" in ranks and "XML" in ranks
    assert report.rank_correlation({"a": 1, "b": 2, "c": 3}, {"a": 10, "b": 20, "c": 30}) == 1.0


def test_labels_are_spread_apart_and_placing_them_ends():
    """Labels of neighbouring points end ``gap`` apart. These smoke-run accuracies once looped
    forever: a label moved to ``p + gap`` clashed again with ``p`` through rounding."""
    xs = [0.295, 0.8922, 0.2934, 0.7514, 0.867, 0.9024, 0.8962, 0.921, 0.8972, 0.9072]
    ys = [0.10563, 0.08099, 0.11972, 0.07746, 0.11268, 0.10211, 0.11620, 0.11268, 0.09155, 0.11620]
    gap, reach = 0.0029577466845512393, 0.112968
    heights = report_more._spread(xs, ys, gap=gap, reach=reach)
    for i in range(len(xs)):
        assert heights[i] >= ys[i]
        for j in range(i):
            if abs(xs[i] - xs[j]) < reach:
                assert abs(heights[i] - heights[j]) >= gap * (1 - 1e-6)
    assert report_more._spread([0.0, 5.0], [0.5, 0.5], gap=0.1, reach=1.0) == [0.5, 0.5]


def test_long_table1_is_the_papers_tasks_searched_over_eight_settings_and_trains():
    """`long`: arithmetic at 8 digits and XML, ten cells each, 8 settings from the paper's ranges
    and 10,000 updates per setting; a job builds and trains (here on a few hundred tokens)."""
    import dataclasses

    from rnnbook.experiments.jobs import RunContext

    jobs = jz.TABLE1_EXPERIMENT.jobs_of("long")
    assert {j.config.task for j in jobs} == {"arithmetic", "xml"} and len(jobs) == 20
    arithmetic = next(j.config for j in jobs if j.config.task == "arithmetic")
    assert arithmetic.max_digits == 8 and len(arithmetic.hyperparameters) == 8
    tokens_per_update = arithmetic.batch_size * arithmetic.unroll
    assert arithmetic.epochs * arithmetic.train_tokens // tokens_per_update == 10_000
    assert not jz.MUSIC_EXPERIMENT.jobs_of("long")
    tiny = dataclasses.replace(arithmetic, epochs=1, train_tokens=1_400, eval_tokens=1_400)
    job = dataclasses.replace(jobs[0], config=tiny)
    (record,) = jz.TABLE1_EXPERIMENT.train(job, RunContext(torch.device("cpu"), "test"))
    assert record.metrics["updates"] == 2 and 0 <= record.metrics["test_accuracy"] <= 1


def test_the_best_setting_of_each_searched_cell_retrains_with_seeds(tmp_path, monkeypatch):
    """Where a profile asks for `reseed`, each (task, cell) with a search record gets a job of
    its best setting times the seeds, one record per seed, all with that setting (the samples
    the verdicts need). Cells not yet searched get no job."""
    from rnnbook.experiments.jozefowicz2015 import config_profiles

    monkeypatch.setenv("RNNBOOK_RESULTS", str(tmp_path))
    monkeypatch.setenv("RNNBOOK_WORKERS", "1")
    monkeypatch.delenv("RERUN", raising=False)
    monkeypatch.setitem(config_profiles.PROFILES["smoke"]["table1"], "reseed", 2)
    assert jz.TABLE1_SEEDS_EXPERIMENT.jobs_of("smoke") == []  # nothing searched yet
    (searched,) = jz.TABLE1_EXPERIMENT.run("smoke", only=["arithmetic-lstm"], progress=False)
    (job,) = jz.TABLE1_SEEDS_EXPERIMENT.jobs_of("smoke")
    best = (searched.metrics["init_scale"], searched.metrics["lr"], searched.metrics["clip"])
    assert job.key == "arithmetic-lstm" and job.config.hyperparameters == (best, best)
    records = jz.TABLE1_SEEDS_EXPERIMENT.run("smoke", progress=False)
    assert [r.run_id for r in records] == ["arithmetic-lstm-s100", "arithmetic-lstm-s101"]
    assert all(r.metrics["lr"] == best[1] for r in records)
    assert all(0 <= r.metrics["test_accuracy"] <= 1 for r in records)


def test_ptb_dropout_trains_each_cell_at_its_best_rate_on_validation(results_root):
    """A PTB-with-dropout job first tries its candidate rates for an epoch, stacked, then trains
    the one of the lowest validation NLL: its record is, number for number, a plain run at that
    rate, with the search in it, and no state file is left behind."""
    import dataclasses

    from rnnbook.experiments.jobs import RunContext

    (job,) = [j for j in jz.PTB_DROPOUT_EXPERIMENT.jobs_of("smoke") if j.key == "ptb-gru"]
    context = RunContext(torch.device("cpu"), "test")
    (record,) = jz.train_searched_dropout_job(job, context)
    search = record.extra["lr_search"]
    assert [s["lr"] for s in search] == list(job.config.lrs) and len(search) >= 2
    best = min(search, key=lambda s: s["valid_nll"])["lr"]
    assert record.metrics["lr"] == best
    assert record.config_hash == job.run_hash(job.key)
    assert tuple(record.config["lrs"]) == job.config.lrs
    fields = {f.name for f in dataclasses.fields(jz.DropoutConfig)}
    at_best = jz.DropoutConfig(**{f: getattr(job.config, f) for f in fields if f != "lr"}, lr=best)
    (plain,) = jz.train_ptb_dropout_job(dataclasses.replace(job, config=at_best), context)
    assert plain.metrics == {k: v for k, v in record.metrics.items() if k != "lr"}
    assert not [f for f in results_root.rglob("_checkpoints/*") if f.suffix != ".lock"]


def test_long_ptb_dropout_is_every_cell_at_one_size_with_seeds_for_the_verdict():
    """`long` PTB with dropout: Table 3's seven cells on the whole corpus at one common size and
    the same number of updates, each at the best of the same candidate rates, the LSTM and the
    tanh RNN with three seeds (the verdict compares them); seed 0 keeps the `cpu` job names, the
    others are named by their seed."""
    jobs = jz.PTB_DROPOUT_EXPERIMENT.jobs_of("long")
    configs = [j.config for j in jobs]
    assert {c.arch for c in configs} == {a for _, a, _ in jz.PAPER_TABLE3}
    assert len({(c.hidden, c.layers, c.epochs, c.train_tokens) for c in configs}) == 1
    assert configs[0].train_tokens is None  # the whole training set
    assert {c.lrs for c in configs} == {jz.LRS_DROPOUT} and configs[0].search_epochs == 1
    seeds = {a: sorted(c.seed for c in configs if c.arch == a) for a in ("lstm", "tanh", "gru")}
    assert seeds == {"lstm": [0, 1, 2], "tanh": [0, 1, 2], "gru": [0]}
    keys = {j.key: j.runs for j in jobs}
    assert keys["ptb-lstm"] == {"ptb-lstm": 0} and keys["ptb-lstm-s2"] == {"ptb-lstm-s2": 2}
    assert [j.key for j in jz.PTB_DROPOUT_EXPERIMENT.jobs_of("cpu")][0] == "ptb-lstm-b"


def test_long_search_sees_at_least_a_hundred_candidates_on_the_papers_tasks():
    (job,) = jz.SEARCH_EXPERIMENT.jobs_of("long")
    config = job.config
    assert config.generations * config.children >= 100
    assert config.max_digits == 8 and {t.task for t in config.tasks} == {"arithmetic", "xml"}


def test_a_profile_without_ptb_has_baselines_for_its_own_tasks_only():
    """`long` Table 1 has no PTB: its page still lists the no-memory baselines (a missing task
    stopped the page build once)."""
    from rnnbook.experiments.jozefowicz2015 import report

    assert set(report.no_memory_baselines("long")) == {"arithmetic", "xml"}


@pytest.mark.parametrize(
    "order, hits",
    [
        (0, [True, False, False, True]),  # always 0, the commonest training token
        (1, [True, False, True]),  # after 0: 1 (twice of three); after 1: 0; after 2: unseen, 0
        (2, [False, True]),  # after (0, 1): 0; after (1, 2): unseen, 0
    ],
)
def test_the_ngram_baseline_on_a_hand_counted_stream(order, hits):
    train, test = np.array([0, 1, 0, 1, 0, 2]), np.array([0, 1, 2, 0])
    assert report.ngram_guess_hits(train, test, 3, order).tolist() == hits


def test_a_search_records_trajectory_is_its_best_settings_curve():
    from rnnbook.experiments.jozefowicz2015.report_claims import _best_curve
    from rnnbook.results import RunRecord

    record = RunRecord(
        chapter="jozefowicz2015",
        experiment="table1",
        profile="long",
        run_id="xml-gru",
        config={"epochs": 2},
        config_hash="h",
        seed=0,
        metrics={"best_member": 1, "updates": 100},
        curves={"epoch": [1, 2], "valid_accuracy": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]},
    )
    best = _best_curve(record)
    assert best.curves["valid_accuracy"] == [0.2, 0.5] and best.curves["updates"] == [50, 100]


def _seeded(task: str, arch: str, accuracies, profile: str = "long") -> list:
    """Table 1's best setting of ``arch`` on ``task`` retrained, one record per accuracy."""
    return [
        made_record(
            "jozefowicz2015",
            "table1_seeds",
            f"{task}-{arch}-s{k}",
            {"task": task, "arch": arch},
            {"test_accuracy": a},
            seed=k,
            profile=profile,
        )
        for k, a in enumerate(accuracies)
    ]


def _table1_claims(records) -> dict:
    from rnnbook.experiments.jozefowicz2015 import report_claims

    found = report_claims.claims(records)
    keys = ("forget", "output", "bias", "gru", "mut1", "dropout")
    return dict(zip(keys, found, strict=True))


#: Test accuracies as on arithmetic at `long`: the gates ordered f < i < o, LSTM < LSTM-b < GRU.
CELLS = {"lstm": 0.2, "lstm-b": 0.3, "gru": 0.33, "lstm-f": 0.13, "lstm-i": 0.14, "lstm-o": 0.15}


def test_a_claim_on_arithmetic_and_xml_says_which_task_it_could_not_judge_yet():
    arithmetic = [r for a, v in CELLS.items() for r in _seeded("arithmetic", a, (v, v + 0.002))]
    claims = _table1_claims(arithmetic)
    judged = [claims[k] for k in ("forget", "output", "bias", "gru")]
    assert [c.verdict for c in judged] == ["confirmed"] * 4
    assert all("Not judged on xml yet" in c.evidence for c in judged)
    xml = [r for a in CELLS for r in _seeded("xml", a, (0.46, 0.47))]  # every cell alike on XML
    claims = _table1_claims(arithmetic + xml)
    judged = [claims[k] for k in ("forget", "output", "bias", "gru")]
    assert [c.verdict for c in judged] == ["unresolved"] * 4
    assert not any("Not judged" in c.evidence for c in judged)


def test_the_output_gate_claim_needs_lstm_o_ahead_of_both_other_ablations():
    base = {**CELLS, "lstm-i": 0.15, "lstm-o": 0.14}  # without the output gate worse than input
    runs = [r for a, v in base.items() for r in _seeded("arithmetic", a, (v, v + 0.002))]
    claims = _table1_claims(runs)
    assert claims["forget"].verdict == "confirmed" and claims["output"].verdict == "refuted"
    close = {**CELLS, "lstm-o": 0.141}  # LSTM-o ahead of LSTM-i by less than its noise
    runs = [r for a, v in close.items() for r in _seeded("arithmetic", a, (v, v + 0.004))]
    output = _table1_claims(runs)["output"]
    assert output.verdict == "unresolved"
    assert output.to_decide.startswith("about ") and "at the `long` protocol" in output.to_decide


def test_mut1_is_judged_on_the_strongest_profile_that_has_it_with_the_gru_and_the_lstm():
    long_cells = [r for a, v in CELLS.items() for r in _seeded("arithmetic", a, (v, v + 0.002))]
    assert _table1_claims(long_cells)["mut1"].evidence == "Not recorded yet."
    cpu_mut1 = [
        made_record(
            "jozefowicz2015",
            "table1",
            f"arithmetic-{a}",
            {"task": "arithmetic", "arch": a},
            {"test_accuracy": v},
            profile="cpu",
        )
        for a, v in (("mut1", 0.4), ("gru", 0.3), ("lstm", 0.2))
    ]
    mut1 = _table1_claims(long_cells + cpu_mut1)["mut1"]
    assert (mut1.verdict, mut1.profile) == ("unresolved", "cpu")  # one seed decides nothing
    assert "mut1 0.400 (n = 1)" in mut1.evidence
    ahead = _seeded("arithmetic", "mut1", (0.40, 0.402))
    mut1 = _table1_claims(long_cells + cpu_mut1 + ahead)["mut1"]
    assert (mut1.verdict, mut1.profile) == ("confirmed", "long")
    behind = _seeded("xml", "mut1", (0.40, 0.402)) + [
        r for a in ("gru", "lstm") for r in _seeded("xml", a, (0.45, 0.452))
    ]
    assert _table1_claims(long_cells + ahead + behind)["mut1"].verdict == "refuted"


def test_dropout_findings_name_each_cell_s_chosen_rate():
    def run(arch, ppl, lr):
        config = {"arch": arch, "lrs": [1.0, 0.3, 0.1], "eval_tokens": 1_400}
        metrics = {"test_perplexity": ppl, "test_accuracy": 0.2, "lr": lr}
        return made_record("jozefowicz2015", "ptb_dropout", f"ptb-{arch}", config, metrics)

    text = report_more.dropout_findings([run("lstm", 110.0, 1.0), run("tanh", 150.0, 0.1)])
    assert "after one epoch of each candidate (1, 0.3, 0.1): LSTM 1, Tanh 0.1." in text


def test_more_seeds_retrain_table1_seeds_jobs_with_more_members(tmp_path, monkeypatch):
    """`table1_more_seeds` is the `table1_seeds` job of the cells it names with more members:
    the same setting and data, the first seeds the same runs (trained again, the same numbers)."""
    from rnnbook.experiments.jozefowicz2015 import config_more_seeds, config_profiles

    monkeypatch.setenv("RNNBOOK_RESULTS", str(tmp_path))
    monkeypatch.setenv("RNNBOOK_WORKERS", "1")
    monkeypatch.delenv("RERUN", raising=False)
    monkeypatch.setitem(config_profiles.PROFILES["smoke"]["table1"], "reseed", 2)
    spec = dict(cells=(("arithmetic", "lstm"),), seeds=3)
    monkeypatch.setitem(config_more_seeds.MORE_SEEDS, "smoke", spec)
    assert jz.TABLE1_MORE_SEEDS_EXPERIMENT.jobs_of("smoke") == []  # nothing searched yet
    jz.TABLE1_EXPERIMENT.run("smoke", only=["arithmetic-lstm", "xml-lstm"], progress=False)
    (seeds,) = [j for j in jz.TABLE1_SEEDS_EXPERIMENT.jobs_of("smoke") if j.key.startswith("a")]
    (more,) = jz.TABLE1_MORE_SEEDS_EXPERIMENT.jobs_of("smoke")  # xml is not named
    assert more.key == seeds.key and list(more.runs) == [*seeds.runs, "arithmetic-lstm-s102"]
    assert more.config == dataclasses.replace(
        seeds.config, hyperparameters=seeds.config.hyperparameters[:1] * 3
    )
    three = jz.TABLE1_MORE_SEEDS_EXPERIMENT.run("smoke", progress=False)
    two = jz.TABLE1_SEEDS_EXPERIMENT.run("smoke", only=["arithmetic-lstm"], progress=False)
    for a, b in zip(two, three):
        assert a.run_id == b.run_id and a.metrics["test_accuracy"] == pytest.approx(
            b.metrics["test_accuracy"], abs=1e-6
        )


def test_the_page_says_how_far_the_shared_seeds_moved_in_the_larger_stack():
    """Two seeds in both experiments: moved by 0.01 and 0.03 (mean 0.02, the largest named); a
    seed only the larger stack has, and a stale run, count for nothing."""
    from rnnbook.experiments.jozefowicz2015 import report_more

    def run(experiment, seed, accuracy, stale=False):
        config = {"task": "arithmetic", "arch": "lstm-o"}
        metrics = {"test_accuracy": accuracy, "updates": 10_000}
        run_id = f"arithmetic-lstm-o-s{seed}"
        return made_record(
            "jozefowicz2015", experiment, run_id, config, metrics, seed=seed, stale=stale
        )

    few = [run("table1_seeds", 100, 0.14), run("table1_seeds", 101, 0.15)]
    more = [run("table1_more_seeds", 100, 0.13), run("table1_more_seeds", 101, 0.18)]
    more += [run("table1_more_seeds", 102, 0.5), run("table1_seeds", 103, 0.9, stale=True)]
    more += [run("table1_more_seeds", 103, 0.1)]
    text = report_more.restack_findings(few + more)
    assert text.startswith("The 2 runs `table1_more_seeds` shares with `table1_seeds`")
    assert "moved by 0.020 on average, at most 0.030 (lstm-o on arithmetic, seed 101: " in text
    assert "0.150 → 0.180). " in text and "10,000 updates" in text
    assert report_more.restack_findings(few) == ""


def test_the_claims_take_the_more_seeds_runs_in_place_of_the_three_of_their_cells(monkeypatch):
    def made(experiment, arch, seed, profile="long", stale=False):
        config = {"task": "arithmetic", "arch": arch}
        metrics = {"test_accuracy": 0.1 + seed / 1000}
        run_id = f"arithmetic-{arch}-s{seed}"
        return made_record(
            "jozefowicz2015",
            experiment,
            run_id,
            config,
            metrics,
            seed=seed,
            profile=profile,
            stale=stale,
        )

    three = [made("table1_seeds", a, s) for a in ("lstm-i", "lstm-o") for s in range(100, 103)]
    more = [made("table1_more_seeds", "lstm-i", s) for s in range(100, 126)]
    picked = {(r.experiment, r.config["arch"]) for r in jz.reseeded(three + more)}
    assert picked == {("table1_more_seeds", "lstm-i"), ("table1_seeds", "lstm-o")}
    assert len(jz.reseeded(three + more)) == 26 + 3
    cpu = [made("table1_more_seeds", "lstm-o", s, profile="cpu") for s in range(100, 126)]
    assert len(jz.reseeded(three + cpu)) == 6 + 26  # another profile replaces nothing at long
    stale = [dataclasses.replace(r, stale=True) for r in more]
    assert {r.experiment for r in jz.reseeded(three + stale)} == {"table1_seeds"}

    stored = {"table1_seeds": three, "table1_more_seeds": more}

    def recorded(self, profile=None, root=None):
        return [r for r in stored.get(self.name, []) if profile in (None, r.profile)]

    monkeypatch.setattr(type(jz.TABLE1_SEEDS_EXPERIMENT), "recorded", recorded)
    rows = {(r.model, r.n) for r in jz.strongest_seeds_table().rows}
    assert rows == {("lstm-i", 26), ("lstm-o", 3)}
